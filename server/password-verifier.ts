/**
 * Room password verifiers: what a protected room stores instead of its
 * password. scrypt (node:crypto) with a random salt and explicit cost
 * parameters, encoded in one string so the parameters travel with the hash
 * and can be raised later without breaking stored rooms:
 * `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`.
 *
 * Hashing and verifying run on libuv's thread pool (`crypto.scrypt`), never
 * on the event loop, and at most {@link SCRYPT_CONCURRENCY} at a time, so a
 * burst of joins cannot take every pool thread from the history flushes
 * (fsync runs on the same pool).
 *
 * @public
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

import { SCRYPT_CONCURRENCY, SCRYPT_COST, SCRYPT_KEY_BYTES, SCRYPT_PARALLELISM, SCRYPT_BLOCK_SIZE, SCRYPT_SALT_BYTES } from './constants';

const PREFIX = 'scrypt';

/** A verifier string that cannot be read (corrupt file, or written by an unknown future scheme). @public */
export class VerifierFormatError extends Error {
  readonly code = 'ROOM_ERR_BAD_VERIFIER';

  constructor(message: string) {
    super(message);
    this.name = 'VerifierFormatError';
  }
}

interface Parsed {
  options: ScryptOptions;
  salt: Buffer;
  hash: Buffer;
}

function parse(verifier: string): Parsed {
  const parts = verifier.split('$');
  const [scheme, cost, blockSize, parallelism, salt, hash] = parts;
  const numbers = [cost, blockSize, parallelism].map(Number);
  if (parts.length !== 6 || scheme !== PREFIX || numbers.some((value) => !Number.isInteger(value) || value <= 0) || !salt || !hash) {
    throw new VerifierFormatError('unreadable room password verifier');
  }
  const [N, r, p] = numbers as [number, number, number];
  return { options: scryptOptions(N, r, p), salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

/** scrypt needs 128 · N · r bytes; Node's default cap (32 MiB) is raised to fit with room to spare. */
function scryptOptions(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 256 * N * r };
}

/** Runs at most SCRYPT_CONCURRENCY scrypt calls at once; the rest wait their turn in order. */
let running = 0;
const waiting: Array<() => void> = [];

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const run = (): void => {
      running += 1;
      scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => {
        running -= 1;
        waiting.shift()?.();
        if (error) reject(error);
        else resolve(key);
      });
    };
    if (running < SCRYPT_CONCURRENCY) run();
    else waiting.push(run);
  });
}

/**
 * A verifier for `password`: scrypt with a fresh random salt.
 * @public
 */
export async function createVerifier(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const hash = await derive(password, salt, SCRYPT_KEY_BYTES, scryptOptions(SCRYPT_COST, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELISM));
  return [PREFIX, SCRYPT_COST, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELISM, salt.toString('base64'), hash.toString('base64')].join('$');
}

/**
 * Whether `password` matches `verifier`, compared in constant time.
 * @throws VerifierFormatError when the verifier cannot be read
 * @public
 */
export async function verifyPassword(password: string, verifier: string): Promise<boolean> {
  const { options, salt, hash } = parse(verifier);
  const candidate = await derive(password, salt, hash.length, options);
  return timingSafeEqual(candidate, hash);
}

/**
 * Whether `verifier` can be read (checked when a room is loaded, so a
 * corrupt one fails loudly instead of locking everyone out silently).
 * @public
 */
export function isVerifier(verifier: string): boolean {
  try {
    parse(verifier);
    return true;
  } catch {
    // parse's error says only that it is unreadable, which is the answer.
    return false;
  }
}
