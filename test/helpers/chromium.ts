/**
 * Debian's Chromium driven by playwright-core, trusting our local CA without touching the machine's trust store:
 * `--ignore-certificate-errors-spki-list` with the SPKI hash of the CA accepts exactly the certificates our CA
 * signed (the service's and the emulator's), and no other bad certificate.
 * In CI (`CI` set) a missing Chromium is an error with the command that installs it, never a skipped test.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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

export async function launchChromium(caPemPath: string): Promise<Browser> {
  const missing = chromiumMissingMessage();
  if (missing) throw new Error(missing);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(caPemPath, 'utf8'))}`,
    ],
  });
}
