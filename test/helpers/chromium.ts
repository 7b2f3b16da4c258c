/**
 * Debian's Chromium driven by playwright-core, trusting our local CA without touching the machine's trust store:
 * `--ignore-certificate-errors-spki-list` with the SPKI hash of the CA accepts exactly the certificates our CA
 * signed (the service's and the emulator's), and no other bad certificate.
 * In CI (`CI` set) a missing Chromium is an error with the command that installs it, never a skipped test.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissingMessage(): string | null {
  return existsSync(CHROMIUM_PATH) ? null
    : `Chromium is missing at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH.`;
}

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo, the form Chromium's flag expects. */
export function spkiHash(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** The environment without libfaketime's preload and settings. */
export function withoutFaketime(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k.startsWith('FAKETIME') || k === 'DONT_FAKE_MONOTONIC') continue;
    if (k === 'LD_PRELOAD') {
      const kept = v.split(/[: ]/).filter((lib) => lib && !/faketime/.test(lib)).join(':');
      if (kept) out[k] = kept;
      continue;
    }
    out[k] = v;
  }
  return out;
}

export async function launchChromium(caPemPath: string): Promise<Browser> {
  const missing = chromiumMissingMessage();
  if (missing) throw new Error(missing);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Never under libfaketime (CI runs the suite at other hours with it): Chromium's own timers then spin and its
    // pages never load. The pane takes the service's business clock from /addin/config.json, not the browser's.
    env: withoutFaketime(process.env),
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(caPemPath, 'utf8'))}`,
    ],
  });
}

/** WCAG 2.1 A and AA violations axe finds on the page, one readable line each (none expected). */
export async function axeViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
