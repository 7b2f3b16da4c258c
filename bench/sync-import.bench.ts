/**
 * Initial import benchmark: one mailbox holding 5,000 events (single meetings and ten weekly series) read by one full
 * delta round in the service process, Graph answering in 100 ± 40 ms. Figures: Graph requests used beside the number
 * of delta pages (target: equal), time, peak RSS of the process doing the round.
 * The body is bench/sync-inbound-child.ts (import scenario).
 */
import type { BenchContext } from './context';
import { runBenchChild, unitOf } from './support';

export default async function syncImportBench(ctx: BenchContext) {
  const figures = await runBenchChild(ctx, 'sync_import', ['bench/sync-inbound-child.ts', 'import']);
  for (const [name, value] of Object.entries(figures)) ctx.report(name, value, unitOf(name));
}
