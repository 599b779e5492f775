/**
 * Tests for renderer/src/lib/qr-path.ts: the drawn path is rasterised and
 * read back with jsQR, the decoder a phone camera app resembles.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import jsQR from 'jsqr';

import { QR_QUIET_ZONE, qrDrawing, qrModulesToPath, type QrDrawing } from '../../renderer/src/lib/qr-path';

/** Pixels per module when rasterising. */
const SCALE = 4;

/**
 * Fills the rectangles of a drawing's path (only the `M x y h n v1 h-n z`
 * runs qrModulesToPath writes) into an RGBA bitmap, black on white.
 */
function rasterise(drawing: QrDrawing): { data: Uint8ClampedArray; width: number } {
  const width = drawing.size * SCALE;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  const runs = [...drawing.path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)];
  assert.equal(runs.map((run) => run[0]).join(''), drawing.path, 'the path holds only run rectangles');
  for (const [, x, y, n] of runs) {
    for (let py = Number(y) * SCALE; py < (Number(y) + 1) * SCALE; py += 1) {
      for (let px = Number(x) * SCALE; px < (Number(x) + Number(n)) * SCALE; px += 1) {
        const at = (py * width + px) * 4;
        data[at] = data[at + 1] = data[at + 2] = 0;
      }
    }
  }
  return { data, width };
}

describe('qrModulesToPath', () => {
  test('one rectangle per horizontal run of dark modules, shifted by the quiet zone', () => {
    const grid = [
      [1, 1, 0],
      [0, 0, 0],
      [1, 0, 1],
    ];
    const drawing = qrModulesToPath({ size: 3, get: (row, col) => grid[row]?.[col] ?? 0 }, 2);
    assert.equal(drawing.size, 7);
    assert.equal(drawing.path, 'M2 2h2v1h-2zM2 4h1v1h-1zM4 4h1v1h-1z');
  });

  test('an all-light matrix draws nothing', () => {
    assert.equal(qrModulesToPath({ size: 5, get: () => 0 }).path, '');
  });
});

describe('qrDrawing', () => {
  for (const invite of ['http://127.0.0.1:41234/?room=standup', 'http://[fd00::5]:8080/?room=caf%C3%A9+team']) {
    test(`decodes back to the invite ${invite}`, () => {
      const drawing = qrDrawing(invite);
      assert.ok(drawing.size >= 21 + 2 * QR_QUIET_ZONE);
      const { data, width } = rasterise(drawing);
      assert.equal(jsQR(data, width, width)?.data, invite);
    });
  }

  test('keeps the quiet zone light on every side', () => {
    const drawing = qrDrawing('http://192.168.1.5:8080/?room=lobby');
    const { data, width } = rasterise(drawing);
    const margin = QR_QUIET_ZONE * SCALE;
    for (let y = 0; y < width; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const inside = x >= margin && y >= margin && x < width - margin && y < width - margin;
        if (!inside) assert.equal(data[(y * width + x) * 4], 255, `pixel ${x},${y} is light`);
      }
    }
  });
});
