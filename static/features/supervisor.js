/**
 * Today at a glance for the operations manager and the service quality officer: patrol
 * hours green / amber / red (R-SEC-5, the server's verdict), open incidents, rejected
 * mutations to review, and the branch's phones with their last contact — a phone on
 * duty that has gone quiet is flagged. Read over REST when there is signal; the last
 * answer is kept on the phone and shown with its time when there is none.
 */
import { t } from "../i18n.js";
import { clock, h, stamp, zoned } from "../ui.js";

const QUIET_MINUTES = 15;
const when = (x) => (x.times && x.times.happened_at) || x.happened_at || x.occurred_at;
const HOUR_CLASS = { met: "met", met_synced_late: "met_late", pending: "due", unconfirmed: "due", missed: "missed", excused: "met" };

async function getJson(app, path) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${app.session.token}` } });
  if (resp.status === 403) return null;
  if (!resp.ok) throw new Error(`http_${resp.status}`);
  return resp.json();
}

/** Fetch the day's figures (each section may be forbidden to this role: then left out). */
async function load(app) {
  const b = app.session.staff.branch_id;
  const day = zoned(new Date()).date;
  const [patrols, incidents, rejected, sessions, shifts] = await Promise.all([
    getJson(app, `/api/branches/${b}/patrols?date=${day}`),
    getJson(app, `/api/branches/${b}/incidents?status=open&limit=5`),
    getJson(app, `/api/branches/${b}/rejected-mutations?limit=5`),
    getJson(app, "/api/sessions"),
    getJson(app, `/api/branches/${b}/shifts?open=true`),
  ]);
  return { at: new Date().toISOString(), patrols, incidents, rejected, sessions, shifts };
}

export async function supervisorCards(app) {
  let data;
  let stale = false;
  try {
    data = await load(app);
    await app.store.setMeta(`glance:${app.session.staff.id}`, data);
  } catch {
    data = await app.store.getMeta(`glance:${app.session.staff.id}`);
    stale = true;
  }
  if (!data) return [h("section", { class: "card" }, h("p", { class: "muted" }, t("login.offline")))];
  const names = Object.fromEntries((await app.store.records("staff")).map((r) => [r.data.id, r.data.name]));
  const cards = [];
  if (stale) cards.push(h("p", { class: "muted" }, t("glance.as_of", { time: stamp(data.at) })));
  if (data.patrols) {
    const hours = data.patrols.hours.filter((x) => x.status !== "future");
    cards.push(h("section", { class: "card" }, h("h2", {}, t("glance.patrols")),
      h("ol", { class: "grid compact" }, hours.map((x) => h("li", { class: `hour ${HOUR_CLASS[x.status] || "due"}` },
        h("span", { class: "h" }, x.hour), h("span", { class: "s" }, t(`glance.hour.${x.status}`)),
        h("span", { class: "t" }, x.patrols.map((p) => clock(when(p))).join(" ")))))));
  }
  if (data.incidents) {
    const list = data.incidents.items;
    cards.push(h("section", { class: "card" }, h("h2", {}, t("glance.incidents", { n: data.incidents.total })),
      list.length ? h("ul", { class: "records" }, list.map((i) => h("li", {},
        h("span", { class: `badge sev-${i.severity}` }, t(`severity.${i.severity}`)),
        h("span", { class: "kind" }, t(`category.${i.category}`)), h("span", { class: "when" }, stamp(when(i))))))
        : h("p", { class: "muted" }, t("diag.none"))));
  }
  if (data.rejected) {
    const list = data.rejected.items;
    cards.push(h("section", { class: "card" }, h("h2", {}, t("glance.rejected")),
      list.length ? h("ul", { class: "records" }, list.map((m) => h("li", {},
        h("span", { class: "kind" }, names[m.staff_id] || ""), h("span", { class: "when" }, stamp(m.received_at)),
        h("span", { class: "reason" }, `${m.name || ""}: ${(m.error && (m.error.message || m.error.code)) || ""}`))))
        : h("p", { class: "muted" }, t("diag.none"))));
  }
  if (data.sessions) {
    const onDuty = new Set(((data.shifts && data.shifts.items) || []).map((s) => s.staff_id));
    const now = new Date(data.at).getTime();
    const phones = data.sessions.sessions.filter((s) => s.staff_id !== app.session.staff.id);
    cards.push(h("section", { class: "card" }, h("h2", {}, t("glance.devices")),
      phones.length ? h("ul", { class: "records" }, phones.map((s) => {
        const quiet = onDuty.has(s.staff_id) && now - new Date(s.last_seen_at).getTime() > QUIET_MINUTES * 60000;
        return h("li", { class: quiet ? "quiet" : "" }, h("span", { class: "kind" }, names[s.staff_id] || s.label || ""),
          h("span", { class: "when" }, t("glance.seen", { time: stamp(s.last_seen_at) })),
          onDuty.has(s.staff_id) ? h("span", { class: `badge ${quiet ? "rejected" : "sent"}` }, t(quiet ? "glance.quiet" : "glance.on_duty")) : "");
      })) : h("p", { class: "muted" }, t("diag.none"))));
  }
  return cards;
}
