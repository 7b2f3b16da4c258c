/**
 * The command line of `npm run manifest` (scripts/manifest.ts runs it): reads the options, builds the files for
 * the deployment, writes them, says where and what to do next. Returns the exit status instead of exiting, and
 * prints through the `out`/`err` it is given, so that the tests can drive it in-process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BaseUrlError, parseBaseUrl } from './base-url';
import { APP_PACKAGE_FILE, buildManifestFiles, ManifestOptionError } from './build';

export const USAGE = `Usage: npm run manifest -- --base-url https://rdv.example.fr [--out dir] [--id guid] [--version x.y.z]
  --base-url  the sync service's public HTTPS address (PUBLIC_URL); the task pane is served under <base-url>/addin/
  --out       folder to write to (default .data/manifest)
  --id        the add-in's GUID (default: rdv-outlook's own; give another one to run a second deployment in one tenant)
  --version   the manifests' version (default: package.json's); raise it for every change you deploy`;

export interface CliOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** 0 when the files are written, 2 when the options are refused (nothing is written then). */
export function runManifestCli(argv: string[], io: CliOutput, cwd = process.cwd()): number {
  const refuse = (message: string) => {
    io.err(`npm run manifest: ${message}\n\n${USAGE}`);
    return 2;
  };
  let values: { 'base-url'?: string; out?: string; id?: string; version?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'base-url': { type: 'string' },
        out: { type: 'string' },
        id: { type: 'string' },
        version: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return refuse((err as Error).message);
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values['base-url']) return refuse('--base-url is required.');

  let files: Map<string, Buffer>;
  try {
    files = buildManifestFiles({ baseUrl: values['base-url'], id: values.id, version: values.version });
  } catch (err) {
    if (err instanceof BaseUrlError || err instanceof ManifestOptionError) return refuse(err.message);
    throw err;
  }

  const out = path.resolve(cwd, values.out ?? '.data/manifest');
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of files) {
    writeFileSync(path.join(out, name), bytes);
    io.out(`wrote ${path.join(out, name)} (${bytes.length} bytes)`);
  }
  io.out([
    '',
    'XML manifest:      upload manifest.xml (Microsoft 365 admin center → Settings → Integrated apps → Upload custom apps).',
    `Unified manifest:  upload ${APP_PACKAGE_FILE} there instead, if your tenant deploys that way (not both).`,
    `The service must answer at ${parseBaseUrl(values['base-url']).base}/addin/index.html over HTTPS.`,
  ].join('\n'));
  return 0;
}
