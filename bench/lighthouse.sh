#!/usr/bin/env bash
# Lighthouse (npm, 12.x: 13 needs Node 22) against the running field app, mobile emulation,
# 4x CPU throttling (Lighthouse's mobile default). A benchmark, not a test (#15).
#   bench/lighthouse.sh            -> bench/results/lighthouse-<UTC time>.{report.html,report.json}
# It serves a fresh SQLite database with the demo branch on a free loopback port with
# gunicorn, installs Lighthouse from bench/lighthouse/package-lock.json (npm ci) once, and
# prints the four category scores.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"; trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
[ -x bench/lighthouse/node_modules/.bin/lighthouse ] || (cd bench/lighthouse && npm ci --no-audit --no-fund)
export DATABASE_URL="sqlite:///$work/lh.sqlite3" FIELDOPS_SECRET_KEY="bench-lighthouse" FLASK_APP=wsgi.py
.venv/bin/flask db upgrade >/dev/null
.venv/bin/flask seed-demo --password bench-pass >/dev/null
port="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
.venv/bin/gunicorn -w 2 -b "127.0.0.1:$port" --access-logfile /dev/null wsgi:app & server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
out="bench/results/lighthouse-$(date -u +%Y%m%dT%H%M%SZ)"
bench/lighthouse/node_modules/.bin/lighthouse "http://127.0.0.1:$port/" \
  --chrome-path=/usr/bin/chromium --chrome-flags="--headless=new --no-sandbox" \
  --form-factor=mobile --only-categories=performance,accessibility,best-practices,seo \
  --output=json --output=html --output-path="$out" --quiet
.venv/bin/python - "$out.report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for key, cat in report["categories"].items():
    print(f"{key:16} {round(cat['score'] * 100)}")
print("first contentful paint", report["audits"]["first-contentful-paint"]["displayValue"])
print("interactive", report["audits"]["interactive"]["displayValue"])
PY
