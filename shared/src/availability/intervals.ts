/**
 * Interval algebra on half-open intervals [start, end) of UTC milliseconds. Empty intervals (end ≤ start) are
 * dropped everywhere. "Merged" lists are sorted by start, with no two intervals overlapping or touching.
 */
export interface Interval {
  start: number;
  end: number;
}

/** Union of any intervals, as a merged list (touching intervals become one). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const i of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && i.start <= last.end) {
      if (i.end > last.end) last.end = i.end;
    } else {
      merged.push({ start: i.start, end: i.end });
    }
  }
  return merged;
}

/** Index of the first interval of a merged list whose end is after `t` (list length if none). */
export function firstEndingAfter(merged: readonly Interval[], t: number): number {
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (merged[mid].end <= t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * Calls `visit` for each piece of [start, end) not covered by a merged list, in order. The hot path of the engine:
 * a binary search then a walk over the few intervals that overlap, with no allocation.
 */
export function forEachGap(start: number, end: number, merged: readonly Interval[], visit: (start: number, end: number) => void): void {
  let cursor = start;
  for (let i = firstEndingAfter(merged, start); i < merged.length && merged[i].start < end; i += 1) {
    if (merged[i].start > cursor) visit(cursor, merged[i].start);
    if (merged[i].end > cursor) cursor = merged[i].end;
  }
  if (cursor < end) visit(cursor, end);
}

/** a − b, both merged; the result is merged. */
export function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const i of a) forEachGap(i.start, i.end, b, (start, end) => out.push({ start, end }));
  return out;
}

/** a ∩ b, both merged; the result is merged. */
export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i].start, b[j].start);
    const end = Math.min(a[i].end, b[j].end);
    if (end > start) out.push({ start, end });
    if (a[i].end < b[j].end) i += 1; else j += 1;
  }
  return out;
}
