/**
 * The pure half of the sync protocol (docs/sync-protocol.md): how to build a push or a
 * pull, and what an answer means for the device. No I/O: the sync client and its tests
 * share these functions.
 */
export const PROTOCOL = 1;
export const MAX_BATCH = 100;

/** ISO 8601 with the device's own offset (the protocol's `at` and `sent_at`). */
export function isoWithOffset(date) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/**
 * The next push batch: pending entries of one client in id order, consecutive, at most
 * `max`. Entries at or below the server's acknowledged id are left out (already applied).
 */
export function nextBatch(entries, acked = 0, max = MAX_BATCH) {
  const sorted = entries.filter((e) => e.id > acked).sort((a, b) => a.id - b.id);
  const batch = [];
  for (const e of sorted) {
    if (batch.length && e.id !== batch[batch.length - 1].id + 1) break;
    batch.push(e);
    if (batch.length === max) break;
  }
  return batch;
}

/** The push body for a batch, `sent_at` stamped now (re-stamped on every retry). */
export function pushBody(clientId, batch, now = new Date()) {
  return {
    client_id: clientId, protocol: PROTOCOL, sent_at: isoWithOffset(now),
    mutations: batch.map((e) => ({ id: e.id, name: e.name, at: e.at, args: e.args })),
  };
}

/** The pull body; `wait` seconds of long poll (0–30). */
export function pullBody(clientId, cursor, wait = 0, limit = 500) {
  return { client_id: clientId, protocol: PROTOCOL, cursor: cursor ?? null, limit, wait };
}

/**
 * What an HTTP outcome means: `ok`; `auth` (401: pause, keep the outbox, ask to sign in);
 * `gap` (409 mutation_gap); `bad_cursor` (400: pull again from null); `owned` (403
 * client_owned_by_other: this install needs a new client for the person); `retry`
 * (network failure, 5xx, 429: back off and send the same batch again); `fatal` (anything
 * else: shown with its code, not retried in a loop).
 */
export function classify(status, problem) {
  if (status === 0 || status >= 500 || status === 429 || status === 408) return "retry";
  if (status >= 200 && status < 300) return "ok";
  const code = problem && problem.code;
  if (status === 401) return "auth";
  if (status === 409 && code === "mutation_gap") return "gap";
  if (status === 400 && code === "bad_cursor") return "bad_cursor";
  if (status === 403 && code === "client_owned_by_other") return "owned";
  return "fatal";
}

/**
 * A device is wiped (it lost records) when the server has acknowledged more mutations of
 * this client than the device ever numbered.
 */
export function lostCount(serverLast, nextId) {
  const deviceLast = nextId - 1;
  return serverLast > deviceLast ? serverLast - deviceLast : 0;
}

/**
 * What a device does when it notices it lost records (docs/sync-protocol.md "A wiped
 * device"): its counter moves past the server's `last_mutation_id` and the unsent entries
 * it holds (`pendingIds`, all numbered below the server's last) are renumbered after it,
 * in order, so nothing recorded since the restore is taken for a duplicate and dropped.
 * Returns null when nothing was lost, else `{lost, deviceLast, serverLast, nextId, moves}`
 * with `moves` as `[oldId, newId]` pairs.
 */
export function lossPlan(serverLast, nextId, pendingIds) {
  const lost = lostCount(serverLast, nextId);
  if (!lost) return null;
  const ids = pendingIds.filter((id) => id <= serverLast).sort((a, b) => a - b);
  const moves = ids.map((id, i) => [id, serverLast + 1 + i]);
  return { lost, deviceLast: nextId - 1, serverLast, nextId: serverLast + 1 + moves.length, moves };
}
