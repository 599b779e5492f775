import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { appJoinLink, FINGERPRINT_BYTES, formatFingerprint, inviteUrl, parseInvite } from '../../server/protocol';

const FP = formatFingerprint(Uint8Array.from({ length: FINGERPRINT_BYTES }, (_, index) => index * 7 + 3));
const FP_HEX = FP.replace(/:/g, '');

describe('inviteUrl', () => {
  it('names the room and nothing else for a plain host', () => {
    assert.equal(inviteUrl('http://192.0.2.5:8080', 'Tea Room'), 'http://192.0.2.5:8080/?room=Tea+Room');
  });

  it('carries the fingerprint as fp= (hex without colons) and is https for a TLS host', () => {
    assert.equal(inviteUrl('https://192.0.2.5:8080', 'lobby', FP), `https://192.0.2.5:8080/?room=lobby&fp=${FP_HEX}`);
    // An http: origin with a fingerprint is a TLS host reached by its plain name.
    assert.equal(inviteUrl('http://192.0.2.5:8080', 'lobby', FP), `https://192.0.2.5:8080/?room=lobby&fp=${FP_HEX}`);
  });

  it('refuses a fingerprint that is not one', () => {
    assert.throws(() => inviteUrl('https://192.0.2.5:8080', 'lobby', FP.slice(0, -3)), TypeError);
  });
});

describe('appJoinLink', () => {
  it('is host, port and room for a plain host', () => {
    assert.equal(appJoinLink('http://192.0.2.5:8080', 'lobby'), 'lanchat://join?host=192.0.2.5&port=8080&room=lobby');
  });

  it('adds tls=1 and fp= for a TLS host', () => {
    assert.equal(appJoinLink('https://192.0.2.5:8080', 'lobby', FP), `lanchat://join?host=192.0.2.5&port=8080&room=lobby&tls=1&fp=${FP_HEX}`);
    assert.equal(appJoinLink('https://192.0.2.5:8080', 'lobby'), 'lanchat://join?host=192.0.2.5&port=8080&room=lobby&tls=1');
  });
});

describe('parseInvite', () => {
  it('reads both kinds of plain invite without a fingerprint', () => {
    assert.deepEqual(parseInvite('http://192.0.2.5:8080/?room=lobby'), { origin: 'http://192.0.2.5:8080', room: 'lobby' });
    assert.deepEqual(parseInvite('lanchat://join?host=192.0.2.5&port=8080&room=lobby'), { origin: 'http://192.0.2.5:8080', room: 'lobby' });
  });

  it('round-trips the fingerprint of both kinds, in the canonical form, with an https origin', () => {
    const expected = { origin: 'https://192.0.2.5:8080', room: 'lobby', fingerprint: FP };
    assert.deepEqual(parseInvite(inviteUrl('https://192.0.2.5:8080', 'lobby', FP)), expected);
    assert.deepEqual(parseInvite(appJoinLink('https://192.0.2.5:8080', 'lobby', FP)), expected);
    assert.deepEqual(parseInvite(appJoinLink('https://[2001:db8::5]:8080', 'lobby', FP)), { ...expected, origin: 'https://[2001:db8::5]:8080' });
  });

  it('goes to https when an http link carries fp= or an app link says tls=1', () => {
    assert.deepEqual(parseInvite(`http://192.0.2.5:8080/?fp=${FP_HEX.toLowerCase()}`), { origin: 'https://192.0.2.5:8080', fingerprint: FP });
    assert.deepEqual(parseInvite('lanchat://join?host=192.0.2.5&port=8080&tls=1'), { origin: 'https://192.0.2.5:8080' });
  });

  it('refuses an invite whose fingerprint was damaged (it must pin nothing)', () => {
    assert.equal(parseInvite(`https://192.0.2.5:8080/?room=lobby&fp=${FP_HEX.slice(0, 40)}`), null);
    assert.equal(parseInvite(`lanchat://join?host=192.0.2.5&port=8080&fp=${FP_HEX}zz`), null);
    assert.equal(parseInvite('lanchat://join?host=192.0.2.5&port=8080&fp='), null);
  });
});
