import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';

import { presentedCertificate } from '../../electron/presented-certificate';
import { createSelfSignedIdentity, type TlsIdentity } from '../../server/tls-identity';

describe('presentedCertificate', () => {
  let identity: TlsIdentity;
  let server: Server;
  let port = 0;

  before(async () => {
    identity = await createSelfSignedIdentity();
    server = createServer({ cert: identity.cert, key: identity.key }, (_request, response) => response.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('reads the fingerprint of the self-signed certificate a host presents', async () => {
    assert.deepEqual(await presentedCertificate(`https://127.0.0.1:${port}`), { ok: true, fingerprint: identity.fingerprint });
  });

  test('says why when nothing answers TLS there', async () => {
    const sockets = new Set<Socket>();
    const plain = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const plainPort = (plain.address() as AddressInfo).port;
    const result = await presentedCertificate(`https://127.0.0.1:${plainPort}`);
    const closed = new Promise<void>((resolve) => plain.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /no TLS connection/);
  });

  test('reads nothing of a plain-HTTP origin', async () => {
    assert.deepEqual(await presentedCertificate('http://127.0.0.1:1'), { ok: false, message: 'http://127.0.0.1:1 does not use TLS' });
  });
});
