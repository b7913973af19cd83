/**
 * Each role's main screen: the guard's duty card, patrol and incident buttons and hour
 * grid; the cleaner's rounds; the contractor's badge check-in; the lobby manager's box,
 * cases, hand-off counter and alerts; the teller's and relationship manager's counter and
 * cases; the supervisors' alerts, today at a glance and cases; the regional officer's
 * escalated cases and every branch's compliance (regional.js); the administrator's
 * alerts, calendar years, phones and sessions (admin.js).
 */
import { t } from "../i18n.js";
import { badge, h, happened, stamp } from "../ui.js";
import { cleaningCard } from "./cleaning.js";
import { contractorCard } from "./contractor.js";
import { recordEmergency } from "./incident.js";
import { hourGrid } from "./patrol.js";
import { languageSwitch, signOut } from "./session.js";
import { shiftCard } from "./shift.js";

const FIELD = new Set(["guard", "cleaner", "onsite"]);
let officeModules = null;
/** The office roles' cards, loaded once when needed: a guard's phone never compiles them. */
const office = () => {
  officeModules = officeModules || Promise.all([import("./alert.js"), import("./complaint.js"), import("./stopwatch.js"), import("./suggestion.js"), import("./supervisor.js")])
    .then((mods) => Object.assign({}, ...mods));
  return officeModules;
};

/** The regional officer's and the administrator's own cards, each loaded only for its role. */
const OWN = { regional_officer: () => import("./regional.js"), admin: () => import("./admin.js") };

/** Start loading the cards of `role` early (app start, before the database is open). */
export function warmUp(role) {
  if (OWN[role]) OWN[role]();
  else if (role && !FIELD.has(role)) office();
}

const RECENT_KINDS = { guard: ["patrol", "incident", "shift", "handover"], cleaner: ["cleaning", "shift", "handover"], onsite: ["contractor_visit", "shift"] };

export async function homeScreen(app) {
  const role = app.session.staff.role;
  localStorage.setItem("role", role); // the next cold open warms this role's cards up at once
  const parts = [h("p", { class: "who" }, app.session.staff.name, " · ", t(`role.${role}`))];
  if (role === "guard") {
    // Built side by side: each card waits on IndexedDB, not on the others (a cold open).
    const [shift, grid] = await Promise.all([shiftCard(app), hourGrid(app)]);
    parts.push(shift,
      h("div", { class: "actions" },
        h("a", { class: "big primary", href: "#patrol", role: "button" }, t("patrol.now")),
        h("a", { class: "big", href: "#incident", role: "button" }, t("incident.report")),
        h("a", { class: "big", href: "#handover", role: "button" }, t("handover.heading"))),
      grid,
      h("button", { class: "big danger", type: "button", onclick: () => recordEmergency(app) }, t("emergency.button")));
  } else if (role === "cleaner") {
    parts.push(await shiftCard(app), await cleaningCard(app), h("a", { class: "big", href: "#handover", role: "button" }, t("handover.heading")));
  } else if (role === "onsite") {
    parts.push(await contractorCard(app), await shiftCard(app));
  } else if (role === "lobby_manager") {
    const m = await office();
    parts.push(...(await Promise.all([m.boxCard(app), m.complaintsCard(app), m.stopwatchCard(app), m.alertsCard(app)])));
  } else if (role === "teller" || role === "relationship_manager") {
    const m = await office();
    parts.push(...(await Promise.all([m.stopwatchCard(app), m.complaintsCard(app, { mine: true })])));
  } else if (role === "operations_manager" || role === "service_quality_officer") {
    const m = await office();
    parts.push(await m.alertsCard(app), ...(await m.supervisorCards(app)), await m.complaintsCard(app));
  } else if (role === "branch_president") {
    const m = await office();
    parts.push(await m.alertsCard(app), await m.complaintsCard(app));
  } else if (role === "regional_officer") {
    parts.push(...(await (await OWN.regional_officer()).regionalCards(app)));
  } else if (role === "admin") {
    parts.push(...(await (await OWN.admin()).adminCards(app)));
  }
  const [latest, refused] = await Promise.all([RECENT_KINDS[role] ? recent(app, RECENT_KINDS[role]) : "", rejected(app)]);
  parts.push(latest, refused);
  parts.push(h("nav", { class: "row foot" },
    h("a", { class: "link", href: "#diagnostics" }, t("nav.diagnostics")),
    languageSwitch(app),
    h("button", { class: "link", type: "button", onclick: () => signOut(app) }, t("nav.signout"))));
  return h("section", { class: "screen" }, parts);
}

/** The person's latest records with their badge (on this phone / sent / rejected). */
async function recent(app, kinds) {
  const me = app.session.staff.id;
  const mine = (r) => !r.data.staff_id || r.data.staff_id === me || r.data.reported_by === me || r.data.from_staff_id === me || (r.local && r.local.staff_id === me);
  const all = (await Promise.all(kinds.map((k) => app.store.records(k)))).flat().filter(mine);
  all.sort((a, b) => String(happened(b)).localeCompare(String(happened(a))));
  const items = all.slice(0, 6).map((r) => h("li", {}, h("span", { class: "kind" }, t(`kind.${r.entity}`)), h("span", { class: "when" }, stamp(happened(r))), badge(r)));
  return h("section", { class: "card" }, h("h2", {}, t("records.heading")),
    items.length ? h("ul", { class: "records" }, items) : h("p", { class: "muted" }, t("records.none")));
}

/** Rejected mutations of this person, with the server's reason, until dismissed. */
async function rejected(app) {
  const out = (await app.store.outbox()).filter((e) => e.state === "rejected" && e.client_id === app.client.client_id);
  if (!out.length) return "";
  return h("section", { class: "card alert", "aria-live": "polite" }, h("h2", {}, t("rejected.heading")),
    h("ul", { class: "records" }, out.map((e) => h("li", {},
      h("span", { class: "kind" }, e.name),
      h("span", { class: "reason" }, (e.error && (e.error.message || e.error.code)) || ""),
      h("button", { class: "small", type: "button", onclick: async () => { await app.store.dismiss(e.client_id, e.id); app.render(); } }, t("rejected.dismiss"))))));
}
