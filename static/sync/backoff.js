/**
 * Retry delays for network failures and 5xx answers: exponential backoff with full
 * jitter (a random delay up to base·2^attempt), never under 1 s, never over 5 min.
 * Pure: `random` is injected so tests can pin it.
 */
export const BASE_MS = 1000;
export const CAP_MS = 5 * 60 * 1000;

/** Delay in ms before retry number `attempt` (0 for the first retry). */
export function retryDelay(attempt, random = Math.random) {
  const ceiling = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt));
  return Math.max(BASE_MS, Math.floor(random() * ceiling));
}
