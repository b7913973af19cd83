/** The screens by route (`#patrol` …), listed explicitly. */
import { diagnosticsScreen } from "./diagnostics.js";
import { emergencyScreen, incidentScreen } from "./incident.js";
import { handoverScreen } from "./handover.js";
import { homeScreen } from "./home.js";
import { patrolScreen } from "./patrol.js";
import { loginScreen } from "./session.js";

/** A screen of the office roles, loaded when first opened (not on a field phone's cold open). */
const later = (module, name) => async (app, param) => (await import(module))[name](app, param);

export const routes = {
  home: homeScreen,
  login: loginScreen,
  patrol: patrolScreen,
  incident: incidentScreen,
  emergency: emergencyScreen,
  handover: handoverScreen,
  diagnostics: diagnosticsScreen,
  box: later("./suggestion.js", "boxScreen"),
  "complaint-new": later("./complaint.js", "intakeScreen"),
  complaint: later("./complaint.js", "caseScreen"),
  stopwatch: later("./stopwatch.js", "stopwatchScreen"),
  alerts: later("./alert.js", "alertsScreen"),
};
