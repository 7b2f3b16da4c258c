/**
 * @jest-environment jsdom
 *
 * The page the manifests name for support, privacy and terms (addin/assets/about.html): there, with the anchors
 * the URLs use, French with an English part, and nothing the task pane's Content-Security-Policy would block.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildManifestFiles } from '../../../scripts/manifest/build';
import { ASSETS_DIR } from './helpers';

const html = readFileSync(path.join(ASSETS_DIR, 'about.html'), 'utf8');
const doc = new DOMParser().parseFromString(html, 'text/html');

describe('addin/assets/about.html', () => {
  it('should hold every anchor the manifests link to', () => {
    const base = 'https://rdv.example.fr';
    const files = buildManifestFiles({ baseUrl: base });
    const texts = `${files.get('manifest.xml')}${files.get('manifest.json')}`;
    const links = [...texts.matchAll(/https:\/\/rdv\.example\.fr\/addin\/assets\/about\.html(#[\w-]+)?/g)];
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const [, anchor] of links) if (anchor) expect(doc.getElementById(anchor.slice(1))).not.toBeNull();
  });

  it('should be in French, with an English part marked as such, under one title and headings in order', () => {
    expect(doc.documentElement.lang).toBe('fr');
    expect(doc.title).toMatch(/\S/);
    expect(doc.querySelector('[lang="en"]#english')).not.toBeNull();
    expect(doc.querySelectorAll('h1')).toHaveLength(1);
    expect([...doc.querySelectorAll('h2')].map((h) => h.id)).toEqual(['support', 'confidentialite', 'conditions', 'support-en', 'privacy', 'terms']);
  });

  it('should carry no script, inline style or external resource (the /addin/ CSP allows only our own files)', () => {
    expect(doc.querySelectorAll('script, style, link, img, iframe, [style]')).toHaveLength(0);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });
});
