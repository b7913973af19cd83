/*
 * The service worker (a module: registered as /sw.js?v=<version>&type=module with
 * `type: "module"`): the shell half (sw-shell.js: offline shell, versioned caches, the
 * update flow) and Background Sync. Static imports only (a service worker may not
 * `import()`). Where the browser has Background Sync (Chromium), the `sync` event (tag
 * `outbox`, asked for by a page whose push failed) sends the outbox with the tabs' own
 * sync library, with no tab open; see sync/background.js.
 */
import "./static/sw-shell.js";
import { openStore } from "./static/sync/store.js";
import { SYNC_CHANNEL, SYNC_TAG, sendInBackground } from "./static/sync/background.js";

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendOutbox());
});

/** One Background Sync: send under the tabs' lock; a rejection makes the browser retry. */
async function sendOutbox() {
  const store = await openStore();
  try {
    const outcome = await sendInBackground({ store, fetch: (...a) => fetch(...a), locks: self.navigator.locks });
    // A tab opened meanwhile redraws its pill and lists.
    if (outcome === "ok") {
      const channel = new BroadcastChannel(SYNC_CHANNEL);
      channel.postMessage({ type: "changed" });
      channel.close();
    }
  } finally {
    store.db.close(); // never hold up a newer build's database upgrade
  }
}
