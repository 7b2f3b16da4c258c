/**
 * Everything `npm run manifest` writes for one deployment, as file name → bytes:
 *   - manifest.xml (the XML manifest, uploaded as is);
 *   - manifest.json (the unified manifest, to read; the admin center takes it inside the package below);
 *   - rdv-outlook-app-package.zip (manifest.json, en-us.json and the two app icons, for Integrated apps).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ADDIN_ID } from '../../shared/src/sync/addin-item';
import { parseBaseUrl } from './base-url';
import { APP_PACKAGE_ICONS } from './icons';
import { buildEnglishLocalization, buildJsonManifest, ENGLISH_FILE } from './json-manifest';
import { buildXmlManifest } from './xml-manifest';
import { zip } from './zip';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ASSETS = path.join(REPO_ROOT, 'addin/assets');

/**
 * The add-in's id, the same in both manifests (Microsoft's conversion tools keep the XML Id as the unified
 * manifest's id). A tenant running two deployments side by side (a pilot and production) gives one of them
 * another id with --id.
 */
export { DEFAULT_ADDIN_ID };
/** The demo's origin (`npm start`): what the committed manifest.xml and manifest.json carry. */
export const DEMO_BASE_URL = 'https://127.0.0.1:3000';
export const APP_PACKAGE_FILE = 'rdv-outlook-app-package.zip';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SEMVER = /^(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})\.(0|[1-9]\d{0,4})$/;

export class ManifestOptionError extends Error {}

export interface ManifestOptions {
  baseUrl: string;
  id?: string;
  /** major.minor.patch; defaults to package.json's version. Bump it for every change admins deploy. */
  version?: string;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildManifestFiles(options: ManifestOptions): Map<string, Buffer> {
  const baseUrl = parseBaseUrl(options.baseUrl);
  const id = (options.id ?? DEFAULT_ADDIN_ID).toLowerCase();
  if (!GUID.test(id)) throw new ManifestOptionError(`--id must be a GUID such as ${DEFAULT_ADDIN_ID}; got "${options.id}"`);
  const version = options.version ?? packageVersion();
  // The XML manifest wants 1 to 4 parts of at most 5 digits; the unified one semver: three plain numbers fit both.
  if (!SEMVER.test(version)) throw new ManifestOptionError(`--version must be three numbers such as 1.4.0; got "${version}"`);
  const json = `${JSON.stringify(buildJsonManifest({ baseUrl, id, version }), null, 2)}\n`;
  const english = `${JSON.stringify(buildEnglishLocalization(), null, 2)}\n`;
  const icon = (file: string) => readFileSync(path.join(ASSETS, file));
  return new Map([
    ['manifest.xml', Buffer.from(buildXmlManifest({ baseUrl, id, version: `${version}.0` }))],
    ['manifest.json', Buffer.from(json)],
    [APP_PACKAGE_FILE, zip([
      { name: 'manifest.json', data: Buffer.from(json) },
      { name: ENGLISH_FILE, data: Buffer.from(english) },
      { name: APP_PACKAGE_ICONS.color, data: icon(APP_PACKAGE_ICONS.color) },
      { name: APP_PACKAGE_ICONS.outline, data: icon(APP_PACKAGE_ICONS.outline) },
    ])],
  ]);
}
