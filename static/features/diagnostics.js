/**
 * The phone's status (本机状态): persistent storage and its use, what waits to be sent
 * and since when, the last sync in server time, the device id and the app version, and
 * the iOS advice to install (Safari clears a non-installed site's storage after 7 days).
 */
import { t } from "../i18n.js";
import { branchZone, h, stamp } from "../ui.js";

const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

export async function diagnosticsScreen(app) {
  const persisted = navigator.storage && navigator.storage.persisted ? await navigator.storage.persisted() : false;
  const estimate = navigator.storage && navigator.storage.estimate ? await navigator.storage.estimate() : { usage: 0, quota: 0 };
  const pending = app.client ? await app.store.pending(app.client.client_id) : [];
  const oldest = pending.length ? Math.min(...pending.map((e) => e.saved_at)) : null;
  const photos = (await app.store.photos()).filter((p) => p.state === "queued" || p.state === "partial");
  const row = (label, value, id) => h("div", { class: "kv" }, h("dt", {}, label), h("dd", { id }, value));
  const ios = /iPhone|iPad/.test(navigator.userAgent) && !matchMedia("(display-mode: standalone)").matches;
  return h("section", { class: "screen" },
    h("h2", {}, t("diag.heading")),
    h("dl", { class: "card" },
      row(t("diag.persisted"), t(persisted ? "diag.persisted_yes" : "diag.persisted_no"), "diag-persisted"),
      row(t("diag.usage"), t("diag.usage_value", { used: mb(estimate.usage || 0), quota: mb(estimate.quota || 0) }), "diag-usage"),
      row(t("diag.pending"), String(pending.length), "diag-pending"),
      row(t("diag.oldest"), oldest ? stamp(oldest) : t("diag.none"), "diag-oldest"),
      row(t("diag.photos"), String(photos.length), "diag-photos"),
      row(t("diag.last"), app.sync.state.lastSync ? stamp(app.sync.state.lastSync) : t("sync.never"), "diag-last"),
      row(t("diag.timezone"), branchZone(), "diag-zone"),
      row(t("diag.client"), app.client ? app.client.client_id : "—", "diag-client"),
      row(t("diag.version"), app.version || "—", "diag-version")),
    ios ? h("p", { class: "card alert" }, t("diag.ios")) : "",
    h("button", { class: "big", type: "button", onclick: () => { app.kick(); app.photos.kick(); } }, t("diag.sync_now")),
    h("a", { class: "link", href: "#home" }, t("nav.back")));
}
