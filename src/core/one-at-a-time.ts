/**
 * Runs `task` once everything queued on `tail` before it has settled, whether that
 * succeeded or failed. Returns the task's own result, and the new tail to queue the next
 * task on (it settles with the task and never rejects).
 */
export function oneAfter<T>(tail: Promise<void> | undefined, task: () => Promise<T>): { result: Promise<T>; tail: Promise<void> } {
  const result = (tail ?? Promise.resolve()).then(task);
  return {
    result,
    tail: result.then(
      () => {},
      () => {},
    ),
  };
}
