/**
 * Today's patrol hours (R-SEC-5) from the server's verdict where the phone has it, and
 * from the phone's own records where it has not: pure, no DOM, unit-tested.
 *
 * The server's status (`met`, `met_synced_late`, `pending`, `unconfirmed`, `missed`,
 * `excused`: docs/compliance.md) wins for an hour, except that a patrol of that hour
 * still in this phone's outbox shows as done-but-not-sent ("local"): the server cannot
 * know it yet. Hours the server has not judged fall back to the phone's view.
 */
const SERVER = { met: "met", met_synced_late: "met_late", pending: "due", unconfirmed: "unconfirmed", missed: "missed", excused: "excused" };

/**
 * `hours`: local hours to show; `server`: Map hour → obligation status; `patrols`: this
 * phone's patrols `{hour, state: "pending"|"sent", late}` of today; `now`: `{hour, minute}`;
 * `grace`: minutes. Returns `[{hour, status, source, minutesLeft?}]` (`source`: "server" |
 * "phone"), statuses `met`, `met_late`, `local`, `due`, `unconfirmed`, `missed`, `excused`.
 */
export function patrolHours({ hours, server = new Map(), patrols = [], now, grace = 10 }) {
  return hours.map((hour) => {
    const mine = patrols.filter((p) => p.hour === hour);
    const sent = mine.filter((p) => p.state !== "pending");
    const unsent = mine.some((p) => p.state === "pending");
    const verdict = server.get(hour);
    const due = dueLeft(hour, now, grace);
    if (verdict && SERVER[verdict]) {
      const status = SERVER[verdict];
      if (unsent && !["met", "met_late", "excused"].includes(status)) return { hour, status: "local", source: "phone" };
      return status === "due" ? { hour, status, source: "server", minutesLeft: due } : { hour, status, source: "server" };
    }
    if (sent.length) return { hour, status: sent.every((p) => p.late) ? "met_late" : "met", source: "phone" };
    if (unsent) return { hour, status: "local", source: "phone" };
    if (due !== null) return { hour, status: "due", source: "phone", minutesLeft: due };
    return { hour, status: "missed", source: "phone" };
  });
}

/** Minutes left to patrol `hour` (its end plus grace), or null once that has passed. */
function dueLeft(hour, now, grace) {
  const left = (hour + 1) * 60 + grace - (now.hour * 60 + now.minute);
  return left > 0 ? left : null;
}
