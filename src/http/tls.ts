import os from 'node:os';
import path from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { AppError } from '../core/errors.js';
import { runProgram } from '../lib/spawn.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the certificate (colon-separated hex), to compare by eye or pin. */
  fingerprint256: string;
  subject: string;
  validTo: string;
  selfSigned: boolean;
  certFile: string;
}

export function tlsDir(dataDir: string): string {
  return path.join(dataDir, 'tls');
}

/** Names the certificate is valid for: the box's host name, localhost and the loopback address. */
function subjectAltNames(hostname: string): string {
  const names = new Set([hostname, `${hostname.split('.')[0]}`, 'localhost']);
  return [...names]
    .filter((n) => /^[A-Za-z0-9.-]{1,253}$/.test(n))
    .map((n) => `DNS:${n}`)
    .concat('IP:127.0.0.1', 'IP:::1')
    .join(',');
}

/**
 * Makes a self-signed certificate (ECDSA P-256, 10 years) with the `openssl` program. Written
 * beside the final files and renamed into place, key first, so that a crash never leaves a
 * certificate without its key.
 */
async function generateSelfSigned(dir: string, hostname: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyTmp = path.join(dir, 'key.pem.tmp');
  const certTmp = path.join(dir, 'cert.pem.tmp');
  const cn = /^[A-Za-z0-9.-]{1,64}$/.test(hostname) ? hostname : 'caretaker';
  try {
    const r = await runProgram(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-sha256',
        '-days',
        '3650',
        '-keyout',
        keyTmp,
        '-out',
        certTmp,
        '-subj',
        `/O=Caretaker/CN=${cn}`,
        '-addext',
        `subjectAltName=${subjectAltNames(hostname)}`,
      ],
      { timeoutMs: 30_000 },
    );
    if (r.code !== 0) {
      throw new AppError(
        'TLS_CERT_FAILED',
        `openssl could not make the box's certificate: ${r.stderr.trim().split('\n').pop() ?? ''}`,
        { kind: 'permanent' },
      );
    }
    await chmod(keyTmp, 0o600);
    await rename(keyTmp, path.join(dir, 'key.pem'));
    await rename(certTmp, path.join(dir, 'cert.pem'));
  } finally {
    await rm(keyTmp, { force: true });
    await rm(certTmp, { force: true });
  }
}

async function readPair(certFile: string, keyFile: string): Promise<{ cert: string; key: string }> {
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (err) {
    throw new AppError(
      'TLS_FILES_UNREADABLE',
      `Cannot read the TLS certificate or key (${certFile}, ${keyFile}): ${(err as Error).message}`,
      { kind: 'permanent', cause: err },
    );
  }
}

/**
 * The certificate the box serves: the admin's own (tls.certFile/keyFile), or one the box made for
 * itself on first boot in `<dataDir>/tls/`. A pair that does not belong together is refused.
 */
export async function loadTls(
  dataDir: string,
  tls: { certFile?: string | undefined; keyFile?: string | undefined },
): Promise<TlsMaterial> {
  let certFile: string;
  let keyFile: string;
  let selfSigned = false;
  if (tls.certFile || tls.keyFile) {
    if (!tls.certFile || !tls.keyFile) {
      throw new AppError('TLS_CONFIG', 'Set both tls.certFile and tls.keyFile, or neither.', {
        kind: 'permanent',
      });
    }
    certFile = tls.certFile;
    keyFile = tls.keyFile;
  } else {
    const dir = tlsDir(dataDir);
    certFile = path.join(dir, 'cert.pem');
    keyFile = path.join(dir, 'key.pem');
    selfSigned = true;
    const present = await readPair(certFile, keyFile).then(
      () => true,
      () => false,
    );
    if (!present) await generateSelfSigned(dir, os.hostname());
  }
  const { cert, key } = await readPair(certFile, keyFile);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new AppError('TLS_CERT_INVALID', `${certFile} is not a PEM certificate.`, {
      kind: 'permanent',
      cause: err,
    });
  }
  let matches = false;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new AppError('TLS_KEY_MISMATCH', `${keyFile} is not the key of ${certFile}.`, {
      kind: 'permanent',
    });
  }
  return {
    cert,
    key,
    fingerprint256: x509.fingerprint256,
    subject: x509.subject.replace(/\n/g, ', '),
    validTo: new Date(x509.validTo).toISOString(),
    selfSigned,
    certFile,
  };
}
