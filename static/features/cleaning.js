/** Cleaning rounds (保洁记录 R-SEC-6): area and task in two taps, while on duty. */
import { t } from "../i18n.js";
import { h, select, toast, uuid } from "../ui.js";
import { openShift } from "./shift.js";

export const AREAS = ["self_service", "lobby", "entrance", "restroom", "office"];
export const TASKS = ["floor", "glass", "bins", "surfaces", "spot"];

export async function cleaningCard(app) {
  const shift = await openShift(app);
  const card = h("section", { class: "card" }, h("h2", {}, t("cleaning.heading")));
  if (!shift) { card.append(h("p", { class: "muted" }, t("cleaning.need_shift"))); return card; }
  const area = select("area", AREAS.map((a) => [a, t(`area.${a}`)]), "self_service");
  const task = select("task", TASKS.map((k) => [k, t(`task.${k}`)]), "floor");
  area.setAttribute("aria-label", t("cleaning.area"));
  task.setAttribute("aria-label", t("cleaning.task"));
  card.append(h("div", { class: "row two" }, area, task), h("button", { class: "big primary", type: "button", onclick: async () => {
    const id = uuid();
    const args = { cleaning_id: id, area: area.value, task: task.value };
    await app.save("cleaning.record", args, { effects: [{ entity: "cleaning", id, data: { id, staff_id: app.session.staff.id, ...args, times: { happened_at: new Date().toISOString() } } }] });
    toast(t("cleaning.saved"));
    app.render();
  } }, t("cleaning.submit")));
  return card;
}
