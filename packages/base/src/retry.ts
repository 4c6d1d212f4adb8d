/**
 * Retry with backoff, for idempotent requests only (context fetches, session
 * init). A function call is never retried: it may have run.
 */
import { isTransient, type MizanError, toMizanError } from './error.js';

export interface RetryPolicy {
  /** How many times to try again after the first failure. */
  retry: number;
  /** Milliseconds to wait before retry number `attempt` (0-based). */
  retryDelay: (attempt: number) => number;
}

/** Default backoff: 1 s, 2 s, 4 s, ... capped at 30 s. */
export const exponentialBackoff = (attempt: number): number => Math.min(1000 * 2 ** attempt, 30_000);

/** Runs `task`, retrying network errors and 5xx; rejects with the last `MizanError`. */
export async function withRetry<R>(task: () => Promise<R>, policy: RetryPolicy): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task();
    } catch (e) {
      const error: MizanError = toMizanError(e);
      if (attempt >= policy.retry || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, policy.retryDelay(attempt)));
    }
  }
}
