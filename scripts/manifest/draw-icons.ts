/**
 * Draws the add-in's icons (a white calendar with a check mark, on the state's blue for the colour icons, alone on
 * transparency for the outline icon) and writes them to addin/assets/. Shapes are signed-distance tests sampled
 * 8 × 8 times per pixel, so edges stay smooth down to 16 px. Deterministic: the tests redraw and compare.
 *
 *   npx tsx scripts/manifest/draw-icons.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCENT_COLOR, ICONS, type IconStyle } from './icons';
import { encodePng } from './png';

type Point = { x: number; y: number };

/** Inside a rectangle with rounded corners of radius r (unit coordinates). */
function inRoundedRect(p: Point, x0: number, y0: number, x1: number, y1: number, r: number): boolean {
  const cx = Math.min(Math.max(p.x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(p.y, y0 + r), y1 - r);
  return p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1 && (p.x - cx) ** 2 + (p.y - cy) ** 2 <= r * r;
}

/** Within half a width of the segment a–b (a stroke with round caps). */
function inCapsule(p: Point, a: Point, b: Point, width: number): boolean {
  const dx = b.x - a.x, dy = b.y - a.y;
  const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)));
  return (p.x - a.x - t * dx) ** 2 + (p.y - a.y - t * dy) ** 2 <= (width / 2) ** 2;
}

const STROKE = 0.085;

/** The calendar glyph: frame, header band, two binding rings, a check mark. */
function inGlyph(p: Point): boolean {
  const frame = inRoundedRect(p, 0.18, 0.26, 0.82, 0.84, 0.07) && !inRoundedRect(p, 0.18 + STROKE, 0.26 + STROKE, 0.82 - STROKE, 0.84 - STROKE, 0.03);
  const band = inRoundedRect(p, 0.18, 0.26, 0.82, 0.42, 0.07);
  const rings = inCapsule(p, { x: 0.36, y: 0.17 }, { x: 0.36, y: 0.3 }, STROKE) || inCapsule(p, { x: 0.64, y: 0.17 }, { x: 0.64, y: 0.3 }, STROKE);
  const check = inCapsule(p, { x: 0.35, y: 0.62 }, { x: 0.46, y: 0.72 }, STROKE) || inCapsule(p, { x: 0.46, y: 0.72 }, { x: 0.66, y: 0.52 }, STROKE);
  return frame || band || rings || check;
}

/** Blue background of the colour icons: a rounded square, clear of the ring tops. */
const inBackground = (p: Point) => inRoundedRect(p, 0, 0, 1, 1, 0.2);

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
          const p = { x: (px + (sx + 0.5) / SAMPLES) / size, y: (py + (sy + 0.5) / SAMPLES) / size };
          if (inGlyph(p) && (style === 'outline' || inBackground(p))) { r += 255; g += 255; b += 255; a += 1; }
          else if (style === 'color' && inBackground(p)) { r += blue[0]; g += blue[1]; b += blue[2]; a += 1; }
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
  for (const icon of ICONS) {
    const png = drawIconPng(icon.size, icon.style);
    writeFileSync(path.join(ASSETS_DIR, icon.file), png);
    console.log(`${icon.file.padEnd(14)} ${String(icon.size).padStart(3)} px  ${png.length} bytes`);
  }
}
