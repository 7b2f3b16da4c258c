/**
 * Scale benchmark: BENCH_SYNC_SCALE_MAILBOXES (2,000 by default) mailboxes connected through the product at once
 * (the time that takes is a figure), then one Outlook change each (an hour of one change per mailbox compressed
 * into the run). Figures: CPU of the service process (webhook + runner) and of PostgreSQL per 1,000 changes, the mailboxes one 2-core instance holds at one change per mailbox per hour (the log line says which
 * resource runs out first), latency and errors at that scale.
 * The body is bench/sync-inbound-child.ts (scale scenario).
 */
import type { BenchContext } from './context';
import { runBenchChild, unitOf } from './support';

export default async function syncScaleBench(ctx: BenchContext) {
  const figures = await runBenchChild(ctx, 'sync_scale', ['bench/sync-inbound-child.ts', 'scale']);
  for (const [name, value] of Object.entries(figures)) ctx.report(name, value, unitOf(name));
}
