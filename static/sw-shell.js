/*
 * The service worker's shell half: serves the app shell offline, one cache per version.
 *
 * Registered as /sw.js?v=<version> (the version in /static/shell.json, a digest of the
 * shell's files). A new deploy installs a new worker beside the running one; it waits,
 * and takes over only when the page says so (the page waits until the outbox is empty),
 * so a phone with unsent records never loses the build that knows them. The old build's
 * cache is deleted only when the new worker activates. The API is never cached.
 *
 * A plain script (no import or export): the module worker (`sw.js`) imports it, and the
 * classic bridge (`sw-classic.js`, for pages of builds before the module worker) loads it
 * with importScripts, so both serve the shell with this one code.
 */
const VERSION = new URL(self.location.href).searchParams.get("v") || "dev";
const CACHE = `shell-${VERSION}`;
let opened = null;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const resp = await fetch(`/static/shell.json?v=${VERSION}`, { cache: "no-store" });
    const shell = await resp.json();
    const cache = await caches.open(CACHE);
    await cache.addAll(shell.urls.map((url) => new Request(url, { cache: "reload" })));
    // The first install has nothing to strand: take over at once.
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
  if (event.data && event.data.type === "version" && event.ports[0]) event.ports[0].postMessage(VERSION);
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz" || url.pathname === "/static/shell.json") return;
  event.respondWith((async () => {
    // One open cache for every request of this version (a cold open asks for ~30 at once).
    opened = opened || caches.open(CACHE);
    const cache = await opened;
    const key = event.request.mode === "navigate" ? "/" : event.request;
    const hit = await cache.match(key, { ignoreSearch: event.request.mode === "navigate" });
    return hit || fetch(event.request);
  })());
});
