/**
 * Today at a glance for the operations manager and the service quality officer (the
 * server's `GET /api/branches/<id>/today`, #14): patrol hours green / amber / red (R-SEC-5,
 * the server's verdict), the evening box (R-BOX-1..3), open incidents, rejected mutations
 * to review, and the branch's phones with their last sync — a phone whose owner is on
 * duty and that has gone quiet is flagged. Open complaints with their deadlines and the
 * alerts to acknowledge are the pulled records' cards (complaint.js, alert.js). Read over
 * REST when there is signal; the last answer is kept on the phone and shown with its time
 * when there is none.
 */
import { t } from "../i18n.js";
import { clock, h, stamp, zoned } from "../ui.js";
import { getJson, kept, staleNote, staffNames } from "./rest.js";

/** A phone on duty silent for longer than this is flagged (its owner may be in trouble). */
export const QUIET_MINUTES = 15;
const when = (x) => (x.times && x.times.happened_at) || x.happened_at || x.occurred_at;
const HOUR_CLASS = { met: "met", met_synced_late: "met_late", late: "met_late", pending: "due", unconfirmed: "due", missed: "missed", excused: "met" };
/** An obligation's status as a badge colour: done green, waiting amber, failed red. */
export const STATUS_BADGE = { met: "sent", met_synced_late: "sent", late: "pending", pending: "pending", unconfirmed: "pending",
  missed: "rejected", excused: "sent", deadline_unknown: "pending" };

/** The day's figures (a section the role may not read is left out: null). */
async function load(app) {
  const b = app.session.staff.branch_id;
  const day = zoned(new Date()).date;
  const [today, patrols, incidents, shifts] = await Promise.all([
    getJson(app, `/api/branches/${b}/today`),
    getJson(app, `/api/branches/${b}/patrols?date=${day}`),
    getJson(app, `/api/branches/${b}/incidents?status=open&limit=5`),
    getJson(app, `/api/branches/${b}/shifts?open=true`),
  ]);
  return { today, patrols, incidents, shifts };
}

export async function supervisorCards(app) {
  const { data, stale } = await kept(app, "glance", () => load(app));
  if (!data) return [staleNote(null)];
  const names = await staffNames(app);
  const cards = stale ? [staleNote(data)] : [];
  const today = data.today || {};
  if (data.patrols) cards.push(patrolCard(data.patrols.hours));
  if (today.box) cards.push(boxGlanceCard(today.box));
  if (data.incidents) {
    const list = data.incidents.items;
    cards.push(h("section", { class: "card" }, h("h2", {}, t("glance.incidents", { n: data.incidents.total })),
      list.length ? h("ul", { class: "records" }, list.map((i) => h("li", {},
        h("span", { class: `badge sev-${i.severity}` }, t(`severity.${i.severity}`)),
        h("span", { class: "kind" }, t(`category.${i.category}`)), h("span", { class: "when" }, stamp(when(i))))))
        : h("p", { class: "muted" }, t("diag.none"))));
  }
  if (today.rejected_mutations) cards.push(rejectedCard(today.rejected_mutations, names));
  if (today.devices) cards.push(devicesCard(app, today.devices, { names, at: data.at, onDuty: (data.shifts && data.shifts.items) || [] }));
  return cards;
}

function patrolCard(hours) {
  const shown = hours.filter((x) => x.status !== "future");
  return h("section", { class: "card" }, h("h2", {}, t("glance.patrols")),
    h("ol", { class: "grid compact" }, shown.map((x) => h("li", { class: `hour ${HOUR_CLASS[x.status] || "due"}` },
      h("span", { class: "h" }, x.hour), h("span", { class: "s" }, t(`glance.hour.${x.status}`)),
      h("span", { class: "t" }, (x.patrols || []).map((p) => clock(when(p))).join(" "))))));
}

/** The evening box (R-BOX-1..3): opened or not by its due time, replies and callbacks still open. */
export function boxGlanceCard(box) {
  const s = box.session;
  let line;
  if (!box.status && !s) line = t("glance.box.no_business");
  else if (!s) line = t("glance.box.not_opened", { time: stamp(box.due_at) });
  else if (s.status === "closed") line = s.empty ? t("glance.box.closed_empty", { time: stamp(s.closed_at) }) : t("glance.box.closed", { time: stamp(s.closed_at) });
  else line = t("glance.box.opened", { time: stamp(s.opened_at) });
  return h("section", { class: "card box-glance" }, h("h2", {}, t("glance.box", { date: box.business_date })),
    h("p", { class: "row" }, h("span", {}, line),
      box.status ? h("span", { class: `badge ${STATUS_BADGE[box.status] || "pending"}` }, t(`status.${box.status}`)) : ""),
    s && !s.empty ? h("p", { class: "muted" }, t("box.open_summary", { n: box.entries, replies: box.replies_missing, calls: box.callbacks_open })) : "",
    s && s.opened_late ? h("p", { class: "warn-note" }, t("glance.box.late")) : "");
}

/** Rejected mutations of the branch waiting for review: who, when, which record, the code. */
export function rejectedCard(rejected, names) {
  const list = rejected.items.slice(0, 8);
  return h("section", { class: "card" }, h("h2", {}, t("glance.rejected", { n: rejected.count })),
    list.length ? h("ul", { class: "records" }, list.map((m) => h("li", {},
      h("span", { class: "kind" }, names[m.staff_id] || ""), h("span", { class: "when" }, stamp(m.received_at)),
      h("span", { class: "reason" }, `${m.name || ""}: ${m.code || ""}`))))
      : h("p", { class: "muted" }, t("diag.none")));
}

/**
 * The branch's phones (sync clients) with their last sync, newest first; with `onDuty`
 * (open shifts), a phone whose owner is on duty and silent for `QUIET_MINUTES` is flagged.
 * `extra(device)` adds controls to a row (the administrator's).
 */
export function devicesCard(app, devices, { names, at, onDuty = [], extra = null }) {
  const duty = new Set(onDuty.map((s) => s.staff_id));
  const now = new Date(at).getTime();
  const own = app.client && app.client.client_id;
  const phones = devices.filter((d) => d.client_id !== own)
    .sort((a, b) => String(b.synced_until || "").localeCompare(String(a.synced_until || "")));
  return h("section", { class: "card devices" }, h("h2", {}, t("glance.devices", { n: phones.length })),
    phones.length ? h("ul", { class: "records" }, phones.map((d) => {
      const quiet = duty.has(d.staff_id) && (!d.synced_until || now - new Date(d.synced_until).getTime() > QUIET_MINUTES * 60000);
      return h("li", { class: quiet ? "quiet" : "", "data-client": d.client_id },
        h("span", { class: "kind" }, names[d.staff_id] || t("glance.unknown_person")),
        h("span", { class: "when" }, d.synced_until ? t("glance.synced", { time: stamp(d.synced_until) }) : t("glance.never_synced")),
        duty.has(d.staff_id) ? h("span", { class: `badge ${quiet ? "rejected" : "sent"}` }, t(quiet ? "glance.quiet" : "glance.on_duty")) : "",
        extra ? extra(d) : "");
    })) : h("p", { class: "muted" }, t("diag.none")));
}
