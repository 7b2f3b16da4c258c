/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints one line per
 * figure as `bench <name>: <value> <unit>` and writes all figures to bench/results.json.
 * A bench module exports `default async function (ctx: BenchContext)`.
 */
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext, BenchFigure } from './context';

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));

const figures: BenchFigure[] = [];
let failed = false;
for (const file of files) {
  const ctx: BenchContext = {
    report(name, value, unit) {
      const v = Number.isInteger(value) ? value : Number(value.toFixed(3));
      figures.push({ name, value: v, unit, bench: file });
      console.log(`bench ${name}: ${v} ${unit}`);
    },
    log(msg) { process.stderr.write(`[${file}] ${msg}\n`); },
  };
  try {
    const mod = await import(pathToFileURL(path.join(dir, file)).href);
    await mod.default(ctx);
  } catch (err) {
    failed = true;
    console.error(`bench ${file} failed:`, err);
  }
}
await writeFile(path.join(dir, 'results.json'), JSON.stringify({ at: new Date().toISOString(), figures }, null, 2));
process.exit(failed ? 1 : 0);
