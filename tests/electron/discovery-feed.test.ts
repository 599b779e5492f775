import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { createFeedAnswerSource, parseFeed } from '../../electron/discovery-feed';
import type { DiscoveryAnswer } from '../../server/discovery';

const HOST: DiscoveryAnswer = { instanceId: 'a1', hostName: 'Ada', protocol: 1, protected: false, origins: ['http://127.0.0.1:8080'] };

describe('parseFeed', () => {
  test('reads the answers of a feed file', () => {
    assert.deepEqual(parseFeed(JSON.stringify([HOST])), [HOST]);
  });

  test('reads a TLS host\'s fingerprint in the canonical form, and leaves out a damaged one', () => {
    const fingerprint = Array.from({ length: 32 }, () => 'EF').join(':');
    const tls = { ...HOST, origins: ['https://127.0.0.1:8443'], fingerprint: fingerprint.replace(/:/g, '').toLowerCase() };
    assert.deepEqual(parseFeed(JSON.stringify([tls, { ...tls, fingerprint: 'EF:EF' }])), [{ ...tls, fingerprint }]);
  });

  test('leaves out entries of the wrong shape, and tells a half-written or foreign file apart (null)', () => {
    const bad = [
      { ...HOST, instanceId: '' },
      { ...HOST, protocol: '1' },
      { ...HOST, protected: 'no' },
      { ...HOST, origins: ['ftp://x'] },
      { ...HOST, origins: 'http://x' },
      null,
    ];
    assert.deepEqual(parseFeed(JSON.stringify([...bad, HOST])), [HOST]);
    assert.equal(parseFeed('[{"instanceId":'), null);
    assert.equal(parseFeed('{"hosts":[]}'), null);
  });
});

describe('createFeedAnswerSource', () => {
  test('reads the file at start and again when it changes; a missing file is no hosts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanchat-feed-'));
    const path = join(dir, 'feed.json');
    const seen: DiscoveryAnswer[][] = [];
    const source = createFeedAnswerSource(path);
    try {
      source.start((answers) => seen.push(answers), () => assert.fail('a feed does not fail'));
      assert.deepEqual(seen, [[]]);
      writeFileSync(path, JSON.stringify([HOST]));
      const deadline = Date.now() + 5_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(seen, [[], [HOST]], 'the start, then the change, each once');
      writeFileSync(path, '[{"instanceId":');
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(seen.length, 2, 'a half-written file changes nothing');
    } finally {
      await source.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
