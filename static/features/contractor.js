/**
 * On-site contractors (挂牌上岗 R-SEC-8/9): check in and out with one's own badge; the
 * screen says plainly that the wearer is not bank staff.
 */
import { t } from "../i18n.js";
import { badge, clock, h, toast, uuid } from "../ui.js";

export async function contractorCard(app) {
  const me = app.session.staff.id;
  const reg = (await app.store.records("contractor")).map((r) => r.data).find((c) => c.staff_id === me);
  const visits = (await app.store.records("contractor_visit")).filter((v) => (v.data.contractor_staff_id === me || (v.local && v.local.staff_id === me)) && !v.data.checked_out_at);
  const open = visits[0];
  const card = h("section", { class: "card contractor" },
    h("h2", {}, t("contractor.heading")),
    h("p", { class: "tag" }, t("contractor.not_bank")));
  if (reg) {
    card.append(h("p", { class: "badge-no" }, `${t("contractor.badge")} ${reg.badge_no}`),
      h("p", { class: "muted" }, reg.display_name || reg.name),
      h("p", { class: "muted" }, t("contractor.valid", { date: reg.valid_to }), " · ", t("contractor.scope", { scope: (reg.scope || []).map((s) => t(`area.${s}`)).join("、") })));
  }
  const badgeNo = reg ? reg.badge_no : "";
  if (open) {
    card.append(h("p", { class: "duty-state" }, t("contractor.in_since", { time: clock(open.data.checked_in_at || (open.data.times && open.data.times.happened_at)) }), " ", badge(open)),
      h("button", { class: "big", type: "button", onclick: async () => {
        const now = new Date().toISOString();
        await app.save("contractor.check_out", { visit_id: open.id }, { effects: [{ entity: "contractor_visit", id: open.id, data: { ...open.data, checked_out_at: now } }] });
        toast(t("sync.saved")); app.render();
      } }, t("contractor.check_out")));
  } else {
    card.append(h("p", { class: "duty-state" }, t("contractor.out")),
      h("button", { class: "big primary", type: "button", disabled: !badgeNo, onclick: async () => {
        const id = uuid();
        const now = new Date().toISOString();
        await app.save("contractor.check_in", { visit_id: id, badge_no: badgeNo }, { effects: [{ entity: "contractor_visit", id, data: { id, badge_no: badgeNo, contractor_staff_id: me, checked_in_at: now, times: { happened_at: now } } }] });
        toast(t("sync.saved")); app.render();
      } }, t("contractor.check_in")));
  }
  return card;
}
