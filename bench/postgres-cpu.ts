/**
 * CPU time of the PostgreSQL server processes that serve one set of connections
 * (those opened with a given `application_name`), read from /proc. PostgreSQL shares
 * the machine's cores with the bench, so its CPU per call explains part of the
 * throughput it costs. Works for a server on this machine under Linux; elsewhere
 * every reading is empty and the figure is shown as unknown.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface CpuReading {
  /** CPU µs of the processes in this reading since `before` (a process new since then counts from its start); NaN when none could be read. */
  since(before: CpuReading): number;
  readonly byPid: ReadonlyMap<number, number>;
}

export interface PostgresCpuMeter {
  read(): Promise<CpuReading>;
  close(): Promise<void>;
}

const clockTicksPerSecond = readClockTicks();

function readClockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** User + system CPU of one process in µs, or undefined when it cannot be read. */
function processCpuMicros(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / clockTicksPerSecond : undefined;
  } catch {
    return undefined;
  }
}

function reading(byPid: Map<number, number>): CpuReading {
  return {
    byPid,
    since(before) {
      if (byPid.size === 0) return Number.NaN;
      let total = 0;
      for (const [pid, micros] of byPid) total += micros - (before.byPid.get(pid) ?? 0);
      return total;
    },
  };
}

/** Watches the server processes of connections named `applicationName`, over a connection of its own. */
export async function startPostgresCpuMeter(url: string, applicationName: string): Promise<PostgresCpuMeter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async read() {
      const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [applicationName]);
      const byPid = new Map<number, number>();
      for (const { pid } of rows) {
        const micros = processCpuMicros(pid);
        if (micros !== undefined) byPid.set(pid, micros);
      }
      return reading(byPid);
    },
    close: () => client.end(),
  };
}
