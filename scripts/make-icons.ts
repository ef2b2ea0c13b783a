/**
 * Draws the app's PNG icons (192 and 512 px, plus a maskable 512 px with a safe-zone margin) into public/icons/,
 * so the web app manifest has installable icons without any image tool. The design matches public/icons/icon.svg:
 * a blue rounded square with a white speech bubble holding three dots (a chat that remembers).
 * Run: `node --import tsx scripts/make-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

const BLUE: Rgba = [31, 95, 191, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

/** CRC-32 as PNG chunks need it. */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes RGBA pixels as a PNG. */
function encodePng(size: number, pixel: (x: number, y: number) => Rgba): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

function insideRoundRect(
  x: number,
  y: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
): boolean {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

/** The icon in unit coordinates (0..1): `inset` shrinks the artwork for the maskable safe zone. */
function icon(size: number, opts: { maskable: boolean }): Buffer {
  const inset = opts.maskable ? 0.1 : 0;
  return encodePng(size, (px, py) => {
    const x = px / size;
    const y = py / size;
    const background = opts.maskable || insideRoundRect(x, y, 0, 0, 1, 1, 0.2);
    if (!background) return CLEAR;
    const u = (x - inset) / (1 - 2 * inset);
    const v = (y - inset) / (1 - 2 * inset);
    const bubble = insideRoundRect(u, v, 0.2, 0.25, 0.8, 0.68, 0.12);
    const tail = v >= 0.66 && v <= 0.8 && u >= 0.3 && u <= 0.42 && u - 0.3 <= (0.8 - v) * 0.9;
    if (!bubble && !tail) return BLUE;
    const dots = [0.35, 0.5, 0.65].some((dx) => (u - dx) ** 2 + (v - 0.465) ** 2 <= 0.045 ** 2);
    return dots ? BLUE : WHITE;
  });
}

mkdirSync('public/icons', { recursive: true });
writeFileSync('public/icons/icon-192.png', icon(192, { maskable: false }));
writeFileSync('public/icons/icon-512.png', icon(512, { maskable: false }));
writeFileSync('public/icons/maskable-512.png', icon(512, { maskable: true }));
console.log('Wrote public/icons/icon-192.png, icon-512.png, maskable-512.png');
