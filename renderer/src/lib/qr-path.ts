/**
 * QR codes for invites, drawn as one SVG path: the `qrcode` package computes
 * the module matrix, and this file turns the dark modules into rectangles
 * the start screen renders as `<path d=…>` (no canvas, no data URL, no
 * `{@html}`; shared/STYLE.md §11).
 *
 * Pure apart from `qrcode`'s encoder (covered by tests/renderer/qr-path.test.ts,
 * which decodes the drawn path with jsQR).
 *
 * @public
 */
import QRCode from 'qrcode';

/**
 * Light modules kept around the code. The QR standard (ISO/IEC 18004 §6.3.8)
 * asks for 4; scanners on phones fail far more often without them, most of
 * all when the code sits on a dark page.
 */
export const QR_QUIET_ZONE = 4;

/** The part of `qrcode`'s BitMatrix the drawing reads. */
export interface QrModules {
  /** Modules per side. */
  size: number;
  /** 1 for a dark module at (row, col), else 0. */
  get(row: number, col: number): number;
}

/** A QR code ready for an SVG `viewBox="0 0 {size} {size}"`. */
export interface QrDrawing {
  /** Side of the whole drawing in modules, quiet zone included. */
  size: number;
  /** Path data covering exactly the dark modules, one unit per module. */
  path: string;
}

/**
 * Draws a module matrix: each horizontal run of dark modules becomes one
 * rectangle (`M x y h n v1 h-n z`), which keeps the path short and leaves no
 * hairline gaps between neighbouring modules, as separate squares can when
 * the browser anti-aliases them.
 *
 * @param modules - the matrix (`QRCode.create(…).modules`)
 * @param quietZone - light modules added on every side
 */
export function qrModulesToPath(modules: QrModules, quietZone = QR_QUIET_ZONE): QrDrawing {
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row += 1) {
    let col = 0;
    while (col < modules.size) {
      if (modules.get(row, col) === 0) {
        col += 1;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.get(row, col) !== 0) col += 1;
      const run = col - start;
      parts.push(`M${start + quietZone} ${row + quietZone}h${run}v1h-${run}z`);
    }
  }
  return { size: modules.size + 2 * quietZone, path: parts.join('') };
}

/**
 * The QR code of `text` at error correction level M (15 % of the code may
 * be damaged or glared and it still reads; the invites are short enough
 * that this stays a small, easily scanned code).
 *
 * @throws when `text` is too long for any QR code version
 */
export function qrDrawing(text: string): QrDrawing {
  return qrModulesToPath(QRCode.create(text, { errorCorrectionLevel: 'M' }).modules);
}
