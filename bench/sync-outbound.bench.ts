/**
 * Outbound sync benchmark (store → Outlook): 200 connected mailboxes, 1,000 RDV changes at 100 per second, the
 * emulator answering each Graph call after 70–130 ms. Figures: Graph requests per outbound change (target exactly
 * 1.00 without faults), store change → event written latency p50 / p95 (target p95 < 500 ms).
 * Settings: OUTBOUND_BENCH_MAILBOXES, OUTBOUND_BENCH_CHANGES, OUTBOUND_BENCH_RATE (changes per second).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCa } from '../test/m365-emulator/certs';
import type { BenchContext } from './context';
import { benchDatabase } from './support';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function syncOutboundBench(ctx: BenchContext) {
  const db = await benchDatabase('sync_outbound');
  const ca = ensureCa();
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sync-outbound-child.ts'], {
        cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, NODE_EXTRA_CA_CERTS: ca.caCertPath }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      child.stderr.on('data', (c: Buffer) => ctx.log(c.toString().trimEnd()));
      child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`sync-outbound-child exited with ${code}`))));
    });
    const figures = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
    const units: Record<string, string> = {
      'sync_outbound.graph_requests_per_change': 'requests', 'sync_outbound.throttled_answers': 'answers',
      'sync_outbound.latency_p50_ms': 'ms', 'sync_outbound.latency_p95_ms': 'ms', 'sync_outbound.events_written': 'writes', 'sync_outbound.elapsed_s': 's', 'sync_outbound.changes_per_second_issued': 'changes/s',
    };
    for (const [name, value] of Object.entries(figures)) ctx.report(name, value, units[name] ?? '');
  } finally {
    await db.stop();
  }
}
