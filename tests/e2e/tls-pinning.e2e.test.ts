/**
 * The desktop app verifies the host by its certificate's fingerprint
 * (issue 15), in the real app against the real CLI host serving TLS on
 * 127.0.0.1 with its self-signed certificate:
 *
 * - an invite with `fp=` pasted into the address box joins with no question;
 * - a typed `https://` address shows the fingerprint to trust on first use,
 *   and the next join is silent;
 * - after the host's key changed the join is refused with a warning naming
 *   both fingerprints, and no chat opens;
 * - a TLS-terminating relay with its own certificate (a man in the middle)
 *   is refused the same way, learns nothing, and Chromium itself refuses it;
 * - a relay that lets the first look through and then answers with its own
 *   certificate is caught when Chromium meets it (the probe fails; the app
 *   asks what the host presents now and shows the warning);
 * - a host found on the network, and a lanchat:// link with fp=, join silently;
 * - the desktop host serves TLS itself and its invite carries `fp=`;
 * - a password for a plain-HTTP host goes only after a warning;
 * - without TLS, a plain TCP relay reads the messages (so the relay test
 *   could fail: it would see them if the app let it in).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';

import type { Page } from 'playwright-core';

import { fetchRoomsReport } from '../../server/discovery';
import { appJoinLink, inviteUrl, parseInvite, PROTOCOL_VERSION, shortFingerprint } from '../../server/protocol';
import { createSelfSignedIdentity } from '../../server/tls-identity';
import { presentedCertificate } from '../../electron/presented-certificate';
import { UiErrorCode } from '../../renderer/src/lib/error-text';
import { killRunningClis, spawnCli, waitForStdout, withTimeout, type CliRun } from '../server/helpers';

import { expect } from './expect';
import { launchApp, memberNames, sendMessage, submitJoinForm, type LaunchedApp } from './helpers';

const ROOM = 'garden';
/** Where to save the README's screenshots (LANCHAT_SHOTS_DIR=docs); none when unset. */
const SHOTS_DIR = process.env.LANCHAT_SHOTS_DIR;

/** Saves a screenshot of one card (`section.card`) holding `testId`, for the README, when asked for. */
async function shoot(page: Page, testId: string, name: string): Promise<void> {
  if (SHOTS_DIR === undefined) return;
  mkdirSync(SHOTS_DIR, { recursive: true });
  const card = page.locator('section.card').filter({ has: page.getByTestId(testId) }).or(page.locator(`section.card[data-testid="${testId}"]`));
  await card.first().screenshot({ path: join(SHOTS_DIR, `${name}.png`) });
}

/** Records in the page whether an element with `testId` was ever on screen, from now on. */
async function watchFor(page: Page, testId: string): Promise<void> {
  await page.evaluate((id) => {
    const seen = window as unknown as { seen?: Record<string, boolean>; observers?: MutationObserver[] };
    seen.seen ??= {};
    seen.observers ??= [];
    seen.seen[id] = document.querySelector(`[data-testid="${id}"]`) !== null;
    const observer = new MutationObserver(() => {
      if (document.querySelector(`[data-testid="${id}"]`) !== null) (seen.seen as Record<string, boolean>)[id] = true;
    });
    observer.observe(document.body, { childList: true, subtree: true });
    seen.observers.push(observer);
  }, testId);
}

async function wasSeen(page: Page, testId: string): Promise<boolean> {
  return page.evaluate((id) => (window as unknown as { seen: Record<string, boolean> }).seen[id] === true, testId);
}

/** A CLI host with --tls on 127.0.0.1, its data folder, port, fingerprint and invite. */
interface TlsHost {
  run: CliRun;
  port: number;
  fingerprint: string;
  invite: string;
}

async function startTlsHost(data: string, port = 0): Promise<TlsHost> {
  const run = spawnCli(['--port', String(port), '--host', '127.0.0.1', '--no-web', '--data', data, '--tls', '--room', ROOM]);
  const bound = Number((await waitForStdout(run, /^LanChat host listening on https:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
  const fingerprint = (await waitForStdout(run, /^ {2}fingerprint \(SHA-256\): ([0-9A-F:]{95})$/m))[1] as string;
  const invite = (await waitForStdout(run, /^Invite: (\S+)$/m))[1] as string;
  return { run, port: bound, fingerprint, invite };
}

async function stopHost(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  await withTimeout(run.exited, 10_000, 'the host to stop');
}

/** Waits for the join card's error; the chat screen must never have shown. */
async function joinError(page: Page): Promise<{ code: string | null; text: string }> {
  const error = page.getByTestId('join-card').getByTestId('start-error');
  await error.waitFor();
  const shown = { code: await error.getAttribute('data-code'), text: (await error.textContent()) ?? '' };
  assert.equal(await wasSeen(page, 'chat-screen'), false, 'the chat screen never showed');
  return shown;
}

/** Joins by the form and waits for the chat; the trust question must not have shown. */
async function joinSilently(page: Page, name: string, address: string): Promise<void> {
  await watchFor(page, 'trust-host');
  await submitJoinForm(page, name, address, ROOM);
  await page.getByTestId('chat-screen').waitFor();
  assert.equal(await wasSeen(page, 'trust-host'), false, 'no question for a pinned host');
  assert.ok((await memberNames(page)).includes(name), 'in the room');
}

/** A relay on 127.0.0.1 that records every byte it passes, in both directions. */
interface Relay {
  port: number;
  /** What it could read: plaintext for a TCP relay, the decrypted client side for a TLS-terminating one. */
  seen(): string;
  close(): Promise<void>;
}

async function listenRelay(server: TcpServer | TlsServer, sockets: Set<Socket>, chunks: Buffer[]): Promise<Relay> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen: () => Buffer.concat(chunks).toString('latin1'),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Pipes two sockets into each other, recording what passes. */
function splice(a: Socket, b: Socket, sockets: Set<Socket>, chunks: Buffer[]): void {
  for (const socket of [a, b]) {
    sockets.add(socket);
    socket.on('error', () => {
      a.destroy();
      b.destroy();
    });
    socket.on('close', () => {
      a.destroy();
      b.destroy();
    });
  }
  a.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    b.write(chunk);
  });
  b.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    a.write(chunk);
  });
}

/** A plain TCP relay to `targetPort`: it reads whatever is not encrypted. */
async function startTcpRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  const server = createTcpServer((client) => splice(client, tcpConnect(targetPort, '127.0.0.1'), sockets, chunks));
  return listenRelay(server, sockets, chunks);
}

/**
 * A man in the middle: terminates TLS with its own self-signed certificate
 * and forwards to the real host over TLS (as an attacker who answers in the
 * host's place would), recording the decrypted bytes.
 */
async function startTlsRelay(targetPort: number): Promise<Relay & { fingerprint: string }> {
  const identity = await createSelfSignedIdentity();
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  const server = createTlsServer({ cert: identity.cert, key: identity.key }, (client) => {
    splice(client, tlsConnect({ port: targetPort, host: '127.0.0.1', rejectUnauthorized: false }), sockets, chunks);
  });
  server.on('tlsClientError', () => undefined);
  return { ...(await listenRelay(server, sockets, chunks)), fingerprint: identity.fingerprint };
}

describe('the desktop app verifies the host by fingerprint', () => {
  let data = '';
  let host: TlsHost;
  const apps: LaunchedApp[] = [];

  before(async () => {
    data = join(mkdtempSync(join(tmpdir(), 'lanchat-e2e-pin-')), 'history.sqlite');
    host = await startTlsHost(data);
  });

  after(async () => {
    for (const app of apps) await app.close();
    killRunningClis();
    rmSync(join(data, '..'), { recursive: true, force: true });
  });

  it('joins by an invite with fp= pasted into the address box, with no question', async () => {
    assert.deepEqual(parseInvite(host.invite)?.fingerprint, host.fingerprint, 'the CLI invite carries the fingerprint');
    const app = await launchApp('pin-invite');
    apps.push(app);
    const page = app.window;
    await watchFor(page, 'trust-host');
    await page.getByTestId('name-input').fill('Ines');
    await page.getByTestId('join-address-input').fill(host.invite);
    assert.equal(await page.getByTestId('join-address-input').inputValue(), `https://127.0.0.1:${host.port}`, 'the address keeps https://');
    assert.equal(await page.getByTestId('join-room-input').inputValue(), ROOM);
    await page.getByTestId('join-button').click();
    await page.getByTestId('chat-screen').waitFor();
    assert.equal(await wasSeen(page, 'trust-host'), false, 'an invite’s fingerprint needs no question');
    assert.ok((await memberNames(page)).includes('Ines'), 'in the room');
  });

  it('asks to trust a typed https address on first use, showing the fingerprint, and joins silently the next time', async () => {
    const app = await launchApp('pin-tofu');
    apps.push(app);
    const page = app.window;
    await watchFor(page, 'chat-screen');
    await submitJoinForm(page, 'Tomas', `https://127.0.0.1:${host.port}`, ROOM);
    await page.getByTestId('trust-host').waitFor();
    assert.equal(await page.getByTestId('trust-short-fingerprint').textContent(), shortFingerprint(host.fingerprint));
    assert.equal(await page.getByTestId('trust-fingerprint').textContent(), host.fingerprint);
    assert.equal(await wasSeen(page, 'chat-screen'), false, 'nothing connects before the user trusts the host');
    await page.getByTestId('trust-host').locator('summary').click();
    await shoot(page, 'trust-host', 'tls-trust-on-first-use');
    await page.getByTestId('trust-join-button').click();
    await page.getByTestId('chat-screen').waitFor();
    assert.ok((await memberNames(page)).includes('Tomas'), 'in the room');
    const stored = JSON.parse(readFileSync(join(app.userDataDir, 'trusted-hosts.json'), 'utf8')) as { hosts: Record<string, { fingerprint: string }> };
    assert.equal(stored.hosts[`127.0.0.1:${host.port}`]?.fingerprint, host.fingerprint, 'remembered in the profile');

    await page.getByTestId('leave-button').click();
    await page.getByTestId('join-card').waitFor();
    await joinSilently(page, 'Tomas', `https://127.0.0.1:${host.port}`);
  });

  it('refuses a host whose key changed, with a warning naming both fingerprints; no chat opens', async () => {
    const app = await launchApp('pin-changed');
    apps.push(app);
    const page = app.window;
    await joinSilently(page, 'Kai', host.invite);
    await page.getByTestId('leave-button').click();
    await page.getByTestId('join-card').waitFor();

    // The host's identity files replaced: a new certificate on the same address.
    const pinned = host.fingerprint;
    await stopHost(host.run);
    for (const file of ['tls-cert.pem', 'tls-key.pem']) rmSync(join(data, '..', file));
    host = await startTlsHost(data, host.port);
    assert.ok(existsSync(join(data, '..', 'tls-cert.pem')));
    assert.notEqual(host.fingerprint, pinned);

    await watchFor(page, 'chat-screen');
    await submitJoinForm(page, 'Kai', `https://127.0.0.1:${host.port}`, ROOM);
    const shown = await joinError(page);
    assert.equal(shown.code, UiErrorCode.CertificateChanged);
    assert.match(shown.text, /impersonating the host/);
    assert.ok(shown.text.includes(host.fingerprint), 'names the presented fingerprint');
    assert.ok(shown.text.includes(pinned), 'names the pinned fingerprint');
    await shoot(page, 'join-card', 'tls-certificate-changed');
    assert.equal(await page.getByTestId('trust-host').count(), 0, 'a changed key is never offered to trust');
  });

  it('refuses a TLS-terminating relay with its own certificate (a man in the middle), which learns nothing', async () => {
    const relay = await startTlsRelay(host.port);
    try {
      const app = await launchApp('pin-mitm');
      apps.push(app);
      const page = app.window;
      await watchFor(page, 'chat-screen');
      // The host's own invite, reaching the relay: what an attacker answering in the host's place gets.
      const invite = new URL(host.invite);
      invite.port = String(relay.port);
      await page.getByTestId('name-input').fill('Mira');
      await page.getByTestId('join-address-input').fill(invite.toString());
      await page.getByTestId('join-button').click();
      const shown = await joinError(page);
      assert.equal(shown.code, UiErrorCode.CertificateChanged);
      assert.ok(shown.text.includes(host.fingerprint) && shown.text.includes(relay.fingerprint), shown.text);
      // Chromium itself refuses the relay's certificate too, whatever the page does.
      const fetched = await page.evaluate(async (url) => fetch(url).then(() => 'answered', (error: unknown) => String(error)), `https://127.0.0.1:${relay.port}/rooms`);
      assert.match(fetched, /Failed to fetch/);
      assert.doesNotMatch(relay.seen(), /GET \/|Mira/, 'the relay read no request');
    } finally {
      await relay.close();
    }
  });
});

describe('a man in the middle that passes the first look', () => {
  let run: CliRun;
  let app: LaunchedApp;
  let server: TcpServer | undefined;
  const sockets = new Set<Socket>();

  after(async () => {
    await app?.close();
    server?.close();
    for (const socket of sockets) socket.destroy();
    killRunningClis();
  });

  it('is refused with the warning when Chromium meets its certificate after the host\'s passed the check', async () => {
    run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', ':memory:', '--tls', '--room', ROOM]);
    const port = Number((await waitForStdout(run, /^LanChat host listening on https:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
    const fingerprint = (await waitForStdout(run, /^ {2}fingerprint \(SHA-256\): ([0-9A-F:]{95})$/m))[1] as string;
    const own = await createSelfSignedIdentity();
    const chunks: Buffer[] = [];
    // The first connection (the app's look at the certificate) goes through
    // untouched; every later one is terminated with the relay's own certificate.
    let connections = 0;
    server = createTcpServer((client) => {
      connections += 1;
      if (connections === 1) {
        splice(client, tcpConnect(port, '127.0.0.1'), sockets, chunks);
        return;
      }
      const terminated = new TLSSocket(client, { isServer: true, cert: own.cert, key: own.key });
      terminated.on('error', () => client.destroy());
      splice(terminated, tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }), sockets, chunks);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const relayPort = (server.address() as AddressInfo).port;

    app = await launchApp('pin-switching-mitm');
    const page = app.window;
    await watchFor(page, 'chat-screen');
    await page.getByTestId('name-input').fill('Vera');
    await page.getByTestId('join-address-input').fill(inviteUrl(`https://127.0.0.1:${relayPort}`, ROOM, fingerprint));
    await page.getByTestId('join-button').click();
    const shown = await joinError(page);
    assert.equal(shown.code, UiErrorCode.CertificateChanged, shown.text);
    assert.ok(shown.text.includes(own.fingerprint) && shown.text.includes(fingerprint), shown.text);
    assert.ok(connections >= 2, 'Chromium did reach the relay');
  });
});

describe('a TLS host found on the network', () => {
  let run: CliRun;
  let app: LaunchedApp;
  let folder = '';

  after(async () => {
    await app?.close();
    killRunningClis();
    rmSync(folder, { recursive: true, force: true });
  });

  it('lists its rooms (read over TLS from the announced certificate) and joins it without a question', async () => {
    run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', ':memory:', '--tls', '--room', ROOM]);
    const port = Number((await waitForStdout(run, /^LanChat host listening on https:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
    const fingerprint = (await waitForStdout(run, /^ {2}fingerprint \(SHA-256\): ([0-9A-F:]{95})$/m))[1] as string;
    const origin = `https://127.0.0.1:${port}`;
    const report = await fetchRoomsReport(origin, AbortSignal.timeout(5_000), fingerprint);
    folder = mkdtempSync(join(tmpdir(), 'lanchat-e2e-pin-feed-'));
    const feed = join(folder, 'feed.json');
    // The TXT record's fp travels as hex without colons, as mDNS carries it.
    writeFileSync(feed, JSON.stringify([{ instanceId: report.instanceId, hostName: 'Feed host', protocol: PROTOCOL_VERSION, protected: false, origins: [origin], fingerprint: fingerprint.replace(/:/g, '') }]));
    app = await launchApp('pin-discovered', undefined, { LANCHAT_TEST_DISCOVERY_FEED: feed });
    const page = app.window;
    await page.getByTestId('name-input').fill('Dina');
    await watchFor(page, 'trust-host');
    await page.getByTestId('network-room').filter({ hasText: ROOM }).click();
    await page.getByTestId('chat-screen').waitFor();
    assert.equal(await wasSeen(page, 'trust-host'), false, 'the discovery record’s fingerprint needs no question');
    assert.ok((await memberNames(page)).includes('Dina'));
  });
});

describe('a lanchat:// link with fp=', () => {
  let app: LaunchedApp;

  after(async () => {
    await app?.close();
    killRunningClis();
  });

  it('fills the Join form with the https address and joins without a question', async () => {
    const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', ':memory:', '--tls', '--room', ROOM]);
    const port = Number((await waitForStdout(run, /^LanChat host listening on https:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
    const fingerprint = (await waitForStdout(run, /^ {2}fingerprint \(SHA-256\): ([0-9A-F:]{95})$/m))[1] as string;
    const link = appJoinLink(`https://127.0.0.1:${port}`, ROOM, fingerprint);
    app = await launchApp('pin-app-link', undefined, {}, [link]);
    const page = app.window;
    // The address keeps https://: without it the address would mean plain HTTP.
    await expect(() => page.getByTestId('join-address-input').inputValue(), `https://127.0.0.1:${port}`);
    await watchFor(page, 'trust-host');
    await page.getByTestId('name-input').fill('Lio');
    await page.getByTestId('join-button').click();
    await page.getByTestId('chat-screen').waitFor();
    assert.equal(await wasSeen(page, 'trust-host'), false, 'the link’s fingerprint needs no question');
  });
});

describe('the desktop host serves TLS', () => {
  const apps: LaunchedApp[] = [];

  after(async () => {
    for (const app of apps) await app.close();
  });

  it('opens its own room over https, puts its fingerprint in the invite and on the host card, and another app joins by that invite without a question', async () => {
    const host = await launchApp('pin-desktop-host');
    apps.push(host);
    const window = host.window;
    await window.getByTestId('name-input').fill('Hana');
    await window.getByTestId('host-port-input').fill('0');
    await window.getByTestId('host-room-input').fill(ROOM);
    // Tests never listen on the LAN: this computer only, with TLS turned on by hand.
    await window.getByTestId('host-scope-select').selectOption('local');
    await window.getByTestId('host-options').click();
    assert.equal(await window.getByTestId('host-tls-checkbox').isChecked(), false, 'off by default for this computer only');
    await window.getByTestId('host-tls-checkbox').check();
    await window.getByTestId('host-button').click();
    await window.getByTestId('chat-screen').waitFor();

    const invite = ((await window.getByTestId('invite-url').first().textContent()) ?? '').trim();
    const target = parseInvite(invite);
    assert.match(target?.origin ?? '', /^https:\/\/127\.0\.0\.1:\d+$/, invite);
    assert.ok(target?.fingerprint !== undefined, `the invite carries fp=: ${invite}`);
    const served = await presentedCertificate(target.origin);
    assert.deepEqual(served, { ok: true, fingerprint: target.fingerprint }, 'the invite names the certificate the host serves');
    assert.ok(existsSync(join(host.userDataDir, 'tls', 'tls-key.pem')), 'the identity is kept in the profile');

    const guest = await launchApp('pin-desktop-guest');
    apps.push(guest);
    await guest.window.getByTestId('name-input').fill('Gus');
    await watchFor(guest.window, 'trust-host');
    await guest.window.getByTestId('join-address-input').fill(invite);
    await guest.window.getByTestId('join-button').click();
    await guest.window.getByTestId('chat-screen').waitFor();
    assert.equal(await wasSeen(guest.window, 'trust-host'), false);
    await sendMessage(guest.window, 'hello over TLS');
    await window.getByTestId('message-text').filter({ hasText: 'hello over TLS' }).waitFor();

    await window.getByTestId('leave-button').click();
    await window.getByTestId('host-short-fingerprint').waitFor();
    assert.equal(await window.getByTestId('host-short-fingerprint').textContent(), shortFingerprint(target.fingerprint));
    assert.equal(await window.getByTestId('host-full-fingerprint').textContent(), target.fingerprint);
    await window.getByTestId('host-fingerprint').locator('summary').click();
    await shoot(window, 'host-fingerprint', 'tls-host-fingerprint');
  });
});

describe('without TLS a relay reads the chat (the relay test above could fail)', () => {
  let run: CliRun;
  let relay: Relay;
  let app: LaunchedApp;

  before(async () => {
    run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', ':memory:', '--room', ROOM]);
    const port = Number((await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
    relay = await startTcpRelay(port);
  });

  after(async () => {
    await app?.close();
    await relay?.close();
    killRunningClis();
  });

  it('shows the relay every message in clear', async () => {
    app = await launchApp('pin-plain-relay');
    const page = app.window;
    await submitJoinForm(page, 'Pia', `127.0.0.1:${relay.port}`, ROOM);
    await page.getByTestId('chat-screen').waitFor();
    await sendMessage(page, 'meet at the old oak at noon');
    await page.getByTestId('message-text').filter({ hasText: 'meet at the old oak' }).waitFor();
    assert.match(relay.seen(), /meet at the old oak at noon/);
  });
});

describe('a password for a plain-HTTP host', () => {
  let app: LaunchedApp;

  after(async () => {
    await app?.close();
    killRunningClis();
  });

  it('is sent only after the join card warned that anyone on the network could read it', async () => {
    const run = spawnCli(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', ':memory:', '--room', ROOM], { LANCHAT_PASSWORD: 'hunter2-secret' });
    const port = Number((await waitForStdout(run, /^LanChat host listening on http:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
    app = await launchApp('pin-plain-password');
    const page = app.window;
    await watchFor(page, 'chat-screen');
    // Tests never listen on the LAN. The IPv4-mapped IPv6 form of 127.0.0.1
    // reaches the same host, and the app does not count it as this
    // computer, so it stands for a LAN address here.
    const address = `[::ffff:127.0.0.1]:${port}`;
    await submitJoinForm(page, 'Pat', address, ROOM, 'hunter2-secret');
    const warning = page.getByTestId('unencrypted-warning');
    await warning.waitFor();
    assert.match(((await warning.textContent()) ?? '').replace(/\s+/g, ' '), /does not use encryption: anyone on this network could read the room password/);
    assert.equal(await wasSeen(page, 'chat-screen'), false, 'nothing sent before the user chose');
    await page.getByTestId('join-cancel-button').click();
    assert.equal(await warning.count(), 0);

    await submitJoinForm(page, 'Pat', address, ROOM, 'hunter2-secret');
    await page.getByTestId('unencrypted-join-button').click();
    await page.getByTestId('chat-screen').waitFor();
    assert.ok((await memberNames(page)).includes('Pat'));
  });
});
