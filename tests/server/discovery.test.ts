import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';

import {
  answersFromServices,
  createDiscoveryBrowser,
  fetchRoomsReport,
  isLoopbackAddress,
  MISSED_POLLS_TO_DROP,
  originsFor,
  serviceInstanceName,
  startAnnouncer,
  type BrowsedService,
  type DiscoveryAnswer,
  type DiscoveryAnswerSource,
  type RoomsFetcher,
} from '../../server/discovery';
import { announcementTxt, parseAnnouncementTxt, TXT_KEYS } from '../../server/protocol/announcement';
import { ROOMS_REPORT_MAX_BYTES, type RoomsReport } from '../../server/protocol/rooms-report';
import { createSelfSignedIdentity, type TlsIdentity } from '../../server/tls-identity';

const ID = '0123456789abcdef';

function report(instanceId: string, members = 1): RoomsReport {
  return { name: 'lanchat', protocol: 1, version: '1.0.0', hostName: 'h', instanceId, guestRooms: true, rooms: [{ name: 'lobby', protected: false, members }] };
}

function answer(instanceId: string, origins = [`http://192.0.2.1:8080`], hostName = 'h'): DiscoveryAnswer {
  return { instanceId, hostName, protocol: 1, protected: false, origins };
}

/** A source the test drives by hand. */
function fakeSource(): DiscoveryAnswerSource & { emit(answers: DiscoveryAnswer[]): void; fail(message: string): void; forgotten: string[] } {
  let onAnswers: (answers: DiscoveryAnswer[]) => void = () => {};
  let onError: (message: string) => void = () => {};
  const forgotten: string[] = [];
  return {
    forgotten,
    start(answers, error) {
      onAnswers = answers;
      onError = error;
    },
    forget(instanceId) {
      forgotten.push(instanceId);
    },
    stop: async () => {},
    emit: (answers) => onAnswers(answers),
    fail: (message) => onError(message),
  };
}

/** Lets pending promise callbacks (the fake fetches) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('announcement TXT record', () => {
  it('carries a TLS host\'s fingerprint as fp, 64 hex digits, and reads it back canonical', () => {
    const fingerprint = Array.from({ length: 32 }, (_, index) => (index * 5).toString(16).padStart(2, '0').toUpperCase()).join(':');
    const txt = announcementTxt({ protocol: 1, hostName: 'h', instanceId: ID, protected: false, fingerprint });
    assert.equal(txt[TXT_KEYS.fingerprint], fingerprint.replace(/:/g, ''));
    assert.deepEqual(parseAnnouncementTxt({ ...txt, [TXT_KEYS.fingerprint]: txt[TXT_KEYS.fingerprint]?.toLowerCase() }), { protocol: 1, hostName: 'h', instanceId: ID, protected: false, fingerprint });
    // A damaged fingerprint must not pin anything: the record is refused.
    assert.equal(parseAnnouncementTxt({ ...txt, [TXT_KEYS.fingerprint]: 'ABCD' }), null);
    assert.throws(() => announcementTxt({ protocol: 1, hostName: 'h', instanceId: ID, protected: false, fingerprint: 'ABCD' }), TypeError);
  });

  it('round-trips through the byte values mDNS libraries give', () => {
    const txt = announcementTxt({ protocol: 1, hostName: 'Ada’s laptop', instanceId: ID, protected: true });
    const bytes = Object.fromEntries(Object.entries(txt).map(([key, value]) => [key, new TextEncoder().encode(value)]));
    assert.deepEqual(parseAnnouncementTxt(bytes), { protocol: 1, hostName: 'Ada’s laptop', instanceId: ID, protected: true });
  });

  it('is not a LanChat host without a protocol version or an instance id', () => {
    assert.equal(parseAnnouncementTxt(undefined), null);
    assert.equal(parseAnnouncementTxt({ [TXT_KEYS.instanceId]: ID }), null);
    assert.equal(parseAnnouncementTxt({ [TXT_KEYS.protocol]: 'x', [TXT_KEYS.instanceId]: ID }), null);
    assert.equal(parseAnnouncementTxt({ [TXT_KEYS.protocol]: '1', [TXT_KEYS.instanceId]: '' }), null);
  });
});

describe('serviceInstanceName', () => {
  it('carries the host name and the start of the instance id, so equal host names do not clash', () => {
    assert.equal(serviceInstanceName('laptop', ID), 'LanChat laptop 01234567');
    assert.notEqual(serviceInstanceName('laptop', ID), serviceInstanceName('laptop', 'fedcba9876543210'));
  });

  it('numbers the next attempts after a clash', () => {
    assert.equal(serviceInstanceName('laptop', ID, 2), 'LanChat laptop 01234567 (2)');
  });

  it('replaces dots (label separators) and fits one 63-byte DNS label, cutting whole characters', () => {
    assert.equal(serviceInstanceName('ada.local', ID), 'LanChat ada-local 01234567');
    const long = serviceInstanceName('ü'.repeat(60), ID, 10);
    assert.ok(new TextEncoder().encode(long).length <= 63, long);
    assert.match(long, /^LanChat ü+ 01234567 \(10\)$/);
    assert.equal(serviceInstanceName('  ', ID), 'LanChat 01234567');
  });
});

describe('originsFor', () => {
  it('uses https: for a host serving TLS', () => {
    assert.deepEqual(originsFor(['2001:db8::5', '192.0.2.5'], 8443, 'https'), ['https://192.0.2.5:8443', 'https://[2001:db8::5]:8443']);
  });

  it('puts IPv4 first, brackets IPv6, drops duplicates', () => {
    assert.deepEqual(originsFor(['2001:db8::5', '192.0.2.5', '192.0.2.5', '198.51.100.7'], 8080), [
      'http://192.0.2.5:8080',
      'http://198.51.100.7:8080',
      'http://[2001:db8::5]:8080',
    ]);
  });

  it('skips link-local IPv6 (no zone in mDNS answers), zoned and unspecified addresses, and names', () => {
    assert.deepEqual(originsFor(['fe80::1', 'FE80::abcd', 'fe80::1%eth0', '::', '0.0.0.0', 'host.local', '192.0.2.5'], 80), ['http://192.0.2.5:80']);
  });

  it('gives nothing for a port that is not one', () => {
    assert.deepEqual(originsFor(['192.0.2.5'], 0), []);
    assert.deepEqual(originsFor(['192.0.2.5'], 70_000), []);
  });
});

describe('answersFromServices', () => {
  const service = (instanceId: string, addresses: string[], referer?: string, port = 8080): BrowsedService => ({
    port,
    addresses,
    txt: announcementTxt({ protocol: 1, hostName: 'h', instanceId, protected: false }),
    referer: referer === undefined ? undefined : { address: referer, family: 'IPv4', port: 5353, size: 0 },
  });

  it('groups services by instance id and merges their addresses, with the packet source address', () => {
    const answers = answersFromServices([service('a', ['192.0.2.1']), service('a', ['2001:db8::1'], '192.0.2.9'), service('b', [], '198.51.100.2')]);
    assert.deepEqual(
      answers.map((a) => [a.instanceId, a.origins]),
      [
        ['a', ['http://192.0.2.1:8080', 'http://192.0.2.9:8080', 'http://[2001:db8::1]:8080']],
        ['b', ['http://198.51.100.2:8080']],
      ],
    );
  });

  it('gives https: origins and the fingerprint for a host whose record has one', () => {
    const fingerprint = Array.from({ length: 32 }, () => 'AB').join(':');
    const txt = announcementTxt({ protocol: 1, hostName: 'h', instanceId: 'a', protected: false, fingerprint });
    const [found] = answersFromServices([{ port: 8443, addresses: ['192.0.2.1'], txt, referer: undefined }]);
    assert.deepEqual([found?.origins, found?.fingerprint], [['https://192.0.2.1:8443'], fingerprint]);
  });

  it('leaves out services that are not LanChat hosts', () => {
    assert.deepEqual(answersFromServices([{ port: 80, addresses: ['192.0.2.1'], txt: { foo: 'bar' }, referer: undefined }]), []);
  });
});

describe('isLoopbackAddress', () => {
  it('knows this machine only from the LAN', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopbackAddress(address), true, address);
    for (const address of ['0.0.0.0', '::', '192.0.2.1', '128.0.0.1']) assert.equal(isLoopbackAddress(address), false, address);
  });
});

describe('startAnnouncer', () => {
  it('announces nothing when LANCHAT_DISCOVERY=off (as in every test), and stops twice', async () => {
    assert.equal(process.env.LANCHAT_DISCOVERY, 'off', 'the test runner turns discovery off');
    const announcer = await startAnnouncer({ port: 8080, announcement: { protocol: 1, hostName: 'h', instanceId: ID, protected: false } });
    assert.equal(announcer.off, true);
    assert.equal(announcer.name, undefined);
    await announcer.stop();
    await announcer.stop();
  });
});

describe('createDiscoveryBrowser', () => {
  it('is off when LANCHAT_DISCOVERY=off and no source is given', () => {
    const browser = createDiscoveryBrowser();
    browser.start();
    assert.deepEqual(browser.status(), { state: 'off' });
    assert.deepEqual(browser.hosts(), []);
  });

  it('lists a host at once, then with its rooms; keeps member counts current', async () => {
    const source = fakeSource();
    let members = 1;
    const fetchRooms: RoomsFetcher = async () => report('a', members);
    const browser = createDiscoveryBrowser({ source, fetchRooms, pollIntervalMs: 60_000 });
    let changes = 0;
    browser.onChange(() => (changes += 1));
    browser.start();
    assert.deepEqual(browser.status(), { state: 'running' });
    source.emit([answer('a')]);
    assert.equal(browser.hosts()[0]?.rooms, null, 'listed before /rooms answers');
    await settle();
    assert.deepEqual(browser.hosts()[0]?.rooms, [{ name: 'lobby', protected: false, members: 1 }]);
    assert.equal(browser.hosts()[0]?.guestRooms, true);
    const before = changes;
    source.emit([answer('a')]);
    await settle();
    assert.equal(changes, before, 'no change, no notification');
    members = 2;
    source.emit([answer('a', ['http://192.0.2.1:8080', 'http://192.0.2.2:8080'])]);
    await settle();
    assert.equal(browser.hosts()[0]?.rooms?.[0]?.members, 2);
    await browser.stop();
    await browser.stop();
  });

  it('drops a host at once when mDNS no longer has it (goodbye)', async () => {
    const source = fakeSource();
    const browser = createDiscoveryBrowser({ source, fetchRooms: async (origin) => report(origin.includes('.1:') ? 'a' : 'b'), pollIntervalMs: 60_000 });
    browser.start();
    source.emit([answer('a'), answer('b', ['http://192.0.2.2:8080'])]);
    await settle();
    assert.equal(browser.hosts().length, 2);
    source.emit([answer('b', ['http://192.0.2.2:8080'])]);
    assert.deepEqual(
      browser.hosts().map((host) => host.instanceId),
      ['b'],
    );
    await browser.stop();
  });

  it(`drops a host after ${MISSED_POLLS_TO_DROP} failed /rooms polls, keeping the reason meanwhile, and lists it again when it answers`, async () => {
    const source = fakeSource();
    let up = true;
    const fetchRooms: RoomsFetcher = async () => {
      if (!up) throw new Error('connection refused');
      return report('a');
    };
    const browser = createDiscoveryBrowser({ source, fetchRooms, pollIntervalMs: 20 });
    browser.start();
    source.emit([answer('a')]);
    await settle();
    up = false;
    const failing = await waitFor(() => browser.hosts()[0]?.roomsError !== undefined);
    assert.ok(failing);
    assert.equal(browser.hosts()[0]?.roomsError, 'connection refused');
    assert.notEqual(browser.hosts()[0]?.rooms, null, 'the last rooms stay while it may come back');
    await waitFor(() => browser.hosts().length === 0);
    up = true;
    await waitFor(() => browser.hosts().length === 1);
    assert.equal(browser.hosts()[0]?.roomsError, undefined);
    await browser.stop();
  });

  it('puts the origin that answered first, and refuses an answer from another host at the address', async () => {
    const source = fakeSource();
    const fetchRooms: RoomsFetcher = async (origin) => {
      if (origin === 'http://192.0.2.1:8080') throw new Error('unreachable');
      if (origin === 'http://192.0.2.3:8080') return report('someone-else');
      return report('a');
    };
    const browser = createDiscoveryBrowser({ source, fetchRooms, pollIntervalMs: 60_000 });
    browser.start();
    source.emit([answer('a', ['http://192.0.2.1:8080', 'http://192.0.2.2:8080', 'http://192.0.2.3:8080'])]);
    await settle();
    await settle();
    assert.deepEqual(browser.hosts()[0]?.origins, ['http://192.0.2.2:8080', 'http://192.0.2.1:8080', 'http://192.0.2.3:8080']);

    source.emit([answer('b', ['http://192.0.2.3:8080'])]);
    await settle();
    await settle();
    assert.match(browser.hosts()[0]?.roomsError ?? '', /another LanChat host/);
    await browser.stop();
  });

  it('times a silent host out', async () => {
    const source = fakeSource();
    const fetchRooms: RoomsFetcher = (_origin, signal) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    const browser = createDiscoveryBrowser({ source, fetchRooms, pollIntervalMs: 60_000, fetchTimeoutMs: 30 });
    browser.start();
    source.emit([answer('a')]);
    await waitFor(() => browser.hosts()[0]?.roomsError !== undefined);
    assert.equal(browser.hosts()[0]?.roomsError, 'no answer within 30 ms');
    await browser.stop();
  });

  it('reports a source that cannot start as state error', async () => {
    const source = fakeSource();
    const browser = createDiscoveryBrowser({ source, fetchRooms: async () => report('a') });
    browser.start();
    source.fail('mDNS (UDP port 5353) unavailable: EACCES');
    assert.deepEqual(browser.status(), { state: 'error', error: 'mDNS (UDP port 5353) unavailable: EACCES' });
    await browser.stop();
  });
});

describe('fetchRoomsReport', () => {
  let server: Server;
  let origin = '';
  let respond: (send: (status: number, body: string) => void) => void = () => {};

  before(async () => {
    server = createServer((request, response) => {
      assert.equal(request.url, '/rooms');
      respond((status, body) => response.writeHead(status, { 'Content-Type': 'application/json' }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetchIt = (): Promise<RoomsReport> => fetchRoomsReport(origin, AbortSignal.timeout(2_000));

  it('reads a LanChat report', async () => {
    respond = (send) => send(200, JSON.stringify(report('a')));
    assert.deepEqual(await fetchIt(), report('a'));
  });

  it('refuses a 404 (a LanChat host without /rooms, or another web server)', async () => {
    respond = (send) => send(404, 'not found');
    await assert.rejects(fetchIt(), /answered 404/);
  });

  it('refuses JSON that is not a rooms report, and non-JSON', async () => {
    respond = (send) => send(200, JSON.stringify({ name: 'something-else' }));
    await assert.rejects(fetchIt(), /not a LanChat rooms report/);
    respond = (send) => send(200, '<html>');
    await assert.rejects(fetchIt(), /not JSON/);
  });

  it(`stops reading after ${ROOMS_REPORT_MAX_BYTES} bytes`, async () => {
    respond = (send) => send(200, JSON.stringify({ ...report('a'), version: 'x'.repeat(ROOMS_REPORT_MAX_BYTES) }));
    await assert.rejects(fetchIt(), /is over 262144 bytes/);
  });

  it('says why nothing answered', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(fetchRoomsReport(`http://127.0.0.1:${port}`, AbortSignal.timeout(2_000)), /fetch failed/);
  });
});

describe('fetchRoomsReport over TLS', () => {
  let server: HttpsServer;
  let origin = '';
  let identity: TlsIdentity;
  let other: TlsIdentity;

  before(async () => {
    identity = await createSelfSignedIdentity();
    other = await createSelfSignedIdentity();
    server = createHttpsServer({ cert: identity.cert, key: identity.key }, (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(report('a')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads the report of a self-signed host whose certificate has the announced fingerprint', async () => {
    assert.deepEqual(await fetchRoomsReport(origin, AbortSignal.timeout(2_000), identity.fingerprint), report('a'));
  });

  it('refuses a host presenting another certificate than the announced one', async () => {
    await assert.rejects(fetchRoomsReport(origin, AbortSignal.timeout(2_000), other.fingerprint), /another certificate than the one announced/);
  });

  it('refuses an https origin with no fingerprint to check', async () => {
    await assert.rejects(fetchRoomsReport(origin, AbortSignal.timeout(2_000)), /no fingerprint to check/);
  });
});

/** Polls `condition` every few milliseconds until it holds (at most 2 s). */
async function waitFor(condition: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}
