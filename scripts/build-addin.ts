/**
 * `npm run build:addin`: bundles the task pane (addin/src/main.tsx) with esbuild into addin/dist/, minified, with
 * content-hashed file names (so the service can cache them for a year), brotli and gzip copies of each script (which
 * the service sends to browsers that accept them) and an index.html that names them.
 * Run by `npm start` and by jest's global set-up (the e2e tests serve addin/dist), and usable alone.
 * Prints the bundle's size, raw and gzipped. Exported for the set-up and the bench.
 */
import { build, type Plugin } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

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

/**
 * Rewrites the pane's imports from the `@fluentui/react-components` barrel to the packages that define each name
 * (`Button` from `@fluentui/react-button`…), following the barrel's own re-exports. Through the barrel, esbuild
 * counts every component a lazy screen uses as reachable from the first screen too, and puts it in the chunk that
 * loads first (inputs, selects, radios… of Prendre RDV before Mes RDV is listed).
 */
export const fluentPerComponent: Plugin = {
  name: 'fluent-per-component',
  setup(b) {
    let origins: Map<string, { from: string; name: string }> | undefined;
    const barrelOrigins = async () => {
      const barrel = await b.resolve('@fluentui/react-components', { kind: 'import-statement', resolveDir: path.join(root, 'addin', 'src') });
      const text = (await readFile(barrel.path, 'utf8')).replace(/\/\/[^\n]*/g, '');
      const map = new Map<string, { from: string; name: string }>();
      for (const [, names, from] of text.matchAll(/export\s*\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
        for (const spec of names.split(',').map((n) => n.trim()).filter(Boolean)) {
          const [name, alias = name] = spec.split(/\s+as\s+/);
          map.set(alias, { from, name });
        }
      }
      return map;
    };
    b.onLoad({ filter: /[\\/]addin[\\/]src[\\/].*\.tsx?$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes("from '@fluentui/react-components'")) return undefined;
      origins ??= await barrelOrigins();
      const contents = source.replace(/import\s*\{([^}]*)\}\s*from\s*'@fluentui\/react-components';/g, (whole, names: string) => {
        const byPackage = new Map<string, string[]>();
        for (const spec of names.split(',').map((n) => n.trim()).filter(Boolean)) {
          const typeOnly = spec.startsWith('type ');
          const [name, alias = name] = spec.replace(/^type\s+/, '').split(/\s+as\s+/);
          const origin = origins!.get(name);
          if (!origin) return whole; // unknown to the barrel's list: leave the statement as written
          byPackage.set(origin.from, [...(byPackage.get(origin.from) ?? []), `${typeOnly ? 'type ' : ''}${origin.name}${origin.name === alias ? '' : ` as ${alias}`}`]);
        }
        return [...byPackage].map(([from, specs]) => `import { ${specs.join(', ')} } from '${from}';`).join(' ');
      });
      return { contents, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts' };
    });
  },
};

export interface AddinBuild { files: string[]; entry: string; jsBytes: number; jsGzipBytes: number; entryGzipBytes: number; jsBrotliBytes: number }

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
    plugins: [trimServerDependencies, fluentPerComponent],
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
  // Each script also compressed once here, at the highest levels (the service sends these copies as they are).
  let jsBytes = 0; let jsGzipBytes = 0; let entryGzipBytes = 0; let jsBrotliBytes = 0;
  for (const f of outputs.filter((x) => x.endsWith('.js'))) {
    const code = await readFile(path.join(ADDIN_DIST, f));
    const gz = gzipSync(code, { level: 9 });
    const br = brotliCompressSync(code, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: code.length } });
    await writeFile(path.join(ADDIN_DIST, `${f}.gz`), gz);
    await writeFile(path.join(ADDIN_DIST, `${f}.br`), br);
    jsBytes += code.length; jsGzipBytes += gz.length; jsBrotliBytes += br.length;
    if (firstScreenFiles.has(f)) entryGzipBytes += gz.length;
  }
  const built = { files: [...outputs, 'index.html'], entry, jsBytes, jsGzipBytes, entryGzipBytes, jsBrotliBytes };
  if (!opts.quiet) console.log(`task pane built in ${path.relative(process.cwd(), ADDIN_DIST) || ADDIN_DIST}: ${outputs.length} files, JavaScript ${jsBytes} bytes, ${jsGzipBytes} bytes gzipped (${entryGzipBytes} before Mes RDV is listed), ${jsBrotliBytes} with brotli`);
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAddin().catch((err) => { console.error(`The task pane could not be built: ${(err as Error).message}`); process.exit(1); });
}
