/**
 * Incidents (事件上报 R-SEC-4): category, location, description, severity and photos
 * resized on the phone. The incident is saved with the photos' digests and synced at
 * once; the photos follow from their own resumable queue. The emergency button records
 * an incident immediately, offline too, and offers the branch's security number.
 */
import { t } from "../i18n.js";
import { clock, field, h, select, toast, uuid } from "../ui.js";
import { preparePhoto } from "../sync/photos.js";

export const CATEGORIES = ["suspicious_person", "equipment", "skimming_device", "disorder", "theft", "safety_hazard", "emergency", "other"];
export const SEVERITIES = ["low", "medium", "high", "critical"];
const DEFAULT_SECURITY_PHONE = "110";

function incidentEffect(app, id, args) {
  return { entity: "incident", id, data: { id, reported_by: app.session.staff.id, status: "open", ...args, photos: (args.photos || []).map((sha256) => ({ sha256, status: "missing" })), times: { happened_at: new Date().toISOString() } } };
}

export async function incidentScreen(app) {
  const photos = [];
  const category = select("category", CATEGORIES.map((c) => [c, t(`category.${c}`)]), "suspicious_person");
  const location = h("input", { name: "location", value: t("area.self_service"), maxlength: 200 });
  const description = h("textarea", { name: "description", rows: 3, maxlength: 4000 });
  const severity = select("severity", SEVERITIES.map((s) => [s, t(`severity.${s}`)]), "medium");
  const photoInput = h("input", { name: "photo", type: "file", accept: "image/*", capture: "environment" });
  const photoNote = h("p", { class: "muted", role: "status" });
  const message = h("p", { class: "error", role: "alert" });
  photoInput.addEventListener("change", async () => {
    for (const file of photoInput.files) photos.push(await preparePhoto(file));
    photoNote.textContent = t("incident.photo_added", { n: photos.length });
  });
  const form = h("form", { class: "card" },
    field(t("incident.category"), category), field(t("incident.location"), location),
    field(t("incident.description"), description), field(t("incident.severity"), severity),
    field(t("incident.photo"), photoInput), photoNote, message,
    h("button", { class: "big primary", type: "submit" }, t("incident.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!location.value.trim() || !description.value.trim()) { message.textContent = t("incident.required"); return; }
    const id = uuid();
    const args = { incident_id: id, category: category.value, location: location.value.trim(), description: description.value.trim(), severity: severity.value };
    if (photos.length) args.photos = photos.map((p) => p.sha256);
    await app.save("incident.report", args, { effects: [incidentEffect(app, id, args)], photos });
    toast(t("incident.saved"));
    app.go("home");
  });
  return h("section", { class: "screen" }, h("h2", {}, t("incident.report")), form, h("a", { class: "link", href: "#home" }, t("nav.back")));
}

/** The emergency button: one tap records the incident on the phone, then offers the call. */
export async function recordEmergency(app) {
  const id = uuid();
  const args = { incident_id: id, category: "emergency", severity: "critical", location: t("emergency.location"), description: t("emergency.description") };
  await app.save("incident.report", args, { effects: [incidentEffect(app, id, args)] });
  app.go(`emergency/${id}`);
}

/** After the emergency button: when it was recorded, and the branch's security number. */
export async function emergencyScreen(app, id) {
  const record = id ? await app.store.record("incident", id) : null;
  const phone = (app.branch && app.branch.settings && app.branch.settings.security_phone) || DEFAULT_SECURITY_PHONE;
  return h("section", { class: "screen" },
    h("section", { class: "card alert" }, h("h2", {}, t("emergency.button")),
      h("p", { role: "status" }, t("emergency.recorded", { time: clock(record ? record.data.times.happened_at : new Date()) }))),
    h("a", { class: "big danger", href: `tel:${phone}`, role: "button" }, t("emergency.call", { phone })),
    h("a", { class: "big", href: "#home", role: "button" }, t("nav.home")));
}
