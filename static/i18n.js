/**
 * One message catalogue per language (`i18n/zh-CN.json`, `i18n/en.json`); Chinese first.
 * Every string on a screen comes from here, so one concept has one word everywhere
 * (shared/glossary.md). The choice is kept on the device.
 */
export const LANGS = ["zh-CN", "en"];
let lang = "zh-CN";
let messages = {};

/** Load the catalogue of the saved language (zh-CN unless the user switched). */
export async function loadLanguage(wanted = localStorage.getItem("lang") || "zh-CN") {
  lang = LANGS.includes(wanted) ? wanted : "zh-CN";
  const resp = await fetch(`/static/i18n/${lang}.json`);
  messages = await resp.json();
  document.documentElement.lang = lang;
  localStorage.setItem("lang", lang);
  return lang;
}

export function currentLanguage() { return lang; }

/** The message `key` with `{name}` placeholders filled; the key itself when missing. */
export function t(key, params = {}) {
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}
