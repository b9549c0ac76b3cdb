import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { apiRequest, messageOf } from './api.ts';
import type { ApprovalRequest } from './types.ts';

/** How long one request waits for the pending approvals to change (the server holds at most 25 s). */
const WAIT_S = 25;
/** After a failed request, the pause before the next. */
const RETRY_MS = 4000;
/** A tab in the background asks this often, without being held. */
const HIDDEN_EVERY_MS = 30_000;
/** An answer quicker than this that changed nothing was not held (an older server): pause before asking again. */
const HELD_AT_LEAST_MS = 1000;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export interface WaitingApprovals {
  /** undefined until the first answer. */
  approvals: ApprovalRequest[] | undefined;
  error: string | undefined;
  /** Reads them again now (after an answer given on the page, say). */
  refresh: () => void;
}

const WaitingApprovalsContext = createContext<WaitingApprovals>({ approvals: undefined, error: undefined, refresh: () => {} });

/** The person's pending approvals, for every page and the navigation (one watch for the whole app). */
export function useWaitingApprovals(): WaitingApprovals {
  return useContext(WaitingApprovalsContext);
}

/** Keeps the pending approvals current for everything inside it (see `useWatchedApprovals`). */
export function WaitingApprovalsProvider(props: { children: ReactNode }) {
  return <WaitingApprovalsContext.Provider value={useWatchedApprovals()}>{props.children}</WaitingApprovalsContext.Provider>;
}

/**
 * The person's pending approvals, kept current without polling: while the tab is visible,
 * every answer of `GET /api/approvals` is followed by one that the server holds until the
 * set changes (a call starts waiting, or one is answered, here or elsewhere) or 25 s pass,
 * so a call held for approval in the gateway shows up at once. A tab in the background
 * holds nothing (a browser has six connections to a server for all its tabs, and held
 * requests would take them all): it asks every 30 s, and at once when shown again.
 * `refresh` starts over; the request in flight is cancelled when the provider goes
 * (signed out, say).
 */
function useWatchedApprovals(): WaitingApprovals {
  const [approvals, setApprovals] = useState<ApprovalRequest[]>();
  const [error, setError] = useState<string>();
  const [round, setRound] = useState(0);

  useEffect(() => {
    const onVisibility = () => setRound((n) => n + 1);
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);

  useEffect(() => {
    // `round` is read so that refresh() (and the tab being shown or hidden) starts the loop over.
    void round;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let seen: string | undefined;
      while (!signal.aborted) {
        const visible = document.visibilityState === 'visible';
        const held = visible && seen !== undefined;
        const started = Date.now();
        try {
          const query = held ? `?wait=${WAIT_S}&seen=${encodeURIComponent(seen!)}` : '';
          const data = await apiRequest<{ approvals: ApprovalRequest[]; tag?: unknown }>('GET', `/api/approvals${query}`, undefined, { signal });
          const tag = typeof data.tag === 'string' ? data.tag : undefined;
          const unchanged = tag === undefined || tag === seen;
          seen = tag;
          setApprovals(data.approvals);
          setError(undefined);
          if (!visible) await pause(HIDDEN_EVERY_MS, signal);
          else if (unchanged && Date.now() - started < HELD_AT_LEAST_MS) await pause(RETRY_MS, signal);
        } catch (err) {
          if (signal.aborted) return;
          setError(messageOf(err));
          seen = undefined;
          await pause(RETRY_MS, signal);
        }
      }
    })();
    return () => controller.abort();
  }, [round]);

  const refresh = useCallback(() => setRound((n) => n + 1), []);
  return { approvals, error, refresh };
}
