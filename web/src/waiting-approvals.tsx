import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { apiRequest, messageOf } from './api.ts';
import type { ApprovalRequest } from './types.ts';

/** How long one request waits for the pending approvals to change (the server holds at most 25 s). */
const WAIT_S = 25;
/** After a failed request, the pause before the next. */
const RETRY_MS = 4000;

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
 * The person's pending approvals, kept current without polling: every answer of
 * `GET /api/approvals` is followed by one that the server holds until the set changes
 * (a call starts waiting, or one is answered, here or elsewhere) or 25 s pass. A call
 * held for approval in the gateway shows up at once. `refresh` starts over; the request
 * in flight is cancelled when the provider goes (signed out, say).
 */
function useWatchedApprovals(): WaitingApprovals {
  const [approvals, setApprovals] = useState<ApprovalRequest[]>();
  const [error, setError] = useState<string>();
  const [round, setRound] = useState(0);

  useEffect(() => {
    // `round` is read so that refresh() starts the loop over.
    void round;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let seen: string | undefined;
      while (!signal.aborted) {
        try {
          const query = seen === undefined ? '' : `?wait=${WAIT_S}&seen=${encodeURIComponent(seen)}`;
          const data = await apiRequest<{ approvals: ApprovalRequest[]; tag: string }>('GET', `/api/approvals${query}`, undefined, { signal });
          seen = data.tag;
          setApprovals(data.approvals);
          setError(undefined);
        } catch (err) {
          if (signal.aborted) return;
          setError(messageOf(err));
          seen = undefined;
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    })();
    return () => controller.abort();
  }, [round]);

  const refresh = useCallback(() => setRound((n) => n + 1), []);
  return { approvals, error, refresh };
}
