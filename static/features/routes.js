/** The screens by route (`#patrol` …), listed explicitly. */
import { caseScreen, intakeScreen } from "./complaint.js";
import { diagnosticsScreen } from "./diagnostics.js";
import { emergencyScreen, incidentScreen } from "./incident.js";
import { handoverScreen } from "./handover.js";
import { homeScreen } from "./home.js";
import { patrolScreen } from "./patrol.js";
import { loginScreen } from "./session.js";
import { stopwatchScreen } from "./stopwatch.js";
import { boxScreen } from "./suggestion.js";

export const routes = {
  home: homeScreen,
  login: loginScreen,
  patrol: patrolScreen,
  incident: incidentScreen,
  emergency: emergencyScreen,
  handover: handoverScreen,
  diagnostics: diagnosticsScreen,
  box: boxScreen,
  "complaint-new": intakeScreen,
  complaint: caseScreen,
  stopwatch: stopwatchScreen,
};
