/**
 * Handover (交接班 R-SEC-2): the outgoing person hands open items to a colleague of the
 * branch; the incoming person accepts (接班) on their own phone.
 */
import { t } from "../i18n.js";
import { field, h, select, stamp, toast, uuid } from "../ui.js";
import { openShift } from "./shift.js";

export async function handoverScreen(app) {
  const me = app.session.staff;
  const staff = (await app.store.records("staff")).map((r) => r.data).filter((s) => s.id !== me.id && s.active !== false && s.branch_id === me.branch_id && s.role === me.role);
  const incoming = (await app.store.records("handover")).filter((r) => r.data.to_staff_id === me.id && r.data.status !== "accepted");
  const names = Object.fromEntries((await app.store.records("staff")).map((r) => [r.data.id, r.data.name]));
  const parts = [h("h2", {}, t("handover.heading"))];
  if (incoming.length) {
    parts.push(h("section", { class: "card" }, h("h3", {}, t("handover.incoming")), incoming.map((r) => h("div", { class: "row" },
      h("span", {}, t("handover.from", { name: names[r.data.from_staff_id] || "", n: (r.data.items || []).length }), " ", stamp(r.data.times && r.data.times.happened_at)),
      r.local && r.local.state === "pending" ? h("span", { class: "badge pending" }, t("handover.accepted")) :
        h("button", { class: "big", type: "button", onclick: async () => {
          await app.save("shift.handover.accept", { handover_id: r.id }, { effects: [{ entity: "handover", id: r.id, data: { ...r.data, status: "accepted" } }] });
          toast(t("handover.saved")); app.render();
        } }, t("handover.accept"))))));
  }
  const shift = await openShift(app);
  if (!shift) parts.push(h("p", { class: "muted" }, t("handover.need_shift")));
  else if (!staff.length) parts.push(h("p", { class: "muted" }, t("handover.nobody")));
  else {
    const to = select("to_staff_id", staff.map((s) => [s.id, s.name]), staff[0].id);
    const items = h("textarea", { name: "open_items", rows: 3 });
    const notes = h("textarea", { name: "notes", rows: 2 });
    const form = h("form", { class: "card" }, field(t("handover.to"), to), field(t("handover.items"), items), field(t("handover.notes"), notes),
      h("button", { class: "big primary", type: "submit" }, t("handover.submit")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = uuid();
      const open = items.value.split("\n").map((s) => s.trim()).filter(Boolean);
      const args = { handover_id: id, shift_id: shift.id, to_staff_id: to.value, open_items: open, notes: notes.value.trim() };
      await app.save("shift.handover", args, { effects: [{ entity: "handover", id, data: { id, from_staff_id: me.id, to_staff_id: to.value, items: open.map((text) => ({ text })), status: "pending", times: { happened_at: new Date().toISOString() } } }] });
      toast(t("handover.saved"));
      app.go("home");
    });
    parts.push(form);
  }
  parts.push(h("a", { class: "link", href: "#home" }, t("nav.back")));
  return h("section", { class: "screen" }, parts);
}
