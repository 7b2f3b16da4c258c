/**
 * `npm run manifest`, as an IT admin runs it: the manifests for another deployment, byte for byte what the
 * builder makes (so every check of the other manifest tests holds for them) and free of any other origin; a base
 * URL that Outlook could not load refused with a message saying why; the committed manifests kept in step with
 * the builder.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BaseUrlError, parseBaseUrl } from '../../../scripts/manifest/base-url';
import { buildManifestFiles, DEMO_BASE_URL, ManifestOptionError } from '../../../scripts/manifest/build';
import { runManifestCli, USAGE } from '../../../scripts/manifest/cli';
import { REPO_ROOT, unzipStored, urlsIn, underBase } from './helpers';

const BASE = 'https://rdv.example.fr';

describe('npm run manifest', () => {
  let out: string;
  let run: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    out = mkdtempSync(path.join(os.tmpdir(), 'rdv-manifest-'));
    run = spawnSync('npm', ['run', '-s', 'manifest', '--', '--base-url', BASE, '--out', out], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('should write manifest.xml, manifest.json and the app package, saying where', () => {
    expect(run.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'manifest.xml', 'rdv-outlook-app-package.zip']);
    expect(run.stdout).toContain(path.join(out, 'manifest.xml'));
    expect(run.stdout).toContain(`${BASE}/addin/index.html`);
  });

  it('should write exactly what the builder makes for that base URL (the files every other manifest test checks)', () => {
    for (const [name, bytes] of buildManifestFiles({ baseUrl: BASE })) expect(readFileSync(path.join(out, name)).equals(bytes)).toBe(true);
  });

  it('should name no origin but the given one, in any file or inside the package', () => {
    const texts = [
      readFileSync(path.join(out, 'manifest.xml'), 'utf8'),
      readFileSync(path.join(out, 'manifest.json'), 'utf8'),
      ...[...unzipStored(readFileSync(path.join(out, 'rdv-outlook-app-package.zip')))].filter(([n]) => n.endsWith('.json')).map(([, b]) => b.toString('utf8')),
    ];
    for (const text of texts) {
      expect(text).not.toContain('127.0.0.1');
      const urls = urlsIn(text);
      for (const url of urls) expect(underBase(url, BASE)).toBe('under base');
    }
  });

  it('should exit with status 0 and say nothing on stderr', () => {
    expect(run.stderr).toBe('');
  });
});

describe('the command line, run in-process', () => {
  const cli = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rdv-manifest-'));
    try {
      const status = runManifestCli([...argv, '--out', dir], { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { status, out: out.join('\n'), err: err.join('\n'), written: readdirSync(dir) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('should refuse an http:// base URL with a message saying why and how to call it, and write nothing', () => {
    const r = cli(['--base-url', 'http://rdv.example.fr']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--base-url must be an https:\/\/ address \(Outlook loads add-ins over HTTPS only\)/);
    expect(r.err).toContain(USAGE);
    expect(r.written).toEqual([]);
  });

  it('should refuse a call without --base-url, or with an option it does not know', () => {
    expect(cli([]).err).toMatch(/--base-url is required/);
    const unknown = cli(['--base-url', BASE, '--baseurl', BASE]);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/--baseurl/);
    expect(unknown.written).toEqual([]);
  });

  it('should refuse an id that is not a GUID, naming the option', () => {
    const r = cli(['--base-url', BASE, '--id', 'rdv-outlook']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--id must be a GUID/);
    expect(r.written).toEqual([]);
  });

  it('should write the three files for a path-prefixed base URL and say where the service must answer', () => {
    const r = cli(['--base-url', 'https://intranet.example.fr/rdv/']);
    expect(r.status).toBe(0);
    expect(r.written.sort()).toEqual(['manifest.json', 'manifest.xml', 'rdv-outlook-app-package.zip']);
    expect(r.out).toContain('https://intranet.example.fr/rdv/addin/index.html');
  });
});

describe('the base URL an admin gives', () => {
  it.each([
    ['http://rdv.example.fr', /https:\/\/ address/],
    ['rdv.example.fr', /is not a URL/],
    ['https://', /is not a URL|malformed/],
    ['https:rdv.example.fr', /malformed/],
    ['https://admin:secret@rdv.example.fr', /user name or password/],
    ['https://rdv.example.fr/?tenant=86', /query/],
    ['https://rdv.example.fr/#top', /fragment/],
    ['ftp://rdv.example.fr', /https:\/\/ address/],
  ])('should refuse %s', (input, message) => {
    expect(() => parseBaseUrl(input)).toThrow(BaseUrlError);
    expect(() => parseBaseUrl(input)).toThrow(message);
  });

  it.each([
    ['https://rdv.example.fr', 'https://rdv.example.fr'],
    ['https://RDV.Example.fr/', 'https://rdv.example.fr'],
    ['https://intranet.example.fr/rdv/', 'https://intranet.example.fr/rdv'],
    ['https://127.0.0.1:3000', 'https://127.0.0.1:3000'],
    ['https://rdv.example.fr:443', 'https://rdv.example.fr'],
  ])('should accept %s as %s', (input, base) => {
    expect(parseBaseUrl(input).base).toBe(base);
  });

  it('should refuse an id that is not a GUID and a version that is not three numbers', () => {
    expect(() => buildManifestFiles({ baseUrl: BASE, id: 'rdv-outlook' })).toThrow(ManifestOptionError);
    expect(() => buildManifestFiles({ baseUrl: BASE, version: '2' })).toThrow(/three numbers/);
    expect(() => buildManifestFiles({ baseUrl: BASE, version: '1.0.123456' })).toThrow(/three numbers/);
  });

  it('should carry another id and version into both manifests', () => {
    const files = buildManifestFiles({ baseUrl: BASE, id: '0B5C9E1A-2F3D-4C5B-8A7E-000000000086', version: '2.1.0' });
    const xml = files.get('manifest.xml')!.toString('utf8');
    const json = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(xml).toContain('<Id>0b5c9e1a-2f3d-4c5b-8a7e-000000000086</Id>');
    expect(xml).toContain('<Version>2.1.0.0</Version>');
    expect(json).toMatchObject({ id: '0b5c9e1a-2f3d-4c5b-8a7e-000000000086', version: '2.1.0' });
  });
});

describe('the committed manifests', () => {
  it(`should be what npm run manifest writes for the demo (${DEMO_BASE_URL}); regenerate them with --out . after a change`, () => {
    const built = buildManifestFiles({ baseUrl: DEMO_BASE_URL });
    expect(readFileSync(path.join(REPO_ROOT, 'manifest.xml'), 'utf8')).toBe(built.get('manifest.xml')!.toString('utf8'));
    expect(readFileSync(path.join(REPO_ROOT, 'manifest.json'), 'utf8')).toBe(built.get('manifest.json')!.toString('utf8'));
    expect(existsSync(path.join(REPO_ROOT, 'rdv-outlook-app-package.zip'))).toBe(false);
  });
});
