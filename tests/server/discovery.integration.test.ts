/**
 * LAN discovery end to end: real CLI hosts announce `_lanchat._tcp` over
 * mDNS, a real browser (server/discovery.ts in tests/fixtures/
 * discovery-browser.ts) lists them with their rooms from `/rooms`, and
 * drops them when they quit (goodbye) or die (no goodbye: `/rooms` stops
 * answering).
 *
 * Real network, kept off the real LAN: the test builds its own LAN, a
 * bridge in a network namespace of its own with three namespaces A, B and
 * C attached by veth pairs (10.232.N.0/24 exists only there), with a
 * multicast route in each so mDNS (224.0.0.251:5353) flows between them.
 * Needs root and iproute2 (`ip`), as CI has. The run-tests default
 * LANCHAT_DISCOVERY=off is overridden with `on` for the processes started
 * inside the namespaces.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { DiscoveredHostRecord, DiscoveryBrowserStatus } from '../../server/discovery';
import { fingerprintOfCertificate } from '../../server/tls-identity';

import { withTimeout } from './helpers';

const ROOT = join(__dirname, '..', '..');
const SUFFIX = String(process.pid % 10_000);
const BRIDGE_NS = `lcdbr${SUFFIX}`;
const NAMESPACES = { a: `lcda${SUFFIX}`, b: `lcdb${SUFFIX}`, c: `lcdc${SUFFIX}` } as const;
type Side = keyof typeof NAMESPACES;
/** A /24 of the test's own: third octet from the pid so parallel runs do not collide (lan-netns uses 10.231). */
const SUBNET = `10.232.${process.pid % 250}`;
const ADDRESSES: Record<Side, string> = { a: `${SUBNET}.1`, b: `${SUBNET}.2`, c: `${SUBNET}.3` };
/** The targets: a host appears within 3 s and disappears within 10 s of quitting. */
const APPEAR_BOUND_MS = 3_000;
const VANISH_BOUND_MS = 10_000;
/**
 * A clean stop says goodbye: browsers drop the host at once, well before
 * `/rooms` polling (3 s apart, 3 misses) could, which is what this bound
 * tells apart.
 */
const GOODBYE_BOUND_MS = 3_000;
/** Slack for a loaded CI machine on top of the 10 s bound when the host dies without goodbye. */
const KILL_SLACK_MS = 3_000;
/** Time for a CLI host to start under tsx on a busy machine. */
const START_TIMEOUT_MS = 30_000;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** One line of the fixture browser's output. */
interface Snapshot {
  at: number;
  status: DiscoveryBrowserStatus;
  hosts: DiscoveredHostRecord[];
}

describe('LAN discovery between network namespaces', () => {
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'lanchat-discovery-'));
  const snapshots: Snapshot[] = [];
  const wakers = new Set<() => void>();
  let hostA: ChildProcess | undefined;

  before(async () => {
    ip('netns', 'add', BRIDGE_NS);
    ip('-n', BRIDGE_NS, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', BRIDGE_NS, 'link', 'set', 'br0', 'up');
    for (const side of Object.keys(NAMESPACES) as Side[]) {
      const ns = NAMESPACES[side];
      ip('netns', 'add', ns);
      // The veth pair is born in the bridge's namespace, so no interface
      // ever appears in (or leaks multicast into) the test runner's own.
      ip('-n', BRIDGE_NS, 'link', 'add', `p${side}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', BRIDGE_NS, 'link', 'set', `p${side}`, 'master', 'br0');
      ip('-n', BRIDGE_NS, 'link', 'set', `p${side}`, 'up');
      ip('-n', ns, 'addr', 'add', `${ADDRESSES[side]}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up', 'multicast', 'on');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      // Without a default route, sending to 224.0.0.251 fails with
      // ENETUNREACH: multicast needs a route of its own.
      ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
    }
    const browser = spawnIn('b', ['tests/fixtures/discovery-browser.ts']);
    let buffered = '';
    browser.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) snapshots.push({ ...(JSON.parse(line) as Snapshot), at: Date.now() });
      for (const wake of [...wakers]) wake();
    });
    await waitForSnapshot((snapshot) => snapshot.status.state === 'running', START_TIMEOUT_MS, 'the browser to start');
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    // Deleting a namespace deletes the veth ends in it, and with them their peers.
    for (const ns of [...Object.values(NAMESPACES), BRIDGE_NS]) {
      try {
        ip('netns', 'delete', ns);
      } catch {
        // Already gone (before() failed early).
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs `node --import tsx <args>` inside a namespace, discovery on. */
  function spawnIn(side: Side, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', NAMESPACES[side], process.execPath, '--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...process.env, LANCHAT_DISCOVERY: 'on' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return child;
  }

  /** Starts a CLI host; resolves once it printed `expect` (its announcement, or that it is not announced). */
  async function startHost(side: Side, name: string, extra: string[], expect: string): Promise<ChildProcess> {
    const host = spawnIn(side, [
      'server/cli.ts',
      '--port',
      '0',
      '--room',
      `${name}-room`,
      '--host-name',
      name,
      '--data',
      join(dataDir, `${name}.sqlite`),
      '--no-web',
      '--log-level',
      'warn',
      ...extra,
    ]);
    let output = '';
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        host.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(expect)) resolve();
        });
        host.once('exit', (code) => reject(new Error(`host ${name} exited early (${code}): ${output}`)));
      }),
      START_TIMEOUT_MS,
      `host ${name} printing "${expect}"`,
    );
    return host;
  }

  /** Resolves with the first snapshot (from now on, or already seen after `since`) that matches. */
  function waitForSnapshot(predicate: (snapshot: Snapshot) => boolean, ms: number, what: string, since = 0): Promise<Snapshot> {
    return withTimeout(
      new Promise<Snapshot>((resolve) => {
        const check = (): void => {
          const found = snapshots.find((snapshot) => snapshot.at >= since && predicate(snapshot));
          if (found === undefined) return;
          wakers.delete(check);
          resolve(found);
        };
        wakers.add(check);
        check();
      }),
      ms,
      what,
    );
  }

  const hostNamed = (snapshot: Snapshot, name: string): DiscoveredHostRecord | undefined =>
    snapshot.hosts.find((host) => host.hostName === name);

  it('lists a host that starts after the browser within 3 s, with its rooms', async (t) => {
    hostA = await startHost('a', 'alpha', [], 'announced on the LAN');
    const announcedAt = Date.now();
    const seen = await waitForSnapshot(
      (snapshot) => hostNamed(snapshot, 'alpha')?.rooms?.some((room) => room.name === 'alpha-room') === true,
      APPEAR_BOUND_MS,
      'alpha listed with its room',
      announcedAt,
    );
    t.diagnostic(`alpha listed with its rooms ${seen.at - announcedAt} ms after it announced`);
    const alpha = hostNamed(seen, 'alpha');
    assert.equal(alpha?.origins[0], `http://${ADDRESSES.a}:${new URL(alpha?.origins[0] ?? 'http://x:1').port}`);
    assert.equal(alpha?.protected, false);
    assert.equal(alpha?.roomsError, undefined);
  });

  it('lists a second host, and never a loopback or --no-announce one', async () => {
    await startHost('c', 'loopback-host', ['--host', '127.0.0.1'], 'not announced on the LAN');
    await startHost('c', 'quiet-host', ['--no-announce'], 'not announced on the LAN');
    const since = Date.now();
    // Bound to its one address: announced on that interface only (interfaceAddress).
    await startHost('c', 'charlie', ['--host', ADDRESSES.c], 'announced on the LAN');
    const seen = await waitForSnapshot(
      (snapshot) => hostNamed(snapshot, 'charlie')?.rooms !== null && hostNamed(snapshot, 'alpha') !== undefined && hostNamed(snapshot, 'charlie') !== undefined,
      APPEAR_BOUND_MS + START_TIMEOUT_MS,
      'charlie listed next to alpha',
      since,
    );
    assert.match(hostNamed(seen, 'charlie')?.origins[0] ?? '', new RegExp(`^http://${ADDRESSES.c.replace(/\./g, '\\.')}:`));
    // Give a wrongly announced host as long as charlie took, and then some.
    await new Promise((resolve) => setTimeout(resolve, APPEAR_BOUND_MS));
    const names = new Set(snapshots.flatMap((snapshot) => snapshot.hosts.map((host) => host.hostName)));
    assert.deepEqual([...names].sort(), ['alpha', 'charlie']);
  });

  it('drops a host that quits (SIGTERM: goodbye) at once', async (t) => {
    assert.ok(hostA, 'alpha runs');
    const stoppedAt = Date.now();
    hostA.kill('SIGTERM');
    const gone = await waitForSnapshot(
      (snapshot) => hostNamed(snapshot, 'alpha') === undefined && hostNamed(snapshot, 'charlie') !== undefined,
      GOODBYE_BOUND_MS,
      'alpha dropped after its goodbye',
      stoppedAt,
    );
    t.diagnostic(`alpha dropped ${gone.at - stoppedAt} ms after SIGTERM`);
  });

  it('gives a host whose service name is taken on the LAN the next free name', async () => {
    // Real hosts cannot clash (the name carries their random instance id);
    // the fixture announces with a fixed one to make them.
    const announce = async (side: Side): Promise<string> => {
      const child = spawnIn(side, ['tests/fixtures/discovery-announcer.ts', '9999', 'twin', 'twin0000abcd']);
      let output = '';
      return withTimeout(
        new Promise<string>((resolve, reject) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            output += chunk.toString();
            const match = /^announced (.+)$/m.exec(output);
            if (match) resolve(match[1] as string);
          });
          child.once('exit', (code) => reject(new Error(`announcer in ${side} exited early (${code}): ${output}`)));
        }),
        START_TIMEOUT_MS,
        `the announcer in ${side}`,
      );
    };
    assert.equal(await announce('a'), 'LanChat twin twin0000');
    assert.equal(await announce('c'), 'LanChat twin twin0000 (2)');
  });

  it('drops a host killed without goodbye (SIGKILL) within 10 s', async (t) => {
    const charlie = children.find((child) => child.spawnargs.includes('charlie'));
    assert.ok(charlie, 'charlie runs');
    const killedAt = Date.now();
    charlie.kill('SIGKILL');
    const gone = await waitForSnapshot(
      (snapshot) => hostNamed(snapshot, 'charlie') === undefined,
      VANISH_BOUND_MS + KILL_SLACK_MS,
      'charlie dropped after it died',
      killedAt,
    );
    t.diagnostic(`charlie dropped ${gone.at - killedAt} ms after SIGKILL`);
    assert.ok(gone.at - killedAt > GOODBYE_BOUND_MS / 2, 'a killed host sends no goodbye: it leaves by missed /rooms polls');
  });

  it('lists a host serving TLS at https origins with its fingerprint, its rooms read from the announced certificate', async () => {
    const since = Date.now();
    const tango = await startHost('a', 'tango', ['--tls'], 'announced on the LAN');
    const seen = await waitForSnapshot(
      (snapshot) => hostNamed(snapshot, 'tango')?.rooms?.some((room) => room.name === 'tango-room') === true,
      APPEAR_BOUND_MS + START_TIMEOUT_MS,
      'tango listed with its room',
      since,
    );
    const found = hostNamed(seen, 'tango');
    assert.match(found?.origins[0] ?? '', new RegExp(`^https://${ADDRESSES.a.replace(/\./g, '\\.')}:`));
    assert.match(found?.fingerprint ?? '', /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    assert.equal(found?.roomsError, undefined);
    // The certificate the host keeps beside its history file.
    assert.equal(found?.fingerprint, fingerprintOfCertificate(readFileSync(join(dataDir, 'tls-cert.pem'), 'utf8')));
    tango.kill('SIGTERM');
  });

  it('drops a host whose cable is pulled (nothing answers at all) within 10 s', async (t) => {
    // Unlike a killed process, whose port answers at once with a reset, an
    // unplugged host leaves every /rooms request to run into its timeout.
    const delta = await startHost('a', 'delta', ['--host', ADDRESSES.a], 'announced on the LAN');
    const since = Date.now();
    await waitForSnapshot((snapshot) => hostNamed(snapshot, 'delta')?.rooms != null, APPEAR_BOUND_MS + START_TIMEOUT_MS, 'delta listed', since);
    // Unplugged just after it answered its first poll: near the worst case for the drop.
    const unpluggedAt = Date.now();
    ip('-n', NAMESPACES.a, 'link', 'set', 'eth0', 'down');
    try {
      const gone = await waitForSnapshot(
        (snapshot) => hostNamed(snapshot, 'delta') === undefined,
        VANISH_BOUND_MS + KILL_SLACK_MS,
        'delta dropped after its cable was pulled',
        unpluggedAt,
      );
      t.diagnostic(`delta dropped ${gone.at - unpluggedAt} ms after its cable was pulled`);
    } finally {
      ip('-n', NAMESPACES.a, 'link', 'set', 'eth0', 'up');
      delta.kill('SIGKILL');
    }
  });
});
