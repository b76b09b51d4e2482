/**
 * Draws the app icon and the tray icons (one per tray state, in color for Windows and
 * Linux, monochrome "Template" images for the macOS menu bar, each at 1x and 2x) from a
 * few shapes, so they stay consistent and can be redrawn: `npx tsx build/icons/generate-icons.ts`.
 * The PNGs are committed (electron/assets/ ships in the app; build/icons/ feeds the installers).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import type { TrayState } from '../../electron/core/tray-model.js';

type Rgba = [number, number, number, number];
/** A shape in unit coordinates (0..1 on both axes): is this point inside? */
type Shape = (x: number, y: number) => boolean;
type Layer = { shape: Shape; color: Rgba };

const disc = (cx: number, cy: number, r: number): Shape => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx: number, cy: number, r: number, w: number): Shape => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return d <= r && d >= r - w;
};
const rect = (x0: number, y0: number, x1: number, y1: number): Shape => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
/** A bar of width w from (x0,y0) to (x1,y1). */
const bar = (x0: number, y0: number, x1: number, y1: number, w: number): Shape => (x, y) => {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy)) <= w / 2;
};
const roundedSquare = (m: number, r: number): Shape => (x, y) => {
  const qx = Math.max(m + r - x, 0, x - (1 - m - r));
  const qy = Math.max(m + r - y, 0, y - (1 - m - r));
  return x >= m && x <= 1 - m && y >= m && y <= 1 - m && qx * qx + qy * qy <= r * r;
};

const CLEAR: Rgba = [0, 0, 0, 0];
const WHITE: Rgba = [255, 255, 255, 255];
const BLACK: Rgba = [0, 0, 0, 255];

const COLORS: Record<TrayState, Rgba> = {
  running: [26, 127, 55, 255],
  paused: [110, 119, 129, 255],
  attention: [191, 135, 0, 255],
  'engine-down': [207, 34, 46, 255],
  'signed-out': [110, 119, 129, 255],
  starting: [110, 119, 129, 255],
};

/** The tray glyph per state: the ◉ mark, changed so states differ by shape too (menu bars are monochrome). */
function trayLayers(state: TrayState, ink: Rgba): Layer[] {
  const c = 0.5;
  switch (state) {
    case 'running':
      return [
        { shape: ring(c, c, 0.46, 0.12), color: ink },
        { shape: disc(c, c, 0.2), color: ink },
      ];
    case 'paused':
      return [
        { shape: ring(c, c, 0.46, 0.1), color: ink },
        { shape: rect(0.34, 0.3, 0.44, 0.7), color: ink },
        { shape: rect(0.56, 0.3, 0.66, 0.7), color: ink },
      ];
    case 'attention':
      return [
        { shape: disc(c, c, 0.47), color: ink },
        { shape: rect(0.44, 0.2, 0.56, 0.6), color: CLEAR },
        { shape: disc(c, 0.75, 0.07), color: CLEAR },
      ];
    case 'engine-down':
      return [
        { shape: disc(c, c, 0.47), color: ink },
        { shape: bar(0.32, 0.32, 0.68, 0.68, 0.12), color: CLEAR },
        { shape: bar(0.68, 0.32, 0.32, 0.68, 0.12), color: CLEAR },
      ];
    case 'signed-out':
      return [
        { shape: ring(c, c, 0.46, 0.1), color: ink },
        { shape: disc(c, c, 0.16), color: ink },
        { shape: bar(0.16, 0.84, 0.84, 0.16, 0.1), color: ink },
      ];
    case 'starting':
      return [
        { shape: (x, y) => ring(c, c, 0.46, 0.1)(x, y) && Math.floor(((Math.atan2(y - c, x - c) + Math.PI) / (2 * Math.PI)) * 12) % 2 === 0, color: ink },
        { shape: disc(c, c, 0.16), color: ink },
      ];
  }
}

function appIconLayers(): Layer[] {
  return [
    { shape: roundedSquare(0.06, 0.18), color: [11, 61, 145, 255] },
    { shape: ring(0.5, 0.5, 0.33, 0.075), color: WHITE },
    { shape: disc(0.5, 0.5, 0.14), color: WHITE },
  ];
}

/** Paints layers in order with 4×4 supersampling; a CLEAR layer cuts through what is under it. */
function render(size: number, layers: Layer[]): Buffer {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let pxi = 0; pxi < size; pxi++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (pxi + (sx + 0.5) / S) / size;
          const y = (py + (sy + 0.5) / S) / size;
          let c: Rgba = CLEAR;
          for (const l of layers) if (l.shape(x, y)) c = l.color;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const o = (py * size + pxi) * 4;
      px[o] = a ? Math.round(r / a) : 0;
      px[o + 1] = a ? Math.round(g / a) : 0;
      px[o + 2] = a ? Math.round(b / a) : 0;
      px[o + 3] = Math.round(a / (S * S));
    }
  }
  return png(size, size, px);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function png(width: number, height: number, rgba: Buffer): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const assets = fileURLToPath(new URL('../../electron/assets/', import.meta.url));
const icons = fileURLToPath(new URL('./', import.meta.url));
mkdirSync(assets, { recursive: true });
for (const state of Object.keys(COLORS) as TrayState[]) {
  writeFileSync(`${assets}tray-${state}.png`, render(32, trayLayers(state, COLORS[state])));
  writeFileSync(`${assets}tray-${state}@2x.png`, render(64, trayLayers(state, COLORS[state])));
  writeFileSync(`${assets}tray-${state}Template.png`, render(16, trayLayers(state, BLACK)));
  writeFileSync(`${assets}tray-${state}Template@2x.png`, render(32, trayLayers(state, BLACK)));
}
const app512 = render(512, appIconLayers());
writeFileSync(`${assets}icon.png`, render(256, appIconLayers()));
writeFileSync(`${icons}icon.png`, app512);
process.stdout.write('icons written to electron/assets/ and build/icons/\n');
