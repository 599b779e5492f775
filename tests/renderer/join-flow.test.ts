/**
 * Tests for renderer/src/lib/join-flow.ts: finding the room a Join form
 * names among a host's rooms, compared as the host compares room names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RoomsReport } from '../../server/protocol';
import { UiErrorCode } from '../../renderer/src/lib/error-text';
import { certificateVerdict, findRoom, isLoopbackOrigin } from '../../renderer/src/lib/join-flow';

const report: RoomsReport = {
  name: 'lanchat',
  protocol: 1,
  version: '1.0.0',
  hostName: 'Hana',
  instanceId: 'i',
  guestRooms: true,
  rooms: [
    { name: 'Lobby', protected: false, members: 2 },
    { name: 'Book club', protected: true },
  ],
};

describe('findRoom', () => {
  it("finds a room whatever its letter case, in the host's spelling", () => {
    assert.equal(findRoom(report, 'lobby')?.name, 'Lobby');
    assert.equal(findRoom(report, '  BOOK CLUB ')?.name, 'Book club');
  });

  it('compares NFKC forms, as the host does (fullwidth letters are plain ones)', () => {
    assert.equal(findRoom(report, 'Ｌｏｂｂｙ')?.name, 'Lobby');
  });

  it('finds nothing for a room the host does not have, lookalikes included', () => {
    assert.equal(findRoom(report, 'lobbby'), undefined);
    assert.equal(findRoom(report, 'L0bby'), undefined);
    assert.equal(findRoom({ ...report, rooms: [] }, 'lobby'), undefined);
  });
});

const PINNED = Array.from({ length: 32 }, () => 'AA').join(':');
const OTHER = Array.from({ length: 32 }, () => 'BB').join(':');

describe('certificateVerdict', () => {
  const origin = 'https://192.0.2.5:8443';

  it('connects without asking when the host presents the pinned certificate', () => {
    assert.deepEqual(certificateVerdict(origin, { ok: true, fingerprint: PINNED, pinned: PINNED }), { action: 'connect' });
  });

  it('asks, showing the fingerprint, when nothing is pinned for the host', () => {
    assert.deepEqual(certificateVerdict(origin, { ok: true, fingerprint: OTHER }), { action: 'ask', fingerprint: OTHER });
  });

  it('refuses a changed certificate with a warning naming both fingerprints, full and short', () => {
    const verdict = certificateVerdict(origin, { ok: true, fingerprint: OTHER, pinned: PINNED });
    assert.equal(verdict.action, 'refuse');
    if (verdict.action !== 'refuse') return;
    assert.equal(verdict.error.code, UiErrorCode.CertificateChanged);
    assert.match(verdict.error.text, /impersonating the host/);
    for (const text of [PINNED, OTHER, 'AAAA AAAA AAAA AAAA', 'BBBB BBBB BBBB BBBB', '192.0.2.5:8443']) assert.ok(verdict.error.text.includes(text), text);
  });

  it('refuses when no certificate could be read, saying why', () => {
    const verdict = certificateVerdict(origin, { ok: false, message: 'no TLS connection (ECONNREFUSED)' });
    assert.equal(verdict.action === 'refuse' && verdict.error.code, UiErrorCode.CertificateUnavailable);
    assert.match(verdict.action === 'refuse' ? verdict.error.text : '', /^Could not read the certificate of 192\.0\.2\.5:8443: no TLS connection \(ECONNREFUSED\)\./);
  });
});

describe('isLoopbackOrigin', () => {
  it('knows the addresses whose traffic never leaves this computer', () => {
    for (const origin of ['http://127.0.0.1:8080', 'http://127.1.2.3:1', 'http://localhost:8080', 'http://[::1]:8080']) assert.equal(isLoopbackOrigin(origin), true, origin);
    for (const origin of ['http://192.0.2.5:8080', 'http://128.0.0.1:80', 'http://localhost.example:80', 'nonsense']) assert.equal(isLoopbackOrigin(origin), false, origin);
  });
});
