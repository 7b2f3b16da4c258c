/**
 * Crash benchmark: the outbound and the inbound crash scenarios (test/integration/sync/crash-scenarios.ts, the ones
 * the crash tests assert on), each run BENCH_SYNC_CRASH_RUNS times (5) with other seeds, so other kill points.
 * Figures: `sync-crash-duplicates` (second events of one (RDV, agent), events of ours for no live RDV, busy blocks
 * for our own events, Outlook moves applied twice) and `sync-crash-lost` (RDV changes missing in Outlook, Outlook
 * changes missing in the store or left over there) over all runs, target 0 and 0; and each direction's counts.
 * The body is bench/sync-crash-child.ts.
 */
import type { BenchContext } from './context';
import { runBenchChild } from './support';

export default async function syncCrashBench(ctx: BenchContext) {
  const f = await runBenchChild(ctx, 'sync_crash', ['bench/sync-crash-child.ts']);
  ctx.report('sync-crash-duplicates', f.duplicates, 'events');
  ctx.report('sync-crash-lost', f.lost, 'changes');
  ctx.report('sync-crash.runs_per_direction', f.runs, 'runs');
  for (const dir of ['outbound', 'inbound']) {
    ctx.report(`sync-crash.${dir}_duplicates`, f[`${dir}_duplicates`], 'events');
    ctx.report(`sync-crash.${dir}_lost`, f[`${dir}_lost`], 'changes');
  }
}
