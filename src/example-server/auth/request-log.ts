/**
 * The record of requests to the authorization server that tests read to count
 * discovery, registration, token and refresh requests.
 */

import type { AuthRequestKind, AuthRequestRecord } from './options.ts';

export interface RequestLog {
  /** Starts a record; the handler fills in what it learns, and the status once answered. */
  start(kind: AuthRequestKind, method: string): AuthRequestRecord;
  list(kind?: AuthRequestKind): readonly AuthRequestRecord[];
}

export function createRequestLog(now: () => number): RequestLog {
  const records: AuthRequestRecord[] = [];
  return {
    start(kind, method) {
      const record: AuthRequestRecord = { kind, method, at: now(), status: 0 };
      records.push(record);
      return record;
    },
    list(kind) {
      const chosen = kind === undefined ? records : records.filter((record) => record.kind === kind);
      return chosen.map((record) => ({ ...record }));
    },
  };
}
