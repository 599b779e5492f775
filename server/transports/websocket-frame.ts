/**
 * RFC 6455 §5.2 framing of one server-to-client text message, so a
 * broadcast is framed once and the same bytes are written to every
 * recipient's socket. Server frames are never masked (§5.1); the host
 * negotiates no extensions (no permessage-deflate), so RSV bits stay 0.
 *
 * @public
 */

/** FIN bit set, opcode 0x1 (text): a complete text message in one frame. */
const FIN_TEXT = 0x81;
/** Payload lengths up to this fit in the 7-bit length field. */
const MAX_7_BIT_LENGTH = 125;
/** Length markers for a 16-bit and a 64-bit extended payload length. */
const LENGTH_16 = 126;
const LENGTH_64 = 127;
const MAX_16_BIT_LENGTH = 0xffff;

/** One unmasked, unfragmented text frame carrying `text` as UTF-8. @public */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const headerLength = length <= MAX_7_BIT_LENGTH ? 2 : length <= MAX_16_BIT_LENGTH ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN_TEXT;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = LENGTH_16;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = LENGTH_64;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}
