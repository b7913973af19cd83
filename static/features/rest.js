/**
 * REST reads of the office screens (today at a glance, the regional view, the
 * administrator's cards). These are not synced records: with signal the server answers;
 * without, the last answer kept on the phone (IndexedDB meta) is shown with its time.
 */
import { t } from "../i18n.js";
import { h, stamp } from "../ui.js";

/** A read slower than this (one bar of signal) gives way to the kept answer: the home
 * screen waits on it, and a supervisor must not stare at a blank phone. */
export const READ_TIMEOUT_MS = 6000;
const deadline = () => (AbortSignal.timeout ? AbortSignal.timeout(READ_TIMEOUT_MS) : undefined);

/** GET `path` as the signed-in person: the JSON, or null when the role may not read it (403). */
export async function getJson(app, path) {
  const resp = await fetch(path, { headers: { Authorization: `Bearer ${app.session.token}` }, signal: deadline() });
  if (resp.status === 403) return null;
  if (!resp.ok) throw new Error(`http_${resp.status}`);
  return resp.json();
}

/** POST `path` (no body) as the signed-in person; throws with the problem's code. */
export async function postJson(app, path) {
  const resp = await fetch(path, { method: "POST", headers: { Authorization: `Bearer ${app.session.token}` }, signal: deadline() });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.code || `http_${resp.status}`);
  return body;
}

/**
 * `{data, stale}`: `load()`'s answer, kept under `key` for this person; when the network
 * fails, the kept one (`stale: true`, `data.at` says when it was read), or `data: null`.
 */
export async function kept(app, key, load) {
  const meta = `${key}:${app.session.staff.id}`;
  try {
    const data = { ...(await load()), at: new Date().toISOString() };
    await app.store.setMeta(meta, data);
    return { data, stale: false };
  } catch {
    return { data: (await app.store.getMeta(meta)) || null, stale: true };
  }
}

/** "No signal: showing what was read at HH:MM", or the offline note when nothing was kept. */
export function staleNote(data) {
  return h("p", { class: "muted", role: "status" }, data ? t("glance.as_of", { time: stamp(data.at) }) : t("glance.offline_none"));
}

/** Staff names by id, from the pulled `staff` records. */
export async function staffNames(app) {
  return Object.fromEntries((await app.store.records("staff")).map((r) => [r.data.id, r.data.name]));
}
