#!/usr/bin/env node
/**
 * Renders the app icon, `build/icon.svg`, into every file the package
 * targets need. The outputs are checked in, so packaging needs neither this
 * script nor its tools; run it again after editing the SVG:
 *
 *   apt-get install -y librsvg2-bin   # rsvg-convert
 *   node build/make-icons.mjs
 *
 * Outputs (all in `build/`, electron-builder's buildResources directory):
 * - `icons/<N>x<N>.png` for N in 16…1024: the Linux icon set (hicolor sizes;
 *   electron-builder and electron-installer-debian take the size from the name);
 * - `icon.png` (1024 px): the fallback electron-builder uses for any target;
 * - `icon.ico` (16…256 px, small sizes as bitmaps for the .exe): Windows/NSIS;
 * - `icon.icns` (16…1024 px): macOS/dmg.
 *
 * Each PNG is rendered from the vector source at its own size (crisper than
 * scaling one bitmap down); png2icons then builds the .ico and .icns from
 * the 1024 px rendering.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import png2icons from 'png2icons';

const BUILD_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCE_SVG = join(BUILD_DIR, 'icon.svg');
const ICON_SET_DIR = join(BUILD_DIR, 'icons');

/** Square sizes rendered from the SVG (update the README's "Packages" section too). */
export const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
const LARGEST_SIZE = ICON_SIZES.at(-1);

/**
 * Renders the SVG to a PNG of `size`×`size` pixels with rsvg-convert.
 * @param {number} size
 * @returns {string} path of the PNG written.
 */
function renderPng(size) {
  const output = join(ICON_SET_DIR, `${size}x${size}.png`);
  execFileSync('rsvg-convert', ['--width', String(size), '--height', String(size), '--output', output, SOURCE_SVG], {
    stdio: 'inherit',
  });
  return output;
}

mkdirSync(ICON_SET_DIR, { recursive: true });
const rendered = ICON_SIZES.map(renderPng);
const largest = join(ICON_SET_DIR, `${LARGEST_SIZE}x${LARGEST_SIZE}.png`);
copyFileSync(largest, join(BUILD_DIR, 'icon.png'));

const master = readFileSync(largest);
// forWinExe: sizes under 64 px as bitmaps, larger ones as PNG (see png2icons' README).
const ico = png2icons.createICO(master, png2icons.BICUBIC, 0, false, true);
const icns = png2icons.createICNS(master, png2icons.BICUBIC, 0);
if (!ico || !icns) throw new Error('png2icons could not convert the 1024 px icon');
writeFileSync(join(BUILD_DIR, 'icon.ico'), ico);
writeFileSync(join(BUILD_DIR, 'icon.icns'), icns);

console.log(`make-icons: ${rendered.length} PNGs, icon.png, icon.ico and icon.icns written to ${BUILD_DIR}`);
