/**
 * The sync client: sends the outbox and pulls changes per docs/sync-protocol.md.
 *
 * - Push resends the same batch after a network failure or a 5xx (backoff with full
 *   jitter, 1 s to 5 min); a rejected mutation is kept with the server's reason, never
 *   retried, and never blocks the queue.
 * - 401 pauses sync and keeps the outbox ("sign in to send N records"); the same person
 *   signing in again carries on with the same client_id.
 * - Pull follows `has_more` pages and `reset`, acknowledges the outbox by
 *   `last_mutation_id`, and long-polls (`wait`) while the app is open.
 * - A server `last_mutation_id` ahead of this device's counter means the device lost
 *   records (a wiped or restored phone): before anything is dropped as acknowledged, the
 *   counter moves past the server's and the unsent entries are renumbered after it
 *   (store `noticeLoss`), the state says how many were lost, and the server is told once
 *   (`POST /api/sync/clients/<id>/lost-records`, kept in meta until answered, sent before
 *   the next push so the server counts against the counter the loss was seen with).
 *
 * One tab runs `run()` at a time (the app takes a Web Lock); other tabs `kick()` it over
 * a BroadcastChannel. Feature-agnostic: it knows mutations and changes, not patrols.
 */
import { retryDelay } from "./backoff.js";
import { classify, lostCount, nextBatch, pullBody, pushBody } from "./protocol.js";

export const LONG_POLL_SECONDS = 25;
export const TIMER_MS = 60 * 1000;

export class SyncClient extends EventTarget {
  /**
   * `store`: a Store (store.js); `fetch`: the HTTP function; `now`: the device clock;
   * `sleep(ms, signal)`, `random`: injected for tests.
   */
  constructor({ store, fetch, base = "", now = () => new Date(), random = Math.random, sleep = defaultSleep, wait = LONG_POLL_SECONDS }) {
    super();
    Object.assign(this, { store, fetchFn: fetch, base, now, random, sleep, wait });
    this.state = { status: "idle", reason: null, pending: 0, oldest: null, lastSync: null, lost: 0 };
    this.attempt = 0;
    this.wake = new AbortController();
    this.stopped = false;
  }

  _set(patch) {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new CustomEvent("state", { detail: this.state }));
  }

  /** Wake the loop now: a new record, `online`, the page shown again, another tab. */
  kick() { this.wake.abort(); }

  stop() { this.stopped = true; this.kick(); }

  async _request(path, body, signal) {
    const session = await this.store.session();
    try {
      const resp = await this.fetchFn(this.base + path, {
        method: "POST", body: JSON.stringify(body), signal,
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${session.token}` },
      });
      const json = await resp.json().catch(() => null);
      return { status: resp.status, body: json };
    } catch (err) {
      if (signal && signal.aborted) return { status: -1, body: null };
      return { status: 0, body: null, error: String(err) };
    }
  }

  /** Count pending records and the age of the oldest, for the badge and the warning. */
  async refreshCounts(clientId) {
    const pending = clientId ? await this.store.pending(clientId) : [];
    this._set({ pending: pending.length, oldest: pending.length ? Math.min(...pending.map((e) => e.saved_at)) : null });
  }

  /**
   * One round: push everything pending, then pull until caught up (the last pull long
   * polls `wait` seconds when asked). Returns the outcome: `ok`, `retry`, `auth`,
   * `fatal`, `signed_out`.
   */
  async syncOnce({ wait = 0, signal } = {}) {
    const session = await this.store.session();
    if (!session || !session.token) { this._set({ status: "signed_out" }); return "signed_out"; }
    const client = await this.store.client(session.staff.id);
    await this.refreshCounts(client.client_id);
    if (session.paused) return this._pause(session);
    this._set({ status: "syncing", reason: null });
    for (;;) {
      const told = await this._report(client, session);
      if (told !== "ok") return told;
      const batch = nextBatch(await this.store.pending(client.client_id));
      if (!batch.length) break;
      const r = await this._request("/api/sync/push", pushBody(client.client_id, batch, this.now()));
      const outcome = await this._onPush(r, client, session);
      if (outcome !== "ok") return outcome;
    }
    const caughtUp = await this._pullAll(client, session, 0);
    if (caughtUp !== "ok") return caughtUp;
    const told = await this._report(client, session);
    if (told !== "ok") return told;
    await this.refreshCounts(client.client_id);
    this.attempt = 0;
    this._set({ status: "idle", reason: null });
    // Long poll: the server answers when something in our scope commits (or at `wait`).
    return wait ? this._pullAll(client, session, wait, signal) : "ok";
  }

  async _pullAll(client, session, wait, signal) {
    for (let first = true; ; first = false) {
      const cursor = await this.store.cursor(client.client_id);
      const r = await this._request("/api/sync/pull", pullBody(client.client_id, cursor, first ? wait : 0), signal);
      if (r.status === -1) return "ok"; // long poll cut short by a kick
      const kind = classify(r.status, r.body);
      if (kind === "bad_cursor") { await this.store.setMeta(`cursor:${client.client_id}`, null); continue; }
      if (kind !== "ok") return this._fail(kind, r, session);
      await this.store.applyPull(client.client_id, r.body);
      await this._notice(r.body, client, session); // before ack: renumbered entries are not acknowledged
      await this.store.ack(client.client_id, r.body.last_mutation_id);
      this._seen(r.body);
      // A host at its cap (or shutting down) asks to wait before the next long poll.
      if (r.body.retry_after_ms) this.retryAfter = r.body.retry_after_ms;
      if (r.body.changes.length) this.dispatchEvent(new CustomEvent("changed", { detail: { changes: r.body.changes.length } }));
      if (!r.body.has_more) return "ok";
    }
  }

  async _onPush(r, client, session) {
    const kind = classify(r.status, r.body);
    if (kind === "gap") {
      // The server lacks ids we no longer hold: what it has is acknowledged; if the gap
      // remains, the device lost records and says so (shown, not looped on).
      await this.store.ack(client.client_id, r.body.last_mutation_id);
      const batch = nextBatch(await this.store.pending(client.client_id));
      if (batch.length && batch[0].id > r.body.last_mutation_id + 1) return this._fail("fatal", r, session);
      return "ok";
    }
    if (kind !== "ok") return this._fail(kind, r, session);
    // A loss seen in this answer: the batch came back `duplicate` for ids the server got
    // from the lost copy; the entries are renumbered and sent again, not dropped.
    if (!(await this._notice(r.body, client, session))) await this.store.markResults(client.client_id, r.body.results);
    this._seen(r.body);
    this.dispatchEvent(new CustomEvent("changed", { detail: { results: r.body.results } }));
    await this.refreshCounts(client.client_id);
    return "ok";
  }

  _seen(body) { this._set({ lastSync: body.server_time }); }

  /**
   * Whether `body.last_mutation_id` shows this device lost records; if so they are
   * handled (store `noticeLoss`) and the state says how many. `client.next_id` may be
   * behind the store's (records made meanwhile), never ahead: the store decides.
   */
  async _notice(body, client, session) {
    if (!lostCount(body.last_mutation_id, client.next_id)) return false;
    const plan = await this.store.noticeLoss(session.staff.id, body.last_mutation_id);
    client.next_id = (await this.store.client(session.staff.id)).next_id;
    if (plan) this._set({ lost: plan.lost });
    return Boolean(plan);
  }

  /**
   * Tell the server about a loss noticed and not yet told (meta `lost:<client_id>`).
   * Network failures and 5xx are retried with the push (nothing is pushed before it is
   * told); any other answer (the alert, `no_records_lost`, a refusal) ends it.
   */
  async _report(client, session) {
    const key = `lost:${client.client_id}`;
    const loss = await this.store.getMeta(key);
    const count = loss ? loss.count : 0; // this person's loss (another may have signed in)
    if (this.state.lost !== count) this._set({ lost: count });
    if (!loss) return "ok";
    if (loss.reported) return "ok";
    const r = await this._request(`/api/sync/clients/${client.client_id}/lost-records`, { device_last_mutation_id: loss.device_last });
    const kind = classify(r.status, r.body);
    if (kind === "retry" || kind === "auth") return this._fail(kind, r, session);
    await this.store.setMeta(key, { ...loss, reported: kind === "ok" ? true : (r.body && r.body.code) || `http_${r.status}` });
    return "ok";
  }

  async _pause(session) {
    await this.store.setSession({ ...session, paused: true });
    this._set({ status: "auth", reason: "unauthenticated" });
    return "auth";
  }

  async _fail(kind, r, session) {
    if (kind === "auth") return this._pause(session);
    if (kind === "retry") {
      this._set({ status: r.status === 0 ? "offline" : "error", reason: r.status === 0 ? "network" : `http_${r.status}` });
      return "retry";
    }
    if (kind === "owned") {
      // This id is another person's: forget it for this person and start a fresh client.
      await this.store.setMeta(`client:${session.staff.id}`, undefined);
    }
    this._set({ status: "error", reason: (r.body && r.body.code) || `http_${r.status}` });
    return "fatal";
  }

  /** The loop of the tab that holds the sync lock: runs until `stop()`. */
  async run({ visible = () => true, online = () => true } = {}) {
    while (!this.stopped) {
      if (this.wake.signal.aborted) this.wake = new AbortController();
      const signal = this.wake.signal;
      const poll = visible() && online() ? this.wait : 0;
      this.retryAfter = 0;
      let outcome;
      try {
        outcome = await this.syncOnce({ wait: poll, signal });
      } catch (err) {
        this._set({ status: "error", reason: String(err) });
        outcome = "retry";
      }
      if (this.stopped) break;
      // After a long poll the loop goes straight on; otherwise it waits for the timer or a kick.
      if (outcome === "retry") await this.sleep(retryDelay(this.attempt++, this.random), signal);
      else if (outcome !== "ok" || !poll) await this.sleep(TIMER_MS, signal);
      else if (this.retryAfter) await this.sleep(Math.round(this.retryAfter * (1 + 0.2 * this.random())), signal);
    }
  }
}

/** Sleep `ms`, or less when `signal` aborts. */
export function defaultSleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal && signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    if (signal) signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
