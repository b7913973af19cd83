// Unit tests of Background Sync's two halves (static/sync/background.js): when the page asks
// for it, and what the worker's `sync` event does — the tabs' own push path under the tabs'
// Web Lock; a failure rejects so the browser retries. Run by tests/static/test_node.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BackgroundSyncFailed, SYNC_LOCK, SYNC_TAG, askForBackgroundSync, needsBackgroundSync, sendInBackground,
} from "../../../static/sync/background.js";
import { MemoryStore } from "./memory_store.js";

/** Web Locks with the lock free, or held by a tab (`ifAvailable` then gets null). */
function locks(heldByTab = false) {
  const asked = [];
  return {
    asked,
    request(name, options, callback) {
      asked.push({ name, options });
      return callback(heldByTab ? null : { name });
    },
  };
}

/** A server answering push and pull; "network" fails every request. */
function server(mode = "ok") {
  const calls = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    const path = new URL(url, "http://x").pathname;
    calls.push(path);
    if (mode === "network") throw new TypeError("Failed to fetch");
    if (mode === "401") return { status: 401, json: async () => ({ code: "unauthenticated" }) };
    if (path === "/api/sync/push") {
      const last = body.mutations.at(-1).id;
      return { status: 200, json: async () => ({ last_mutation_id: last, server_time: "z", results: body.mutations.map((m) => ({ id: m.id, status: "applied" })) }) };
    }
    return { status: 200, json: async () => ({ cursor: "c1", has_more: false, reset: false, last_mutation_id: 1, server_time: "z", changes: [] }) };
  };
  return { fetch, calls };
}

async function oneWaiting() {
  const store = new MemoryStore();
  await store.setSession({ token: "t1", staff: { id: "s1" } });
  await store.client("s1");
  await store.enqueue("s1", { name: "patrol.record", args: {}, at: "a" });
  return store;
}

test("the sync event sends the outbox with the tabs' push path, under the tabs' lock", async () => {
  const store = await oneWaiting();
  const srv = server();
  const lock = locks();
  assert.equal(await sendInBackground({ store, fetch: srv.fetch, locks: lock }), "ok");
  assert.deepEqual(lock.asked, [{ name: SYNC_LOCK, options: { ifAvailable: true } }]);
  assert.deepEqual(srv.calls, ["/api/sync/push", "/api/sync/pull"]);
  assert.equal((await store.pending("c-s1")).length, 0);
});

test("a failed push rejects (the browser retries) and keeps the outbox", async () => {
  const store = await oneWaiting();
  await assert.rejects(sendInBackground({ store, fetch: server("network").fetch, locks: locks() }), BackgroundSyncFailed);
  assert.equal((await store.pending("c-s1")).length, 1);
});

test("401 keeps the outbox and pauses sync: resolved, nothing to retry until sign-in", async () => {
  const store = await oneWaiting();
  assert.equal(await sendInBackground({ store, fetch: server("401").fetch, locks: locks() }), "auth");
  assert.equal((await store.pending("c-s1")).length, 1);
  assert.equal((await store.session()).paused, true);
});

test("a tab holding the lock is the sender: the event retries later while records wait", async () => {
  const store = await oneWaiting();
  const srv = server();
  await assert.rejects(sendInBackground({ store, fetch: srv.fetch, locks: locks(true) }), BackgroundSyncFailed);
  assert.deepEqual(srv.calls, [], "one sender at a time");
  await store.ack("c-s1", 1);
  assert.equal(await sendInBackground({ store, fetch: srv.fetch, locks: locks(true) }), "tab");
});

test("the page asks only when records wait after a failed push, and only where SyncManager exists", async () => {
  assert.equal(needsBackgroundSync({ status: "offline", pending: 2 }), true);
  assert.equal(needsBackgroundSync({ status: "error", pending: 1 }), true);
  assert.equal(needsBackgroundSync({ status: "offline", pending: 0 }), false);
  assert.equal(needsBackgroundSync({ status: "idle", pending: 3 }), false);
  const tags = [];
  const registration = { sync: { register: async (tag) => { tags.push(tag); } } };
  assert.equal(await askForBackgroundSync(registration), false, "no SyncManager (Safari, Firefox)");
  globalThis.SyncManager = class {};
  try {
    assert.equal(await askForBackgroundSync(registration), true);
    assert.equal(await askForBackgroundSync(null), false);
  } finally {
    delete globalThis.SyncManager;
  }
  assert.deepEqual(tags, [SYNC_TAG]);
});
