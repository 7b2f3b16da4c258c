/**
 * `npm run manifest -- --base-url https://rdv.example.fr [--out dir] [--id guid] [--version x.y.z]`
 * Writes the Outlook add-in's manifests for one deployment: manifest.xml, manifest.json and the app package
 * (.zip) that the Microsoft 365 admin center takes (README, "For IT administrators"). Refuses a base URL that
 * is not HTTPS or not a plain https://host[:port][/path], with a message saying what to give instead.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BaseUrlError, parseBaseUrl } from './manifest/base-url';
import { buildManifestFiles, ManifestOptionError } from './manifest/build';

const USAGE = `Usage: npm run manifest -- --base-url https://rdv.example.fr [--out dir] [--id guid] [--version x.y.z]
  --base-url  the sync service's public HTTPS address (PUBLIC_URL); the task pane is served under <base-url>/addin/
  --out       folder to write to (default .data/manifest)
  --id        the add-in's GUID (default: rdv-outlook's own; give another one to run a second deployment in one tenant)
  --version   the manifests' version (default: package.json's); raise it for every change you deploy`;

function fail(message: string): never {
  console.error(`npm run manifest: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: { 'base-url'?: string; out?: string; id?: string; version?: string; help?: boolean };
try {
  ({ values } = parseArgs({
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
  fail((err as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values['base-url']) fail('--base-url is required.');

let files: Map<string, Buffer>;
try {
  files = buildManifestFiles({ baseUrl: values['base-url'], id: values.id, version: values.version });
} catch (err) {
  if (err instanceof BaseUrlError || err instanceof ManifestOptionError) fail(err.message);
  throw err;
}

const out = path.resolve(values.out ?? '.data/manifest');
mkdirSync(out, { recursive: true });
for (const [name, bytes] of files) {
  writeFileSync(path.join(out, name), bytes);
  console.log(`wrote ${path.join(out, name)} (${bytes.length} bytes)`);
}
console.log(`
XML manifest:      upload manifest.xml (Microsoft 365 admin center → Settings → Integrated apps → Upload custom apps).
Unified manifest:  upload rdv-outlook-app-package.zip there instead, if your tenant deploys that way.
The task pane must answer at ${parseBaseUrl(values['base-url']).base}/addin/index.html`);
