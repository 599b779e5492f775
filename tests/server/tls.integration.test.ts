/**
 * The plain-HTTP integration suites again, over TLS (issue 15): the host
 * serves HTTPS and WSS on the same routes, and every client of the suites
 * (/ws, each SockJS transport from sockjs-client and by hand, /health, the
 * web client, the SockJS test services) connects with https/wss and
 * accepts only the host's certificate, by its fingerprint.
 *
 * The suites are imported as they are; helpers.ts switches its hosts and
 * clients to TLS once runSuitesOverTls has the certificate, which is made
 * (asynchronously) in the root `before` hook, before any suite starts its host.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import type { HealthReport } from '../../server';
import { createSelfSignedIdentity } from '../../server/tls-identity';

import { baseUrl, httpGet, runSuitesOverTls, suiteTls, useServer } from './helpers';

import './chat-server.integration.test';
import './sockjs-transports.integration.test';
import './sockjs-test-services.integration.test';

before(async () => {
  runSuitesOverTls(await createSelfSignedIdentity());
});

describe('the suites above', () => {
  const fixture = useServer();

  it('ran their hosts over TLS, and their clients pinned its certificate', async () => {
    assert.equal(fixture.server.health().tls, true);
    assert.equal(fixture.server.tlsFingerprint, suiteTls()?.fingerprint);
    assert.match(baseUrl(fixture.address), /^https:/);
    const health = await httpGet(fixture.address, '/health');
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as HealthReport).tls, true);
  });
});
