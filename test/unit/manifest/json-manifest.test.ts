/**
 * The unified manifest (manifest.json) and the app package an admin uploads: validated offline against the
 * schemas bundled in @microsoft/app-manifest, read back by office-addin-manifest, plus what a schema cannot say (URLs on the deployment's origin,
 * the same add-in as manifest.xml, icons in the package and of the declared sizes, English strings).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_PACKAGE_FILE, buildManifestFiles } from '../../../scripts/manifest/build';
import { JSON_MANIFEST_VERSION } from '../../../scripts/manifest/json-manifest';
import { APP_MANIFEST_SCHEMAS, ASSETS_DIR, assetFileOf, manifestsUnderTest, readPngHeader, underBase, unzipStored, urlsIn } from './helpers';

const schemaFile = (name: string) => path.join(APP_MANIFEST_SCHEMAS, `v${JSON_MANIFEST_VERSION}`, name);
const manifestSchema = schemaFile('MicrosoftTeams.schema.json');
const localizationSchema = schemaFile('MicrosoftTeams.Localization.schema.json');

type Json = Record<string, any>;

/**
 * Results of Microsoft's tooling on every document the tests check, computed in one child process
 * (microsoft-tools.ts says why) before the tests read them.
 */
const jobs: unknown[] = [];
let results: unknown[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdv-manifest-'));
function validation(document: unknown, schema: string): () => string[] {
  const index = jobs.push({ document, schemaFile: schema }) - 1;
  return () => results[index] as string[];
}
function readByOfficeAddinManifest(xml: string): () => Json {
  const file = path.join(tmp, `manifest-${jobs.length}.xml`);
  writeFileSync(file, xml);
  const index = jobs.push({ xmlManifestFile: file }) - 1;
  return () => results[index] as Json;
}
beforeAll(() => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'microsoft-tools.ts')], {
    input: JSON.stringify(jobs), encoding: 'utf8', timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`Microsoft's manifest tooling could not run: ${run.stderr}`);
  results = JSON.parse(run.stdout) as unknown[];
  expect(results).toHaveLength(jobs.length);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every string in a JSON value, with its path. */
function strings(value: unknown, at = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

describe.each(manifestsUnderTest())('$label', ({ base, json, xml }) => {
  const manifest = JSON.parse(json) as Json;
  const extension = manifest.extensions[0] as Json;
  const errors = validation(manifest, manifestSchema);
  const readXml = readByOfficeAddinManifest(xml);

  it(`should be valid against the bundled ${JSON_MANIFEST_VERSION} schema`, () => {
    expect(manifest.$schema).toBe(`https://developer.microsoft.com/json-schemas/teams/v${JSON_MANIFEST_VERSION}/MicrosoftTeams.schema.json`);
    expect(manifest.manifestVersion).toBe(JSON_MANIFEST_VERSION);
    expect(errors()).toEqual([]);
  });

  it('should describe the same add-in as manifest.xml: id, version, task pane page', () => {
    expect(xml).toContain(`<Id>${manifest.id}</Id>`);
    expect(xml).toContain(`<Version>${manifest.version}.0</Version>`);
    expect(extension.runtimes[0].code.page).toBe(`${base}/addin/index.html?host=outlook`);
    expect(xml).toContain(`DefaultValue="${base}/addin/index.html?host=outlook"`);
  });

  it('should be read by office-addin-manifest from manifest.xml as the same add-in, in French by default', () => {
    expect(readXml()).toMatchObject({
      id: manifest.id,
      version: `${manifest.version}.0`,
      officeAppType: 'MailApp',
      defaultLocale: 'fr-FR',
      displayName: manifest.name.short,
      permissions: 'ReadWriteItem',
      hosts: ['Mailbox'],
      providerName: manifest.developer.name,
      supportUrl: manifest.developer.websiteUrl,
    });
  });

  it('should put a pinnable task-pane button on messages read and on appointments, organizer and attendee', () => {
    const ribbon = extension.ribbons[0];
    expect([...ribbon.contexts].sort()).toEqual(['mailRead', 'meetingDetailsAttendee', 'meetingDetailsOrganizer']);
    const control = ribbon.tabs[0].groups[0].controls[0];
    const action = extension.runtimes[0].actions.find((a: Json) => a.id === control.actionId);
    expect(action).toMatchObject({ type: 'openPage', pinnable: true });
    expect(ribbon.tabs[0].builtInTabId).toBe('TabDefault');
  });

  it('should ask for read/write access to the open item only, and desktop Outlook with Mailbox 1.5 or later', () => {
    expect(manifest.authorization.permissions.resourceSpecific).toEqual([{ name: 'MailboxItem.ReadWrite.User', type: 'Delegated' }]);
    expect(extension.requirements).toEqual({ scopes: ['mail'], formFactors: ['desktop'], capabilities: [{ name: 'Mailbox', minVersion: '1.5' }] });
  });

  it('should use HTTPS URLs on the deployment\'s base URL only', () => {
    const urls = strings(manifest).filter(([at, v]) => at !== '$schema' && /^[a-z][a-z0-9+.-]*:/i.test(v));
    expect(urls.length).toBeGreaterThanOrEqual(10);
    for (const [, url] of urls) expect(url.startsWith(`${base}/`) ? 'under base' : url).toBe('under base');
    for (const url of urlsIn(json)) expect(underBase(url, base)).toBe('under base');
  });

  it('should name button icons that exist in addin/assets at the declared sizes', () => {
    const group = extension.ribbons[0].tabs[0].groups[0];
    for (const icon of [...group.icons, ...group.controls[0].icons] as Array<{ size: number; url: string }>) {
      const png = readPngHeader(readFileSync(assetFileOf(icon.url, base)));
      expect([png.width, png.height]).toEqual([icon.size, icon.size]);
    }
  });

  it('should give the icons from which the admin center derives an XML manifest for Outlook on Mac', () => {
    const { icon, highResolutionIcon } = extension.alternates[0].alternateIcons;
    expect(readPngHeader(readFileSync(assetFileOf(icon.url, base)))).toMatchObject({ width: 64, height: 64 });
    expect(highResolutionIcon.size).toBe(64);
    expect(readPngHeader(readFileSync(assetFileOf(highResolutionIcon.url, base)))).toMatchObject({ width: 128, height: 128 });
  });

  it('should be French by default, with English strings in a file the package carries', () => {
    expect(manifest.localizationInfo).toEqual({ defaultLanguageTag: 'fr-fr', additionalLanguages: [{ languageTag: 'en-us', file: 'en-us.json' }] });
    expect(manifest.name.short).toBe('Rendez-vous usagers');
  });
});

describe('the app package (.zip) for the Microsoft 365 admin center', () => {
  const base = 'https://rdv.example.fr';
  const files = buildManifestFiles({ baseUrl: base });
  const entries = unzipStored(files.get(APP_PACKAGE_FILE)!);
  const english = JSON.parse(entries.get('en-us.json')!.toString('utf8')) as Json;
  const englishErrors = validation(english, localizationSchema);
  const incomplete = JSON.parse(files.get('manifest.json')!.toString('utf8')) as Json;
  delete incomplete.accentColor;
  const incompleteErrors = validation(incomplete, manifestSchema);

  it('should hold manifest.json, its English strings and its two icons at its root, nothing else', () => {
    expect([...entries.keys()].sort()).toEqual(['color.png', 'en-us.json', 'manifest.json', 'outline.png']);
    expect(entries.get('manifest.json')!.equals(files.get('manifest.json')!)).toBe(true);
  });

  it('should carry a 192 px colour icon and a 32 px outline icon, as the manifest declares', () => {
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Json;
    const color = readPngHeader(entries.get(manifest.icons.color)!);
    const outline = readPngHeader(entries.get(manifest.icons.outline)!);
    expect([color.width, color.height]).toEqual([192, 192]);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    expect(entries.get('color.png')!.equals(readFileSync(path.join(ASSETS_DIR, 'color.png')))).toBe(true);
  });

  it('should carry English strings valid against the bundled localization schema', () => {
    expect(englishErrors()).toEqual([]);
    expect(english['name.short']).toBe('Citizen appointments');
    expect(english['extensions[0].ribbons[0].tabs[0].groups[0].controls[0].label']).toBe('Appointments');
  });

  it('should come out byte for byte the same on every run (an admin can compare packages)', () => {
    expect(buildManifestFiles({ baseUrl: base }).get(APP_PACKAGE_FILE)!.equals(files.get(APP_PACKAGE_FILE)!)).toBe(true);
  });

  it('should be refused by the schema check when a required property is missing (the check is live)', () => {
    expect(incompleteErrors().join('\n')).toMatch(/required property 'accentColor'/);
  });
});
