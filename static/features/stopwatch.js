/**
 * "A customer is complaining" (R-CMP-5) for the teller and the relationship manager (and
 * the lobby manager, one level up): a visible counter that prompts the hand-off at the
 * branch's configured minutes — about 3 for a teller to the lobby manager, about 10 for
 * the lobby manager to the service quality officer. Settled at once: no record (R-CMP-5).
 * Handed on: the case is opened as of the moment the counter started, with this person
 * as its first-contact owner (首问责任人, `complaint.open`), then escalated one level
 * (`complaint.escalate`). The counter's start is kept on the phone, so a reload keeps it.
 */
import { t } from "../i18n.js";
import { field, h, toast } from "../ui.js";
import { CHAIN, escalate, openCase } from "./complaint.js";

/**
 * The hand-off of `role`: `{minutes, toLevel}` (R-CMP-5), or null for a role that takes none.
 * `settings`: the pulled branch's `effective_settings` (the branch's value or the manual's
 * default, server/rules/settings.py), so no default is repeated here.
 */
export function handoff(role, settings) {
  const key = role === "lobby_manager" ? "complaint_lobby_handoff_minutes" : (role === "teller" || role === "relationship_manager") ? "complaint_teller_handoff_minutes" : null;
  if (!key || !settings || settings[key] == null) return null;
  const minutes = Number(settings[key]);
  return { minutes, toLevel: role === "lobby_manager" ? CHAIN[2] : CHAIN[1] };
}

const key = (app) => `stopwatch:${app.session.staff.id}`;
const mmss = (ms) => { const s = Math.max(0, Math.floor(ms / 1000)); return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`; };

/** The home card: start the counter, or go back to the running one. */
export async function stopwatchCard(app) {
  const rule = handoff(app.session.staff.role, app.branch && app.branch.effective_settings);
  const running = await app.store.getMeta(key(app));
  const card = h("section", { class: "card stopwatch" });
  if (running) card.append(h("a", { class: "big danger", href: "#stopwatch", role: "button" }, t("stopwatch.running", { time: mmss(Date.now() - running.started_at) })));
  else {
    card.append(h("button", { class: "big danger", type: "button", onclick: async () => {
      await app.store.setMeta(key(app), { started_at: Date.now() });
      app.go("stopwatch");
    } }, t("stopwatch.start")));
  }
  if (rule) card.append(h("p", { class: "muted" }, t("stopwatch.hint", { min: rule.minutes, to: t(`level.${rule.toLevel}`) })));
  return card;
}

/** The running counter (its own screen, so a pull never redraws the hand-off form). */
export async function stopwatchScreen(app) {
  const rule = handoff(app.session.staff.role, app.branch && app.branch.effective_settings);
  const running = rule && await app.store.getMeta(key(app));
  if (!running) { app.go("home"); return h("section", { class: "screen" }); }
  const card = h("section", { class: "card stopwatch", id: "stopwatch" });
  const counter = h("p", { class: "counter", role: "timer", "aria-live": "off" }, "00:00");
  const prompt = h("p", { class: "prompt", role: "alert", hidden: true }, t("stopwatch.prompt", { min: rule.minutes, to: t(`level.${rule.toLevel}`) }));
  const tick = () => {
    if (card.isConnected) card.dataset.shown = "1";
    else if (card.dataset.shown) { clearInterval(timer); return; }
    const elapsed = Date.now() - running.started_at;
    counter.textContent = mmss(elapsed);
    const due = elapsed >= rule.minutes * 60000;
    prompt.hidden = !due;
    card.classList.toggle("due", due);
  };
  const timer = setInterval(tick, 1000);
  const summary = h("textarea", { name: "handoff_summary", rows: 3, maxlength: 4000 });
  const name = h("input", { name: "handoff_customer", maxlength: 200, autocomplete: "off" });
  const contact = h("input", { name: "handoff_contact", type: "tel", maxlength: 200, autocomplete: "off" });
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "handoff", hidden: true }, field(t("complaint.summary"), summary), field(t("complaint.customer_name"), name),
    field(t("complaint.contact"), contact), message, h("button", { class: "big primary", type: "submit" }, t("stopwatch.handoff_save", { to: t(`level.${rule.toLevel}`) })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!summary.value.trim()) { message.textContent = t("complaint.summary_required"); return; }
    // The case began when the counter started; this person took it first (R-CMP-2).
    const at = new Date(running.started_at);
    const id = await openCase(app, { channel: "oral", summary: summary.value.trim(), customer_name: name.value.trim() || null, contact: contact.value.trim() || null }, { at });
    const record = await app.store.record("complaint", id);
    const minutes = Math.floor((Date.now() - running.started_at) / 60000);
    await escalate(app, record.data, rule.toLevel, t("stopwatch.reason", { min: minutes }));
    await app.store.setMeta(key(app), undefined);
    clearInterval(timer);
    toast(t("stopwatch.handed", { to: t(`level.${rule.toLevel}`), name: app.session.staff.name }));
    app.go(`complaint/${id}`);
  });
  card.append(h("h2", {}, t("stopwatch.heading")), counter, prompt,
    h("div", { class: "row two" },
      h("button", { class: "big", type: "button", onclick: async () => { clearInterval(timer); await app.store.setMeta(key(app), undefined); toast(t("stopwatch.settled_saved")); app.go("home"); } }, t("stopwatch.settled")),
      h("button", { class: "big primary", type: "button", onclick: () => { form.hidden = false; summary.focus(); } }, t("stopwatch.handoff", { to: t(`level.${rule.toLevel}`) }))),
    form);
  tick();
  return h("section", { class: "screen" }, card, h("a", { class: "link", href: "#home" }, t("nav.back")));
}
