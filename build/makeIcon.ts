/**
 * `node build/makeIcon.ts` writes build/icons/icon.png (512×512 RGBA): the favicon's design (a green
 * rising line on a dark rounded square, renderer/public/favicon.svg) drawn at full size with 4×4
 * supersampling, encoded as PNG with node:zlib. electron-builder derives the .icns, .ico and Linux
 * sizes from it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

export const ICON_SIZE = 512;

// The favicon's geometry on its 32-unit grid.
const CORNER = 6;
const LINE: ReadonlyArray<readonly [number, number]> = [
  [5, 22],
  [11, 15],
  [16, 19],
  [22, 10],
  [27, 15],
];
const STROKE = 3;
const BACKGROUND = [0x12, 0x18, 0x21] as const;
const GREEN = [0x35, 0xc4, 0x6a] as const;
const SAMPLES = 4;

function insideRoundedSquare(x: number, y: number): boolean {
  const cx = Math.min(Math.max(x, CORNER), 32 - CORNER);
  const cy = Math.min(Math.max(y, CORNER), 32 - CORNER);
  return (x - cx) ** 2 + (y - cy) ** 2 <= CORNER ** 2 && x >= 0 && x <= 32 && y >= 0 && y <= 32;
}

function distanceToSegment(px: number, py: number, [ax, ay]: readonly [number, number], [bx, by]: readonly [number, number]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function onLine(x: number, y: number): boolean {
  // Distance to a polyline with round caps and joins: the nearest segment decides.
  for (let i = 1; i < LINE.length; i++) {
    if (distanceToSegment(x, y, LINE[i - 1] as readonly [number, number], LINE[i] as readonly [number, number]) <= STROKE / 2) return true;
  }
  return false;
}

/** Straight (not premultiplied) RGBA, row by row. */
export function renderIcon(size = ICON_SIZE): Buffer {
  const rgba = Buffer.alloc(size * size * 4);
  const scale = 32 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let covered = 0;
      let green = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) * scale;
          const y = (py + (sy + 0.5) / SAMPLES) * scale;
          if (!insideRoundedSquare(x, y)) continue;
          covered++;
          if (onLine(x, y)) green++;
        }
      }
      const at = (py * size + px) * 4;
      if (covered === 0) continue;
      const g = green / covered;
      for (let c = 0; c < 3; c++) rgba[at + c] = Math.round((BACKGROUND[c] as number) * (1 - g) + (GREEN[c] as number) * g);
      rgba[at + 3] = Math.round((255 * covered) / (SAMPLES * SAMPLES));
    }
  }
  return rgba;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An 8-bit RGBA PNG; every scanline uses filter 0 (none). */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(6, 9); // colour type: RGBA
  const raw = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (1 + width * 4) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export const ICON_PATH = join(import.meta.dirname, 'icons', 'icon.png');

if (import.meta.main) {
  writeFileSync(ICON_PATH, encodePng(ICON_SIZE, ICON_SIZE, renderIcon()));
  console.log(`wrote ${ICON_PATH}`);
}
