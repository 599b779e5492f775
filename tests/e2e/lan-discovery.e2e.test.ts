/**
 * Issue 14's "done when": two desktop apps on two machines of one LAN find
 * each other's rooms without anybody typing an address, and a browser on a
 * third machine joins the right room from the host's invite. And issue 15's:
 * a desktop host on the LAN serves TLS, its invite and announcement carry
 * its certificate's fingerprint, and the other app joins it verified by
 * that fingerprint without a question.
 *
 * Real everything: three network namespaces on a bridge of their own
 * (tests/lan-namespaces.ts), the real desktop app in two of them with
 * discovery on (LANCHAT_DISCOVERY=on: it is off in every other test), each
 * hosting on its LAN address and announcing over real mDNS, and Debian's
 * Chromium in the third. The multicast never leaves those namespaces.
 * Each app is driven from inside its namespace (tests/fixtures/app-driver.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createTestLan, type TestLan } from '../lan-namespaces';

import { NamespacedApp } from './namespaced-app';

/** Generous: finding a host is a matter of seconds (the benchmark measures it); this only bounds a broken run. */
const FIND_TIMEOUT_MS = 30_000;
const DISCOVERY_ON = { LANCHAT_DISCOVERY: 'on' };
/** Where screenshots go, when set (for people to look at). */
const SHOTS_DIR = process.env.LANCHAT_SHOTS_DIR;
if (SHOTS_DIR !== undefined) mkdirSync(SHOTS_DIR, { recursive: true });

describe('two desktop apps on one LAN', () => {
  let lan: TestLan;
  let alice: NamespacedApp;
  let bob: NamespacedApp;
  let phone: NamespacedApp;

  before(async () => {
    lan = createTestLan('dsc', 3);
    const [a, b, c] = lan.nodes;
    alice = new NamespacedApp(a!, 'alice', DISCOVERY_ON);
    bob = new NamespacedApp(b!, 'bob', DISCOVERY_ON);
    // The third machine has only a browser (and discovery stays off there: a browser cannot use mDNS).
    phone = new NamespacedApp(c!, 'phone', {}, { noApp: true });
    await Promise.all([alice.ready(), bob.ready(), phone.ready()]);
  });

  after(async () => {
    await Promise.all([alice, bob, phone].map((app) => app?.close()));
    lan?.destroy();
  });

  /** Hosts `room` for the whole LAN (the default scope) and returns the invite the chat screen shows. */
  const hostOnLan = async ({ window }: { window: import('playwright-core').Page }, arg: { name: string; room: string }) => {
    await window.getByTestId('name-input').fill(arg.name);
    await window.getByTestId('host-port-input').fill('0');
    await window.getByTestId('host-room-input').fill(arg.room);
    await window.getByTestId('host-scope-select').selectOption('lan');
    // First LAN hosting: the notice is on screen and the button acknowledges it.
    await window.getByTestId('host-button').click();
    await window.getByTestId('chat-screen').waitFor();
    return (await window.getByTestId('invite-url').first().textContent())?.trim() ?? '';
  };

  /**
   * Leaves the chat for the start screen (the host keeps running), waits for
   * `room` of `hostName` in "On your network" and clicks it; then waits for
   * `expectMember` in the room's member list.
   */
  const joinFromNetworkList = async (
    { window }: { window: import('playwright-core').Page },
    arg: { hostName: string; room: string; timeoutMs: number; expectMember?: string; screenshot?: string },
  ) => {
    if (await window.getByTestId('chat-screen').isVisible()) await window.getByTestId('leave-button').click();
    const host = window.getByTestId('network-host').filter({ hasText: arg.hostName });
    const room = host.locator(`[data-testid="network-room"][data-room="${arg.room}"]`);
    await room.waitFor({ timeout: arg.timeoutMs });
    // The README's picture of "On your network" comes from here (LANCHAT_SHOTS_DIR set).
    if (arg.screenshot !== undefined) await window.getByTestId('network-rooms').screenshot({ path: arg.screenshot });
    const listed = {
      hosts: await window.getByTestId('network-host').allTextContents(),
      members: (await room.getByTestId('network-room-members').textContent())?.trim() ?? '',
    };
    await room.click();
    await window.getByTestId('chat-screen').waitFor();
    if (arg.expectMember !== undefined) await window.locator('[data-testid="member"]', { hasText: arg.expectMember }).waitFor();
    return {
      ...listed,
      room: (await window.getByTestId('room-name').textContent())?.trim() ?? '',
      members: listed.members,
      inRoom: await window.getByTestId('member').allTextContents(),
    };
  };

  it('each finds the other one’s room on the network and joins it with one click', async () => {
    const [a, b] = lan.nodes;
    const aliceInvite = await alice.run(hostOnLan, { name: 'Alice', room: 'standup' });
    const bobInvite = await bob.run(hostOnLan, { name: 'Bob', room: 'design' });
    // The invites name the room, the host's LAN address (not loopback) and,
    // since a desktop host on the LAN serves TLS, its certificate's fingerprint.
    assert.match(aliceInvite, new RegExp(`^https://${a!.address.replaceAll('.', '\\.')}:\\d+/\\?room=standup&fp=[0-9A-F]{64}$`));
    assert.match(bobInvite, new RegExp(`^https://${b!.address.replaceAll('.', '\\.')}:\\d+/\\?room=design&fp=[0-9A-F]{64}$`));

    const bobSaw = await bob.run(joinFromNetworkList, {
      hostName: 'Alice',
      room: 'standup',
      timeoutMs: FIND_TIMEOUT_MS,
      expectMember: 'Alice',
      screenshot: SHOTS_DIR === undefined ? undefined : join(SHOTS_DIR, 'on-your-network-two-apps.png'),
    });
    assert.equal(bobSaw.room, 'standup');
    assert.equal(bobSaw.members, '1', 'Alice alone in standup before Bob joins');
    assert.ok(bobSaw.hosts.some((text) => text.includes('Bob') && text.includes('this computer')), `Bob's own host is tagged: ${bobSaw.hosts.join(' | ')}`);
    assert.deepEqual(bobSaw.inRoom.map((text) => text.replace(/\s*\(you\)|you/g, '').trim()).sort(), ['Alice', 'Bob']);

    const aliceSaw = await alice.run(joinFromNetworkList, { hostName: 'Bob', room: 'design', timeoutMs: FIND_TIMEOUT_MS });
    assert.equal(aliceSaw.room, 'design');
    assert.ok(aliceSaw.hosts.some((text) => text.includes(`${a!.address}`) && text.includes('this computer')));
  });

  it('a browser on a third machine joins the right room from the invite', async () => {
    const [a] = lan.nodes;
    const invite = await alice.run(async ({ window }) => {
      // Back in her own room, whose invite the chat sidebar shows.
      await window.getByTestId('leave-button').click();
      await window.getByTestId('network-room').first().waitFor();
      return (await window.getByTestId('invite-url').first().textContent())?.trim() ?? '';
    }, null);
    assert.ok(invite.startsWith(`https://${a!.address}:`) && invite.includes('?room=standup&fp='), invite);
    const joined = await phone.run(
      async ({ newBrowserPage }, arg: { invite: string }) => {
        const url = new URL(arg.invite);
        // A browser meets the self-signed certificate's warning first ...
        const wary = await newBrowserPage();
        const refused = await wary.goto(arg.invite).then(
          () => '',
          (error: Error) => error.message,
        );
        await wary.close();
        // ... and its user compares the fingerprint the host presents with
        // the invite's `fp` (the certificate viewer shows it) before going on.
        const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
        const presented = await new Promise<string>((resolve, reject) => {
          const socket = tls.connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => {
            resolve(socket.getPeerCertificate().fingerprint256.replaceAll(':', ''));
            socket.end();
          });
          socket.once('error', reject);
        });
        const page = await newBrowserPage({ ignoreHTTPSErrors: true });
        await page.goto(arg.invite);
        const roomField = (await page.getByTestId('join-room-input').inputValue()).trim();
        await page.getByTestId('name-input').fill('Carol');
        await page.getByTestId('join-button').click();
        await page.getByTestId('chat-screen').waitFor();
        await page.locator('[data-testid="member"]', { hasText: 'Bob' }).waitFor();
        return {
          refused,
          fingerprintMatches: presented === url.searchParams.get('fp'),
          roomField,
          room: (await page.getByTestId('room-name').textContent())?.trim() ?? '',
        };
      },
      { invite },
    );
    assert.match(joined.refused, /ERR_CERT/, 'Chromium warns about the self-signed certificate');
    assert.equal(joined.fingerprintMatches, true, 'the host presents the certificate its invite names');
    assert.deepEqual({ roomField: joined.roomField, room: joined.room }, { roomField: 'standup', room: 'standup' });
  });
});
