/**
 * Small DOM helpers shared by the screens: an element builder (text is always set as
 * text, never parsed as HTML), times in the branch's time zone, record badges.
 */
import { currentLanguage, t } from "./i18n.js";

/** `h("button", {class: "big", onclick}, "text", child…)`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Use the branch's time zone for every time shown (the branch record carries it). */
export function setZone(timezone) { if (timezone) zone = timezone; }
export function branchZone() { return zone; }

const formats = new Map();
/** One `Intl.DateTimeFormat` per language, zone and shape: making one is slow on a phone. */
function format(lang, options) {
  const key = `${lang}|${zone}|${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(lang, { timeZone: zone, hourCycle: "h23", ...options }));
  return formats.get(key);
}

/** `HH:MM` of an instant in the branch's zone. */
export function clock(at) {
  if (!at) return "—";
  return format(currentLanguage(), { hour: "2-digit", minute: "2-digit" }).format(new Date(at));
}

/** Date and time of an instant in the branch's zone. */
export function stamp(at) {
  if (!at) return "—";
  return format(currentLanguage(), { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(at));
}

/** Parts `{date, hour, minute, weekday}` ("mon" …) of an instant in the branch's zone. */
export function zoned(at) {
  const parts = Object.fromEntries(format("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short" })
    .formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), minute: Number(parts.minute), weekday: parts.weekday.slice(0, 3).toLowerCase() };
}

/** The badge of a record: on this phone / sent / rejected with the server's reason. */
export function badge(record) {
  const local = record.local;
  if (!local) return h("span", { class: "badge sent" }, t("badge.sent"));
  if (local.state === "rejected") {
    const reason = (local.error && (local.error.message || local.error.code)) || "";
    return h("span", { class: "badge rejected" }, t("badge.rejected", { reason }));
  }
  return h("span", { class: `badge ${local.state}` }, t(local.state === "sent" ? "badge.sent" : "badge.pending"));
}

/** The time a record happened: the server's `happened_at`, else the device's own. */
export function happened(record) {
  const d = record.data || {};
  return (d.times && d.times.happened_at) || d.happened_at || d.at;
}

/** A short message at the bottom of the screen. */
export function toast(text) {
  const el = h("div", { class: "toast", role: "status" }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 2500);
}

/** A labelled field: `<label>` + control, for forms. */
export function field(label, control) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 8)}`;
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

/** A `<select>` of `[value, label]` pairs. */
export function select(name, options, value) {
  return h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

export function uuid() { return crypto.randomUUID(); }
