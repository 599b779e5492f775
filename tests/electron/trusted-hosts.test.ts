import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { fingerprintFromChromium, hostKey, TrustedHosts } from '../../electron/trusted-hosts';
import { formatFingerprint } from '../../server/protocol/fingerprint';

const A = Array.from({ length: 32 }, () => 'AA').join(':');
const B = Array.from({ length: 32 }, () => 'BB').join(':');
const folder = mkdtempSync(join(tmpdir(), 'lanchat-trusted-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describe('hostKey', () => {
  test('is host:port of an https origin, host lower case, IPv6 without brackets, 443 by default', () => {
    assert.equal(hostKey('https://Host.Local:8443'), 'host.local:8443');
    assert.equal(hostKey('https://[::1]:8443'), '::1:8443');
    assert.equal(hostKey('https://192.0.2.5'), '192.0.2.5:443');
  });

  test('is undefined for a plain-HTTP origin or nonsense', () => {
    assert.equal(hostKey('http://192.0.2.5:8080'), undefined);
    assert.equal(hostKey('not a url'), undefined);
  });
});

describe('fingerprintFromChromium', () => {
  test("turns Chromium's sha256/<base64> into the AB:CD:… form of the same digest", () => {
    const digest = createHash('sha256').update('certificate').digest();
    assert.equal(fingerprintFromChromium(`sha256/${digest.toString('base64')}`), formatFingerprint(digest));
  });

  test('refuses another algorithm or a digest of the wrong length', () => {
    assert.equal(fingerprintFromChromium(`sha1/${Buffer.alloc(20).toString('base64')}`), undefined);
    assert.equal(fingerprintFromChromium(`sha256/${Buffer.alloc(20).toString('base64')}`), undefined);
  });
});

describe('TrustedHosts', () => {
  test('remembers pins across instances in a 0600 file, the canonical form, the latest pin winning', () => {
    const path = join(folder, 'a', 'trusted-hosts.json');
    const first = new TrustedHosts(path, () => 1_000);
    first.pin('https://192.0.2.5:8443', A.replace(/:/g, '').toLowerCase(), 'pinned');
    first.pin('https://192.0.2.6:8443', A, 'trusted');
    first.pin('https://192.0.2.6:8443', B, 'trusted');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const second = new TrustedHosts(path);
    assert.deepEqual(second.get('https://192.0.2.5:8443'), { fingerprint: A, source: 'pinned', at: 1_000 });
    assert.equal(second.get('https://192.0.2.6:8443')?.fingerprint, B);
    assert.equal(second.get('https://192.0.2.5:9999'), undefined, 'another port of the host is another host');
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { version: number }).version, 1);
  });

  test('accepts a certificate only when it is pinned for that host name (any of its ports)', () => {
    const hosts = new TrustedHosts(undefined);
    hosts.pin('https://[::1]:8443', A, 'pinned');
    assert.equal(hosts.accepts('::1', A), true);
    assert.equal(hosts.accepts('[::1]', A), true);
    assert.equal(hosts.accepts('::1', B), false, 'another certificate');
    assert.equal(hosts.accepts('127.0.0.1', A), false, 'another host');
  });

  test('lets a discovery record fill in a missing pin but never replace one', () => {
    const hosts = new TrustedHosts(undefined);
    assert.equal(hosts.offer('https://192.0.2.5:8443', A).fingerprint, A);
    assert.equal(hosts.offer('https://192.0.2.5:8443', B).fingerprint, A, 'a forged record changes nothing');
    assert.equal(hosts.accepts('192.0.2.5', B), false);
  });

  test('refuses to pin a plain-HTTP origin or a damaged fingerprint', () => {
    const hosts = new TrustedHosts(undefined);
    assert.throws(() => hosts.pin('http://192.0.2.5:8080', A, 'pinned'), TypeError);
    assert.throws(() => hosts.pin('https://192.0.2.5:8443', A.slice(0, -3), 'pinned'), TypeError);
  });

  test('starts empty from a damaged file, and skips damaged entries', () => {
    const path = join(folder, 'damaged.json');
    writeFileSync(path, '{"version":1,"hosts":{"192.0.2.5:8443":{"fingerprint":"AA:AA"},"192.0.2.6:8443":{"fingerprint":"' + B + '","source":"trusted","at":5}}}');
    const hosts = new TrustedHosts(path);
    assert.equal(hosts.get('https://192.0.2.5:8443'), undefined);
    assert.equal(hosts.get('https://192.0.2.6:8443')?.fingerprint, B);
    writeFileSync(path, '{not json');
    assert.equal(new TrustedHosts(path).get('https://192.0.2.6:8443'), undefined);
  });
});
