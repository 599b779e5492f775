import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SharedFrame, type FrameEncoding } from '../../server/shared-frame';
import { encodeTextFrame } from '../../server/transports/websocket-frame';

describe('SharedFrame', () => {
  it('encodes once per encoding and returns the same value to every caller', () => {
    let calls = 0;
    const upper: FrameEncoding<string> = { name: 'upper', encode: (frame) => ((calls += 1), frame.text.toUpperCase()) };
    const frame = new SharedFrame('hello');
    assert.equal(frame.encoded(upper), 'HELLO');
    assert.equal(frame.encoded(upper), 'HELLO');
    assert.equal(calls, 1);
  });

  it('keeps each encoding apart', () => {
    const a: FrameEncoding<string> = { name: 'a', encode: (frame) => `a:${frame.text}` };
    const b: FrameEncoding<number> = { name: 'b', encode: (frame) => frame.text.length };
    const frame = new SharedFrame('xyz');
    assert.equal(frame.encoded(a), 'a:xyz');
    assert.equal(frame.encoded(b), 3);
  });

  it('lets one encoding build on another without encoding the other twice', () => {
    let inner = 0;
    const quoted: FrameEncoding<string> = { name: 'quoted', encode: (frame) => ((inner += 1), JSON.stringify(frame.text)) };
    const wrapped: FrameEncoding<string> = { name: 'wrapped', encode: (frame) => `a[${frame.encoded(quoted)}]` };
    const frame = new SharedFrame('hi');
    assert.equal(frame.encoded(quoted), '"hi"');
    assert.equal(frame.encoded(wrapped), 'a["hi"]');
    assert.equal(inner, 1);
  });
});

/** ws's frame parser: public (`require('ws').Receiver`) but missing from @types/ws. */
interface WsReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  write(chunk: Buffer): boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Receiver } = require('ws') as { Receiver: new (options: { isServer: boolean }) => WsReceiver };

/** Parses `bytes` with ws's own client-side receiver (RFC 6455, unmasked server frames) and returns the messages. */
function parseWithWs(bytes: Buffer): string[] {
  const messages: string[] = [];
  const receiver = new Receiver({ isServer: false });
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    assert.equal(isBinary, false, 'a text frame');
    messages.push(data.toString('utf8'));
  });
  receiver.on('error', (error) => assert.fail(error));
  receiver.write(bytes);
  return messages;
}

describe('encodeTextFrame', () => {
  // 125 / 126 and 65535 / 65536 bytes are where RFC 6455 switches length encodings.
  for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
    it(`frames a ${length}-byte text so ws reads it back`, () => {
      const text = 'x'.repeat(length);
      assert.deepEqual(parseWithWs(encodeTextFrame(text)), [text]);
    });
  }

  it('counts the payload length in UTF-8 bytes, not characters', () => {
    const text = 'é😀'.repeat(40); // 240 bytes, 120 UTF-16 units
    const frame = encodeTextFrame(text);
    assert.equal(frame[1], 126, 'a 16-bit extended length');
    assert.equal(frame.readUInt16BE(2), Buffer.byteLength(text));
    assert.deepEqual(parseWithWs(frame), [text]);
  });

  it('sets FIN and the text opcode, and never masks', () => {
    const frame = encodeTextFrame('hi');
    assert.deepEqual([...frame], [0x81, 2, 0x68, 0x69]);
  });
});
