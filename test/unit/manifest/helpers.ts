/**
 * What the manifest tests share: where things are, PNG header reading, the manifests under test (the committed
 * ones for the demo origin, and freshly built ones for another deployment), and URL checks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildManifestFiles, DEMO_BASE_URL, REPO_ROOT } from '../../../scripts/manifest/build';

export { REPO_ROOT };
export const ASSETS_DIR = path.join(REPO_ROOT, 'addin/assets');
/** CI checks out ../shared beside the repository. */
export const XSD_DIR = path.resolve(REPO_ROOT, '../shared/schemas/office-addin-manifest');
export const APP_MANIFEST_SCHEMAS = path.join(REPO_ROOT, 'node_modules/@microsoft/app-manifest/build/json-schemas/teams');

export const OTHER_BASE_URL = 'https://rdv.vienne.example.fr:8443/outlook';

export interface ManifestUnderTest {
  label: string;
  /** Every manifest URL must start with `${base}/`. */
  base: string;
  xml: string;
  json: string;
}

export function manifestsUnderTest(): ManifestUnderTest[] {
  const other = buildManifestFiles({ baseUrl: OTHER_BASE_URL });
  return [
    {
      label: `the committed manifests (${DEMO_BASE_URL})`,
      base: DEMO_BASE_URL,
      xml: readFileSync(path.join(REPO_ROOT, 'manifest.xml'), 'utf8'),
      json: readFileSync(path.join(REPO_ROOT, 'manifest.json'), 'utf8'),
    },
    {
      label: `manifests built for ${OTHER_BASE_URL}`,
      base: OTHER_BASE_URL,
      xml: other.get('manifest.xml')!.toString('utf8'),
      json: other.get('manifest.json')!.toString('utf8'),
    },
  ];
}

/** Width, height and colour type from a PNG's IHDR chunk; throws if the bytes are not a PNG. */
export function readPngHeader(bytes: Buffer): { width: number; height: number; colorType: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature) || bytes.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG file');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), colorType: bytes[25] };
}

/** The file in addin/assets/ that a manifest URL names, or an error saying why the URL is not one of ours. */
export function assetFileOf(url: string, base: string): string {
  const prefix = `${base}/addin/assets/`;
  if (!url.startsWith(prefix)) throw new Error(`${url} is not under ${prefix}`);
  return path.join(ASSETS_DIR, url.slice(prefix.length));
}

/** Namespace and schema identifiers: URIs that name things, never fetched by Outlook. */
const IDENTIFIER_URIS = [
  'http://schemas.microsoft.com/office/',
  'http://www.w3.org/2001/XMLSchema-instance',
  'https://developer.microsoft.com/json-schemas/teams/',
];

/** Every absolute URL in a text (attribute values, JSON strings, comments), namespace identifiers left out. */
export function urlsIn(text: string): string[] {
  return [...text.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi)].map((m) => m[0].replace(/[.,;:)]+$/, ''))
    .filter((u) => !IDENTIFIER_URIS.some((id) => u.startsWith(id)));
}

/** A minimal reader of the stored (uncompressed) ZIP files our package writer produces: name → bytes. */
export function unzipStored(bytes: Buffer): Map<string, Buffer> {
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (bytes.readUInt32LE(at) !== 0x02014b50) throw new Error('broken central directory');
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    if (method !== 0) throw new Error(`${name}: compressed entries are not expected`);
    const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    files.set(name, bytes.subarray(dataAt, dataAt + size));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

/** `url` itself when it is not under `base` (so a failure names it), "under base" otherwise. */
export const underBase = (url: string, base: string) => (url === base || url.startsWith(`${base}/`) ? 'under base' : url);
