/**
 * The regional officer's main screen (分行相关职能部门, #14/#15): what needs them first —
 * the complaint cases escalated to the parent branch that are overdue or due within a day
 * (their alerts: no other alert is routed to them) — then every branch's compliance for a
 * chosen day (`GET /api/compliance?date=`: obligations counted by rule and status, worst
 * branch first, with its lobby's day from the R-CMP-10 statistics `GET /api/lobby/stats`:
 * cases taken by channel, escalated, box entries), then the escalated cases they may read
 * (pulled `complaint` records of the `regional/complaint` audience, R-SEC-10), each
 * opening its timeline.
 * The compliance answer is a REST read kept on the phone for when there is no signal.
 */
import { t } from "../i18n.js";
import { field, h, zoned } from "../ui.js";
import { cases, complaintsCard, dueLine, isOverdue } from "./complaint.js";
import { getJson, kept, staleNote } from "./rest.js";
import { STATUS_BADGE } from "./supervisor.js";

/** A case due within this many hours is an alert too, not only an overdue one. */
const DUE_SOON_HOURS = 24;
/** Statuses counted on a branch's line, worst first (the rest are in its details). */
const HEADLINE = ["missed", "unconfirmed", "late", "pending", "deadline_unknown"];
let chosenDay = null;

export async function regionalCards(app) {
  const day = chosenDay || zoned(new Date()).date;
  const { data, stale } = await kept(app, `regional:${day}`, async () => {
    const [compliance, stats] = await Promise.all([getJson(app, `/api/compliance?date=${day}`), getJson(app, `/api/lobby/stats?date=${day}`)]);
    return { ...compliance, stats };
  });
  const branches = Object.fromEntries(((data && data.branches) || []).map((b) => [b.branch_id, b]));
  const where = (c) => (branches[c.branch_id] ? branches[c.branch_id].name : "");
  return [
    await caseAlertsCard(app, where),
    complianceCard(app, day, data, stale),
    await complaintsCard(app, { intake: false, heading: "regional.cases", where }),
  ];
}

/** Escalated cases past or near their deadline, nearest first: what to act on today. */
async function caseAlertsCard(app, where) {
  const now = Date.now();
  const soon = now + DUE_SOON_HOURS * 3600000;
  const urgent = (await cases(app)).map((r) => r.data)
    .filter((c) => c.status !== "resolved" && c.clocks && c.clocks.due_at && new Date(c.clocks.due_at).getTime() <= soon)
    .sort((a, b) => a.clocks.due_at.localeCompare(b.clocks.due_at));
  return h("section", { class: "card alerts", id: "alerts" }, h("h2", {}, t("regional.alerts", { n: urgent.length })),
    h("p", { class: "muted" }, t("regional.alerts_hint")),
    urgent.length ? h("ul", { class: "records" }, urgent.map((c) => h("li", { class: "alert-item open" },
      h("a", { class: "link case", href: `#complaint/${c.id}` }, t(`channel.${c.channel}`), " · ", where(c)),
      h("span", { class: `badge ${isOverdue(c, now) ? "rejected" : "pending"}` }, t(isOverdue(c, now) ? "complaint.overdue" : "alert.kind.due_soon")),
      h("span", { class: "when" }, dueLine(c)))))
      : h("p", { class: "muted" }, t("regional.no_alerts")));
}

/** Every branch's day, worst first: its headline counts, and per rule in its details. */
function complianceCard(app, day, data, stale) {
  const picker = h("input", { type: "date", name: "day", value: day, max: zoned(new Date()).date });
  picker.addEventListener("change", () => { if (picker.value) { chosenDay = picker.value; app.render(); } });
  const parts = [h("h2", {}, t("regional.compliance")), field(t("regional.day"), picker)];
  if (stale) parts.push(staleNote(data));
  if (data) {
    const rows = (data.branches || []).map((b) => ({ ...b, totals: totals(b.rules) }))
      .sort((a, b) => HEADLINE.reduce((d, s) => d || (b.totals[s] || 0) - (a.totals[s] || 0), 0) || a.code.localeCompare(b.code));
    const lobby = Object.fromEntries(((data.stats && data.stats.branches) || []).map((b) => [b.branch_id, b.views]));
    parts.push(rows.length ? h("ul", { class: "records branches" }, rows.map((b) => branchRow(b, lobby[b.branch_id])))
      : h("p", { class: "muted" }, t("diag.none")));
  }
  return h("section", { class: "card regional" }, parts);
}

function totals(rules) {
  const out = {};
  for (const statuses of Object.values(rules)) for (const [s, n] of Object.entries(statuses)) out[s] = (out[s] || 0) + n;
  return out;
}

/** The branch's lobby that day (R-CMP-10's statistics): cases taken, escalated, box entries. */
function lobbyLine(views) {
  const sum = views.summary || {};
  const channels = Object.entries(views.complaints_by_channel || {}).map(([c, n]) => `${t(`channel.${c}`)} ${n}`).join(t("alert.separator"));
  return h("span", { class: "lobby" }, t("regional.lobby", { n: sum.complaints || 0, escalated: sum.complaints_escalated || 0, entries: sum.box_entries || 0 }),
    channels ? h("span", { class: "muted" }, ` （${channels}）`) : "");
}

function branchRow(b, lobby) {
  const all = Object.values(b.totals).reduce((x, y) => x + y, 0);
  const done = (b.totals.met || 0) + (b.totals.met_synced_late || 0) + (b.totals.late || 0) + (b.totals.excused || 0);
  const chips = HEADLINE.filter((s) => b.totals[s]).map((s) => h("span", { class: `badge ${STATUS_BADGE[s]}` }, t(`status.${s}`), " ", String(b.totals[s])));
  const rules = Object.entries(b.rules).sort(([a], [c]) => a.localeCompare(c));
  return h("li", { class: "branch", "data-branch": b.branch_id },
    h("span", { class: "kind" }, b.name), h("span", { class: "when" }, t("regional.done", { done, all })), chips,
    lobby ? lobbyLine(lobby) : "",
    rules.length ? h("details", {}, h("summary", {}, t("regional.by_rule")),
      h("ul", { class: "rules" }, rules.map(([rule, statuses]) => h("li", {}, h("span", { class: "rule" }, t(`alert.rule.${rule}`)),
        Object.entries(statuses).map(([s, n]) => h("span", { class: `badge ${STATUS_BADGE[s] || "pending"}` }, t(`status.${s}`), " ", String(n)))))))
      : h("span", { class: "muted" }, t("regional.no_obligations")));
}
