/**
 * The field app's shell: opens the device database, signs in, routes between screens,
 * keeps one sync loop per install (the tab holding the Web Lock sends; others kick it
 * over a BroadcastChannel; where the browser has Background Sync, a failed push asks the
 * service worker to send once the tabs are closed), and applies a new version only when
 * nothing is unsent.
 */
import { loadLanguage, t } from "./i18n.js";
import { h, setZone } from "./ui.js";
import { openStore } from "./sync/store.js";
import { SyncClient } from "./sync/sync-client.js";
import { PhotoQueue } from "./sync/photos.js";
import { SYNC_CHANNEL, SYNC_LOCK, askForBackgroundSync, needsBackgroundSync } from "./sync/background.js";
import { isoWithOffset } from "./sync/protocol.js";
import { routes } from "./features/routes.js";
import { warmUp } from "./features/home.js";

const DAY_MS = 24 * 3600 * 1000;
const channel = "BroadcastChannel" in self ? new BroadcastChannel(SYNC_CHANNEL) : null;

/** What every screen gets: the store, the signed-in person, `save`, `go`, `t`. */
export const app = {
  store: null, sync: null, photos: null, session: null, client: null, branch: null,
  leader: false, version: null, t,

  /** Save one mutation with its local effect (one IndexedDB transaction), then send;
   * `at`: when it happened, if earlier than now (the stopwatch's start). */
  async save(name, args, { effects = [], photos = [], at = null } = {}) {
    const when = isoWithOffset(at || new Date());
    const entry = await app.store.enqueue(app.session.staff.id, { name, args, at: when, backdated: Boolean(at), effects, photos });
    kickAll();
    if (photos.length) app.photos.kick();
    return entry;
  },

  go(route) { if (location.hash === `#${route}`) render(); else location.hash = route; },
  render: () => render(),
  kick: () => kickAll(),
};

function kickAll() {
  app.sync.kick();
  if (channel) channel.postMessage({ type: "kick" });
}

async function loadContext() {
  const [session, branches] = await Promise.all([app.store.session(), app.store.records("branch")]);
  app.session = session;
  app.client = app.session ? await app.store.client(app.session.staff.id) : null;
  app.branch = branches.length ? branches[0].data : null;
  setZone(app.branch && app.branch.timezone);
}

/** Screens of lists with small forms (besides home): redrawn on new data unless something is typed. */
const LIST_ROUTES = new Set(["box", "complaint", "alerts"]);

/** Whether the person is typing on the screen (a field changed or focused): keep it. */
function isEditing(route) {
  const main = document.getElementById("main");
  if (main.dataset.route !== route) return false; // another screen is still shown: draw this one
  if (main.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) return true;
  return [...main.querySelectorAll("input, textarea")].some((el) => el.type !== "file" && el.value !== el.defaultValue);
}

/** New data: redraw lists, but never a form the person is filling in (only the pill). */
function refresh() {
  const route = location.hash.replace(/^#/, "").split("/")[0] || "home";
  if (app.session && (route === "diagnostics" || ((route === "home" || LIST_ROUTES.has(route)) && !isEditing(route)))) render({ passive: true });
  else renderPill();
}

/** Render the screen of the current route. */
let renders = 0;

async function render({ passive = false } = {}) {
  // Renders overlap (a pull lands while a screen waits on a REST read): the latest wins.
  // A redraw for new data (passive) that finds the person typing by the time it is ready
  // leaves the form as it is: what they typed meanwhile is never replaced.
  const mine = ++renders;
  await loadContext();
  const main = document.getElementById("main");
  const [route, param] = (location.hash.replace(/^#/, "") || "home").split("/");
  const screen = !app.session ? routes.login : (routes[route] || routes.home);
  const view = await screen(app, param);
  if (mine !== renders) return;
  if (passive && route !== "diagnostics" && isEditing(route)) return renderPill();
  const shown = app.session ? route : "login";
  const moved = main.dataset.route !== shown;
  main.replaceChildren(view);
  main.dataset.route = shown;
  if (moved) window.scrollTo(0, 0);
  document.getElementById("title").textContent = t("app.title");
  await renderPill();
}

async function renderPill() {
  const pill = document.getElementById("sync-pill");
  const s = app.sync.state;
  const pending = app.client ? (await app.store.pending(app.client.client_id)) : [];
  const status = app.session && app.session.paused ? "auth" : (!navigator.onLine ? "offline" : s.status);
  let label = status === "error" ? t("sync.error", { reason: s.reason }) : t(`sync.${status === "idle" ? "idle" : status}`);
  if (pending.length) label += ` · ${t("sync.pending", { n: pending.length })}`;
  pill.textContent = label;
  pill.className = `pill ${status}`;
  pill.onclick = () => app.go(status === "auth" ? "login" : "diagnostics");
  const banner = document.getElementById("banner");
  const notes = [];
  if (s.lost) notes.push(t("sync.lost", { n: s.lost }));
  const oldest = pending.length ? Math.min(...pending.map((e) => e.saved_at)) : null;
  if (oldest && Date.now() - oldest > DAY_MS) notes.push(t("sync.old"));
  if (app.updateWaiting) notes.push(t("update.waiting"));
  banner.hidden = !notes.length;
  banner.replaceChildren(...notes.map((n) => h("p", {}, n)));
}

/** Take a newer service worker only when the outbox is empty (unsent records stay safe). */
async function applyUpdateWhenEmpty(registration) {
  const waiting = registration.waiting;
  if (!waiting) { app.updateWaiting = false; return; }
  const pending = app.client ? await app.store.pending(app.client.client_id) : [];
  if (pending.length === 0) waiting.postMessage({ type: "skip-waiting" });
  else app.updateWaiting = true;
}

/**
 * Register the worker as a module (it imports the sync library, for Background Sync). A
 * browser without module service workers refuses it: logged, and the classic bridge
 * (sw-classic.js, the same shell code, no Background Sync) is registered instead, so the
 * app still opens offline there. Null when neither could be registered.
 */
async function registerScript(version) {
  try {
    return await navigator.serviceWorker.register(`/sw.js?v=${version}&type=module`, { scope: "/", type: "module" });
  } catch (err) {
    console.warn("service worker: not registered as a module, classic bridge instead", err);
  }
  try {
    return await navigator.serviceWorker.register(`/sw.js?v=${version}`, { scope: "/" });
  } catch (err) {
    console.warn("service worker", err);
    return null;
  }
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  let version = null;
  try {
    version = (await (await fetch("/static/shell.json", { cache: "no-store" })).json()).version;
  } catch { /* offline: keep the installed version */ }
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => { if (hadController) location.reload(); });
  const registration = (version && await registerScript(version))
    || await navigator.serviceWorker.getRegistration("/");
  if (!registration) return;
  app.version = new URL((registration.active || registration.waiting || registration.installing).scriptURL).searchParams.get("v");
  app.registration = registration;
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker.addEventListener("statechange", () => { if (worker.state === "installed") applyUpdateWhenEmpty(registration).then(renderPill); });
  });
  await applyUpdateWhenEmpty(registration);
}

async function boot() {
  performance.mark("boot");
  warmUp(localStorage.getItem("role"));
  [, app.store] = await Promise.all([loadLanguage(), openStore(undefined, { onVersionChange: () => location.reload() })]);
  performance.mark("store-open");
  app.sync = new SyncClient({ store: app.store, fetch: (...a) => fetch(...a) });
  app.photos = new PhotoQueue({ store: app.store, fetch: (...a) => fetch(...a) });
  app.sync.addEventListener("state", () => {
    renderPill();
    if (app.leader && channel) channel.postMessage({ type: "state", state: app.sync.state });
    // Records wait and the push failed: the worker sends them even if every tab closes.
    if (needsBackgroundSync(app.sync.state)) askForBackgroundSync(app.registration);
  });
  app.sync.addEventListener("changed", () => {
    if (channel) channel.postMessage({ type: "changed" });
    if (app.registration) applyUpdateWhenEmpty(app.registration);
    refresh();
  });
  app.photos.addEventListener("changed", () => refresh());
  if (channel) {
    channel.onmessage = (event) => {
      const msg = event.data || {};
      if (msg.type === "kick" && app.leader) { app.sync.kick(); app.photos.kick(); }
      if (msg.type === "state" && !app.leader) { app.sync.state = msg.state; renderPill(); }
      if (msg.type === "changed") refresh();
    };
  }
  window.addEventListener("hashchange", render);
  window.addEventListener("online", () => { kickAll(); app.photos.kick(); renderPill(); });
  window.addEventListener("offline", renderPill);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) kickAll(); });
  await render();
  performance.mark("first-screen");
  // One tab of the install sends at a time; the lock passes on when that tab closes.
  const lead = async () => {
    app.leader = true;
    app.photos.run();
    await app.sync.run({ visible: () => !document.hidden, online: () => navigator.onLine });
  };
  if (navigator.locks) navigator.locks.request(SYNC_LOCK, lead);
  else lead();
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  registerWorker().catch((err) => console.warn("service worker", err));
}

boot();
