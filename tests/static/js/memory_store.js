// An in-memory Store with the contract of static/sync/store.js, for the sync client's
// unit tests under Node (which has no IndexedDB). The IndexedDB Store itself is
// exercised in Chromium by tests/static/test_browser_*.py.
import { lossPlan } from "../../../static/sync/protocol.js";

export class MemoryStore {
  constructor() { this.meta = new Map(); this.out = new Map(); this.recs = new Map(); }
  async getMeta(k) { return this.meta.get(k); }
  async setMeta(k, v) { this.meta.set(k, v); }
  async session() { return this.meta.get("session"); }
  async setSession(s) { this.meta.set("session", s); }
  async client(staffId) {
    let c = this.meta.get(`client:${staffId}`);
    if (!c) { c = { client_id: `c-${staffId}`, staff_id: staffId, next_id: 1 }; this.meta.set(`client:${staffId}`, c); }
    return { ...c };
  }
  async enqueue(staffId, { name, args, at }) {
    const c = this.meta.get(`client:${staffId}`);
    const e = { client_id: c.client_id, id: c.next_id++, name, args, at, state: "pending", saved_at: 1 };
    this.out.set(`${e.client_id}/${e.id}`, e);
    return e;
  }
  async pending(cid) {
    return [...this.out.values()].filter((e) => e.client_id === cid && e.state === "pending").sort((a, b) => a.id - b.id);
  }
  async markResults(cid, results) {
    for (const r of results) {
      const e = this.out.get(`${cid}/${r.id}`);
      if (!e) continue;
      if (r.status === "rejected") Object.assign(e, { state: "rejected", error: r.error });
      else this.out.delete(`${cid}/${r.id}`);
    }
  }
  async ack(cid, last) {
    for (const [k, e] of this.out) if (e.client_id === cid && e.id <= last && e.state === "pending") this.out.delete(k);
  }
  async noticeLoss(staffId, last) {
    const c = this.meta.get(`client:${staffId}`);
    const pending = await this.pending(c.client_id);
    const plan = lossPlan(last, c.next_id, pending.map((e) => e.id));
    if (!plan) return null;
    for (const [from] of plan.moves) this.out.delete(`${c.client_id}/${from}`);
    for (const [from, to] of plan.moves) this.out.set(`${c.client_id}/${to}`, { ...pending.find((e) => e.id === from), id: to });
    c.next_id = plan.nextId;
    this.meta.set(`lost:${c.client_id}`, { count: plan.lost, device_last: plan.deviceLast, server_last: last, reported: false });
    return plan;
  }
  async cursor(cid) { return this.meta.get(`cursor:${cid}`); }
  async applyPull(cid, page) {
    if (page.reset) this.recs.clear();
    for (const c of page.changes) {
      if (c.op === "delete") this.recs.delete(`${c.entity}/${c.id}`);
      else this.recs.set(`${c.entity}/${c.id}`, c.data);
    }
    this.meta.set(`cursor:${cid}`, page.cursor);
  }
}
