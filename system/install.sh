#!/usr/bin/env bash
# Installs or upgrades Caretaker on a Debian or Raspberry Pi OS box, from a checkout that has been
# built (as your user, not root: `npm ci && npm run build`). Then, as root:
#   sudo bash system/install.sh
# It installs the runtime packages, puts the code in /opt/caretaker, creates the caretaker user,
# installs and starts caretaker.service. The tests never run it (they only check it with bash -n).
set -euo pipefail

PREFIX=/opt/caretaker
UNIT_FILE=/etc/systemd/system/caretaker.service
MOUNT_UNIT_FILE=/etc/systemd/system/caretaker-mount@.service
POLKIT_RULES=/etc/polkit-1/rules.d/50-caretaker-mount.rules
MOUNT_ROOT=/media/caretaker
SYSUSERS_FILE=/etc/sysusers.d/caretaker.conf
DATA_DIR=/var/lib/caretaker
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

die() {
  echo "install.sh: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run it as root: sudo bash system/install.sh"
[ -d /run/systemd/system ] || die "systemd is not running on this machine"
command -v apt-get >/dev/null || die "this installer is for Debian-based systems (no apt-get)"
command -v systemd-sysusers >/dev/null || die "systemd-sysusers is missing (package systemd)"
for f in package.json package-lock.json dist/src/cli.js static; do
  [ -e "$REPO/$f" ] || die "$REPO/$f is missing: run 'npm ci && npm run build' in the checkout first"
done

umask 022
export DEBIAN_FRONTEND=noninteractive

echo "==> Installing runtime packages"
apt-get update -qq
apt-get install -y -qq --no-install-recommends nmap snmp rsync iproute2 openssh-client openssl tzdata \
  polkitd

# The unit runs /usr/bin/node, which must be Node.js 20 or later. Debian 12 and Raspberry Pi OS 12
# ship Node 18, so the packages from the configured repositories may not be enough.
major() { # "20.19.2+dfsg-1" or "1:20.1.0-1nodesource1" -> 20
  local v="${1#*:}"
  echo "${v%%.*}"
}
installed_major() {
  /usr/bin/node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}
if [ "$(installed_major)" -lt 20 ]; then
  candidate="$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}')"
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && [ "$(major "$candidate")" -ge 20 ]; then
    apt-get install -y -qq --no-install-recommends nodejs
  fi
fi
if [ "$(installed_major)" -lt 20 ]; then
  die "Caretaker needs Node.js 20 or later at /usr/bin/node; found: $(/usr/bin/node --version 2>/dev/null || echo none).
  The apt repositories offer nodejs ${candidate:-(none)}. Debian 12 and Raspberry Pi OS 12 ship
  Node 18: add the NodeSource repository for Node 20 (https://github.com/nodesource/distributions)
  or use Debian 13, then run this script again."
fi
# Debian's nodejs package has no npm (NodeSource's has).
command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm

echo "==> Installing the code to $PREFIX"
# Built next to the old copy and swapped in, so a failed npm ci leaves the running version alone.
mkdir -p "$(dirname "$PREFIX")"
staging="$(mktemp -d "$PREFIX.new.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
chmod 0755 "$staging"
cp "$REPO/package.json" "$REPO/package-lock.json" "$staging/"
# Owned by root and read-only for the service; only the compiled code (views are in dist).
rsync -r --links --exclude=/tests/ --chmod=D0755,F0644 "$REPO/dist/" "$staging/dist/"
rsync -r --links --chmod=D0755,F0644 "$REPO/static/" "$staging/static/"
(cd "$staging" && npm ci --omit=dev --no-audit --no-fund)

echo "==> Creating the caretaker user"
install -D -m 0644 "$REPO/system/caretaker.sysusers" "$SYSUSERS_FILE"
systemd-sysusers "$SYSUSERS_FILE"

echo "==> Installing caretaker.service"
systemctl stop caretaker.service 2>/dev/null || true
if [ -d "$PREFIX" ]; then
  rm -rf "$PREFIX.old"
  mv "$PREFIX" "$PREFIX.old"
fi
mv "$staging" "$PREFIX"
trap - EXIT
rm -rf "$PREFIX.old"
install -m 0644 "$REPO/system/caretaker.service" "$UNIT_FILE"
# Backup disks: the root helper unit that mounts one by UUID, the polkit rule that lets the
# service start it (and nothing else), and the directory the disks are mounted below.
install -m 0644 "$REPO/system/caretaker-mount@.service" "$MOUNT_UNIT_FILE"
install -D -m 0644 "$REPO/system/caretaker-mount.rules" "$POLKIT_RULES"
install -d -m 0755 "$MOUNT_ROOT"
systemctl daemon-reload

# Wait until the service listens (or has given up), so the summary below is true.
started="$(date +%s)"
systemctl enable --now caretaker.service
for _ in $(seq 1 30); do
  # grep without -q reads all input, so journalctl never dies of SIGPIPE under pipefail.
  if journalctl -q -o cat -u caretaker.service --since "@$started" 2>/dev/null |
    grep 'Caretaker is listening' >/dev/null; then
    break
  fi
  sleep 1
done
echo
if ! systemctl -q is-active caretaker.service; then
  die "caretaker.service is not running. See: journalctl -u caretaker -n 50"
fi
address="$(hostname -I 2>/dev/null | awk '{print $1}')"
echo "Caretaker is installed and running (systemctl status caretaker)."
echo "Web interface: https://${address:-<this box>}/ (unless the port is changed in a drop-in)"
if command -v openssl >/dev/null && [ -f "$DATA_DIR/tls/cert.pem" ]; then
  echo "The box made its own HTTPS certificate; the browser will ask you to trust it. Its"
  echo "$(openssl x509 -in "$DATA_DIR/tls/cert.pem" -noout -fingerprint -sha256)"
fi
if [ -f "$DATA_DIR/setup-code" ]; then
  echo "This box is not set up yet. The one-time setup code is in $DATA_DIR/setup-code"
  echo "(sudo cat $DATA_DIR/setup-code) and in the log (journalctl -u caretaker)."
  echo "Open /setup in the web interface and enter it to create the first admin."
else
  echo "There is no setup code in $DATA_DIR/setup-code: the box has been set up already, or the"
  echo "service is still starting (journalctl -u caretaker shows it once written)."
fi
