/**
 * Start and end of duty (上岗 / 下岗, R-SEC-2): one tap, no signal needed. The open
 * shift is the person's own shift record (pulled, or made on this phone) without an end.
 */
import { t } from "../i18n.js";
import { badge, clock, h, happened, uuid } from "../ui.js";

/** The post of each field role (branch setting `shift_posts`, defaults of the manual). */
export const POST_OF_ROLE = { guard: "security", cleaner: "cleaning", onsite: "onsite" };

/** This person's open shift record, or null. */
export async function openShift(app) {
  const mine = (await app.store.records("shift")).filter((r) => r.data.staff_id === app.session.staff.id && r.data.is_open);
  mine.sort((a, b) => String(happened(b)).localeCompare(String(happened(a))));
  return mine[0] || null;
}

export async function startShift(app) {
  const id = uuid();
  const post = POST_OF_ROLE[app.session.staff.role];
  const now = new Date().toISOString();
  await app.save("shift.start", { shift_id: id, post }, {
    effects: [{ entity: "shift", id, data: { id, staff_id: app.session.staff.id, post, is_open: true, started_at: now, times: { happened_at: now } } }],
  });
  app.render();
}

export async function endShift(app, shift) {
  const now = new Date().toISOString();
  await app.save("shift.end", { shift_id: shift.id }, {
    effects: [{ entity: "shift", id: shift.id, data: { ...shift.data, is_open: false, ended_at: now } }],
  });
  app.render();
}

/** The duty card at the top of a field role's home screen. */
export async function shiftCard(app) {
  const shift = await openShift(app);
  if (!shift) {
    return h("section", { class: "card duty off" },
      h("p", { class: "duty-state" }, t("shift.none")),
      h("button", { class: "big primary", type: "button", onclick: () => startShift(app) }, t("shift.start")));
  }
  return h("section", { class: "card duty on" },
    h("p", { class: "duty-state" }, t("shift.on", { time: clock(happened(shift)) }), " ", badge(shift)),
    h("p", { class: "muted" }, t(`post.${shift.data.post}`)),
    h("button", { class: "big", type: "button", onclick: () => { if (confirm(t("shift.end_confirm"))) endShift(app, shift); } }, t("shift.end")));
}
