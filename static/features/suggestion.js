/**
 * The evening suggestion box (意见箱、意见簿, R-BOX-1..4), the lobby manager's: open the
 * box (slips counted, an optional photo through the photo queue), add slips fast, a
 * written reply per entry (逐条书面回复), the same-day callback per contact (当日致电:
 * reached / no answer, retried / wrong number), and close (完成开箱) — with what is still
 * missing shown before close is tried, and "box empty" (今日无意见) said, never implied.
 * Every step is one mutation saved on the phone (offline too) and sent by the sync loop.
 */
import { t } from "../i18n.js";
import { badge, clock, field, h, happened, stamp, toast, uuid, zoned } from "../ui.js";
import { preparePhoto } from "../sync/photos.js";
import { FINAL_OUTCOMES, KINDS, OUTCOMES, SOURCES, boxBusinessDate, missingBeforeClose, withPending } from "./suggestion-rules.js";

/** The kind and source of the last slip: the next one is usually the same. */
const last = { kind: "suggestion", source: "box" };

/** Everything the box screen shows: the worked session, its entries (with unsent work laid over). */
export async function boxState(app) {
  const local = zoned(new Date());
  const target = boxBusinessDate(local, app.branch && app.branch.close_of_business);
  const sessions = (await app.store.records("box_session")).sort((a, b) => b.data.business_date.localeCompare(a.data.business_date));
  const session = sessions.find((s) => s.data.status === "open") || sessions.find((s) => s.data.business_date === target.date) || null;
  const pending = app.client ? await app.store.pending(app.client.client_id) : [];
  const records = session ? (await app.store.records("box_entry")).filter((r) => r.data.session_id === session.id) : [];
  records.sort((a, b) => String(happened(a)).localeCompare(String(happened(b))));
  const badges = new Map(records.map((r) => [r.id, r]));
  const entries = withPending(records.map((r) => r.data), pending);
  const counted = session ? await app.store.getMeta(`box-count:${session.id}`) : null;
  return { target, session, entries, badges, counted: counted ?? 0, pending };
}

/** The lobby manager's home card: today's box in one line and the way in. */
export async function boxCard(app) {
  const { session, entries, target } = await boxState(app);
  let line;
  if (!session) line = t("box.not_opened", { date: target.date });
  else if (session.data.status === "closed") line = t("box.closed_at", { date: session.data.business_date, time: clock(session.data.end_times && session.data.end_times.happened_at) });
  else {
    const m = missingBeforeClose(entries, {});
    line = t("box.open_summary", { n: entries.length, replies: m.replies.length, calls: m.callbacks.length });
  }
  return h("section", { class: "card box" }, h("h2", {}, t("box.heading")), h("p", { class: "muted", id: "box-line" }, line),
    h("a", { class: "big primary", href: "#box", role: "button" }, session && session.data.status === "open" ? t("box.continue") : t("box.go")));
}

export async function boxScreen(app) {
  const state = await boxState(app);
  const parts = [h("h2", {}, t("box.heading"))];
  if (!state.session) parts.push(openForm(app, state));
  else if (state.session.data.status === "closed") parts.push(closedCard(state));
  else parts.push(entryForm(app, state), missingCard(state), ...state.entries.map((e) => entryCard(app, e, state)), closeForm(app, state));
  parts.push(h("a", { class: "link", href: "#home" }, t("nav.back")));
  return h("section", { class: "screen" }, parts);
}

function openForm(app, { target }) {
  const count = h("input", { name: "slip_count", type: "number", inputmode: "numeric", min: 0, max: 10000, value: "0" });
  const photoInput = h("input", { name: "photo", type: "file", accept: "image/*", capture: "environment" });
  const note = h("p", { class: "muted", role: "status" });
  const photos = [];
  photoInput.addEventListener("change", async () => {
    photos.splice(0, photos.length, await preparePhoto(photoInput.files[0]));
    note.textContent = t("incident.photo_added", { n: 1 });
  });
  const open = async (empty) => {
    const id = uuid();
    const n = empty ? 0 : Math.max(0, Number(count.value) || 0);
    const args = { session_id: id, business_date: target.date };
    if (photos.length) args.photo = photos[0].sha256;
    const now = new Date().toISOString();
    const data = { id, business_date: target.date, opened_by: app.session.staff.id, opened_late: target.late, status: "open", photo_sha256: args.photo || null, slip_count: null, empty: false, times: { happened_at: now } };
    await app.save("box.open", args, { effects: [{ entity: "box_session", id, data }], photos });
    await app.store.setMeta(`box-count:${id}`, n);
    if (empty) {
      // 今日无意见: said explicitly, as its own close (R-BOX-1: never closed by silence).
      await app.save("box.close", { session_id: id, slip_count: 0, empty: true }, { effects: [{ entity: "box_session", id, data: { ...data, status: "closed", slip_count: 0, empty: true, end_times: { happened_at: now } } }] });
      toast(t("box.empty_saved"));
    } else toast(t("box.opened"));
    app.render();
  };
  const form = h("form", { class: "card" },
    h("p", {}, t(target.late ? "box.open_late" : "box.open_today", { date: target.date })),
    field(t("box.slip_count"), count), field(t("box.photo"), photoInput), note,
    h("button", { class: "big primary", type: "submit" }, t("box.open")),
    h("button", { class: "big", type: "button", onclick: () => open(true) }, t("box.empty")));
  form.addEventListener("submit", (e) => { e.preventDefault(); open(false); });
  return form;
}

/** Toggle buttons for one choice (kind, source, outcome): large, one thumb. */
function choice(label, options, value, onpick) {
  const group = h("div", { class: "choice", role: "group", "aria-label": label });
  for (const [v, text] of options) {
    group.append(h("button", { type: "button", class: "toggle", "data-value": v, "aria-pressed": v === value ? "true" : "false", onclick: () => {
      for (const b of group.children) b.setAttribute("aria-pressed", b.dataset.value === v ? "true" : "false");
      onpick(v);
    } }, text));
  }
  return h("div", { class: "field" }, h("span", { class: "label" }, label), group);
}

function entryForm(app, { session, counted }) {
  const pick = { ...last };
  const text = h("textarea", { name: "text", rows: 3, maxlength: 4000, required: true });
  const name = h("input", { name: "customer_name", maxlength: 200, autocomplete: "off" });
  const contact = h("input", { name: "contact", type: "tel", maxlength: 200, autocomplete: "off" });
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card", id: "slip-form" },
    h("h3", {}, t("box.add")),
    h("p", { class: "muted" }, t("box.counted", { n: counted })),
    choice(t("box.kind"), KINDS.map((k) => [k, t(`box.kind.${k}`)]), pick.kind, (v) => { pick.kind = v; }),
    choice(t("box.source"), SOURCES.map((s) => [s, t(`box.source.${s}`)]), pick.source, (v) => { pick.source = v; }),
    field(t("box.text"), text), field(t("box.customer_name"), name), field(t("box.contact"), contact), message,
    h("button", { class: "big primary", type: "submit" }, t("box.save_next")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) { message.textContent = t("box.text_required"); return; }
    const id = uuid();
    const args = { entry_id: id, session_id: session.id, source: pick.source, kind: pick.kind, text: text.value.trim() };
    if (name.value.trim()) args.customer_name = name.value.trim();
    if (contact.value.trim()) args.contact = contact.value.trim();
    // A complaint slip opens its case (R-BOX-4); the phone names the case so it can show it.
    if (pick.kind === "complaint") args.complaint_id = uuid();
    const data = { ...args, id, customer_name: args.customer_name || null, contact: args.contact || null, reply: null,
      callback_status: args.contact ? "pending" : "not_needed", callback_attempts: 0, times: { happened_at: new Date().toISOString() } };
    await app.save("box.entry", args, { effects: [{ entity: "box_entry", id, data }] });
    Object.assign(last, pick);
    toast(t("box.entry_saved"));
    await app.render();
    const next = document.querySelector("#slip-form textarea[name=text]");
    if (next) next.focus();
  });
  return form;
}

function missingCard({ entries, counted }) {
  const m = missingBeforeClose(entries, { slipCount: counted });
  const items = [];
  if (m.replies.length) items.push(h("li", {}, t("box.missing.replies", { n: m.replies.length })));
  if (m.callbacks.length) items.push(h("li", {}, t("box.missing.callbacks", { n: m.callbacks.length })));
  if (m.problems.includes("slip_count_mismatch")) items.push(h("li", {}, t("box.missing.slips", { n: counted, box: entries.filter((e) => e.source === "box").length })));
  if (!entries.length) items.push(h("li", {}, t("box.missing.none_yet")));
  return h("section", { class: `card missing ${items.length ? "warn" : "ok"}`, id: "box-missing", "aria-live": "polite" },
    h("h3", {}, t("box.missing")), items.length ? h("ul", {}, items) : h("p", { class: "ok-note" }, t("box.missing.nothing")));
}

function entryCard(app, entry, { badges }) {
  const record = badges.get(entry.id);
  const who = [entry.customer_name, entry.contact].filter(Boolean).join(" · ");
  const card = h("article", { class: `card entry kind-${entry.kind}`, "data-entry": entry.id },
    h("div", { class: "row" }, h("span", { class: `badge kind-${entry.kind}` }, t(`box.kind.${entry.kind}`)),
      h("span", { class: "muted" }, t(`box.source.${entry.source}`)), record ? badge(record) : ""),
    h("p", { class: "slip" }, entry.text), who ? h("p", { class: "muted" }, who) : "",
    entry.kind === "complaint" ? h("p", { class: "muted" }, t("box.follow.open_case")) : h("p", { class: "muted" }, t(`box.follow.${entry.kind}`)));
  if (entry.reply) card.append(h("p", { class: "reply" }, h("strong", {}, t("box.reply"), "："), entry.reply.text));
  else {
    const reply = h("textarea", { name: "reply", rows: 2, maxlength: 4000, "aria-label": t("box.reply") });
    const form = h("form", { class: "inline" }, field(t("box.reply"), reply), h("button", { class: "big", type: "submit" }, t("box.save_reply")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!reply.value.trim()) return;
      await app.save("box.reply", { entry_id: entry.id, text: reply.value.trim() });
      toast(t("box.reply_saved"));
      app.render();
    });
    card.append(form);
  }
  if (entry.contact) {
    const status = entry.callback_status || "pending";
    card.append(h("p", { class: `callback cb-${status}` }, t("box.callback"), "：", t(`box.cb.${status}`),
      entry.callback_attempts ? ` · ${t("box.attempts", { n: entry.callback_attempts })}` : ""));
    if (!FINAL_OUTCOMES.has(status)) {
      card.append(h("div", { class: "choice three", role: "group", "aria-label": status === "no_answer" ? t("box.call_again") : t("box.callback") },
        OUTCOMES.map((o) => h("button", { type: "button", class: "small", "data-outcome": o, onclick: async () => {
          await app.save("box.callback", { entry_id: entry.id, outcome: o, callback_id: uuid() });
          toast(t("box.callback_saved"));
          app.render();
        } }, t(`box.cb.${o}`)))));
    }
  }
  return card;
}

function closeForm(app, { session, entries, counted }) {
  const count = h("input", { name: "close_slip_count", type: "number", inputmode: "numeric", min: 0, value: String(counted) });
  const reason = h("textarea", { name: "callbacks_reason", rows: 2, maxlength: 2000 });
  const message = h("p", { class: "error", role: "alert", id: "close-message" });
  const open = missingBeforeClose(entries, { slipCount: counted }).callbacks.length;
  const form = h("form", { class: "card" }, h("h3", {}, t("box.close")),
    field(t("box.slip_count"), count),
    open ? field(t("box.callbacks_reason"), reason) : "",
    message, h("button", { class: "big primary", type: "submit" }, t("box.close")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const slipCount = Math.max(0, Number(count.value) || 0);
    const m = missingBeforeClose(entries, { slipCount, callbacksReason: reason.value });
    if (m.problems.length) { message.textContent = m.problems.map((p) => t(`box.problem.${p}`)).join(" "); return; }
    const args = { session_id: session.id, slip_count: slipCount, empty: false };
    if (m.callbacks.length) args.callbacks_reason = reason.value.trim();
    await app.save("box.close", args, { effects: [{ entity: "box_session", id: session.id, data: { ...session.data, status: "closed", slip_count: slipCount, end_times: { happened_at: new Date().toISOString() } } }] });
    toast(t("box.closed"));
    app.go("home");
  });
  return form;
}

function closedCard({ session, entries }) {
  const d = session.data;
  return h("section", { class: "card" },
    h("p", { class: "ok-note" }, d.empty ? t("box.closed_empty", { date: d.business_date }) : t("box.closed_at", { date: d.business_date, time: clock(d.end_times && d.end_times.happened_at) })),
    h("p", { class: "muted" }, t("box.closed_counts", { slips: d.slip_count ?? 0, n: entries.length })),
    d.open_callbacks ? h("p", { class: "muted" }, t("box.closed_open_calls", { n: d.open_callbacks })) : "",
    h("p", { class: "muted" }, t("box.opened_at", { time: stamp(happened(session)) })));
}
