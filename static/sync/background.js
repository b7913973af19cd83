/**
 * Background Sync (#15): where the browser has it (Chromium), the service worker sends the
 * outbox after the last tab is closed. Nothing depends on it: without it the outbox is sent
 * while a tab is open, as before.
 *
 * - The page asks for a one-off sync tagged `outbox` when a push failed with records
 *   waiting (`askForBackgroundSync`); the browser fires the worker's `sync` event once it
 *   believes it is online again, and retries a rejected event later (Chromium: a few
 *   times, minutes apart).
 * - The worker's event runs `sendInBackground`: the tabs' own `SyncClient.syncOnce` (one
 *   push path), under the tabs' Web Lock (`SYNC_LOCK`), so one sender at a time.
 */
import { SyncClient } from "./sync-client.js";

/** The Web Lock held by whoever sends (the leading tab, or the worker's sync event). */
export const SYNC_LOCK = "fieldops-sync";
/** The BroadcastChannel on which tabs and the worker tell each other of new data. */
export const SYNC_CHANNEL = "fieldops";
/** The one-off Background Sync tag. */
export const SYNC_TAG = "outbox";

/** Whether the sync state calls for a Background Sync: records wait and the last push failed. */
export function needsBackgroundSync(state) {
  return state.pending > 0 && (state.status === "offline" || state.status === "error");
}

/**
 * Ask the browser to fire `sync` (tag `outbox`) on the worker of `registration` when it is
 * online. Resolves true when asked, false where there is no Background Sync (Safari,
 * Firefox) or the browser refused (a denied permission): never throws, never required.
 */
export async function askForBackgroundSync(registration) {
  if (!registration || typeof SyncManager === "undefined" || !registration.sync) return false;
  try {
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch (err) {
    console.warn("background sync", err);
    return false;
  }
}

/** A `sync` event that did not send everything: its promise rejects, the browser retries. */
export class BackgroundSyncFailed extends Error {}

/**
 * Send the outbox once, as a tab would (push everything pending, then pull), and say how
 * it went: `ok`, `auth` (401: sync paused, outbox kept until the person signs in again),
 * `signed_out`, or `tab` (a tab holds the lock and nothing is pending: it sent).
 *
 * Raises `BackgroundSyncFailed` when the push failed (network, 5xx, or an answer a person
 * has to see) or when a tab holds the lock while records still wait (that tab may close
 * before it sends): the event's promise rejects and the browser tries again later.
 * `locks`: `navigator.locks` (without it, as in app.js, there is no other sender to wait for).
 */
export async function sendInBackground({ store, fetch, locks }) {
  const send = async (lock) => {
    if (!lock) {
      if (await hasPending(store)) throw new BackgroundSyncFailed("a tab is sending");
      return "tab";
    }
    const outcome = await new SyncClient({ store, fetch }).syncOnce();
    if (outcome === "retry" || outcome === "fatal") throw new BackgroundSyncFailed(outcome);
    return outcome;
  };
  if (!locks) return send(true);
  // `ifAvailable`: a tab that holds the lock keeps it for as long as it is open.
  return locks.request(SYNC_LOCK, { ifAvailable: true }, send);
}

async function hasPending(store) {
  const session = await store.session();
  if (!session) return false;
  const client = await store.client(session.staff.id);
  return (await store.pending(client.client_id)).length > 0;
}
