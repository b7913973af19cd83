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

/**
 * The alerts card. On the home screen the newest `limit` with a one-tap "确认", what the
 * others are about counted by rule and kind, and the way to all of them; on `#alerts`
 * (`notes`) every one, each with an optional note.
 */
export async function alertsCard(app, { limit = 3, notes = false } = {}) {
  const names = Object.fromEntries((await app.store.records("staff")).map((r) => [r.data.id, r.data.name]));
  const obligations = Object.fromEntries((await app.store.records("obligation")).map((r) => [r.id, r.data]));
  // Alerts raised by one evaluation share a time: the latest window comes first then.
  const window = (r) => String((obligations[r.data.obligation_id] || {}).window_start || "");
  const records = (await alertRecords(app)).filter((r) => !r.data.resolved_at || r.local)
    .sort((a, b) => (a.data.resolved_at ? 1 : 0) - (b.data.resolved_at ? 1 : 0)
      || String(b.data.raised_at || "").localeCompare(String(a.data.raised_at || "")) || window(b).localeCompare(window(a)));
  const open = records.filter((r) => !r.data.acknowledged_at);
  return h("section", { class: "card alerts", id: "alerts" }, h("h2", {}, t("alert.heading", { n: open.length })),
    records.length ? h("ul", { class: "records" }, records.slice(0, limit).map((r) => alertItem(app, r, names, obligations[r.data.obligation_id], notes)))
      : h("p", { class: "muted" }, t("alert.none")),
    records.length > limit ? h("p", { class: "muted groups" }, groups(open.slice(limit))) : "",
    !notes && records.length ? h("a", { class: "big", href: "#alerts", role: "button" }, t("alert.all", { n: records.length })) : "");
}

/** "每小时巡视自助服务区 · 逾期未完成 ×40；…": what the alerts not listed are about. */
function groups(records) {
  const counts = new Map();
  for (const { data: a } of records) {
    const label = `${a.rule ? t(`alert.rule.${a.rule}`) : aboutNoRule(a)} · ${t(`alert.kind.${a.kind}`)}`;
    counts.set(label, (counts.get(label) || 0) + 1);
  }
  return [...counts].map(([label, n]) => `${label} ×${n}`).join(t("alert.separator"));
}

/** Every alert routed to this person's role, each to acknowledge with a note. */
export async function alertsScreen(app) {
  return h("section", { class: "screen" }, await alertsCard(app, { limit: Infinity, notes: true }), h("a", { class: "link", href: "#home" }, t("nav.back")));
}

/** What an alert about no rule's obligation is about: the calendar year it lacks. */
function aboutNoRule(a) {
  const year = (String(a.message || "").match(/\b(\d{4})\b/) || [])[1];
  return a.kind === "calendar_unknown" && year ? t("alert.calendar_year", { year }) : t(`alert.kind.${a.kind}`);
}

function alertItem(app, record, names, obligation, notes) {
  const a = record.data;
  const what = obligation && obligation.window_start ? ` · ${stamp(obligation.window_start)}` : "";
  const li = h("li", { class: `alert-item ${a.acknowledged_at ? "acked" : "open"}`, "data-alert": a.id },
    h("span", { class: "kind" }, a.rule ? t(`alert.rule.${a.rule}`) : aboutNoRule(a), what),
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
  const note = notes ? h("input", { name: "ack_note", maxlength: 1000, autocomplete: "off" }) : null;
  const form = h("form", { class: note ? "ack" : "ack one-tap" }, note ? field(t("alert.note"), note) : "", h("button", { class: "small", type: "submit" }, t("alert.acknowledge")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const args = { alert_id: a.id };
    if (note && note.value.trim()) args.note = note.value.trim();
    const data = { ...a, acknowledged_at: new Date().toISOString(), acknowledged_by: app.session.staff.id, ack_note: args.note || null };
    await app.save("alert.acknowledge", args, { effects: [{ entity: "alert", id: a.id, data }] });
    toast(t("alert.saved"));
    app.render();
  });
  li.append(form);
  return li;
}
