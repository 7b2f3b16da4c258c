/**
 * The task pane: JavaScript shipped (gzip bytes; budget 400 KB, aim under 250 KB; and with brotli, as the service
 * sends it to browsers that take it) and the time to its first usable screen — Mes RDV listed — in headless
 * Chromium against the local service (HTTPS, demo data, the emulator's sign-in): 20 cold loads, each in a fresh
 * browser context (empty HTTP cache), the agent's session restored into sessionStorage (and msal's cookie) before
 * the page runs, as when an agent reopens the pane in the same Outlook session.
 */
import os from 'node:os';
import { buildAddin } from '../scripts/build-addin';
import { DEMO_AGENTS } from '../sync-service/src/seed/demo';
import { startAddinWorld } from '../test/helpers/addin-world';
import { launchChromium } from '../test/helpers/chromium';
import { percentile, type BenchContext } from './context';

const LOADS = Number(process.env.BENCH_ADDIN_LOADS ?? 20);

export default async function addinBench(ctx: BenchContext) {
  const built = await buildAddin({ quiet: true });
  ctx.report('addin-js-gzip', built.jsGzipBytes, 'bytes');
  ctx.report('addin-js-gzip-first-screen', built.entryGzipBytes, 'bytes');
  ctx.report('addin-js-brotli', built.jsBrotliBytes, 'bytes');

  const world = await startAddinWorld({ testClock: '2026-12-08T10:10:00+01:00' });
  const browser = await launchChromium(world.caPemPath);
  try {
    const signIn = await browser.newContext({ viewport: { width: 320, height: 900 }, locale: 'fr-FR' });
    const page = await signIn.newPage();
    await page.goto(world.paneUrl);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('button', { name: new RegExp(`${DEMO_AGENTS[0].firstName} ${DEMO_AGENTS[0].lastName}`) }).click();
    await page.getByTestId('mes-rdv-list').waitFor();
    // msal's cache: its entries in sessionStorage, encrypted with a key kept in a session cookie.
    const session = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
    const cookies = await signIn.storageState();
    await signIn.close();

    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const c = await browser.newContext({ viewport: { width: 320, height: 900 }, locale: 'fr-FR', storageState: cookies });
      await c.addInitScript((entries: string) => {
        if (sessionStorage.length === 0) for (const [k, v] of JSON.parse(entries) as Array<[string, string]>) sessionStorage.setItem(k, v);
      }, session);
      const p = await c.newPage();
      const start = Date.now();
      await p.goto(world.paneUrl);
      await p.getByTestId('mes-rdv-list').waitFor({ timeout: 30_000 });
      times.push(Date.now() - start);
      await c.close();
    }
    ctx.log(`first usable screen (ms): ${times.join(', ')}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${os.cpus().length} CPUs`);
    ctx.report('addin-first-screen-p50', percentile(times, 50), 'ms');
    ctx.report('addin-first-screen-p95', percentile(times, 95), 'ms');
  } finally {
    await browser.close();
    await world.stop();
  }
}
