/**
 * The CLI host with TLS (issue 15), as a real process: `--tls` makes the
 * certificate once beside the history file and a restart prints (and
 * serves) the same fingerprint; `--tls-cert`/`--tls-key` serve a
 * certificate the user has; `--http-for-browsers` serves the web client
 * over plain HTTP too; contradictory flags are usage errors (exit 2) and an
 * exposed key a start-up failure (exit 1). Each run has its own temporary
 * data folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { HealthReport } from '../../server';
import { parseInvite, type RoomsReport } from '../../server/protocol';
import { createSelfSignedIdentity, type TlsIdentity } from '../../server/tls-identity';

import { EVENT_TIMEOUT_MS, httpGet, killRunningClis, pinnedHttpsGet, spawnCli, waitForStdout, withTimeout, type CliRun } from './helpers';

/** Starting a process through tsx takes a while on a loaded machine. */
const PROCESS_TIMEOUT_MS = 20_000;

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-tls-cli-'));
after(() => {
  killRunningClis();
  rmSync(tempRoot, { recursive: true, force: true });
});
let counter = 0;

/** A new folder under the temporary root. */
function freshFolder(name: string): string {
  counter += 1;
  const folder = join(tempRoot, `${name}-${counter}`);
  mkdirSync(folder);
  return folder;
}

/** A started TLS host: its process, port and the fingerprint it printed (full and short). */
interface TlsHost {
  run: CliRun;
  port: number;
  fingerprint: string;
  short: string;
}

async function startTlsHost(args: string[]): Promise<TlsHost> {
  const run = spawnCli(['--port', '0', '--host', '127.0.0.1', ...args]);
  const port = Number((await waitForStdout(run, /^LanChat host listening on https:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
  const fingerprint = (await waitForStdout(run, /^ {2}fingerprint \(SHA-256\): ([0-9A-F:]{95})$/m))[1] as string;
  const short = (await waitForStdout(run, /^ {2}short fingerprint: ([0-9A-F]{4}(?: [0-9A-F]{4}){3})$/m))[1] as string;
  return { run, port, fingerprint, short };
}

async function stopHost(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal(await withTimeout(run.exited, PROCESS_TIMEOUT_MS, 'the host to stop'), 0);
}

/** Reads the certificate a host serves (without trusting it) for pinning. */
function servedCertificate(port: number): Promise<{ cert: string; fingerprint: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      // Only to look at what it serves: nothing is sent over this connection.
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/health', agent: false, rejectUnauthorized: false });
      req.on('socket', (socket) => {
        socket.once('secureConnect', () => {
          const peer = (socket as import('node:tls').TLSSocket).getPeerCertificate();
          const cert = `-----BEGIN CERTIFICATE-----\n${peer.raw.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
          resolve({ cert, fingerprint: peer.fingerprint256 });
          req.destroy();
        });
      });
      req.on('error', (error) => {
        if (!req.destroyed) reject(error);
      });
      req.end();
    }),
    EVENT_TIMEOUT_MS,
    'the served certificate',
  );
}

async function runToExit(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = spawnCli(args);
  const code = await withTimeout(run.exited, PROCESS_TIMEOUT_MS, `lanchat-host ${args.join(' ')} to exit`);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('lanchat-host --tls', () => {
  it('makes its certificate once beside the history file and serves the same fingerprint after a restart', async () => {
    const data = join(freshFolder('data'), 'lanchat', 'history.sqlite');
    const first = await startTlsHost(['--no-web', '--data', data, '--tls']);
    assert.match(first.run.stdout(), /TLS certificate: .*tls-cert\.pem \(made now/);
    assert.equal(first.short, first.fingerprint.replace(/:/g, '').slice(0, 16).replace(/(.{4})(?!$)/g, '$1 '));
    assert.match(first.run.stdout(), new RegExp(`join at https://127\\.0\\.0\\.1:${first.port}`));
    const served = await servedCertificate(first.port);
    assert.equal(served.fingerprint, first.fingerprint, 'the printed fingerprint is the served certificate’s');
    const health = await pinnedHttpsGet(first.port, '/health', served);
    assert.equal((JSON.parse(health.body) as HealthReport).tls, true);
    assert.equal(statSync(join(data, '..', 'tls-key.pem')).mode & 0o777, 0o600);
    await stopHost(first.run);

    const second = await startTlsHost(['--no-web', '--data', data, '--tls']);
    assert.equal(second.fingerprint, first.fingerprint);
    assert.doesNotMatch(second.run.stdout(), /made now/);
    assert.equal((await pinnedHttpsGet(second.port, '/health', served)).status, 200, 'a client that pinned the first start still connects');
    await stopHost(second.run);
  });

  it('puts its fingerprint in the invite (fp=) and in /rooms, so the app can pin it', async () => {
    const host = await startTlsHost(['--no-web', '--data', ':memory:', '--tls', '--room', 'garden']);
    const line = (await waitForStdout(host.run, /^Invite: (\S+)$/m))[1] as string;
    assert.deepEqual(parseInvite(line), { origin: `https://127.0.0.1:${host.port}`, room: 'garden', fingerprint: host.fingerprint });
    const served = await servedCertificate(host.port);
    const rooms = JSON.parse((await pinnedHttpsGet(host.port, '/rooms', served)).body) as RoomsReport;
    assert.deepEqual([rooms.tls, rooms.fingerprint], [true, host.fingerprint]);
    await stopHost(host.run);
  });

  it('makes a temporary certificate, and says so, when the history is in memory', async () => {
    const host = await startTlsHost(['--no-web', '--data', ':memory:', '--tls']);
    assert.match(host.run.stdout(), /TLS certificate: in memory \(temporary, for this run only/);
    await stopHost(host.run);
  });

  it('refuses to start, in one sentence, when its stored key is readable by others', async () => {
    const folder = freshFolder('exposed');
    const identity = await createSelfSignedIdentity();
    writeFileSync(join(folder, 'tls-cert.pem'), identity.cert, { mode: 0o600 });
    writeFileSync(join(folder, 'tls-key.pem'), identity.key, { mode: 0o644 });
    const result = await runToExit(['--port', '0', '--host', '127.0.0.1', '--no-web', '--data', join(folder, 'history.sqlite'), '--tls']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^lanchat-host: The private key .*tls-key\.pem can be read by other users \(mode 0644\).*chmod 600/);
    assert.doesNotMatch(result.stdout, /listening/);
  });
});

describe('lanchat-host --tls-cert --tls-key', () => {
  let identity: TlsIdentity;
  before(async () => {
    identity = await createSelfSignedIdentity();
  });

  it('serves the user’s certificate, and writes none of its own', async () => {
    const folder = freshFolder('user');
    const certPath = join(folder, 'host.crt');
    const keyPath = join(folder, 'host.key');
    writeFileSync(certPath, identity.cert);
    writeFileSync(keyPath, identity.key, { mode: 0o600 });
    const dataFolder = freshFolder('data');
    const host = await startTlsHost(['--no-web', '--data', join(dataFolder, 'history.sqlite'), '--tls-cert', certPath, '--tls-key', keyPath]);
    assert.equal(host.fingerprint, identity.fingerprint);
    assert.match(host.run.stdout(), new RegExp(`TLS certificate: ${certPath.replace(/[.]/g, '\\.')}\\n`));
    assert.equal((await pinnedHttpsGet(host.port, '/health', identity)).status, 200);
    await stopHost(host.run);
    assert.throws(() => statSync(join(dataFolder, 'tls-cert.pem')), /ENOENT/);
  });

  it('refuses a key that belongs to another certificate', async () => {
    const folder = freshFolder('mismatch');
    const otherKey = (await createSelfSignedIdentity()).key;
    writeFileSync(join(folder, 'host.crt'), identity.cert);
    writeFileSync(join(folder, 'host.key'), otherKey, { mode: 0o600 });
    const result = await runToExit(['--port', '0', '--no-web', '--data', ':memory:', '--tls-cert', join(folder, 'host.crt'), '--tls-key', join(folder, 'host.key')]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /does not belong to the certificate/);
  });
});

describe('lanchat-host --http-for-browsers', () => {
  it('serves the web client over plain HTTP too, and prints where', async () => {
    const webRoot = freshFolder('web');
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>LanChat web client</title>');
    const host = await startTlsHost(['--web-root', webRoot, '--data', ':memory:', '--tls', '--http-for-browsers', '0']);
    const plainPort = Number((await waitForStdout(host.run, /^ {2}browsers without encryption: http:\/\/127\.0\.0\.1:(\d+)$/m))[1]);
    const plain = await httpGet({ address: '127.0.0.1', family: 'IPv4', port: plainPort }, '/');
    assert.equal(plain.status, 200);
    assert.match(plain.body, /LanChat web client/);
    const served = await servedCertificate(host.port);
    assert.equal((await pinnedHttpsGet(host.port, '/', served)).body, plain.body);
    await stopHost(host.run);
  });
});

describe('lanchat-host TLS usage errors', () => {
  for (const [args, pattern] of [
    [['--tls', '--no-tls'], /--no-tls contradicts/],
    [['--no-tls', '--http-for-browsers', '8081'], /--no-tls contradicts/],
    [['--http-for-browsers', '8081'], /--http-for-browsers needs --tls/],
    [['--tls-cert', 'host.crt'], /--tls-cert and --tls-key go together/],
    [['--tls', '--http-for-browsers', 'eighty'], /--http-for-browsers must be a whole number/],
  ] as const) {
    it(`exits with 2 for ${args.join(' ')}`, async () => {
      const result = await runToExit(['--port', '0', '--no-web', '--data', ':memory:', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
    });
  }
});
