/**
 * The host's TLS identity (issue 15): a certificate and its private key,
 * and the certificate's SHA-256 fingerprint that clients pin.
 *
 * A host generates a self-signed ECDSA P-256 certificate once and keeps it
 * in its data directory (`tls-cert.pem`, `tls-key.pem`, both 0600, in a
 * 0700 directory), so its fingerprint stays the same across restarts and
 * invites that carry it stay valid. A user may bring a certificate of their
 * own instead ({@link loadTlsIdentityFiles}).
 *
 * Why the certificate names little: LanChat clients pin the fingerprint
 * (from an invite or the host screen), not a name, so the subject
 * alternative names (localhost, 127.0.0.1, ::1, this machine's name and
 * `<name>.local`) only make the certificate viewer's page readable. The LAN
 * addresses are left out on purpose: they change with DHCP while the
 * certificate must not, and a browser warns about a self-signed certificate
 * whatever names it carries.
 *
 * @public
 */
import { X509Certificate } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { createSecureContext } from 'node:tls';

import { shortFingerprint } from './protocol/fingerprint';
import { syncDirectory } from './sync-directory';

/** A certificate, its private key and its fingerprint. @public */
export interface TlsIdentity {
  /** The certificate (chain), PEM. */
  cert: string;
  /** Its private key, PEM (PKCS #8 for generated ones). */
  key: string;
  /** SHA-256 of the certificate's DER bytes, `AB:CD:…` (32 upper-case hex pairs), as Chromium's certificate viewer shows it. */
  fingerprint: string;
}

/** A stored identity and where it lives. @public */
export interface StoredTlsIdentity extends TlsIdentity {
  /** The certificate file. */
  certPath: string;
  /** The private key file. */
  keyPath: string;
  /** Whether this call generated it (first start): the host says so, since pinned clients will see a new fingerprint. */
  created: boolean;
}

/**
 * Why a TLS identity cannot be used. Update the README's TLS section too.
 * @public
 */
export type TlsIdentityErrorCode =
  /** The private key file can be read by other users: it may have leaked, and is not used. */
  | 'TLS_ERR_KEY_EXPOSED'
  /** A certificate or key file cannot be read (missing, no permission). */
  | 'TLS_ERR_UNREADABLE'
  /** A file is not a PEM certificate or private key. */
  | 'TLS_ERR_INVALID'
  /** The private key does not belong to the certificate. */
  | 'TLS_ERR_MISMATCH'
  /** The identity could not be written to the data directory. */
  | 'TLS_ERR_WRITE';

/** A TLS identity that cannot be used, with a sentence naming the file and what to do. @public */
export class TlsIdentityError extends Error {
  /** Stable code, for callers and tests. */
  readonly code: TlsIdentityErrorCode;
  /** The file concerned. */
  readonly path: string;

  constructor(code: TlsIdentityErrorCode, path: string, message: string) {
    super(message);
    this.name = 'TlsIdentityError';
    this.code = code;
    this.path = path;
  }
}

/** The generated certificate's file name in the data directory. */
export const TLS_CERT_FILE = 'tls-cert.pem';
/** The generated private key's file name in the data directory. */
export const TLS_KEY_FILE = 'tls-key.pem';

/** Mode of the files written here: their owner only. */
const PRIVATE_FILE_MODE = 0o600;
/** Mode of a data directory created here (as the CLI's and the desktop profile's). */
const PRIVATE_DIRECTORY_MODE = 0o700;
/** Any permission for the group or others (generated key files must have none). */
const GROUP_OR_OTHER_BITS = 0o077;
/** Any permission for others (a user's own key may be group-readable, e.g. Debian's ssl-cert group). */
const OTHER_BITS = 0o007;
/**
 * How long a generated certificate is valid. Long, because renewing it
 * changes the fingerprint and every pinned client would have to be told
 * again; Node clients that pin it through `ca` refuse it once expired.
 */
const CERTIFICATE_VALIDITY_YEARS = 20;
/** Bytes of the random serial number (positive, under RFC 5280's 20-byte limit). */
const SERIAL_BYTES = 16;

/**
 * The SHA-256 fingerprint of a certificate, PEM (the first certificate of a
 * chain) or DER bytes, as `AB:CD:…`.
 *
 * @throws TypeError when it is not a certificate
 * @public
 */
export function fingerprintOfCertificate(certificate: string | Uint8Array): string {
  try {
    return new X509Certificate(typeof certificate === 'string' ? certificate : Buffer.from(certificate)).fingerprint256;
  } catch (error) {
    throw new TypeError(`not an X.509 certificate: ${(error as Error).message}`);
  }
}

export { shortFingerprint };

/** Names the generated certificate carries (see the file comment for why LAN addresses are not among them). */
function certificateNames(): { commonName: string; dns: string[]; ips: string[] } {
  const machine = hostname().toLowerCase();
  const dns = ['localhost'];
  if (/^[a-z0-9-]+$/.test(machine) && machine !== 'localhost') dns.push(machine, `${machine}.local`);
  return { commonName: `LanChat host ${machine}`, dns, ips: ['127.0.0.1', '::1'] };
}

function toPem(label: 'PRIVATE KEY', der: ArrayBuffer): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Generates a self-signed ECDSA P-256 certificate (SHA-256 signature,
 * serverAuth) and its key. Chromium accepts P-256 for TLS servers
 * everywhere; Ed25519 it does not.
 *
 * @public
 */
export async function createSelfSignedIdentity(): Promise<TlsIdentity> {
  // @peculiar/x509 2.x needs a Reflect metadata polyfill loaded before it
  // (its tsyringe container); both load only when a certificate is made,
  // which is once per data directory.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  const { subtle } = globalThis.crypto;
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const names = certificateNames();
  const notBefore = new Date();
  // A little in the past, so a client whose clock is a few minutes behind accepts it.
  notBefore.setHours(notBefore.getHours() - 1);
  const notAfter = new Date(notBefore);
  notAfter.setFullYear(notAfter.getFullYear() + CERTIFICATE_VALIDITY_YEARS);
  const serial = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(SERIAL_BYTES)));
  serial[0] = (serial[0] ?? 0) & 0x7f; // positive, as RFC 5280 §4.1.2.2 requires
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: `CN=${names.commonName}, O=LanChat`,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...names.dns.map((value) => ({ type: 'dns' as const, value })),
          ...names.ips.map((value) => ({ type: 'ip' as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    },
    globalThis.crypto,
  );
  const cert = certificate.toString('pem');
  const key = toPem('PRIVATE KEY', await subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: cert.endsWith('\n') ? cert : `${cert}\n`, key, fingerprint: fingerprintOfCertificate(cert) };
}

/**
 * Checks that a certificate and key are PEM and belong together: a TLS
 * context built from them must succeed, as the server will build one.
 */
function checkPair(cert: string, key: string, certPath: string, keyPath: string): string {
  let fingerprint: string;
  try {
    fingerprint = fingerprintOfCertificate(cert);
  } catch {
    throw new TlsIdentityError('TLS_ERR_INVALID', certPath, `${certPath} is not a PEM certificate.`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(`${reason} ${(error as Error).message}`)) {
      throw new TlsIdentityError('TLS_ERR_MISMATCH', keyPath, `The private key ${keyPath} does not belong to the certificate ${certPath}.`);
    }
    throw new TlsIdentityError('TLS_ERR_INVALID', keyPath, `${keyPath} is not a usable private key for ${certPath} (${reason}).`);
  }
  return fingerprint;
}

/**
 * Refuses a key file that others can read: it may have been copied, and a
 * host using it could be impersonated. Not checked on Windows, whose files
 * have no such mode bits.
 */
function checkKeyMode(keyPath: string, forbidden: number): void {
  if (process.platform === 'win32') return;
  const mode = statSync(keyPath).mode & 0o777;
  if ((mode & forbidden) !== 0) {
    throw new TlsIdentityError(
      'TLS_ERR_KEY_EXPOSED',
      keyPath,
      `The private key ${keyPath} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}); it is not used. ` +
        `Make it private with: chmod 600 ${keyPath}` +
        (forbidden === GROUP_OR_OTHER_BITS ? ', or delete both tls-*.pem files to make a new certificate (clients will see a new fingerprint).' : '.'),
    );
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TlsIdentityError('TLS_ERR_UNREADABLE', path, `Cannot read ${path} (${code}).`);
  }
}

/**
 * Loads a certificate and key the user already has (`--tls-cert`,
 * `--tls-key`), checking that they are PEM, belong together and that the
 * key is not readable by every user.
 *
 * @throws TlsIdentityError
 * @public
 */
export function loadTlsIdentityFiles(certPath: string, keyPath: string): TlsIdentity {
  const cert = readText(certPath);
  const key = readText(keyPath);
  checkKeyMode(keyPath, OTHER_BITS);
  return { cert, key, fingerprint: checkPair(cert, key, certPath, keyPath) };
}

let temporaryCounter = 0;

/** Writes a private file whole or not at all: a temporary file (0600 from its creation), flushed, renamed over `path`. */
function writePrivateFileAtomically(path: string, text: string): void {
  temporaryCounter += 1;
  const temporary = `${path}.${process.pid}.${temporaryCounter}.tmp`;
  try {
    // 'wx': never through an existing file or link; the mode is set at
    // creation, so the key is never readable by others, not even briefly.
    const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already renamed: nothing to remove.
    }
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TlsIdentityError('TLS_ERR_WRITE', path, `Cannot write ${path} (${code}).`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The host's own identity in `directory`: loaded when `tls-cert.pem` and
 * `tls-key.pem` are there, generated and written once otherwise (directory
 * 0700 when created here, files 0600, each written atomically, the key
 * first). When only one of the two files exists, a start was cut off while
 * writing them: no client can have pinned that certificate yet, so both are
 * made anew.
 *
 * @throws TlsIdentityError when the stored key is readable by others, the
 *   files are damaged or do not belong together, or they cannot be written
 * @public
 */
export async function loadOrCreateTlsIdentity(directory: string): Promise<StoredTlsIdentity> {
  const certPath = join(directory, TLS_CERT_FILE);
  const keyPath = join(directory, TLS_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readText(certPath);
    const key = readText(keyPath);
    checkKeyMode(keyPath, GROUP_OR_OTHER_BITS);
    return { cert, key, fingerprint: checkPair(cert, key, certPath, keyPath), certPath, keyPath, created: false };
  }
  if (!existsSync(directory)) {
    try {
      mkdirSync(dirname(directory), { recursive: true });
      mkdirSync(directory, { mode: PRIVATE_DIRECTORY_MODE });
    } catch (error) {
      // Another process may have made it meanwhile; anything else in the way is an error.
      if (!isDirectory(directory)) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new TlsIdentityError('TLS_ERR_WRITE', directory, `Cannot create ${directory} (${code}).`);
      }
    }
  }
  const identity = await createSelfSignedIdentity();
  // The key first: a certificate on disk always has its key beside it.
  writePrivateFileAtomically(keyPath, identity.key);
  writePrivateFileAtomically(certPath, identity.cert);
  syncDirectory(directory);
  return { ...identity, certPath, keyPath, created: true };
}
