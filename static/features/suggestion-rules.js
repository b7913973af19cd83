/**
 * The evening suggestion box as the phone judges it before it asks the server (R-BOX-1..3):
 * pure functions, no DOM, shared by the box screen and its unit tests. They mirror the
 * server's `rules/suggestion.py` so what is still missing shows BEFORE close is tried;
 * the server stays the judge (its rejection is shown if the two ever disagree).
 */
export const KINDS = ["complaint", "suggestion", "praise"];
export const SOURCES = ["box", "book"];
export const OUTCOMES = ["reached", "no_answer", "wrong_number"];
/** After these no further call is made (R-BOX-3); `no_answer` may be retried. */
export const FINAL_OUTCOMES = new Set(["reached", "wrong_number"]);

/** An entry's callback state from its contact and last outcome (server's `callback_state`). */
export function callbackState(contact, lastOutcome) {
  if (!contact) return "not_needed";
  return lastOutcome || "pending";
}

/** Whether the customer of `entry` still has to be phoned (contact left, no final outcome). */
export function isCallbackOpen(entry) {
  return Boolean(entry.contact) && !FINAL_OUTCOMES.has(entry.callback_status);
}

/**
 * Entries as the phone knows them: pulled or made here, with the replies and callbacks
 * still in the outbox laid over them (a pull of the entry must not hide an unsent reply).
 * `pending`: outbox entries `{name, args, id}` in id order.
 */
export function withPending(entries, pending) {
  const byId = new Map(entries.map((e) => [e.id, { ...e }]));
  for (const m of pending) {
    const entry = byId.get(m.args && m.args.entry_id);
    if (!entry) continue;
    if (m.name === "box.reply" && !entry.reply) entry.reply = { text: m.args.text, pending: true };
    if (m.name === "box.callback" && !(entry.callback_ids || []).includes(m.args.callback_id)) {
      entry.callback_attempts = (entry.callback_attempts || 0) + 1;
      entry.callback_status = callbackState(entry.contact, m.args.outcome);
      entry.callback_ids = [...(entry.callback_ids || []), m.args.callback_id];
    }
  }
  return [...byId.values()];
}

/**
 * What stands in the way of `box.close` now, in the server's order (R-BOX-1..3):
 * `{problems: [code…], replies: [entry id…], callbacks: [entry id…]}`. `callbacks` lists
 * who is still to be phoned; it is a problem only without a reason. No problems: close.
 */
export function missingBeforeClose(entries, { empty = false, slipCount = 0, callbacksReason = "" } = {}) {
  const problems = [];
  const replies = entries.filter((e) => !e.reply).map((e) => e.id);
  const callbacks = entries.filter(isCallbackOpen).map((e) => e.id);
  const fromBox = entries.filter((e) => e.source === "box").length;
  if (empty && (entries.length || slipCount)) problems.push("box_not_empty");
  if (!empty && !entries.length) problems.push("empty_not_stated");
  if (slipCount < fromBox) problems.push("slip_count_mismatch");
  if (replies.length) problems.push("replies_missing");
  if (callbacks.length && !String(callbacksReason || "").trim()) problems.push("callbacks_open");
  return { problems, replies, callbacks };
}

/**
 * The business date whose box is worked now (R-BOX-1): today once business has closed,
 * else the day before (opened late, the server marks it). `local`: `{date, hour, minute,
 * weekday}` of now in the branch's zone; `closeOfBusiness`: the branch's `{mon: "17:00", …}`.
 */
export function boxBusinessDate(local, closeOfBusiness) {
  const close = (closeOfBusiness || {})[local.weekday];
  const [hh, mm] = close ? close.split(":").map(Number) : [0, 0];
  if (local.hour * 60 + local.minute >= hh * 60 + mm) return { date: local.date, late: false };
  const d = new Date(`${local.date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return { date: d.toISOString().slice(0, 10), late: true };
}
