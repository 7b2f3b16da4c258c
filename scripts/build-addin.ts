/**
 * `npm run build:addin`: bundles the task pane (addin/src/main.tsx) with esbuild into addin/dist/, minified, with
 * content-hashed file names (so the service can cache them for a year) and an index.html that names them.
 * Run by `npm start` and by jest's global set-up (the e2e tests serve addin/dist), and usable alone.
 * Prints the bundle's size, raw and gzipped. Exported for the set-up and the bench.
 */
import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ADDIN_DIST = path.join(root, 'addin', 'dist');

/**
 * Keeps two server-sized dependencies of the shared domain out of the pane's bundle:
 *   - zod's `z.locales` namespace holds every language (the shared schemas only use French): the pane gets fr and en;
 *   - libphonenumber-js "max" metadata (every number type of every country) is swapped for its "mobile" metadata,
 *     which is what the pane needs: whether a number can receive an SMS, for the notifications preview.
 * The service still validates every request with the full libraries.
 */
export const trimServerDependencies: Plugin = {
  name: 'trim-server-dependencies',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (args.importer.includes(`${path.sep}zod${path.sep}`)
      ? { path: path.join(path.dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as fr } from ${JSON.stringify(path.join(path.dirname(args.path), 'fr.js'))};\nexport { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
    }));
    b.onResolve({ filter: /^libphonenumber-js\/max$/ }, (args) => b.resolve('libphonenumber-js/mobile', { kind: args.kind, resolveDir: args.resolveDir }));
  },
};

export interface AddinBuild { files: string[]; entry: string; jsBytes: number; jsGzipBytes: number; entryGzipBytes: number }

export async function buildAddin(opts: { quiet?: boolean } = {}): Promise<AddinBuild> {
  await rm(ADDIN_DIST, { recursive: true, force: true });
  await mkdir(ADDIN_DIST, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(root, 'addin', 'src', 'main.tsx') },
    outdir: ADDIN_DIST,
    bundle: true,
    minify: true,
    format: 'esm',
    // The booking and detail screens (and zod, libphonenumber) load after Mes RDV is listed: less to parse first.
    splitting: true,
    chunkNames: '[name]-[hash]',
    target: ['es2022', 'chrome110', 'safari16'],
    entryNames: '[name]-[hash]',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    plugins: [trimServerDependencies],
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.basename(f));
  const js = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint)?.[0];
  if (!js) throw new Error('build-addin: esbuild produced no JavaScript entry file');
  const entry = path.basename(js);
  const template = await readFile(path.join(root, 'addin', 'index.html'), 'utf8');
  if (!template.includes('%APP_JS%')) throw new Error('build-addin: addin/index.html must reference %APP_JS%');
  // What the first screen needs: the entry and the chunks it imports statically (not the lazy screens).
  const firstScreen = new Set<string>();
  const visit = (out: string) => {
    if (firstScreen.has(out)) return;
    firstScreen.add(out);
    for (const i of result.metafile.outputs[out]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(js);
  const firstScreenFiles = new Set([...firstScreen].map((f) => path.basename(f)));
  // The entry's static chunks are announced in the page, so the browser fetches them with the entry, not after it.
  const preloads = [...firstScreenFiles].filter((f) => f !== entry).map((f) => `<link rel="modulepreload" href="./${f}">`).join('\n  ');
  await writeFile(path.join(ADDIN_DIST, 'index.html'), template.replace('%APP_JS%', entry).replace('</head>', `  ${preloads}\n</head>`));
  let jsBytes = 0; let jsGzipBytes = 0; let entryGzipBytes = 0;
  for (const f of outputs.filter((x) => x.endsWith('.js'))) {
    const code = await readFile(path.join(ADDIN_DIST, f));
    const gz = gzipSync(code, { level: 9 }).length;
    jsBytes += code.length; jsGzipBytes += gz;
    if (firstScreenFiles.has(f)) entryGzipBytes += gz;
  }
  const built = { files: [...outputs, 'index.html'], entry, jsBytes, jsGzipBytes, entryGzipBytes };
  if (!opts.quiet) console.log(`task pane built in ${path.relative(process.cwd(), ADDIN_DIST) || ADDIN_DIST}: ${outputs.length} files, JavaScript ${jsBytes} bytes, ${jsGzipBytes} bytes gzipped (${entryGzipBytes} before Mes RDV is listed)`);
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAddin().catch((err) => { console.error(`The task pane could not be built: ${(err as Error).message}`); process.exit(1); });
}
