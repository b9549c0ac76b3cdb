import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { Database } from './schema.ts';

/** What every repository works with. */
export interface StoreContext {
  db: Kysely<Database>;
  clock: Clock;
}

/** Current time as stored: an ISO 8601 string in UTC, which sorts as it reads. */
export function nowIso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value === 1;
}
