/**
 * Tests for renderer/src/lib/address.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DEFAULT_HOST_PORT, normalizeAddress } from '../../renderer/src/lib/address';

describe('normalizeAddress', () => {
  test('adds http:// to host:port', () => {
    assert.equal(normalizeAddress('192.168.1.5:8080'), 'http://192.168.1.5:8080');
    assert.equal(normalizeAddress('localhost:9000'), 'http://localhost:9000');
  });

  test('uses the default port when neither scheme nor port is given', () => {
    assert.equal(DEFAULT_HOST_PORT, 8080);
    assert.equal(normalizeAddress('192.168.1.5'), 'http://192.168.1.5:8080');
    assert.equal(normalizeAddress('  my-laptop.local  '), 'http://my-laptop.local:8080');
  });

  test('keeps an explicit port even when it is the scheme default', () => {
    assert.equal(normalizeAddress('192.168.1.5:80'), 'http://192.168.1.5');
  });

  test('keeps the scheme default port when a scheme is given (a page origin round-trips)', () => {
    assert.equal(normalizeAddress('http://chat.lan'), 'http://chat.lan');
    assert.equal(normalizeAddress('https://chat.lan'), 'https://chat.lan');
  });

  test('drops path, query and fragment', () => {
    assert.equal(normalizeAddress('http://host:1234/anything?room=lobby#x'), 'http://host:1234');
    assert.equal(normalizeAddress('HTTP://Host:1234/'), 'http://host:1234');
  });

  test('maps ws:// and wss:// to http:// and https://', () => {
    assert.equal(normalizeAddress('ws://10.0.0.2:8080/ws'), 'http://10.0.0.2:8080');
    assert.equal(normalizeAddress('wss://10.0.0.2:8443'), 'https://10.0.0.2:8443');
  });

  test('accepts IPv6, bracketed or bare', () => {
    assert.equal(normalizeAddress('[::1]:8080'), 'http://[::1]:8080');
    assert.equal(normalizeAddress('[::1]'), 'http://[::1]:8080');
    assert.equal(normalizeAddress('fe80::1'), 'http://[fe80::1]:8080');
    assert.equal(normalizeAddress('http://[::1]:9000/x'), 'http://[::1]:9000');
  });

  test('rejects garbage with a message for the user', () => {
    for (const input of ['', '   ', 'not an address', '!!!', 'host:99999', 'host:0', 'host:abc', 'http://', 'user:pw@host:8080', '999.1.1.1']) {
      assert.throws(() => normalizeAddress(input), (error: unknown) => {
        assert.ok(error instanceof Error, `expected an Error for ${JSON.stringify(input)}`);
        assert.ok(error.message.length > 0);
        return true;
      }, `expected ${JSON.stringify(input)} to be rejected`);
    }
  });

  test('rejects schemes other than http(s) and ws(s)', () => {
    assert.throws(() => normalizeAddress('ftp://host:21'), /http/);
    assert.throws(() => normalizeAddress('file:///etc/passwd'));
  });
});
