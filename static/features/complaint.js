/**
 * Complaint cases (投诉, R-CMP-1..9): the intake form (客户投诉受理和处理报告表: channel,
 * customer, what happened, the 95558 ticket for the hotline), the open cases with their
 * deadlines, and one case's timeline with both clocks — the manual's (hand-off, one
 * working day, the promised time) and the regulator's — including "deadline unknown:
 * the year's calendar is not loaded". The server computes the clocks; the phone shows
 * what it last pulled and says when a case is not sent yet.
 */
import { t } from "../i18n.js";
import { badge, field, h, happened, select, stamp, toast, uuid } from "../ui.js";

export const CHANNELS = ["oral", "phone", "suggestion_box", "letter", "regulator_letter", "media", "internet", "press", "hotline"];
/** R-CMP-4's chain, level by level. */
export const CHAIN = ["taker", "lobby_manager", "service_quality_officer", "branch_vice_president", "branch_president", "regional_officer"];
/** Channels taken at intake on the phone (a box slip opens its case from the box screen). */
const INTAKE = CHANNELS.filter((c) => c !== "suggestion_box");

export async function cases(app) {
  return (await app.store.records("complaint")).sort((a, b) => String(happened(b)).localeCompare(String(happened(a))));
}

/** Whether the signed-in person owns the case (changes its state; R-CMP-2). */
export function isOwner(app, c) {
  return c.owner_role === app.session.staff.role && (!c.owner_id || c.owner_id === app.session.staff.id);
}

/** The open cases with their nearest deadline: a home card. */
export async function complaintsCard(app, { mine = false, intake = true, heading = "complaint.open_cases", where = null } = {}) {
  const me = app.session.staff.id;
  const open = (await cases(app)).filter((r) => r.data.status !== "resolved" && (!mine || r.data.taken_by === me || isOwner(app, r.data)));
  return h("section", { class: "card cases" }, h("h2", {}, t(heading, { n: open.length })),
    open.length ? h("ul", { class: "records" }, open.slice(0, 8).map((r) => h("li", {},
      h("a", { class: "link case", href: `#complaint/${r.id}` }, t(`channel.${r.data.channel}`), "：", String(r.data.summary || "").slice(0, 24)),
      where ? h("span", { class: "kind" }, where(r.data)) : "",
      h("span", { class: "when" }, dueLine(r.data)),
      isOverdue(r.data) ? h("span", { class: "badge rejected" }, t("complaint.overdue")) : "", badge(r))))
      : h("p", { class: "muted" }, t("records.none")),
    intake ? h("a", { class: "big", href: "#complaint-new", role: "button" }, t("complaint.new")) : "");
}

/** Whether the case's nearest deadline (the server's) has passed and it is still open. */
export function isOverdue(c, now = Date.now()) {
  return c.status !== "resolved" && Boolean(c.clocks && c.clocks.due_at) && new Date(c.clocks.due_at).getTime() <= now;
}

/** "due HH:MM (manual)" / "deadline unknown …" / "not sent yet" for a list. */
export function dueLine(c) {
  const clocks = c.clocks;
  if (!clocks) return t("complaint.clocks_after_sync");
  if (clocks.due_at) return t("complaint.due", { time: stamp(clocks.due_at), clock: t(`complaint.clock.${clocks.due_clock}`) });
  if (clocks.deadline_unknown) return unknownText(clocks);
  return t("complaint.no_deadline");
}

/** "deadline unknown: the YYYY calendar is not loaded", the year as the server gives it. */
function unknownText(clocks) {
  return t("complaint.deadline_unknown", { year: clocks.deadline_unknown_year ?? "" });
}

/** The intake form (R-CMP-3). */
export async function intakeScreen(app) {
  const channel = select("channel", INTAKE.map((c) => [c, t(`channel.${c}`)]), "oral");
  const summary = h("textarea", { name: "summary", rows: 4, maxlength: 4000 });
  const name = h("input", { name: "customer_name", maxlength: 200, autocomplete: "off" });
  const contact = h("input", { name: "contact", type: "tel", maxlength: 200, autocomplete: "off" });
  const ticket = h("input", { name: "hotline_ticket", maxlength: 64, autocomplete: "off" });
  const settled = h("input", { name: "settled", type: "checkbox" });
  const ticketField = field(t("complaint.hotline_ticket"), ticket);
  const settledField = h("div", { class: "field check-line" }, settled, h("label", { for: "f-settled" }, t("complaint.settled")));
  settled.id = "f-settled";
  const message = h("p", { class: "error", role: "alert" });
  const sync = () => { ticketField.hidden = channel.value !== "hotline"; settledField.hidden = channel.value !== "phone"; };
  channel.addEventListener("change", sync);
  const form = h("form", { class: "card" }, field(t("complaint.channel"), channel), ticketField, settledField,
    field(t("complaint.customer_name"), name), field(t("complaint.contact"), contact), field(t("complaint.summary"), summary),
    message, h("button", { class: "big primary", type: "submit" }, t("complaint.submit")));
  sync();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!summary.value.trim()) { message.textContent = t("complaint.summary_required"); return; }
    if (channel.value === "hotline" && !ticket.value.trim()) { message.textContent = t("complaint.ticket_required"); return; }
    const id = await openCase(app, {
      channel: channel.value, summary: summary.value.trim(), customer_name: name.value.trim() || null, contact: contact.value.trim() || null,
      hotline_ticket: channel.value === "hotline" ? ticket.value.trim() : null, settled: channel.value === "phone" && settled.checked,
    });
    toast(t("complaint.saved"));
    app.go(`complaint/${id}`);
  });
  return h("section", { class: "screen" }, h("h2", {}, t("complaint.new")), form, h("a", { class: "link", href: "#home" }, t("nav.back")));
}

/** Save `complaint.open` with its local effect; the signed-in person is the taker (首问责任人). */
export async function openCase(app, fields, { at = null } = {}) {
  const id = uuid();
  const args = { complaint_id: id, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== false)) };
  const me = app.session.staff;
  const when = (at || new Date()).toISOString();
  const data = { id, ...fields, taken_by: me.id, taker_role: me.role, owner_role: me.role, owner_id: me.id, status: "open", version: 1,
    level: me.role === "lobby_manager" ? "lobby_manager" : "taker", clocks: null,
    events: [{ id: uuid(), kind: "opened", actor_id: me.id, text: fields.summary, times: { happened_at: when } }], times: { happened_at: when } };
  await app.save("complaint.open", args, { effects: [{ entity: "complaint", id, data }], at });
  return id;
}

/** One case: the form's fields, both clocks, the events in order, and what one may do. */
export async function caseScreen(app, id) {
  const record = id ? await app.store.record("complaint", id) : null;
  if (!record) return h("section", { class: "screen" }, h("p", {}, t("complaint.unknown")), h("a", { class: "link", href: "#home" }, t("nav.back")));
  const c = record.data;
  const names = Object.fromEntries((await app.store.records("staff")).map((r) => [r.data.id, r.data.name]));
  const kv = (label, value) => h("div", { class: "kv" }, h("dt", {}, label), h("dd", {}, value || "—"));
  const parts = [
    h("h2", {}, t(`channel.${c.channel}`), " ", badge(record)),
    h("dl", { class: "card" },
      kv(t("complaint.customer_name"), c.customer_name), kv(t("complaint.contact"), c.contact),
      c.hotline_ticket ? kv(t("complaint.hotline_ticket"), c.hotline_ticket) : "",
      kv(t("complaint.taken_by"), `${names[c.taken_by] || ""} · ${t(`role.${c.taker_role}`)}`),
      kv(t("complaint.level"), t(`level.${c.level}`)),
      kv(t("complaint.owner"), c.owner_id ? names[c.owner_id] || "" : t(`role.${c.owner_role}`)),
      kv(t("complaint.status"), t(`complaint.status.${c.status}`))),
    h("section", { class: "card" }, h("h3", {}, t("complaint.summary")), h("p", { class: "slip" }, c.summary)),
    clocksCard(c),
    h("section", { class: "card" }, h("h3", {}, t("complaint.timeline")), h("ol", { class: "timeline" },
      (c.events || []).map((e) => h("li", {}, h("span", { class: "when" }, stamp(e.times && e.times.happened_at)),
        h("strong", {}, t(`event.${e.kind}`)), e.to_level && e.kind !== "opened" ? ` → ${t(`level.${e.to_level}`)}` : "",
        h("span", { class: "muted" }, ` ${names[e.actor_id] || ""}`), e.text && e.kind !== "opened" ? h("p", {}, e.text) : "", e.reason ? h("p", { class: "muted" }, e.reason) : "")))),
  ];
  if (c.status !== "resolved") parts.push(...actions(app, c));
  parts.push(h("a", { class: "link", href: "#home" }, t("nav.back")));
  return h("section", { class: "screen" }, parts);
}

function clocksCard(c) {
  const k = c.clocks;
  const card = h("section", { class: "card clocks" }, h("h3", {}, t("complaint.clocks")));
  if (!k) { card.append(h("p", { class: "muted" }, t("complaint.clocks_after_sync"))); return card; }
  const m = k.manual || {};
  const row = (label, at) => h("div", { class: "kv" }, h("dt", {}, label), h("dd", {}, at ? stamp(at) : "—"));
  card.append(h("h4", {}, t("complaint.clock.manual")), h("dl", {},
    m.handoff_due_at ? row(t("complaint.handoff_due", { to: t(`level.${m.handoff_to}`) }), m.handoff_due_at) : "",
    m.reply_due_at || c.channel === "phone" ? row(t("complaint.reply_due"), m.reply_due_at) : "",
    m.promised_reply_at ? row(t("complaint.promised"), m.promised_reply_at) : "",
    !m.handoff_due_at && !m.reply_due_at && !m.promised_reply_at && c.channel !== "phone" ? row(t("complaint.no_deadline"), null) : ""));
  card.append(h("h4", {}, t("complaint.clock.regulator")));
  card.append(k.regulator ? h("dl", {}, row(t("complaint.regulator_due"), k.regulator.due_at)) : h("p", { class: "muted" }, t("complaint.not_consumer")));
  if (k.regulator && k.regulator.in_appraisal) card.append(h("p", { class: "muted" }, t("complaint.paused")));
  if (k.deadline_unknown) card.append(h("p", { class: "warn-note", role: "status" }, unknownText(k)));
  if (k.due_at) card.append(h("p", { class: "strong" }, t("complaint.due", { time: stamp(k.due_at), clock: t(`complaint.clock.${k.due_clock}`) })));
  return card;
}

function actions(app, c) {
  const out = [];
  const note = h("textarea", { name: "contact_text", rows: 2, maxlength: 4000, "aria-label": t("complaint.contact_text") });
  const noteForm = h("form", { class: "card" }, field(t("complaint.contact_text"), note), h("div", { class: "row two" },
    h("button", { class: "big", type: "submit", name: "contact" }, t("complaint.add_contact")),
    h("button", { class: "big", type: "submit", name: "note" }, t("complaint.add_note"))));
  noteForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!note.value.trim()) return;
    const kind = e.submitter && e.submitter.name === "note" ? "note" : "contact";
    await app.save(`complaint.${kind}`, { complaint_id: c.id, text: note.value.trim(), event_id: uuid() });
    toast(t("complaint.saved")); app.render();
  });
  out.push(noteForm);
  if (!isOwner(app, c)) return out;
  const next = CHAIN[CHAIN.indexOf(c.level) + 1];
  if (next) {
    const reason = h("textarea", { name: "escalate_reason", rows: 2, maxlength: 2000 });
    const form = h("form", { class: "card" }, field(t("complaint.escalate_reason"), reason),
      h("button", { class: "big", type: "submit" }, t("complaint.escalate", { to: t(`level.${next}`) })));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      await escalate(app, c, next, reason.value.trim() || null);
      toast(t("complaint.saved")); app.render();
    });
    out.push(form);
  }
  const resolution = h("textarea", { name: "resolution", rows: 2, maxlength: 4000 });
  const response = h("textarea", { name: "customer_response", rows: 2, maxlength: 4000 });
  const done = h("form", { class: "card" }, field(t("complaint.resolution"), resolution), field(t("complaint.customer_response"), response),
    h("button", { class: "big primary", type: "submit" }, t("complaint.resolve")));
  done.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!resolution.value.trim()) return;
    await app.save("complaint.resolve", { complaint_id: c.id, resolution: resolution.value.trim(), customer_response: response.value.trim(), seen_version: c.version, event_id: uuid() },
      { effects: [{ entity: "complaint", id: c.id, data: { ...c, status: "resolved", resolution: resolution.value.trim() } }] });
    toast(t("complaint.saved")); app.render();
  });
  out.push(done);
  return out;
}

/** Hand the case one level up (R-CMP-4), acting on the version this phone holds. */
export async function escalate(app, c, toLevel, reason) {
  const args = { complaint_id: c.id, to_role: toLevel, seen_version: c.version || 1, event_id: uuid() };
  if (reason) args.reason = reason;
  const role = { lobby_manager: "lobby_manager", service_quality_officer: "service_quality_officer", branch_vice_president: "branch_president", branch_president: "branch_president", regional_officer: "regional_officer" }[toLevel];
  const event = { id: args.event_id, kind: "escalated", actor_id: app.session.staff.id, from_level: c.level, to_level: toLevel, reason, times: { happened_at: new Date().toISOString() } };
  await app.save("complaint.escalate", args, { effects: [{ entity: "complaint", id: c.id, data: { ...c, level: toLevel, owner_role: role, owner_id: null, escalated: true, events: [...(c.events || []), event] } }] });
}
