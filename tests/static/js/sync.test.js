// Unit tests of the client sync library (static/sync/): backoff, batching, error
// classes and the push/pull loop against a scripted server. Run by tests/static/test_node.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { BASE_MS, CAP_MS, retryDelay } from "../../../static/sync/backoff.js";
import { classify, isoWithOffset, lossPlan, lostCount, nextBatch } from "../../../static/sync/protocol.js";
import { SyncClient } from "../../../static/sync/sync-client.js";
import { MemoryStore } from "./memory_store.js";

test("retry delays use full jitter between 1 s and 5 min", () => {
  assert.equal(retryDelay(0, () => 0), BASE_MS);
  assert.equal(retryDelay(3, () => 0.999999), Math.floor(0.999999 * 8000));
  assert.equal(retryDelay(30, () => 0.999999), Math.floor(0.999999 * CAP_MS));
  const seen = new Set(Array.from({ length: 50 }, () => retryDelay(6)));
  assert.ok(seen.size > 40, "jittered");
  for (const d of seen) assert.ok(d >= BASE_MS && d <= 64000);
});

test("a batch is consecutive ids above the acknowledged one, at most max", () => {
  const e = (id) => ({ id });
  assert.deepEqual(nextBatch([e(5), e(3), e(4), e(7)]).map((x) => x.id), [3, 4, 5]);
  assert.deepEqual(nextBatch([e(1), e(2), e(3)], 1).map((x) => x.id), [2, 3]);
  assert.equal(nextBatch(Array.from({ length: 250 }, (_, i) => e(i + 1))).length, 100);
});

test("outcomes are classified by status and problem code", () => {
  assert.equal(classify(0), "retry");
  assert.equal(classify(503), "retry");
  assert.equal(classify(200), "ok");
  assert.equal(classify(401, { code: "unauthenticated" }), "auth");
  assert.equal(classify(409, { code: "mutation_gap" }), "gap");
  assert.equal(classify(400, { code: "bad_cursor" }), "bad_cursor");
  assert.equal(classify(403, { code: "client_owned_by_other" }), "owned");
  assert.equal(classify(400, { code: "invalid_request" }), "fatal");
});

test("times carry the device offset and a lost device is noticed", () => {
  assert.match(isoWithOffset(new Date()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
  assert.equal(lostCount(7, 8), 0);
  assert.equal(lostCount(9, 3), 7);
});

/** A scripted server: `answers` are consumed in order; every request is recorded. */
function server(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push({ path: new URL(url, "http://x").pathname, body, auth: init.headers.Authorization });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected ${url}`);
    if (next === "network") throw new TypeError("Failed to fetch");
    const answer = typeof next === "function" ? next(body) : next;
    return { status: answer.status, json: async () => answer.body };
  };
  return { fetch, calls };
}

const applied = (body, last = body.mutations.at(-1).id) => ({
  status: 200, body: { last_mutation_id: last, server_time: "2026-11-28T02:00:00Z",
    results: body.mutations.map((m) => ({ id: m.id, status: "applied" })) } });
const emptyPull = (last) => ({ status: 200, body: { cursor: "c1", has_more: false, reset: false, last_mutation_id: last, server_time: "2026-11-28T02:00:01Z", changes: [] } });

async function signedIn() {
  const store = new MemoryStore();
  await store.setSession({ token: "t1", staff: { id: "s1" } });
  await store.client("s1");
  return store;
}

test("a failed push is resent as the same batch, re-stamped", async () => {
  const store = await signedIn();
  await store.enqueue("s1", { name: "patrol.record", args: { n: 1 }, at: "a" });
  await store.enqueue("s1", { name: "patrol.record", args: { n: 2 }, at: "b" });
  const srv = server(["network", { status: 503, body: { code: "unavailable" } }, applied, () => emptyPull(2)]);
  let now = 0;
  const sync = new SyncClient({ store, fetch: srv.fetch, now: () => new Date(Date.UTC(2026, 10, 28, 2, 0, now++)) });
  assert.equal(await sync.syncOnce(), "retry");
  assert.equal(sync.state.status, "offline");
  assert.equal(await sync.syncOnce(), "retry");
  assert.equal(await sync.syncOnce(), "ok");
  const pushes = srv.calls.filter((c) => c.path === "/api/sync/push");
  assert.equal(pushes.length, 3);
  for (const p of pushes) assert.deepEqual(p.body.mutations.map((m) => m.id), [1, 2]);
  assert.notEqual(pushes[0].body.sent_at, pushes[2].body.sent_at);
  assert.equal((await store.pending("c-s1")).length, 0);
  assert.equal(sync.state.pending, 0);
});

test("a rejected mutation keeps its reason and does not block the next", async () => {
  const store = await signedIn();
  for (const n of [1, 2]) await store.enqueue("s1", { name: "patrol.record", args: { n }, at: "a" });
  const reject = (body) => ({ status: 200, body: { last_mutation_id: 2, server_time: "z", results: [
    { id: 1, status: "rejected", error: { code: "not_on_shift", message: "no shift" } }, { id: 2, status: "applied" }] } });
  const srv = server([reject, () => emptyPull(2)]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync.syncOnce(), "ok");
  const kept = [...store.out.values()];
  assert.equal(kept.length, 1);
  assert.equal(kept[0].state, "rejected");
  assert.equal(kept[0].error.code, "not_on_shift");
  assert.equal(srv.calls.filter((c) => c.path === "/api/sync/push").length, 1, "never retried");
});

test("401 pauses sync, keeps the outbox, and the same client carries on after sign-in", async () => {
  const store = await signedIn();
  await store.enqueue("s1", { name: "shift.start", args: {}, at: "a" });
  const srv = server([{ status: 401, body: { code: "unauthenticated" } }, applied, () => emptyPull(1)]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync.syncOnce(), "auth");
  assert.equal(sync.state.status, "auth");
  assert.equal((await store.session()).paused, true);
  assert.equal(await sync.syncOnce(), "auth", "paused: nothing sent until sign-in");
  assert.equal(srv.calls.length, 1);
  assert.equal((await store.pending("c-s1")).length, 1);
  await store.setSession({ token: "t2", staff: { id: "s1" } });
  assert.equal(await sync.syncOnce(), "ok");
  const push = srv.calls[1];
  assert.equal(push.auth, "Bearer t2");
  assert.equal(push.body.client_id, "c-s1");
  assert.deepEqual(push.body.mutations.map((m) => m.id), [1]);
});

test("pull follows pages, applies a reset, and restarts from null on a bad cursor", async () => {
  const store = await signedIn();
  await store.applyPull("c-s1", { reset: false, cursor: "stale", changes: [{ entity: "patrol", id: "old", op: "put", data: {} }] });
  const page = (over) => ({ status: 200, body: { has_more: false, reset: false, last_mutation_id: 0, server_time: "z", changes: [], ...over } });
  const srv = server([
    { status: 400, body: { code: "bad_cursor" } },
    page({ reset: true, has_more: true, cursor: "p1", changes: [{ entity: "patrol", id: "a", op: "put", data: { n: 1 } }] }),
    page({ cursor: "p2", changes: [{ entity: "patrol", id: "b", op: "put", data: { n: 2 } }, { entity: "patrol", id: "a", op: "delete" }] }),
  ]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync.syncOnce(), "ok");
  const cursors = srv.calls.map((c) => c.body.cursor);
  assert.deepEqual(cursors, ["stale", null, "p1"]);
  assert.deepEqual([...store.recs.keys()], ["patrol/b"]);
  assert.equal(await store.cursor("c-s1"), "p2");
});

test("a server ahead of the device's counter means the device lost records", async () => {
  const store = await signedIn();
  const srv = server([() => emptyPull(12), { status: 200, body: { id: "a1", kind: "device_lost_records" } }]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync.syncOnce(), "ok");
  assert.equal(sync.state.lost, 12);
  assert.equal(srv.calls[1].path, "/api/sync/clients/c-s1/lost-records");
  assert.deepEqual(srv.calls[1].body, { device_last_mutation_id: 0 });
});

test("a loss moves the counter past the server's and renumbers what is unsent, in order", () => {
  assert.equal(lossPlan(5, 6, [3, 4]), null, "the device numbered everything the server has");
  assert.deepEqual(lossPlan(10, 8, [7, 6]), { lost: 3, deviceLast: 7, serverLast: 10, nextId: 13, moves: [[6, 11], [7, 12]] });
  assert.deepEqual(lossPlan(10, 6, []), { lost: 5, deviceLast: 5, serverLast: 10, nextId: 11, moves: [] });
});

test("r_15 a restored phone's new records are renumbered, not swallowed as duplicates; the loss is told once", async () => {
  // The server applied 1-10 from this client; the phone was restored to a copy that had
  // numbered 1-5, then recorded two patrols offline (ids 6 and 7 on the phone).
  const store = await signedIn();
  store.meta.get("client:s1").next_id = 6;
  for (const n of [1, 2]) await store.enqueue("s1", { name: "patrol.record", args: { n }, at: "a" });
  const duplicates = (body) => ({ status: 200, body: { last_mutation_id: 10, server_time: "z",
    results: body.mutations.map((m) => ({ id: m.id, status: "applied", duplicate: true })) } });
  const srv = server([duplicates, "network", { status: 200, body: { id: "a1" } }, (b) => applied(b), () => emptyPull(12)]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync.syncOnce(), "retry", "the report could not be sent: nothing more is pushed");
  assert.deepEqual((await store.pending("c-s1")).map((e) => [e.id, e.args.n]), [[11, 1], [12, 2]]);
  assert.equal((await store.client("s1")).next_id, 13);
  assert.equal(sync.state.lost, 3);
  assert.equal(await sync.syncOnce(), "ok");
  const paths = srv.calls.map((c) => c.path);
  assert.deepEqual(paths, ["/api/sync/push", "/api/sync/clients/c-s1/lost-records", "/api/sync/clients/c-s1/lost-records",
    "/api/sync/push", "/api/sync/pull"]);
  assert.deepEqual(srv.calls[2].body, { device_last_mutation_id: 7 });
  assert.deepEqual(srv.calls[3].body.mutations.map((m) => [m.id, m.args.n]), [[11, 1], [12, 2]]);
  assert.equal((await store.pending("c-s1")).length, 0);
  assert.equal((await store.getMeta("lost:c-s1")).reported, true);
  await store.enqueue("s1", { name: "patrol.record", args: { n: 3 }, at: "a" });
  const later = server([(b) => applied(b), () => emptyPull(13)]);
  const again = new SyncClient({ store, fetch: later.fetch });
  assert.equal(await again.syncOnce(), "ok");
  assert.deepEqual(later.calls.map((c) => c.path), ["/api/sync/push", "/api/sync/pull"], "told once, never again");
  assert.deepEqual(later.calls[0].body.mutations.map((m) => m.id), [13]);
  assert.equal(again.state.lost, 3, "the phone still says what it lost");
});

test("a pull showing the loss renumbers before it acknowledges", async () => {
  const store = await signedIn();
  store.meta.get("client:s1").next_id = 4;
  await store.enqueue("s1", { name: "patrol.record", args: { n: 1 }, at: "a" }); // id 4, made after the restore
  const srv = server([() => emptyPull(9)]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync._pullAll(await store.client("s1"), await store.session(), 0), "ok");
  assert.deepEqual((await store.pending("c-s1")).map((e) => e.id), [10], "not dropped by the acknowledgement of 1-9");
  assert.equal(sync.state.lost, 5);
  assert.equal((await store.getMeta("lost:c-s1")).device_last, 4);
});

test("a gap is resolved from the server's last id", async () => {
  const store = await signedIn();
  for (const n of [1, 2, 3]) await store.enqueue("s1", { name: "x", args: { n }, at: "a" });
  const srv = server([{ status: 409, body: { code: "mutation_gap", last_mutation_id: 2 } }, applied, () => emptyPull(3)]);
  const sync = new SyncClient({ store, fetch: srv.fetch });
  assert.equal(await sync.syncOnce(), "ok");
  assert.deepEqual(srv.calls[1].body.mutations.map((m) => m.id), [3]);
});

test("the loop sleeps with backoff after a failure and wakes on kick", async () => {
  const store = await signedIn();
  const sleeps = [];
  const srv = server(["network", () => emptyPull(0)]);
  const sync = new SyncClient({ store, fetch: srv.fetch, wait: 0, random: () => 0.5,
    sleep: async (ms) => { sleeps.push(ms); if (sleeps.length === 2) sync.stop(); } });
  await sync.run();
  assert.deepEqual(sleeps, [1000, 60000]);
});

test("a long poll answered with retry_after_ms waits that long (with jitter) before the next", async () => {
  const store = await signedIn();
  const sleeps = [];
  const busy = { status: 200, body: { cursor: "c", has_more: false, reset: false, last_mutation_id: 0, server_time: "z", changes: [], retry_after_ms: 5000 } };
  const srv = server([() => emptyPull(0), busy]);
  const sync = new SyncClient({ store, fetch: srv.fetch, wait: 25, random: () => 0.5,
    sleep: async (ms) => { sleeps.push(ms); sync.stop(); } });
  await sync.run();
  assert.deepEqual(srv.calls.map((c) => c.body.wait), [0, 25]);
  assert.deepEqual(sleeps, [5500]);
});
