#!/usr/bin/env bash
# Installs the Debian packages the appliance, its tests and the demo need, if any is missing.
# Needs root (or sudo) when something must be installed; does nothing when all are present.
set -euo pipefail
PACKAGES=(nmap snmp snmpd rsync iproute2 openssh-client openssh-server chromium systemd prometheus openssl tzdata)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}" >&2
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
