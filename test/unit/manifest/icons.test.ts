/**
 * The add-in's icons in addin/assets/: present, real PNGs of the sizes the manifests declare, the outline icon
 * white on transparency as the unified manifest asks, small, and exactly what scripts/manifest/draw-icons.ts draws.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { drawIconPng } from '../../../scripts/manifest/draw-icons';
import { ACCENT_COLOR, ICONS } from '../../../scripts/manifest/icons';
import { ASSETS_DIR, readPngHeader, REPO_ROOT } from './helpers';

/** RGBA pixels of an unfiltered, non-interlaced 8-bit RGBA PNG (what our encoder writes). */
function pixels(bytes: Buffer): { width: number; rgba: Buffer } {
  const { width, height, colorType } = readPngHeader(bytes);
  expect(colorType).toBe(6);
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * (1 + width * 4), (y + 1) * (1 + width * 4));
    expect(row[0]).toBe(0);
    rows.push(row.subarray(1));
  }
  return { width, rgba: Buffer.concat(rows) };
}

/** WCAG 2.1 relative luminance of an sRGB colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe.each(ICONS)('addin/assets/$file', ({ file, size, style }) => {
  const bytes = readFileSync(path.join(ASSETS_DIR, file));

  it(`should be a ${size} × ${size} RGBA PNG of under 4 KB`, () => {
    expect(readPngHeader(bytes)).toEqual({ width: size, height: size, colorType: 6 });
    expect(bytes.length).toBeLessThan(4096);
  });


  if (style === 'outline') {
    it('should be white on a transparent background, nothing else', () => {
      const { rgba } = pixels(bytes);
      let drawn = 0;
      for (let i = 0; i < rgba.length; i += 4) {
        if (rgba[i + 3] === 0) continue;
        drawn++;
        expect([rgba[i], rgba[i + 1], rgba[i + 2]]).toEqual([255, 255, 255]);
      }
      expect(drawn).toBeGreaterThan(size * size * 0.15);
      expect(drawn).toBeLessThan(size * size * 0.8);
    });
  } else {
    it('should show a white glyph on the accent colour, with transparent rounded corners', () => {
      const { width, rgba } = pixels(bytes);
      const at = (x: number, y: number) => [...rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];
      expect(at(0, 0)[3]).toBeLessThan(16); // at most a trace of anti-aliasing in the corner
      const accent = [1, 3, 5].map((i) => parseInt(ACCENT_COLOR.slice(i, i + 2), 16));
      expect(at(Math.floor(size / 2), Math.floor(size * 0.08))).toEqual([...accent, 255]);
      const center = at(Math.floor(size * 0.3), Math.floor(size * 0.34));
      expect(center).toEqual([255, 255, 255, 255]);
    });
  }
});

describe('the icons as a set', () => {
  // Drawing runs in its own process: its sampling loop is some twenty times slower inside jest's module sandbox.
  it('should be exactly what scripts/manifest/draw-icons.ts draws', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/manifest/draw-icons.ts'), '--check'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`${ICONS.length} icons are up to date`);
    expect(run.status).toBe(0);
  });

  it('should be drawn again identically (the drawing is deterministic)', () => {
    expect(drawIconPng(32, 'color').equals(drawIconPng(32, 'color'))).toBe(true);
    expect(drawIconPng(32, 'color').equals(readFileSync(path.join(ASSETS_DIR, 'icon-32.png')))).toBe(true);
  });

  it('should put white on the accent colour at a contrast of at least 4.5:1 (WCAG 2.1 AA)', () => {
    const ratio = (1 + 0.05) / (luminance(ACCENT_COLOR) + 0.05);
    expect(ratio).toBeGreaterThanOrEqual(4.5);
  });
});
