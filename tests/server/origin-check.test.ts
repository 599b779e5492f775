import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';

import { DESKTOP_APP_ORIGIN, createOriginCheck, normaliseAllowedOrigins } from '../../server/origin-check';

/** The only part of a request the check reads. */
function requestWith(headers: { origin?: string; host?: string }): IncomingMessage {
  return { headers } as IncomingMessage;
}

describe('normaliseAllowedOrigins', () => {
  it('defaults to no extra origins', () => {
    assert.deepEqual(normaliseAllowedOrigins(undefined), []);
    assert.deepEqual(normaliseAllowedOrigins([]), []);
  });

  it('keeps "*", and turns a list containing "*" into "*"', () => {
    assert.equal(normaliseAllowedOrigins('*'), '*');
    assert.equal(normaliseAllowedOrigins(['http://ok.example', '*']), '*');
  });

  it('lower-cases http and https origins, with or without a port', () => {
    assert.deepEqual(normaliseAllowedOrigins(['HTTP://OK.Example', 'https://ok.example:8443', 'http://192.168.1.20:8080', 'http://[fe80::1]:80']), [
      'http://ok.example',
      'https://ok.example:8443',
      'http://192.168.1.20:8080',
      'http://[fe80::1]:80',
    ]);
  });

  for (const entry of [
    'ok.example',
    '//ok.example',
    'ftp://ok.example',
    'app://lanchat',
    'http://',
    'http://ok.example/app',
    'http://ok.example?x=1',
    'http://ok.example#top',
    'http://ok .example',
    ' http://ok.example',
    '',
    'null',
  ]) {
    it(`throws TypeError for the entry ${JSON.stringify(entry)}`, () => {
      assert.throws(() => normaliseAllowedOrigins([entry]), TypeError);
    });
  }

  it('accepts one trailing slash, as origins are often copied from an address bar', () => {
    assert.deepEqual(normaliseAllowedOrigins(['http://OK.example/']), ['http://ok.example']);
  });

  it('throws TypeError for a non-string entry and for a value that is neither "*" nor a list', () => {
    assert.throws(() => normaliseAllowedOrigins([42 as unknown as string]), TypeError);
    assert.throws(() => normaliseAllowedOrigins('http://ok.example' as unknown as '*'), TypeError);
    assert.throws(() => normaliseAllowedOrigins({} as unknown as '*'), TypeError);
  });
});

describe('createOriginCheck', () => {
  describe('default (no extra origins)', () => {
    const allowed = createOriginCheck([]);

    it('allows requests without Origin (clients that are not browsers)', () => {
      assert.equal(allowed(requestWith({ host: '127.0.0.1:8080' })), true);
      assert.equal(allowed(requestWith({})), true);
    });

    it('allows the desktop app', () => {
      assert.equal(allowed(requestWith({ origin: DESKTOP_APP_ORIGIN, host: '127.0.0.1:8080' })), true);
      assert.equal(allowed(requestWith({ origin: 'APP://LanChat', host: '127.0.0.1:8080' })), true);
    });

    for (const host of ['127.0.0.1:8080', '192.168.1.20:8080', '[::1]:8080', '[fe80::1]:8080', 'localhost:8080', 'lanchat-host.local:8080', '127.0.0.1', 'localhost']) {
      it(`allows the host's own origin when Host is ${host}`, () => {
        assert.equal(allowed(requestWith({ origin: `http://${host}`, host })), true);
        assert.equal(allowed(requestWith({ origin: `https://${host}`, host })), true);
      });
    }

    it("allows the host's own origin under this machine's hostname", () => {
      const host = `${hostname().toLowerCase()}:8080`;
      assert.equal(allowed(requestWith({ origin: `http://${host}`, host })), true);
    });

    it('compares origin and host without letter case', () => {
      assert.equal(allowed(requestWith({ origin: 'http://LOCALHOST:8080', host: 'localhost:8080' })), true);
    });

    it('refuses a foreign origin', () => {
      assert.equal(allowed(requestWith({ origin: 'http://evil.example', host: '127.0.0.1:8080' })), false);
      assert.equal(allowed(requestWith({ origin: 'null', host: '127.0.0.1:8080' })), false);
    });

    it('refuses the same host on another port or scheme-less', () => {
      assert.equal(allowed(requestWith({ origin: 'http://127.0.0.1:9090', host: '127.0.0.1:8080' })), false);
      assert.equal(allowed(requestWith({ origin: '127.0.0.1:8080', host: '127.0.0.1:8080' })), false);
    });

    it('refuses an Origin when Host is missing', () => {
      assert.equal(allowed(requestWith({ origin: 'http://127.0.0.1:8080' })), false);
    });

    // DNS rebinding: evil.example resolves to the LAN host, so the page's
    // Origin and the request's Host agree, but neither names this machine.
    for (const host of ['evil.example:8080', 'evil.example', 'evil.local.example:8080', '127.0.0.1.evil.example']) {
      it(`refuses a matching Origin and Host that do not name this machine (${host})`, () => {
        assert.equal(allowed(requestWith({ origin: `http://${host}`, host })), false);
      });
    }
  });

  describe('with allowed origins', () => {
    const allowed = createOriginCheck(normaliseAllowedOrigins(['http://OK.example', 'https://ok.example:8443']));

    it('allows the listed origins (the header compared without letter case)', () => {
      assert.equal(allowed(requestWith({ origin: 'http://ok.example', host: '127.0.0.1:8080' })), true);
      assert.equal(allowed(requestWith({ origin: 'http://OK.EXAMPLE', host: '127.0.0.1:8080' })), true);
      assert.equal(allowed(requestWith({ origin: 'https://ok.example:8443', host: '127.0.0.1:8080' })), true);
    });

    it('refuses the listed host under another scheme or port', () => {
      assert.equal(allowed(requestWith({ origin: 'https://ok.example', host: '127.0.0.1:8080' })), false);
      assert.equal(allowed(requestWith({ origin: 'http://ok.example:8080', host: '127.0.0.1:8080' })), false);
    });

    it('still allows no Origin, the desktop app and same-origin requests', () => {
      assert.equal(allowed(requestWith({ host: '127.0.0.1:8080' })), true);
      assert.equal(allowed(requestWith({ origin: DESKTOP_APP_ORIGIN, host: '127.0.0.1:8080' })), true);
      assert.equal(allowed(requestWith({ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' })), true);
    });

    it('still refuses other origins', () => {
      assert.equal(allowed(requestWith({ origin: 'http://evil.example', host: '127.0.0.1:8080' })), false);
    });
  });

  describe('"*"', () => {
    it('allows every origin, whatever the Host', () => {
      const allowed = createOriginCheck('*');
      assert.equal(allowed(requestWith({ origin: 'http://evil.example', host: 'evil.example' })), true);
      assert.equal(allowed(requestWith({ origin: 'null' })), true);
    });
  });
});
