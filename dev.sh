#!/usr/bin/env bash
# Branch Field Ops — the two entry points of a fresh clone (see README.md):
#   ./dev.sh serve   install, migrate the embedded database, load the demo, run server + scheduler
#   ./dev.sh test    install, then run the whole test suite on SQLite and PostgreSQL
#   ./dev.sh vendor  re-copy the web app's pinned npm packages into static/vendor/ (#15)
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  for candidate in ${PYTHON:-} python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "dev.sh: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
}

# Install into .venv when pyproject.toml (or the extra) changed since the last install.
ensure_venv() {
  local extra="$1" spec="." stamp
  [ -n "$extra" ] && spec=".[$extra]"
  if [ ! -x .venv/bin/python ]; then
    "$(find_python)" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
  fi
  stamp="$(sha256sum pyproject.toml | cut -d' ' -f1)-$extra"
  if [ "$(cat .venv/.fieldops-installed 2>/dev/null)" != "$stamp" ]; then
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$stamp" > .venv/.fieldops-installed
  fi
}

ensure_services() {
  # PostgreSQL and Redis are started by the machine; start them if they are down.
  if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    if command -v pg_ctlcluster >/dev/null; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    command -v redis-server >/dev/null && redis-server --daemonize yes --bind 127.0.0.1 --port 6379 \
      --save "" --appendonly no >/dev/null || true
  fi
}

serve() {
  ensure_venv ""
  export FLASK_APP=wsgi.py
  .venv/bin/flask db upgrade
  local password="${FIELDOPS_DEMO_PASSWORD:-fieldops-demo}"
  .venv/bin/flask seed-demo --password "$password" --json > instance/demo.json
  .venv/bin/python - "$password" <<'PY'
import json, sys
demo = json.load(open("instance/demo.json"))
print(f"\nDemo branch {demo['branch_code']} ({demo['timezone']}); every password: {sys.argv[1]}")
for no, acc in demo["accounts"].items():
    print(f"  {no:<12} {acc['role']}")
for name, code in demo.get("checkpoints", {}).items():
    print(f"  checkpoint {name}: {code}")
print("\nServing http://127.0.0.1:5000  (API docs: /api/docs, health: /healthz)\n")
PY
  .venv/bin/flask scheduler run &
  local scheduler=$!
  trap 'kill "$scheduler" 2>/dev/null || true' EXIT INT TERM
  .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app
}

# The web app's tests need Node (node --test), Debian's Chromium and a CJK font (#15).
ensure_browser_deps() {
  local missing=()
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list : family 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || missing+=(fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "dev.sh: installing ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "dev.sh: missing ${missing[*]} (run as root to install them with apt-get)" >&2
  fi
}

run_tests() {
  ensure_venv test
  ensure_services
  ensure_browser_deps
  .venv/bin/python -m pytest -n 2 "$@"
}

case "${1:-}" in
  serve) shift; serve "$@" ;;
  test) shift; run_tests "$@" ;;
  vendor) shift; python3 static/vendor/vendor.py "$@" ;;
  *) echo "usage: ./dev.sh serve | ./dev.sh test [pytest args] | ./dev.sh vendor" >&2; exit 2 ;;
esac
