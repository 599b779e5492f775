import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FINGERPRINT_BYTES, formatFingerprint, isFingerprint, parseFingerprint, sameFingerprint, shortFingerprint } from '../../server/protocol';

const BYTES = Uint8Array.from({ length: FINGERPRINT_BYTES }, (_, index) => index * 8 + 0xab);
const FULL = formatFingerprint(BYTES);

describe('formatFingerprint', () => {
  it('writes 32 upper-case hex pairs joined by colons, as certificate viewers do', () => {
    assert.equal(FULL.split(':').length, FINGERPRINT_BYTES);
    assert.ok(FULL.startsWith('AB:B3:BB:C3:'));
    assert.ok(isFingerprint(FULL));
  });

  it('refuses a digest of another length', () => {
    assert.throws(() => formatFingerprint(new Uint8Array(20)), TypeError);
  });
});

describe('parseFingerprint', () => {
  it('accepts lower case, spaces, dashes and no separators, and gives the canonical form', () => {
    const hex = FULL.replace(/:/g, '');
    assert.equal(parseFingerprint(hex.toLowerCase()), FULL);
    assert.equal(parseFingerprint(FULL.replace(/:/g, ' ')), FULL);
    assert.equal(parseFingerprint(FULL.replace(/:/g, '-')), FULL);
    assert.equal(parseFingerprint(` ${FULL} `), FULL);
  });

  it('refuses a truncated, overlong or non-hex text', () => {
    assert.equal(parseFingerprint(FULL.slice(0, -3)), undefined);
    assert.equal(parseFingerprint(`${FULL}:00`), undefined);
    assert.equal(parseFingerprint(FULL.replace('A', 'G')), undefined);
    assert.equal(parseFingerprint(''), undefined);
  });
});

describe('shortFingerprint', () => {
  it('is the first four groups of four hex digits', () => {
    assert.equal(shortFingerprint(FULL), 'ABB3 BBC3 CBD3 DBE3');
    assert.equal(shortFingerprint(FULL.toLowerCase()), 'ABB3 BBC3 CBD3 DBE3');
  });

  it('refuses what is not a fingerprint', () => {
    assert.throws(() => shortFingerprint('AB:CD'), TypeError);
  });
});

describe('sameFingerprint', () => {
  it('compares any accepted forms, and never matches an invalid one', () => {
    assert.ok(sameFingerprint(FULL, FULL.replace(/:/g, '').toLowerCase()));
    assert.ok(!sameFingerprint(FULL, formatFingerprint(new Uint8Array(FINGERPRINT_BYTES))));
    assert.ok(!sameFingerprint('x', 'x'));
  });
});
