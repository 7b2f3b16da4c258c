/**
 * Inbound sync benchmark (Outlook → store): BENCH_SYNC_MAILBOXES (200) connected mailboxes whose subscriptions notify
 * the real webhook router over HTTPS, 1,000 Outlook changes (meetings created, moved, deleted) in bursts of five per
 * mailbox, the emulator answering each Graph call in 100 ± 40 ms with its throttling on. Figures: delta rounds per
 * burst per mailbox (target 1), Outlook change → store updated latency p50 / p95 as seen by polling the store (target
 * p95 < 1 s), lost changes, errors.
 * The body is bench/sync-inbound-child.ts (inbound scenario).
 */
import type { BenchContext } from './context';
import { runBenchChild, unitOf } from './support';

export default async function syncInboundBench(ctx: BenchContext) {
  const figures = await runBenchChild(ctx, 'sync_inbound', ['bench/sync-inbound-child.ts', 'inbound']);
  for (const [name, value] of Object.entries(figures)) ctx.report(name, value, unitOf(name));
}
