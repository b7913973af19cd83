"""The real server on loopback and Debian's Chromium, for the web app's browser tests (#15).

The server is the app factory's app (real clock) on a SQLite file, served by werkzeug in a
thread on a fixed loopback port so it can be stopped — really offline: the service
worker's own fetches fail too — and started again on the same port. The tests read the
outcome through the REST API (``rest``), never from tables.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

from PIL import Image
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db
from server.services.demo import seed_demo

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-pass-1"
STATIC = Path(__file__).resolve().parents[2] / "static"
#: A phone: 360×640 CSS px at 2×, Chinese, camera allowed.
#: ``bypass_csp``: the tests' own injected code (axe-core, ``wait_for_function`` predicates)
#: is not the app's; ``test_app_shell_runs_under_the_real_csp`` runs the app without it.
CONTEXT_OPTIONS = {"viewport": {"width": 360, "height": 640}, "locale": "zh-CN", "device_scale_factor": 2,
                   "permissions": ["camera"], "service_workers": "allow", "bypass_csp": True}


class LiveServer:
    """The app on ``127.0.0.1:<port>``; ``stop()`` refuses every connection until ``start()``."""

    def __init__(self, tmp: Path, static_dir: Path | None = None) -> None:
        self.tmp = tmp
        self.static_dir = static_dir
        self.url_db = f"sqlite:///{tmp / 'app.sqlite3'}"
        self.app = self._make_app()
        with self.app.app_context():
            db.create_all()
            self.demo = seed_demo(PASSWORD, self.app.extensions["clock"].now())
            db.session.commit()
        self.port = 0
        self.server = None
        self.thread = None

    def _make_app(self) -> Any:
        overrides = {"database_url": self.url_db, "testing": True, "secret_key": "browser-secret",
                     "photo_dir": str(self.tmp / "photos")}
        app = create_app(overrides)
        if self.static_dir:
            app.config["APP_SHELL_DIR"] = str(self.static_dir)
        return app

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, new_app: bool = False) -> None:
        """Serve (again, on the same port); ``new_app`` is a restart, as a deploy does."""
        if new_app:
            self.app = self._make_app()
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.server.block_on_close = False  # a long poll in flight must not hold up stop()
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def account(self, role: str, index: int = 0) -> str:
        """The employee number of the demo's ``index``-th account with ``role``."""
        return [no for no, acc in self.demo["accounts"].items() if acc["role"] == role][index]

    def rest(self, role: str) -> Any:
        """A REST client signed in as the demo's first ``role``: ``get(path)`` -> JSON."""
        client = self.app.test_client()
        resp = client.post("/api/auth/login", json={"employee_no": self.account(role), "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        token = resp.get_json()["token"]

        class Rest:
            def get(self, path: str) -> Any:
                r = client.get(path, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 200, (path, r.status_code, r.get_json())
                return r.get_json()

            def post(self, path: str, body: Any = None) -> Any:
                r = client.post(path, json=body or {}, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code < 300, (path, r.status_code, r.get_json())
                return r.get_json()

        return Rest()


def copy_static(target: Path) -> Path:
    """A copy of static/ to deploy a changed version from."""
    shutil.copytree(STATIC, target)
    return target


@contextlib.contextmanager
def deployable(tmp_path: Path, edit: Callable[[Path], None] | None = None) -> Iterator[tuple[Path, LiveServer]]:
    """The app served from a copy of static/ (``tmp_path / "static"``, to change and deploy
    again; ``edit(static)`` changes it before the server starts), started, and stopped at
    the end: ``(static, live)``."""
    static = copy_static(tmp_path / "static")
    if edit:
        edit(static)
    live = LiveServer(tmp_path, static_dir=static)
    live.start()
    try:
        yield static, live
    finally:
        live.stop()


def label_video(payload: str, path: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """A ``.y4m`` video of a printed checkpoint label (QR of ``payload``) for Chromium's
    fake camera (``--use-file-for-fake-video-capture``)."""
    import segno

    qr_png = path.with_suffix(".png")
    segno.make(payload, error="q").save(str(qr_png), scale=8, border=4)
    frame = Image.new("RGB", size, (235, 235, 230))
    qr = Image.open(qr_png).convert("RGB")
    side = min(size) - 60
    qr = qr.resize((side, side), Image.NEAREST)
    frame.paste(qr, ((size[0] - side) // 2, (size[1] - side) // 2))
    y, u, v = frame.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    planes = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(3):
            out.write(b"FRAME\n" + planes)
    return path


def browser_args(video: Path | None = None) -> list[str]:
    args = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--lang=zh-CN"]
    if video:
        args.append(f"--use-file-for-fake-video-capture={video}")
    return args


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (./dev.sh test installs Debian's chromium as root)"
    return None


# --- what a person does on the phone ---------------------------------------------------

def sign_in(page: Any, live: LiveServer, role: str, index: int = 0) -> None:
    """Open the app, sign in, and wait until the first pull landed and the worker controls."""
    page.goto(live.url + "/")
    page.fill("input[name=employee_no]", live.account(role, index))
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("p.who")
    wait_synced(page)
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def wait_synced(page: Any, timeout: float = 30000) -> None:
    """Until the phone has sent everything and caught up (the pill says 已同步)."""
    page.wait_for_function(
        "() => { const p = document.querySelector('#sync-pill');"
        " return p && p.classList.contains('idle') && !p.textContent.includes('待上传'); }",
        timeout=timeout)


def go_offline(context: Any, live: LiveServer) -> None:
    """No signal: the server refuses every connection (the worker's too) and the OS says offline."""
    live.stop()
    context.set_offline(True)


def go_online(context: Any, live: LiveServer, *, new_app: bool = False) -> None:
    live.start(new_app=new_app)
    context.set_offline(False)


def button(page: Any, name: str) -> Any:
    return page.get_by_role("button", name=name, exact=True)


def start_shift(page: Any) -> None:
    button(page, "上岗").click()
    page.wait_for_selector(".duty.on")


def patrol_typed(page: Any, code: str) -> None:
    """立即巡查 → type the code → confirm (checklist all OK)."""
    page.get_by_role("button", name="立即巡查").click()
    page.fill("input[name=checkpoint_code]", code)
    button(page, "使用此编码").click()
    button(page, "确认提交").click()
    page.wait_for_selector("p.who")


def pending_count(page: Any) -> int:
    """Unsent records as the diagnostics of this phone count them (IndexedDB)."""
    return page.evaluate(
        "async () => { const { app } = await import('/static/app.js');"
        " return (await app.store.pending(app.client.client_id)).length; }")


def kill_browser(profile: Path) -> None:
    """SIGKILL the Chromium that runs on ``profile`` (its main process, found by its
    ``--user-data-dir``): the phone dies with no chance to flush anything."""
    import signal

    wanted = f"--user-data-dir={profile}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted in args and not any(a.startswith(b"--type=") for a in args):
            os.kill(int(pid), signal.SIGKILL)


def client_id(page: Any) -> str:
    return page.evaluate("async () => (await import('/static/app.js')).app.client.client_id")


def mutation_log(rest: Any, client: str) -> list[dict]:
    """Every mutation the server holds from one client, oldest first (its REST log)."""
    items, offset = [], 0
    while offset is not None:
        page = rest.get(f"/api/sync/clients/{client}/mutations?limit=200&offset={offset}")
        items += page["items"]
        offset = page["next_offset"]
    return sorted(items, key=lambda m: m["id"])


def set_branch(live: LiveServer, **fields: Any) -> None:
    """Change the demo branch as an administrator would (``close_of_business``, ``settings``)
    and publish it, so the phones pull it (the server has no REST route for it yet)."""
    import uuid

    from server.models.org import Branch
    from server.sync_setup import record_put

    with live.app.app_context():
        branch = db.session.get(Branch, uuid.UUID(live.demo["branch_id"]))
        for name, value in fields.items():
            setattr(branch, name, value)
        record_put("branch", branch)
        db.session.commit()


def local_today(live: LiveServer) -> str:
    """Today's date in the demo branch's zone (what the phone calls today)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(live.demo["timezone"])).date().isoformat()


def reopen(launch: Any, profile: Path, live: LiveServer) -> tuple[Any, Any]:
    """The same phone opened again with no signal: its persistent profile, offline."""
    context = launch(profile=profile)
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(live.url + "/")
    page.wait_for_selector("p.who")
    return context, page


def add_staff(live: LiveServer, employee_no: str, name: str, role: str, *, branch: bool = False) -> str:
    """An account the demo does not make (the parent branch's regional officer, who has no
    branch of its own), with the demo's password; ``sign_in(page, live, role)`` finds it."""
    import uuid

    from server.models.org import Staff
    from server.services.passwords import hash_password
    from server.sync_setup import record_put

    with live.app.app_context():
        now = live.app.extensions["clock"].now()
        staff = Staff(employee_no=employee_no, name=name, role=role, password_hash=hash_password(PASSWORD), active=True,
                      branch_id=uuid.UUID(live.demo["branch_id"]) if branch else None, created_at=now, updated_at=now)
        db.session.add(staff)
        db.session.flush()
        record_put("staff", staff)
        db.session.commit()
        live.demo["accounts"][employee_no] = {"role": role, "staff_id": str(staff.id)}
        return str(staff.id)


def push(live: LiveServer, role: str, *mutations: tuple[str, dict]) -> tuple[str, list[dict]]:
    """Send ``(name, args)`` mutations as one new phone of the demo's first ``role`` (the
    wire contract, like a phone's push): its ``client_id`` and the results."""
    import uuid
    from datetime import datetime, timezone

    client = live.app.test_client()
    login = client.post("/api/auth/login", json={"employee_no": live.account(role), "password": PASSWORD}).get_json()
    now = datetime.now(timezone.utc).isoformat()
    cid = str(uuid.uuid4())
    body = {"client_id": cid, "protocol": 1, "sent_at": now,
            "mutations": [{"id": i, "name": name, "at": now, "args": args} for i, (name, args) in enumerate(mutations, 1)]}
    resp = client.post("/api/sync/push", json=body, headers={"Authorization": f"Bearer {login['token']}"})
    assert resp.status_code == 200, resp.get_json()
    return cid, resp.get_json()["results"]


def silence(live: LiveServer, client: str, minutes: int) -> None:
    """Make a phone's last sync ``minutes`` ago (it went quiet): its sync bookkeeping row."""
    import uuid
    from datetime import datetime, timedelta, timezone

    from sync.store import client_table

    then = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    with live.app.app_context():
        db.session.execute(client_table.update().where(client_table.c.client_id == uuid.UUID(client))
                           .values(last_push_at=then, last_pull_at=then))
        db.session.commit()


def evaluate_compliance(live: LiveServer) -> None:
    """Run the compliance engine once, as its scheduled job does (obligations, alerts)."""
    from server.services.compliance import evaluate

    with live.app.app_context():
        evaluate(live.app.extensions["clock"].now())
