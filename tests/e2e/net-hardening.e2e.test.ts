/**
 * Issue 13 in a real browser and the real app: a foreign page cannot frame
 * the web client (Chromium honours the host's frame-ancestors and
 * X-Frame-Options), and user text is shown bidi-isolated with direction
 * overrides made visible. Screenshots of the chat go to $LANCHAT_SHOTS_DIR
 * when that is set.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Browser } from 'playwright-core';
import WebSocket from 'ws';

import { expect } from './expect';
import { hostRoom, joinRoom, launchApp, launchBrowser, memberNames, sendMessage, type LaunchedApp } from './helpers';

const SHOTS_DIR = process.env.LANCHAT_SHOTS_DIR;

describe('web client and user text hardening', () => {
  let host: LaunchedApp;
  let browser: Browser;
  let shareUrl = '';

  before(async () => {
    [host, browser] = await Promise.all([launchApp('net-host'), launchBrowser()]);
    shareUrl = await hostRoom(host.window, 'Hana', 'kitchen');
  });

  after(async () => {
    await Promise.all([host?.close(), browser?.close()]);
  });

  it('cannot be framed by a foreign page', async () => {
    const foreign: Server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><title>foreign</title><iframe id="victim" src="${shareUrl}/"></iframe>`);
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const page = await browser.newPage();
    try {
      await page.goto(`http://localhost:${(foreign.address() as { port: number }).port}/`);
      const frame = await (await page.waitForSelector('#victim')).contentFrame();
      assert.ok(frame);
      // A framed client would show its Join form; a refused frame becomes Chromium's error page.
      const state = async (): Promise<string> => {
        if (frame.url().startsWith('chrome-error://')) return 'refused';
        return (await frame.getByTestId('join-button').count()) > 0 ? 'framed' : 'loading';
      };
      await expect(state, 'refused');
    } finally {
      await page.close();
      foreign.close();
    }
  });

  it('joins under a fullwidth name as its NFKC form, and still knows its own messages', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${shareUrl}/?room=kitchen`);
      await joinRoom(page, '\uFF37alt', shareUrl, 'kitchen');
      await expect(() => memberNames(host.window), ['Hana', 'Walt']);
      await sendMessage(page, 'mine, in any width');
      const mine = page.getByTestId('message').filter({ hasText: 'mine, in any width' });
      await expect(async () => [await mine.count(), await mine.first().getAttribute('data-state')], [1, 'sent']);
    } finally {
      await page.close();
    }
  });

  it('shows names and texts isolated, and a right-to-left override as a mark instead of reversing the text', async () => {
    const client = new WebSocket(`${shareUrl.replace('http', 'ws')}/ws`);
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    try {
      client.send(JSON.stringify({ type: 'join', create: true, room: 'kitchen', name: 'سارة' }));
      await expect(() => memberNames(host.window), ['Hana', 'سارة']);
      client.send(JSON.stringify({ type: 'send', id: 'spoof-1', text: 'Your invoice: invoice\u202Egpj.exe' }));
      client.send(JSON.stringify({ type: 'send', id: 'rtl-1', text: 'مرحبا 123 hello' }));
      const spoof = host.window.getByTestId('message').filter({ hasText: 'Your invoice' });
      await spoof.waitFor();
      assert.equal(await spoof.getByTestId('message-override').textContent(), 'RLO');
      assert.equal(await spoof.getByTestId('message-text').textContent(), 'Your invoice: invoiceRLOgpj.exe');
      assert.equal(await spoof.getByTestId('message-sender').evaluate((node) => node.tagName), 'BDI');
      assert.equal(await spoof.getByTestId('message-text').getAttribute('dir'), 'auto');
      await host.window.getByTestId('message').filter({ hasText: 'hello' }).waitFor();
      if (SHOTS_DIR !== undefined) {
        mkdirSync(SHOTS_DIR, { recursive: true });
        for (const scheme of ['light', 'dark'] as const) {
          await host.window.emulateMedia({ colorScheme: scheme });
          await host.window.screenshot({ path: join(SHOTS_DIR, `bidi-chat-${scheme}.png`) });
        }
      }
    } finally {
      client.close();
    }
  });
});
