/**
 * The crash benchmark's body, run by bench/sync-crash.bench.ts in a process that trusts the emulator's CA, against
 * the fresh migrated database DATABASE_URL, which serves as the template each scenario clones its own from (as the
 * tests' global set-up does). Prints its figures as one JSON line on stdout.
 */
import { countInbound, countOutbound, inboundCrashScenario, outboundCrashScenario, type CrashCounts } from '../test/integration/sync/crash-scenarios';

const RUNS = Number(process.env.BENCH_SYNC_CRASH_RUNS ?? 5);
const log = (m: string) => process.stderr.write(`[sync-crash] ${m}\n`);
const database = new URL(process.env.DATABASE_URL!);
process.env.RDV_TEST_TEMPLATE_DB = database.pathname.slice(1);
database.pathname = '/postgres';
process.env.RDV_TEST_ADMIN_URL = database.toString();

const totals = { outbound: { duplicates: 0, lost: 0 }, inbound: { duplicates: 0, lost: 0 } };
const add = (dir: keyof typeof totals, c: CrashCounts, seed: number, since: number) => {
  totals[dir].duplicates += c.duplicates;
  totals[dir].lost += c.lost;
  log(`${dir} run with seed ${seed}: ${c.duplicates} duplicate(s), ${c.lost} lost change(s) (${((performance.now() - since) / 1000).toFixed(1)} s)`);
  for (const f of c.findings) log(`  ${f}`);
};
let code = 0;
try {
  for (let run = 0; run < RUNS; run++) {
    const seed = 20260400 + run;
    let since = performance.now();
    add('outbound', countOutbound(await outboundCrashScenario({ seed })), seed, since);
    since = performance.now();
    add('inbound', countInbound(await inboundCrashScenario({ seed })), seed, since);
  }
} catch (err) {
  log(`failed: ${(err as Error).stack}`);
  code = 1;
}
process.stdout.write(`${JSON.stringify({
  runs: RUNS,
  duplicates: totals.outbound.duplicates + totals.inbound.duplicates, lost: totals.outbound.lost + totals.inbound.lost,
  outbound_duplicates: totals.outbound.duplicates, outbound_lost: totals.outbound.lost,
  inbound_duplicates: totals.inbound.duplicates, inbound_lost: totals.inbound.lost,
})}\n`);
process.exit(code);
