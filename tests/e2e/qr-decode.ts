/**
 * Reads a QR code off a screenshot, the way a phone camera would: the PNG
 * is decoded with pngjs (a dependency of qrcode; it ships no types, hence
 * the small declaration below) and the code with jsQR.
 */
import { createRequire } from 'node:module';

import jsQR from 'jsqr';

/** The part of pngjs's synchronous reader used here. */
interface PngSync {
  read(buffer: Buffer): { width: number; height: number; data: Buffer };
}

const { PNG } = createRequire(__filename)('pngjs') as { PNG: { sync: PngSync } };

/** @returns the text of the QR code in the PNG, or null when none is found */
export function decodeQrPng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}
