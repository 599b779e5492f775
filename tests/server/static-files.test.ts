/**
 * server/static-files.ts through a real chat server on 127.0.0.1: the web
 * root is served, and nothing beside it is, in particular not a sibling
 * directory whose name starts with the root's name (`web` and `web-x`): a
 * containment check written as a plain prefix test, without the trailing
 * separator, would let `/../web-x/secret` through (issue 13, finding 13).
 * Requests go out with node:http, which sends the path exactly as written
 * (fetch and browsers would resolve the `..` first).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createChatServer, type ChatServer } from '../../server';

const SECRET = 'the sibling directory is not part of the web client';

/** GETs `path` verbatim and returns the status and body. */
function get(address: AddressInfo, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: address.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveStatic', () => {
  let scratch = '';
  let server: ChatServer;
  let address: AddressInfo;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'lanchat-static-'));
    // The root and a sibling whose name starts with the root's name.
    const root = join(scratch, 'web');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>client</title>');
    mkdirSync(join(scratch, 'web-x'));
    writeFileSync(join(scratch, 'web-x', 'secret'), SECRET);
    writeFileSync(join(scratch, 'secret'), SECRET);
    server = createChatServer({ host: '127.0.0.1', port: 0, webRoot: root });
    address = await server.start();
  });

  after(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves a file of the web root', async () => {
    const { status, body } = await get(address, '/index.html');
    assert.equal(status, 200);
    assert.match(body, /<title>client<\/title>/);
  });

  for (const path of [
    `/../web-x/secret`,
    `/..%2fweb-x%2fsecret`,
    `/%2e%2e/web-x/secret`,
    '/../secret',
    '/..%2fsecret',
  ]) {
    it(`refuses ${path} outside the root (404, nothing leaked)`, async () => {
      const { status, body } = await get(address, path);
      assert.equal(status, 404);
      assert.ok(!body.includes(SECRET));
    });
  }
});
