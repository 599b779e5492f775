/**
 * One server message on its way to many recipients. Fan-out is the host's
 * main job, so a broadcast is encoded once, not once per recipient: the
 * room serialises the message to JSON once, and each transport derives the
 * bytes it writes (a WebSocket frame, a SockJS `a[...]` frame) once per
 * broadcast, the first time one of its connections asks, and reuses them
 * for every other recipient on that transport.
 *
 * @public
 */

/**
 * How one transport turns a message into what it writes. It gets the whole
 * frame, so an encoding can build on another one (`frame.encoded(other)`)
 * and share that encoding's work with every transport that uses it too.
 * @public
 */
export interface FrameEncoding<T> {
  /** For debugging only. */
  readonly name: string;
  encode(frame: SharedFrame): T;
}

/** A message's JSON text plus the encodings derived from it so far. @public */
export class SharedFrame {
  readonly text: string;
  /** Encodings derived so far; most broadcasts need one or two. */
  readonly #encoded = new Map<FrameEncoding<unknown>, unknown>();

  constructor(text: string) {
    this.text = text;
  }

  /** This message in `encoding`, encoded on the first call and reused after. */
  encoded<T>(encoding: FrameEncoding<T>): T {
    if (this.#encoded.has(encoding)) return this.#encoded.get(encoding) as T;
    const value = encoding.encode(this);
    this.#encoded.set(encoding, value);
    return value;
  }
}
