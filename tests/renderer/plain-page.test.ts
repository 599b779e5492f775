/**
 * plainPageOfTlsHost and namesOrigin (renderer/src/lib/plain-page.ts)
 * against real hosts on 127.0.0.1: the plain listener for browsers of a TLS
 * host is recognised from its `/rooms`; a host without TLS and an https page
 * are not (their join card says nothing about the page's connection).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createChatServer, type ChatServer } from '../../server';
import { createSelfSignedIdentity } from '../../server/tls-identity';
import { namesOrigin, plainPageOfTlsHost } from '../../renderer/src/lib/plain-page';
import { BASE_OPTIONS } from '../server/helpers';

describe('plainPageOfTlsHost', () => {
  let tlsHost: ChatServer;
  let plainHost: ChatServer;
  let browsersOrigin = '';
  let plainOrigin = '';

  before(async () => {
    tlsHost = createChatServer({ ...BASE_OPTIONS, tls: await createSelfSignedIdentity(), httpForBrowsersPort: 0 });
    await tlsHost.start();
    browsersOrigin = `http://127.0.0.1:${tlsHost.httpForBrowsersAddress()?.port}`;
    plainHost = createChatServer({ ...BASE_OPTIONS });
    plainOrigin = `http://127.0.0.1:${(await plainHost.start()).port}`;
  });
  after(async () => {
    await Promise.all([tlsHost?.close(), plainHost?.close()]);
  });

  it('names the page of a TLS host’s plain listener for browsers', async () => {
    assert.equal(await plainPageOfTlsHost({ protocol: 'http:', origin: browsersOrigin }), browsersOrigin);
  });

  it('says nothing for a host without TLS, an https page, a page outside a browser or a host that does not answer', async () => {
    assert.equal(await plainPageOfTlsHost({ protocol: 'http:', origin: plainOrigin }), null);
    // Not even asked: an https page is encrypted whatever the host says.
    assert.equal(await plainPageOfTlsHost({ protocol: 'https:', origin: 'https://127.0.0.1:1' }), null);
    assert.equal(await plainPageOfTlsHost({ protocol: 'app:', origin: 'app://lanchat' }), null);
    assert.equal(await plainPageOfTlsHost(undefined), null);
    assert.equal(await plainPageOfTlsHost({ protocol: 'http:', origin: 'http://127.0.0.1:1' }), null);
  });
});

describe('namesOrigin', () => {
  it('matches what the address box may say for the page’s origin, and nothing else', () => {
    assert.equal(namesOrigin('http://127.0.0.1:8081', 'http://127.0.0.1:8081'), true);
    assert.equal(namesOrigin(' 127.0.0.1:8081 ', 'http://127.0.0.1:8081'), true);
    assert.equal(namesOrigin('http://127.0.0.1:8081/?room=lobby', 'http://127.0.0.1:8081'), true);
    assert.equal(namesOrigin('https://127.0.0.1:8443', 'http://127.0.0.1:8081'), false);
    assert.equal(namesOrigin('192.168.1.9:8081', 'http://127.0.0.1:8081'), false);
    assert.equal(namesOrigin('', 'http://127.0.0.1:8081'), false);
  });
});
