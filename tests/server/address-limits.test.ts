import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AddressCounter, addressKey } from '../../server/address-limits';

describe('addressKey', () => {
  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    assert.equal(addressKey('::ffff:192.168.1.20'), '192.168.1.20');
    assert.equal(addressKey('192.168.1.20'), '192.168.1.20');
  });

  it('counts each IPv6 address on its own (a LAN shares one /64: per /64 would make it one client), without its zone', () => {
    assert.equal(addressKey('2001:DB8:1:2::1'), '2001:db8:1:2::1');
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:2::2'));
    assert.equal(addressKey('fe80::1%eth0'), 'fe80::1');
  });

  it('has a key for a socket without an address (already gone)', () => {
    assert.equal(addressKey(undefined), 'unknown');
  });
});

describe('AddressCounter', () => {
  it('gives each key up to the limit, and a released slot back', () => {
    const counter = new AddressCounter(2);
    assert.equal(counter.tryAcquire('a'), true);
    assert.equal(counter.tryAcquire('a'), true);
    assert.equal(counter.tryAcquire('a'), false);
    assert.equal(counter.tryAcquire('b'), true);
    assert.equal(counter.count('a'), 2);
    assert.equal(counter.total, 3);
    counter.release('a');
    assert.equal(counter.tryAcquire('a'), true);
    counter.release('a');
    counter.release('a');
    counter.release('b');
    assert.equal(counter.total, 0);
  });
});
