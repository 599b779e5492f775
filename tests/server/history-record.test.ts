/**
 * The history record file on a real folder: written whole and read back,
 * a file that is not a record refused, and a delayed write that never lands
 * over a newer one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { readHistoryRecord, recordPath, writeHistoryRecordLater, writeHistoryRecordSync, type HistoryRecord } from '../../server/history-record';

const tempRoot = mkdtempSync(join(tmpdir(), 'lanchat-history-record-'));
let dirCounter = 0;

after(() => rmSync(tempRoot, { recursive: true, force: true }));

function freshRecordFile(): string {
  dirCounter += 1;
  const dir = join(tempRoot, `case-${dirCounter}`);
  mkdirSync(dir);
  return recordPath(join(dir, 'history.sqlite'));
}

const RECORD: HistoryRecord = { historyId: 'h-1', durableMessages: 12, rooms: { lobby: 10, 'with\0nul': 2 } };

describe('history record', () => {
  it('is named after the database and reads back as written; none is undefined', () => {
    assert.equal(recordPath('/data/history.sqlite'), '/data/history.sqlite.record.json');
    const file = freshRecordFile();
    assert.equal(readHistoryRecord(file), undefined);
    writeHistoryRecordSync(file, RECORD);
    assert.deepEqual(readHistoryRecord(file), RECORD);
    const failed: HistoryRecord = { ...RECORD, flushFailed: { writtenMessages: 15, rooms: { lobby: 13 } } };
    writeHistoryRecordSync(file, failed);
    assert.deepEqual(readHistoryRecord(file), failed);
  });

  it('refuses a file that is not a record with a SyntaxError', () => {
    const file = freshRecordFile();
    for (const text of ['', 'not json', '{"format":1}', '{"format":2,"historyId":"h","durableMessages":1,"rooms":{}}', '{"format":1,"historyId":"h","durableMessages":1,"rooms":{"a":-1}}']) {
      writeFileSync(file, text);
      assert.throws(() => readHistoryRecord(file), SyntaxError, text);
    }
  });

  it('lands a delayed write only if nothing newer was written meanwhile, leaving no temporary file', async () => {
    const file = freshRecordFile();
    writeHistoryRecordSync(file, RECORD);
    const later = (record: HistoryRecord, commit: () => boolean): Promise<Error | undefined> =>
      new Promise((resolve) => writeHistoryRecordLater(file, record, commit, resolve));

    assert.equal(await later({ ...RECORD, durableMessages: 20 }, () => true), undefined);
    assert.equal(readHistoryRecord(file)?.durableMessages, 20);
    assert.equal(await later({ ...RECORD, durableMessages: 5 }, () => false), undefined);
    assert.equal(readHistoryRecord(file)?.durableMessages, 20, 'the stale write was dropped');
    assert.deepEqual(readdirSync(join(file, '..')), ['history.sqlite.record.json']);
  });
});
