#!/usr/bin/env bash
# Cold open of the field app (#15): the browser restarted on a signed-in phone profile, the
# server stopped and the browser offline, Chromium's CPU throttled 4x; the page's own clock
# says when the role's main screen is usable. Target: under 1.5 s. A benchmark: run it on a
# quiet machine (the suite's test of the same code only holds it to twice the target).
#   bench/cold_open.sh     -> the three runs per role and the best, against the target
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest tests/static/test_browser_cold_open.py -q -s -p no:cacheprovider 2>&1 |
  grep -E "^cold open|passed|failed"
