/**
 * The administrator's main screen (系统管理员, #15): what administrators act on. The alerts
 * routed to them (pulled; `calendar_unknown`: a year the working-day calendar lacks, which
 * leaves complaint deadlines unknown), the calendar's years as the server knows them
 * (`GET /api/calendar/<year>`: this year, next year and any year an alert names; loading a
 * year is `flask calendar load` or `PUT /api/calendar/<year>` from a computer, not a phone
 * task), the rejected mutations to review, the branch's phones with their last sync
 * (`/today`'s device watermarks), and the signed-in sessions with "revoke" for a lost phone
 * (`POST /api/sessions/<id>/revoke`). An administrator without a branch gets every
 * branch's compliance instead of one branch's phones. REST answers are kept for no signal.
 */
import { t } from "../i18n.js";
import { h, stamp, toast, zoned } from "../ui.js";
import { alertRecords, alertsCard } from "./alert.js";
import { regionalCards } from "./regional.js";
import { getJson, kept, postJson, staleNote, staffNames } from "./rest.js";
import { devicesCard, rejectedCard } from "./supervisor.js";

/** Years the calendar should know now: this one, the next, and those alerts name. */
async function wantedYears(app) {
  const year = Number(zoned(new Date()).date.slice(0, 4)); // the branch's year, not the phone's
  const named = (await alertRecords(app)).filter((r) => r.data.kind === "calendar_unknown" && !r.data.resolved_at)
    .map((r) => Number((String(r.data.message || "").match(/\b(\d{4})\b/) || [])[1])).filter(Boolean);
  return [...new Set([year, year + 1, ...named])].sort();
}

async function load(app, years) {
  const b = app.session.staff.branch_id;
  const [calendar, today, sessions] = await Promise.all([
    Promise.all(years.map((y) => getJson(app, `/api/calendar/${y}`))),
    b ? getJson(app, `/api/branches/${b}/today`) : null,
    getJson(app, "/api/sessions"),
  ]);
  return { calendar: calendar.filter(Boolean), today, sessions };
}

export async function adminCards(app) {
  const years = await wantedYears(app);
  const { data, stale } = await kept(app, "admin", () => load(app, years));
  const cards = [await alertsCard(app)];
  if (stale) cards.push(staleNote(data));
  if (data) {
    const names = await staffNames(app);
    cards.push(calendarCard(data.calendar));
    if (data.today) {
      cards.push(rejectedCard(data.today.rejected_mutations, names));
      cards.push(devicesCard(app, data.today.devices, { names, at: data.at }));
    }
    if (data.sessions) cards.push(sessionsCard(app, data.sessions.sessions, names, stale));
  }
  if (!app.session.staff.branch_id) cards.push(...(await regionalCards(app)).slice(1, 2));
  return cards;
}

/** Each year: known (by the package or a load: version, who, when) or not, in red. */
function calendarCard(years) {
  return h("section", { class: "card calendar" }, h("h2", {}, t("calendar.heading")),
    h("ul", { class: "records" }, years.map((y) => h("li", { class: y.known ? "" : "quiet", "data-year": y.year },
      h("span", { class: "kind" }, t("calendar.year", { year: y.year })),
      h("span", { class: `badge ${y.known ? "sent" : "rejected"}` }, t(y.known ? "calendar.known" : "calendar.unknown")),
      h("span", { class: "when" }, y.loaded
        ? t("calendar.loaded", { version: y.loaded.version, by: y.loaded.loaded_by, time: stamp(y.loaded.loaded_at) })
        : y.package ? t("calendar.package", { package: y.package }) : t("calendar.none")),
      y.known ? "" : h("span", { class: "reason how" }, t("calendar.how", { year: y.year }))))));
}

/** A device label as the login sent it (often the browser's user agent), cut to a line. */
const shortLabel = (label) => (!label || label.length <= 32 ? label || "" : `${label.slice(0, 31)}…`);

/** Signed-in sessions of the branch, each revocable (not this phone's own). */
function sessionsCard(app, sessions, names, stale) {
  const revoke = async (s) => {
    if (!window.confirm(t("session.revoke_confirm", { name: names[s.staff_id] || s.label || "" }))) return;
    try {
      await postJson(app, `/api/sessions/${s.id}/revoke`);
      toast(t("session.revoked"));
    } catch (err) {
      toast(t("session.revoke_failed", { reason: err.message }));
    }
    app.render();
  };
  return h("section", { class: "card sessions" }, h("h2", {}, t("session.heading", { n: sessions.length })),
    sessions.length ? h("ul", { class: "records" }, sessions.map((s) => h("li", { "data-session": s.id },
      h("span", { class: "kind" }, names[s.staff_id] || ""), h("span", { class: "muted", title: s.label || "" }, shortLabel(s.label)),
      h("span", { class: "when" }, t("session.seen", { time: stamp(s.last_seen_at) })),
      s.id === app.session.session_id ? h("span", { class: "badge sent" }, t("session.this_phone"))
        : h("button", { class: "small", type: "button", disabled: stale, onclick: () => revoke(s) }, t("session.revoke")))))
      : h("p", { class: "muted" }, t("diag.none")));
}
