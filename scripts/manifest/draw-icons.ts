/**
 * Draws the add-in's icons (a white calendar with a check mark, on the state's blue for the colour icons, alone on
 * transparency for the outline icon) and writes them to addin/assets/. Shapes are signed-distance tests sampled
 * 8 × 8 times per pixel, so edges stay smooth down to 16 px. Deterministic: the tests redraw and compare.
 *
 *   npx tsx scripts/manifest/draw-icons.ts           writes them
 *   npx tsx scripts/manifest/draw-icons.ts --check   exit status 1, naming them, if the files differ from a fresh drawing
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCENT_COLOR, ICONS, type IconStyle } from './icons';
import { encodePng } from './png';

// Shapes take the sample point as two numbers (no object per sample): the icons are sampled millions of times.

/** Inside a rectangle with rounded corners of radius r (unit coordinates). */
function inRoundedRect(x: number, y: number, x0: number, y0: number, x1: number, y1: number, r: number): boolean {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
}

/** Within half a width of the segment (ax, ay)–(bx, by): a stroke with round caps. */
function inCapsule(x: number, y: number, ax: number, ay: number, bx: number, by: number, width: number): boolean {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  const ex = x - ax - t * dx, ey = y - ay - t * dy;
  return ex * ex + ey * ey <= (width / 2) * (width / 2);
}

const STROKE = 0.085;

/** The calendar glyph: frame, header band, two binding rings, a check mark. */
function inGlyph(x: number, y: number): boolean {
  return (inRoundedRect(x, y, 0.18, 0.26, 0.82, 0.84, 0.07) && !inRoundedRect(x, y, 0.18 + STROKE, 0.26 + STROKE, 0.82 - STROKE, 0.84 - STROKE, 0.03))
    || inRoundedRect(x, y, 0.18, 0.26, 0.82, 0.42, 0.07)
    || inCapsule(x, y, 0.36, 0.17, 0.36, 0.3, STROKE) || inCapsule(x, y, 0.64, 0.17, 0.64, 0.3, STROKE)
    || inCapsule(x, y, 0.35, 0.62, 0.46, 0.72, STROKE) || inCapsule(x, y, 0.46, 0.72, 0.66, 0.52, STROKE);
}

/** Blue background of the colour icons: a rounded square. */
const inBackground = (x: number, y: number) => inRoundedRect(x, y, 0, 0, 1, 1, 0.2);

function hexToRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

const SAMPLES = 8;

/** RGBA pixels (straight alpha) of one icon. */
export function renderIcon(size: number, style: IconStyle): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const blue = hexToRgb(ACCENT_COLOR);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0; // premultiplied sums
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size, y = (py + (sy + 0.5) / SAMPLES) / size;
          if (inGlyph(x, y) && (style === 'outline' || inBackground(x, y))) { r += 255; g += 255; b += 255; a += 1; }
          else if (style === 'color' && inBackground(x, y)) { r += blue[0]; g += blue[1]; b += blue[2]; a += 1; }
        }
      }
      const at = (py * size + px) * 4;
      if (a > 0) {
        out[at] = Math.round(r / a); out[at + 1] = Math.round(g / a); out[at + 2] = Math.round(b / a);
        out[at + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
      }
    }
  }
  return out;
}

export const drawIconPng = (size: number, style: IconStyle): Buffer => encodePng(size, size, renderIcon(size, style));

export const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../addin/assets');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const icon of ICONS) {
    const png = drawIconPng(icon.size, icon.style);
    const file = path.join(ASSETS_DIR, icon.file);
    if (check) {
      let current: Buffer | undefined;
      try { current = readFileSync(file); } catch { current = undefined; }
      if (!current?.equals(png)) stale.push(icon.file);
      continue;
    }
    writeFileSync(file, png);
    console.log(`${icon.file.padEnd(14)} ${String(icon.size).padStart(3)} px  ${png.length} bytes`);
  }
  if (check) {
    if (stale.length) console.error(`Icons differ from their drawing: ${stale.join(', ')}. Run npx tsx scripts/manifest/draw-icons.ts`);
    else console.log(`${ICONS.length} icons are up to date.`);
    process.exitCode = stale.length ? 1 : 0;
  }
}
