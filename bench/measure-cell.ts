/** One cell of the latency table: a fixed number of calls in flight against one client. */

export interface CellLimits {
  /** Measurement stops after this many calls... */
  maxCalls: number;
  /** ...or this much time, whichever comes first (calls in flight are awaited). */
  maxMs: number;
  /** Calls made at the same concurrency, unmeasured, before measuring. */
  warmupMs: number;
}

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
