/** One cell of the latency table: a fixed number of calls in flight against one client. */

export interface CellLimits {
  /** Measurement stops after this many calls... */
  maxCalls: number;
  /** ...or this much time, whichever comes first (calls in flight are awaited). */
  maxMs: number;
  /** Calls made at the same concurrency, unmeasured, before measuring. */
  warmupMs: number;
  /** Before a part's first cell, each of its routes is driven this long at SETTLE_IN_FLIGHT (see `settle`). */
  settleMs: number;
}

/** The concurrency routes are settled at: the one the targets are set at. */
export const SETTLE_IN_FLIGHT = 32;

export interface CellResult {
  concurrency: number;
  calls: number;
  errors: number;
  /** The first failure's message, when a call failed. */
  firstError?: string;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  callsPerSec: number;
  /** CPU time of this process (user + system) per completed call, in µs. */
  clientCpuUsPerCall: number;
}

/** Unmeasured calls at the cell's concurrency, so connections, caches and the JIT are warm. */
export async function warmUp(call: () => Promise<unknown>, concurrency: number, limits: CellLimits): Promise<void> {
  await drive(call, concurrency, Math.max(concurrency * 4, limits.maxCalls), limits.warmupMs, null);
}

/**
 * Drives each route in turn, unmeasured, for `limits.settleMs` at SETTLE_IN_FLIGHT calls
 * in flight, before any cell of the part is measured. The processes' CPU time counts the
 * compiler threads too: for the first few thousand calls V8 is still optimizing, and a
 * route measured early (or first) paid for code that later routes share (the echo
 * server's, undici's). A hub runs for days, so its steady state is what is worth
 * measuring, and every route gets the same start. Logs what each route managed.
 */
export async function settle(routes: Array<{ key: string; call: () => Promise<unknown> }>, limits: CellLimits, log: (line: string) => void): Promise<void> {
  if (limits.settleMs <= 0) return;
  for (const route of routes) {
    const run = await drive(route.call, SETTLE_IN_FLIGHT, Number.MAX_SAFE_INTEGER, limits.settleMs, null);
    if (run.errors > 0) throw new Error(`${route.key} failed while settling: ${run.firstError}`);
    log(`  settled ${route.key}: ${run.completed} calls in ${(run.elapsedMs / 1000).toFixed(1)} s`);
  }
}

/**
 * Keeps `concurrency` calls in flight until the limits are reached and returns the
 * latency percentiles, throughput and CPU per call. A failing call stops the cell
 * (its error is reported) so a broken variant cannot stall the run.
 */
export async function measureCell(call: () => Promise<unknown>, concurrency: number, limits: CellLimits): Promise<CellResult> {
  const latencies = new Float64Array(limits.maxCalls);
  const cpuBefore = process.cpuUsage();
  const run = await drive(call, concurrency, limits.maxCalls, limits.maxMs, latencies);
  const cpu = process.cpuUsage(cpuBefore);
  const measured = latencies.subarray(0, run.completed).sort();
  return {
    concurrency,
    calls: run.completed,
    errors: run.errors,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    elapsedMs: run.elapsedMs,
    p50Ms: percentile(measured, 0.5),
    p99Ms: percentile(measured, 0.99),
    callsPerSec: run.elapsedMs > 0 ? (run.completed * 1000) / run.elapsedMs : 0,
    clientCpuUsPerCall: run.completed > 0 ? (cpu.user + cpu.system) / run.completed : Number.NaN,
  };
}

interface DriveResult {
  completed: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
}

async function drive(call: () => Promise<unknown>, concurrency: number, maxCalls: number, maxMs: number, latencies: Float64Array | null): Promise<DriveResult> {
  const started = performance.now();
  const deadline = started + maxMs;
  let issued = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (issued < maxCalls && errors === 0 && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        await call();
        if (latencies) latencies[completed] = performance.now() - t0;
        completed++;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { completed, errors, elapsedMs: performance.now() - started, ...(firstError ? { firstError } : {}) };
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}
