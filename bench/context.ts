/** What a bench module receives from bench/run.ts. */
export interface BenchFigure { name: string; value: number; unit: string; bench: string }
export interface BenchContext {
  /** Records one figure; printed as `bench <name>: <value> <unit>`. */
  report(name: string, value: number, unit: string): void;
  /** Progress messages (stderr). */
  log(msg: string): void;
}

/** Percentile (0–100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
