/**
 * The device's IndexedDB (through the vendored `idb`): the outbox of mutations, the
 * records the app shows (pulled from the server, or made here and not yet sent), the
 * photos waiting to upload, and small settings (session, client ids, cursors).
 *
 * A record is "saved" only when `enqueue` resolves: the mutation, its local effect and
 * the next mutation id are written in ONE readwrite transaction, so there is no moment
 * when a record lives only in memory. IndexedDB runs readwrite transactions over the same
 * stores one at a time, across tabs too, so two tabs never take the same mutation id.
 *
 * Upgrades are idempotent (a store is made only when missing), and a `versionchange`
 * from a newer build closes this connection at once (the app then reloads) so an
 * upgrade never waits on an old tab.
 */
import { openDB } from "../vendor/idb/index.js";
import { lossPlan } from "./protocol.js";

export const DB_NAME = "fieldops";
export const DB_VERSION = 1;
const STORES = ["meta", "outbox", "records", "photos"];

/** Open (or upgrade) the device database; `onVersionChange` runs after it closed. */
export async function openStore(name = DB_NAME, { onVersionChange } = {}) {
  const db = await openDB(name, DB_VERSION, {
    upgrade(database) {
      const has = (s) => database.objectStoreNames.contains(s);
      if (!has("meta")) database.createObjectStore("meta");
      if (!has("outbox")) database.createObjectStore("outbox", { keyPath: ["client_id", "id"] });
      if (!has("records")) database.createObjectStore("records", { keyPath: ["entity", "id"] }).createIndex("entity", "entity");
      if (!has("photos")) database.createObjectStore("photos", { keyPath: "sha256" });
    },
    blocking() {
      db.close();
      if (onVersionChange) onVersionChange();
    },
  });
  return new Store(db);
}

const clientRange = (clientId) => IDBKeyRange.bound([clientId, 0], [clientId, Number.MAX_SAFE_INTEGER]);

export class Store {
  constructor(db) { this.db = db; }

  getMeta(key) { return this.db.get("meta", key); }
  setMeta(key, value) { return this.db.put("meta", value, key); }

  /** The signed-in session `{token, staff, paused}` or undefined. */
  session() { return this.getMeta("session"); }
  setSession(session) { return session ? this.setMeta("session", session) : this.db.delete("meta", "session"); }

  /**
   * This install's client for one staff member, made on first use: `{client_id,
   * staff_id, next_id}`. The same person signing in again gets the same client.
   */
  async client(staffId) {
    const tx = this.db.transaction("meta", "readwrite");
    let client = await tx.store.get(`client:${staffId}`);
    if (!client) {
      client = { client_id: crypto.randomUUID(), staff_id: staffId, next_id: 1 };
      await tx.store.put(client, `client:${staffId}`);
    }
    await tx.done;
    return client;
  }

  /**
   * Save one mutation with its local effect in one transaction and return the outbox
   * entry (with its id). `effects`: records `{entity, id, data}` shown at once with the
   * badge "on this phone"; `photos`: `{sha256, blob, type}` for the upload queue;
   * `backdated`: `at` lies in the past on purpose and is moved up to the client's last `at`.
   */
  async enqueue(staffId, { name, args, at, backdated = false, effects = [], photos = [] }) {
    // "strict": the transaction completes only once the disk has it (a phone that dies
    // right after "saved" still has the record).
    const tx = this.db.transaction(STORES, "readwrite", { durability: "strict" });
    const meta = tx.objectStore("meta");
    const client = await meta.get(`client:${staffId}`);
    if (!client) throw new Error("no client for this person: sign in first");
    // A backdated record (a complaint that began when the stopwatch started) never goes
    // before this client's previous one: the server would flag the clock as run backwards.
    if (backdated && client.last_at && Date.parse(at) < Date.parse(client.last_at)) at = client.last_at;
    const entry = {
      client_id: client.client_id, id: client.next_id, name, args, at,
      state: "pending", saved_at: Date.now(), staff_id: staffId,
    };
    client.next_id += 1;
    client.last_at = at;
    await meta.put(client, `client:${staffId}`);
    await tx.objectStore("outbox").put(entry);
    for (const e of effects) {
      await tx.objectStore("records").put({
        entity: e.entity, id: e.id, data: e.data,
        local: { state: "pending", client_id: entry.client_id, mutation_id: entry.id, staff_id: staffId },
      });
    }
    for (const p of photos) await tx.objectStore("photos").put({ ...p, size: p.blob.size, uploaded: 0, state: "queued", staff_id: staffId });
    await tx.done;
    return entry;
  }

  /** Unsent entries of one client, by id. */
  async pending(clientId) {
    const all = await this.db.getAll("outbox", clientRange(clientId));
    return all.filter((e) => e.state === "pending");
  }

  /** Every outbox entry of every client (pending and rejected), oldest first. */
  outbox() { return this.db.getAll("outbox"); }

  /** Record a push's results: applied entries leave the outbox, rejected stay with their reason. */
  async markResults(clientId, results) {
    const tx = this.db.transaction(["outbox", "records"], "readwrite");
    const outbox = tx.objectStore("outbox");
    const records = tx.objectStore("records");
    for (const r of results) {
      const entry = await outbox.get([clientId, r.id]);
      if (!entry) continue;
      if (r.status === "rejected") {
        entry.state = "rejected";
        entry.error = r.error || { code: "rejected" };
        await outbox.put(entry);
      } else {
        await outbox.delete([clientId, r.id]);
      }
      await this._badge(records, clientId, r.id, r.status === "rejected" ? "rejected" : "sent", entry.error);
    }
    await tx.done;
  }

  async _badge(records, clientId, mutationId, state, error) {
    let cursor = await records.openCursor();
    while (cursor) {
      const local = cursor.value.local;
      if (local && local.client_id === clientId && local.mutation_id === mutationId) {
        await cursor.update({ ...cursor.value, local: { ...local, state, error: error || null } });
      }
      cursor = await cursor.continue();
    }
  }

  /** Entries at or below the server's `last_mutation_id` were applied: drop pending ones. */
  async ack(clientId, lastId) {
    const tx = this.db.transaction(["outbox", "records"], "readwrite");
    const entries = await tx.objectStore("outbox").getAll(IDBKeyRange.bound([clientId, 0], [clientId, lastId]));
    for (const e of entries) {
      if (e.state !== "pending") continue;
      await tx.objectStore("outbox").delete([clientId, e.id]);
      await this._badge(tx.objectStore("records"), clientId, e.id, "sent");
    }
    await tx.done;
  }

  /**
   * The server's `lastId` is ahead of this person's counter: the device lost records
   * (restored from an older copy). In ONE transaction: move the counter past `lastId`,
   * renumber the unsent entries after it (order kept; their records' badges follow), and
   * keep the report to send (`lost:<client_id>`: `{count, device_last, server_last,
   * reported}`). Returns the plan (protocol.js `lossPlan`), or null when nothing was lost
   * (another tab got there first).
   */
  async noticeLoss(staffId, lastId) {
    const tx = this.db.transaction(["meta", "outbox", "records"], "readwrite", { durability: "strict" });
    const meta = tx.objectStore("meta");
    const outbox = tx.objectStore("outbox");
    const client = await meta.get(`client:${staffId}`);
    const pending = client ? (await outbox.getAll(clientRange(client.client_id))).filter((e) => e.state === "pending") : [];
    const plan = client ? lossPlan(lastId, client.next_id, pending.map((e) => e.id)) : null;
    if (!plan) { await tx.done; return null; }
    const cid = client.client_id;
    const byId = new Map(pending.map((e) => [e.id, e]));
    const renamed = new Map(plan.moves);
    for (const [from] of plan.moves) await outbox.delete([cid, from]);
    for (const [from, to] of plan.moves) await outbox.put({ ...byId.get(from), id: to });
    let cursor = await tx.objectStore("records").openCursor();
    while (cursor) {
      const local = cursor.value.local;
      if (local && local.client_id === cid && renamed.has(local.mutation_id)) {
        await cursor.update({ ...cursor.value, local: { ...local, mutation_id: renamed.get(local.mutation_id) } });
      }
      cursor = await cursor.continue();
    }
    await meta.put({ ...client, next_id: plan.nextId }, `client:${staffId}`);
    await meta.put({ count: plan.lost, device_last: plan.deviceLast, server_last: plan.serverLast, reported: false }, `lost:${cid}`);
    await tx.done;
    return plan;
  }

  /** Drop a rejected entry the user has read. */
  dismiss(clientId, id) { return this.db.delete("outbox", [clientId, id]); }

  cursor(clientId) { return this.getMeta(`cursor:${clientId}`); }

  /**
   * Apply one pull page in one transaction: on `reset` drop every pulled record (records
   * made here and not yet sent stay), then puts and deletes in order, then the cursor.
   */
  async applyPull(clientId, page) {
    const tx = this.db.transaction(["records", "meta"], "readwrite");
    const records = tx.objectStore("records");
    if (page.reset) {
      let cursor = await records.openCursor();
      while (cursor) {
        if (!cursor.value.local || cursor.value.local.state !== "pending") await cursor.delete();
        cursor = await cursor.continue();
      }
    }
    for (const c of page.changes) {
      if (c.op === "delete") await records.delete([c.entity, c.id]);
      else await records.put({ entity: c.entity, id: c.id, data: c.data });
    }
    await tx.objectStore("meta").put(page.cursor, `cursor:${clientId}`);
    await tx.done;
  }

  /** Records of one entity kind (pulled and local), as `{entity, id, data, local?}`. */
  records(entity) { return this.db.getAllFromIndex("records", "entity", entity); }
  record(entity, id) { return this.db.get("records", [entity, id]); }

  photos() { return this.db.getAll("photos"); }
  photo(sha256) { return this.db.get("photos", sha256); }
  putPhoto(photo) { return this.db.put("photos", photo); }
}
