/**
 * Alerts (提醒, docs/compliance.md) on today at a glance: the pulled `alert` records routed
 * to this person's role, each with its rule and kind in words, and "acknowledge" (确认,
 * `alert.acknowledge` with a note). Acknowledging does not resolve: the alert's state
 * after — acknowledged (on the phone, then sent, with who and when), resolved — is shown.
 */
import { t } from "../i18n.js";
import { badge, field, h, stamp, toast } from "../ui.js";

const RED_KINDS = new Set(["missed", "repeated_missed", "device_lost_records"]);

/** Open alerts first (newest first), then the day's resolved ones. */
export async function alertRecords(app) {
  const role = app.session.staff.role;
  const all = (await app.store.records("alert")).filter((r) => (r.data.roles || []).includes(role));
  const at = (r) => String(r.data.raised_at || "");
  return all.sort((a, b) => (a.data.resolved_at ? 1 : 0) - (b.data.resolved_at ? 1 : 0) || at(b).localeCompare(at(a)));
}

export async function alertsCard(app, { limit = 6 } = {}) {
  const records = (await alertRecords(app)).filter((r) => !r.data.resolved_at || r.local);
  const names = Object.fromEntries((await app.store.records("staff")).map((r) => [r.data.id, r.data.name]));
  const obligations = Object.fromEntries((await app.store.records("obligation")).map((r) => [r.id, r.data]));
  const open = records.filter((r) => !r.data.acknowledged_at).length;
  return h("section", { class: "card alerts", id: "alerts" }, h("h2", {}, t("alert.heading", { n: open })),
    records.length ? h("ul", { class: "records" }, records.slice(0, limit).map((r) => alertItem(app, r, names, obligations[r.data.obligation_id])))
      : h("p", { class: "muted" }, t("alert.none")),
    records.length > limit ? h("p", { class: "muted" }, t("alert.more", { n: records.length - limit })) : "");
}

function alertItem(app, record, names, obligation) {
  const a = record.data;
  const what = obligation && obligation.window_start ? ` · ${stamp(obligation.window_start)}` : "";
  const li = h("li", { class: `alert-item ${a.acknowledged_at ? "acked" : "open"}`, "data-alert": a.id },
    h("span", { class: "kind" }, a.rule ? t(`alert.rule.${a.rule}`) : t(`alert.kind.${a.kind}`), what),
    h("span", { class: `badge ${RED_KINDS.has(a.kind) ? "rejected" : "pending"}` }, t(`alert.kind.${a.kind}`)),
    h("span", { class: "when" }, stamp(a.raised_at)));
  // An alert about no rule's obligation (a year the calendar lacks, a phone that lost
  // records) says what it is about in its message: whose phone, how many records.
  if (!a.rule) li.append(h("span", { class: "note" }, a.message));
  if (a.resolved_at) li.append(h("span", { class: "state" }, t("alert.resolved", { time: stamp(a.resolved_at) })));
  if (a.acknowledged_at) {
    li.append(h("span", { class: "state" }, t("alert.acked", { name: names[a.acknowledged_by] || "", time: stamp(a.acknowledged_at) })),
      a.ack_note ? h("span", { class: "note" }, a.ack_note) : "", record.local ? badge(record) : "");
    return li;
  }
  const note = h("input", { name: "ack_note", maxlength: 1000, autocomplete: "off" });
  const form = h("form", { class: "ack" }, field(t("alert.note"), note), h("button", { class: "small", type: "submit" }, t("alert.acknowledge")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const args = { alert_id: a.id };
    if (note.value.trim()) args.note = note.value.trim();
    const data = { ...a, acknowledged_at: new Date().toISOString(), acknowledged_by: app.session.staff.id, ack_note: args.note || null };
    await app.save("alert.acknowledge", args, { effects: [{ entity: "alert", id: a.id, data }] });
    toast(t("alert.saved"));
    app.render();
  });
  li.append(form);
  return li;
}
