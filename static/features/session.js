/**
 * Sign-in (needs the network once) and sign-out (warns about unsent records and keeps
 * them). The same person signing in again gets the same client, so a paused outbox
 * carries on where it stopped.
 */
import { currentLanguage, loadLanguage, t } from "../i18n.js";
import { field, h } from "../ui.js";

export function languageSwitch(app) {
  return h("button", {
    class: "link", type: "button", lang: currentLanguage() === "zh-CN" ? "en" : "zh-CN",
    onclick: async () => { await loadLanguage(currentLanguage() === "zh-CN" ? "en" : "zh-CN"); app.render(); },
  }, t("lang.switch"));
}

export async function loginScreen(app) {
  const session = app.session;
  const pending = app.client ? (await app.store.pending(app.client.client_id)).length : 0;
  const employee = h("input", { name: "employee_no", autocomplete: "username", required: true, value: (session && session.employee_no) || "" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card" },
    h("h2", {}, t("login.heading")),
    h("p", { class: "muted" }, session && session.paused ? t("login.again", { n: pending }) : t("login.intro")),
    field(t("login.employee_no"), employee),
    field(t("login.password"), password),
    message,
    h("button", { class: "big primary", type: "submit" }, t("login.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      const resp = await fetch("/api/auth/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ employee_no: employee.value.trim(), password: password.value, device_label: navigator.userAgent.slice(0, 200) }),
      });
      const body = await resp.json();
      if (!resp.ok) { message.textContent = t("login.failed", { reason: body.detail || body.title || body.code }); return; }
      await app.store.setSession({ token: body.token, session_id: body.session_id, staff: body.staff, employee_no: employee.value.trim(), expires_at: body.expires_at, paused: false });
      await app.store.client(body.staff.id);
      app.kick();
      app.go("home");
    } catch {
      message.textContent = t("login.offline");
    }
  });
  return h("section", { class: "screen" }, form, h("div", { class: "row end" }, languageSwitch(app)));
}

/** Sign out: warn when records are unsent (they stay and go when this person signs in again). */
export async function signOut(app) {
  const pending = (await app.store.pending(app.client.client_id)).length;
  if (pending && !confirm(t("signout.warn", { n: pending }))) return;
  const token = app.session.token;
  await app.store.setSession(null);
  fetch("/api/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  app.go("login");
}
