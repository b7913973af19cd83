/**
 * "Patrol now" (巡视 R-SEC-5): scan the checkpoint's label (camera, or type its code), the
 * checklist (all OK by default: three taps from the home screen), an anomaly, confirm.
 * And today's hour grid as this phone knows it (its own patrols, sent or not).
 */
import { t } from "../i18n.js";
import { clock, field, h, happened, toast, uuid, zoned } from "../ui.js";
import { parseCheckpoint, startScanner } from "./scanner.js";
import { patrolHours } from "./patrol-hours.js";
import { openShift } from "./shift.js";

export const CHECKS = ["atm", "skimming", "lights", "doors", "cleanliness", "loitering"];

export async function patrolScreen(app) {
  const shift = await openShift(app);
  const screen = h("section", { class: "screen" });
  if (!shift) {
    screen.append(h("section", { class: "card" }, h("p", {}, t("patrol.need_shift")), h("a", { class: "big", href: "#home", role: "button" }, t("nav.back"))));
    return screen;
  }
  let scanner = null;
  const stop = () => { if (scanner) scanner.stop(); scanner = null; };
  window.addEventListener("hashchange", stop, { once: true });

  const chooseCode = (text) => {
    const parsed = parseCheckpoint(text);
    const branchCode = app.branch && app.branch.code;
    if (!parsed.code) { toast(t("patrol.not_a_code")); return; }
    if (parsed.branch && branchCode && parsed.branch !== branchCode) { toast(t("patrol.wrong_branch", { branch: parsed.branch })); return; }
    stop();
    screen.replaceChildren(checklist(app, shift, parsed.code));
  };

  const video = h("video", { class: "viewfinder", muted: true, playsinline: true, hidden: true, "aria-label": t("patrol.scan_hint") });
  const status = h("p", { class: "muted", role: "status" }, t("patrol.scan_hint"));
  const scan = h("button", { class: "big primary", type: "button", onclick: () => {
    scan.hidden = true;
    video.hidden = false;
    scanner = startScanner(video, chooseCode, (reason) => { status.textContent = t("patrol.camera_error", { reason }); });
  } }, t("patrol.scan"));
  const code = h("input", { name: "checkpoint_code", autocomplete: "off", autocapitalize: "off", spellcheck: "false" });
  const typed = h("form", { class: "card" }, field(t("patrol.type"), code), h("button", { class: "big", type: "submit" }, t("patrol.use_code")));
  typed.addEventListener("submit", (e) => { e.preventDefault(); chooseCode(code.value); });
  screen.append(
    h("h2", {}, t("patrol.heading")),
    h("section", { class: "card scan" }, scan, video, status),
    typed,
    h("a", { class: "link", href: "#home" }, t("nav.back")));
  return screen;
}

function checklist(app, shift, code) {
  const state = Object.fromEntries(CHECKS.map((c) => [c, "ok"]));
  const anomaly = h("textarea", { name: "anomaly", rows: 2, maxlength: 2000, placeholder: t("patrol.anomaly_hint") });
  const rows = CHECKS.map((c) => {
    const btn = (value) => h("button", {
      type: "button", class: `toggle ${value}`, "aria-pressed": state[c] === value ? "true" : "false",
      onclick: (e) => {
        state[c] = value;
        for (const b of e.target.parentElement.querySelectorAll("button")) b.setAttribute("aria-pressed", b === e.target ? "true" : "false");
      },
    }, t(`check.${value}`));
    return h("div", { class: "check", role: "group", "aria-label": t(`check.${c}`) }, h("span", {}, t(`check.${c}`)), h("div", { class: "pair" }, btn("ok"), btn("fault")));
  });
  const confirmBtn = h("button", { class: "big primary", type: "button", onclick: async () => {
    confirmBtn.disabled = true;
    const id = uuid();
    const args = { patrol_id: id, checkpoint_code: code, checks: { ...state } };
    if (anomaly.value.trim()) args.anomaly = anomaly.value.trim();
    const now = new Date().toISOString();
    await app.save("patrol.record", args, {
      effects: [{ entity: "patrol", id, data: { id, staff_id: app.session.staff.id, shift_id: shift.id, area: "self_service", checks: args.checks, anomaly: args.anomaly || null, times: { happened_at: now } } }],
    });
    toast(t("patrol.saved"));
    app.go("home");
  } }, t("patrol.confirm"));
  return h("div", {},
    h("h2", {}, t("patrol.checklist")),
    h("p", { class: "ok-note" }, t("patrol.checkpoint_ok")),
    h("section", { class: "card" }, rows, field(t("patrol.anomaly"), anomaly)),
    confirmBtn);
}

/**
 * Today's hours since the shift began: the server's verdict per hour where this phone has
 * the pulled R-SEC-5 obligations, else the phone's own view (done / synced late / not sent
 * yet / due / missed); a patrol still in the outbox always shows as not sent yet.
 */
export async function hourGrid(app) {
  const shift = await openShift(app);
  const card = h("section", { class: "card" }, h("h2", {}, t("grid.heading")));
  const now = new Date();
  const today = zoned(now);
  const patrols = (await app.store.records("patrol")).filter((r) => r.data.staff_id === app.session.staff.id && (!r.data.area || r.data.area === "self_service"));
  const start = shift ? zoned(happened(shift)) : null;
  if (!start) { card.append(h("p", { class: "muted" }, t("grid.empty"))); return card; }
  const first = start.date === today.date ? start.hour : 0;
  const hours = Array.from({ length: today.hour - first + 1 }, (_, i) => first + i);
  const mine = patrols.map((p) => ({ p, z: zoned(happened(p)) })).filter(({ z }) => z.date === today.date);
  const cells = patrolHours({
    hours, now: today, grace: graceMinutes(app), server: await serverHours(app, today.date),
    patrols: mine.map(({ p, z }) => ({ hour: z.hour, state: p.local && p.local.state === "pending" ? "pending" : "sent",
      late: Boolean(p.data.times && p.data.times.received_at && lateBy(p, z.hour, graceMinutes(app))) })),
  }).map((cell) => {
    const times = mine.filter(({ z }) => z.hour === cell.hour).map(({ p }) => clock(happened(p))).join(" ");
    const label = cell.status !== "due" ? t(`grid.${cell.status}`) : cell.minutesLeft ? t("grid.due", { min: cell.minutesLeft }) : t("glance.hour.pending");
    return h("li", { class: `hour ${cell.status}`, "data-source": cell.source },
      h("span", { class: "h" }, `${String(cell.hour).padStart(2, "0")}:00`), h("span", { class: "s" }, label), h("span", { class: "t" }, times));
  });
  card.append(h("ol", { class: "grid" }, cells));
  return card;
}

/** The server's R-SEC-5 status per local hour of `date`, from pulled obligations (if any). */
async function serverHours(app, date) {
  const rows = (await app.store.records("obligation")).map((r) => r.data)
    .filter((o) => o.rule === "R-SEC-5" && o.business_date === date);
  return new Map(rows.map((o) => [zoned(o.window_start).hour, o.status]));
}

/** R-SEC-5's grace: the pulled branch's effective value (its own or the default). */
function graceMinutes(app) {
  const s = app.branch && app.branch.effective_settings;
  return Number(s && s.patrol_grace_minutes) || 0;
}

function lateBy(patrol, hour, grace) {
  const received = zoned(patrol.data.times.received_at);
  const today = zoned(happened(patrol));
  return received.date !== today.date || received.hour * 60 + received.minute > (hour + 1) * 60 + grace;
}
