// Unit tests of the lobby's pure rules on the phone (static/features/suggestion-rules.js,
// R-BOX-1..3) and of the guard's hour grid from the server's verdict (patrol-hours.js,
// R-SEC-5). Run by tests/static/test_node.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { boxBusinessDate, missingBeforeClose, withPending } from "../../../static/features/suggestion-rules.js";
import { patrolHours } from "../../../static/features/patrol-hours.js";

const entry = (id, extra = {}) => ({ id, source: "box", reply: null, contact: null, callback_status: "not_needed", ...extra });

test("r_box_2_3 what is missing before close is named in the server's order", () => {
  const entries = [entry("a", { reply: { text: "ok" } }), entry("b", { contact: "138", callback_status: "no_answer" }), entry("c", { source: "book", reply: { text: "x" } })];
  const m = missingBeforeClose(entries, { slipCount: 1 });
  assert.deepEqual(m.problems, ["slip_count_mismatch", "replies_missing", "callbacks_open"]);
  assert.deepEqual(m.replies, ["b"]);
  assert.deepEqual(m.callbacks, ["b"], "no_answer is still open (retry)");
  const done = [entry("a", { reply: { text: "ok" }, contact: "1", callback_status: "wrong_number" })];
  assert.deepEqual(missingBeforeClose(done, { slipCount: 1 }).problems, []);
  const open = [entry("a", { reply: { text: "ok" }, contact: "1", callback_status: "pending" })];
  assert.deepEqual(missingBeforeClose(open, { slipCount: 1, callbacksReason: "客户未接，明日再拨" }).problems, [], "a reason lets it close");
});

test("r_box_1 an empty box is stated, never implied", () => {
  assert.deepEqual(missingBeforeClose([], {}).problems, ["empty_not_stated"]);
  assert.deepEqual(missingBeforeClose([], { empty: true }).problems, []);
  assert.deepEqual(missingBeforeClose([entry("a", { reply: { text: "x" } })], { empty: true, slipCount: 1 }).problems, ["box_not_empty"]);
});

test("unsent replies and callbacks are laid over pulled entries", () => {
  const pulled = [entry("a", { contact: "138", callback_status: "pending", callback_attempts: 0 })];
  const pending = [
    { name: "box.callback", args: { entry_id: "a", outcome: "no_answer", callback_id: "c1" } },
    { name: "box.reply", args: { entry_id: "a", text: "谢谢" } },
    { name: "box.callback", args: { entry_id: "a", outcome: "reached", callback_id: "c2" } },
  ];
  const [a] = withPending(pulled, pending);
  assert.equal(a.reply.text, "谢谢");
  assert.equal(a.callback_status, "reached");
  assert.equal(a.callback_attempts, 2);
  assert.equal(pulled[0].callback_status, "pending", "the pulled record is not changed");
});

test("r_box_1 before close of business the box worked is yesterday's", () => {
  const close = { wed: "17:00", thu: "17:00" };
  assert.deepEqual(boxBusinessDate({ date: "2026-12-02", weekday: "wed", hour: 17, minute: 30 }, close), { date: "2026-12-02", late: false });
  assert.deepEqual(boxBusinessDate({ date: "2026-12-03", weekday: "thu", hour: 1, minute: 15 }, close), { date: "2026-12-02", late: true });
  assert.deepEqual(boxBusinessDate({ date: "2027-01-01", weekday: "fri", hour: 8, minute: 0 }, {}), { date: "2027-01-01", late: false });
  assert.deepEqual(boxBusinessDate({ date: "2027-01-01", weekday: "fri", hour: 8, minute: 0 }, { fri: "17:00" }), { date: "2026-12-31", late: true });
});

test("r_sec_5 the server's verdict wins, an unsent patrol shows as not sent, else the phone's view", () => {
  const server = new Map([[8, "met_synced_late"], [9, "unconfirmed"], [10, "missed"], [11, "pending"]]);
  const patrols = [{ hour: 9, state: "pending" }, { hour: 12, state: "sent", late: false }];
  const cells = patrolHours({ hours: [8, 9, 10, 11, 12, 13], server, patrols, now: { hour: 13, minute: 5 }, grace: 10 });
  assert.deepEqual(cells.map((c) => [c.hour, c.status, c.source]), [
    [8, "met_late", "server"], [9, "local", "phone"], [10, "missed", "server"], [11, "due", "server"],
    [12, "met", "phone"], [13, "due", "phone"],
  ]);
  assert.equal(cells[5].minutesLeft, 65);
  assert.equal(patrolHours({ hours: [7], now: { hour: 13, minute: 0 } })[0].status, "missed", "no verdict, no patrol, past due");
});
