/**
 * The host's TLS identity on disk (server/tls-identity.ts): made once and
 * kept (0600 files, 0700 directory), the same fingerprint on every later
 * load, a key readable by others refused, and a user's certificate checked
 * against its key. Real files in a temporary folder.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  TLS_CERT_FILE,
  TLS_KEY_FILE,
  TlsIdentityError,
  createSelfSignedIdentity,
  fingerprintOfCertificate,
  loadOrCreateTlsIdentity,
  loadTlsIdentityFiles,
  shortFingerprint,
  type TlsIdentity,
} from '../../server/tls-identity';

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-tls-identity-'));
after(() => rmSync(tempRoot, { recursive: true, force: true }));
let counter = 0;

/** A new path under the temporary root (not created). */
function freshPath(name = 'data'): string {
  counter += 1;
  return join(tempRoot, `${name}-${counter}`);
}

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: string): Promise<TlsIdentityError> {
  let caught: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TlsIdentityError, `expected a TlsIdentityError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

/** Writes an identity's two files (key 0600) in a new folder; their paths. */
function writePair(cert: string, key: string, keyMode = 0o600): { certPath: string; keyPath: string } {
  const directory = freshPath('user');
  mkdirSync(directory);
  const certPath = join(directory, 'cert.pem');
  const keyPath = join(directory, 'key.pem');
  writeFileSync(certPath, cert);
  writeFileSync(keyPath, key, { mode: keyMode });
  chmodSync(keyPath, keyMode);
  return { certPath, keyPath };
}

describe('createSelfSignedIdentity', () => {
  let identity: TlsIdentity;
  before(async () => {
    identity = await createSelfSignedIdentity();
  });

  it('makes an ECDSA P-256 server certificate naming localhost and the loopback addresses', () => {
    const certificate = new X509Certificate(identity.cert);
    assert.equal(certificate.publicKey.asymmetricKeyType, 'ec');
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(certificate.checkPrivateKey(require('node:crypto').createPrivateKey(identity.key)));
    assert.equal(certificate.ca, false);
    assert.match(certificate.subjectAltName ?? '', /DNS:localhost/);
    assert.match(certificate.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.deepEqual(certificate.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'serverAuth');
    assert.ok(new Date(certificate.validTo).getTime() > Date.now() + 10 * 365 * 24 * 3600 * 1000, 'valid for years');
  });

  it('reports the fingerprint certificate viewers show: SHA-256 of the DER bytes, AB:CD:…', () => {
    assert.match(identity.fingerprint, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    assert.equal(identity.fingerprint, new X509Certificate(identity.cert).fingerprint256);
    assert.equal(fingerprintOfCertificate(new X509Certificate(identity.cert).raw), identity.fingerprint, 'from DER too');
    assert.equal(shortFingerprint(identity.fingerprint), identity.fingerprint.replace(/:/g, '').slice(0, 16).replace(/(.{4})(?!$)/g, '$1 '));
  });

  it('makes a new key each time', async () => {
    assert.notEqual((await createSelfSignedIdentity()).fingerprint, identity.fingerprint);
  });
});

describe('fingerprintOfCertificate', () => {
  it('refuses what is not a certificate', () => {
    assert.throws(() => fingerprintOfCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), TypeError);
  });
});

describe('loadOrCreateTlsIdentity', () => {
  it('makes the identity once in a new 0700 folder, files 0600, and loads the same one after', async () => {
    const directory = join(freshPath(), 'lanchat');
    const first = await loadOrCreateTlsIdentity(directory);
    assert.equal(first.created, true);
    assert.equal(first.certPath, join(directory, TLS_CERT_FILE));
    assert.equal(first.keyPath, join(directory, TLS_KEY_FILE));
    assert.equal(modeOf(directory), 0o700);
    assert.equal(modeOf(first.certPath), 0o600);
    assert.equal(modeOf(first.keyPath), 0o600);
    assert.deepEqual(readdirSync(directory).sort(), [TLS_CERT_FILE, TLS_KEY_FILE], 'no temporary files left');
    assert.equal(fingerprintOfCertificate(readFileSync(first.certPath, 'utf8')), first.fingerprint);

    const again = await loadOrCreateTlsIdentity(directory);
    assert.equal(again.created, false);
    assert.equal(again.fingerprint, first.fingerprint);
    assert.equal(again.cert, first.cert);
    assert.equal(again.key, first.key);
  });

  it('leaves an existing folder as its owner made it', async () => {
    const directory = freshPath();
    mkdirSync(directory, { mode: 0o755 });
    chmodSync(directory, 0o755);
    await loadOrCreateTlsIdentity(directory);
    assert.equal(modeOf(directory), 0o755);
  });

  it('refuses a stored key that the group or others can read, and keeps it', async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const directory = freshPath();
      const made = await loadOrCreateTlsIdentity(directory);
      chmodSync(made.keyPath, mode);
      const error = await rejectsWith(loadOrCreateTlsIdentity(directory), 'TLS_ERR_KEY_EXPOSED');
      assert.equal(error.path, made.keyPath);
      assert.match(error.message, /chmod 600/);
      assert.equal(readFileSync(made.keyPath, 'utf8'), made.key, 'not replaced');
    }
  });

  it('makes both files anew when a start was cut off after writing only the key', async () => {
    const directory = freshPath();
    const made = await loadOrCreateTlsIdentity(directory);
    unlinkSync(made.certPath);
    const remade = await loadOrCreateTlsIdentity(directory);
    assert.equal(remade.created, true);
    assert.notEqual(remade.fingerprint, made.fingerprint);
    assert.equal((await loadOrCreateTlsIdentity(directory)).fingerprint, remade.fingerprint);
  });

  it('refuses stored files that do not belong together instead of replacing them', async () => {
    const directory = freshPath();
    await loadOrCreateTlsIdentity(directory);
    const other = await createSelfSignedIdentity();
    writeFileSync(join(directory, TLS_CERT_FILE), other.cert);
    await rejectsWith(loadOrCreateTlsIdentity(directory), 'TLS_ERR_MISMATCH');
  });

  it('says which folder it cannot write', async () => {
    const file = freshPath('file');
    writeFileSync(file, 'not a folder');
    const error = await rejectsWith(loadOrCreateTlsIdentity(join(file, 'lanchat')), 'TLS_ERR_WRITE');
    assert.match(error.message, /Cannot create/);
  });
});

describe('loadTlsIdentityFiles', () => {
  let identity: TlsIdentity;
  let other: TlsIdentity;
  before(async () => {
    [identity, other] = await Promise.all([createSelfSignedIdentity(), createSelfSignedIdentity()]);
  });

  it('loads a user certificate and its key, with the certificate’s fingerprint', () => {
    const { certPath, keyPath } = writePair(identity.cert, identity.key);
    const loaded = loadTlsIdentityFiles(certPath, keyPath);
    assert.equal(loaded.fingerprint, identity.fingerprint);
    assert.equal(loaded.cert, identity.cert);
  });

  it('refuses a key that belongs to another certificate', async () => {
    const { certPath, keyPath } = writePair(identity.cert, other.key);
    const error = await rejectsWith(() => loadTlsIdentityFiles(certPath, keyPath), 'TLS_ERR_MISMATCH');
    assert.equal(error.path, keyPath);
  });

  it('refuses a key every user can read, but accepts a group-readable one (ssl-cert)', async () => {
    const exposed = writePair(identity.cert, identity.key, 0o644);
    await rejectsWith(() => loadTlsIdentityFiles(exposed.certPath, exposed.keyPath), 'TLS_ERR_KEY_EXPOSED');
    const group = writePair(identity.cert, identity.key, 0o640);
    assert.equal(loadTlsIdentityFiles(group.certPath, group.keyPath).fingerprint, identity.fingerprint);
  });

  it('refuses a file that is not PEM, and one that is missing, naming it', async () => {
    const notPem = writePair('hello', identity.key);
    assert.equal((await rejectsWith(() => loadTlsIdentityFiles(notPem.certPath, notPem.keyPath), 'TLS_ERR_INVALID')).path, notPem.certPath);
    const badKey = writePair(identity.cert, 'not a key');
    assert.equal((await rejectsWith(() => loadTlsIdentityFiles(badKey.certPath, badKey.keyPath), 'TLS_ERR_INVALID')).path, badKey.keyPath);
    const missing = join(tempRoot, 'missing.pem');
    assert.ok(!existsSync(missing));
    assert.equal((await rejectsWith(() => loadTlsIdentityFiles(missing, badKey.keyPath), 'TLS_ERR_UNREADABLE')).path, missing);
  });
});
