"""The cursor key is the database's, so every host of one database agrees (#16)."""
from __future__ import annotations

import threading

from server import create_app
from server.extensions import db
from server.models.secret import AppSecret
from server.services.secret import shared_secret


def test_a_secret_is_made_once_and_then_read(app):
    with app.app_context():
        first = shared_secret(db.engine, "x")
        assert len(first) >= 40 and shared_secret(db.engine, "x") == first
        assert shared_secret(db.engine, "y") != first
        assert db.session.get(AppSecret, "x").value == first


def test_hosts_racing_to_make_the_secret_agree_on_one(app):
    with app.app_context():
        engine = db.engine
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(shared_secret(engine, "race"))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 6 and len(set(seen)) == 1


def test_two_apps_without_secret_key_accept_each_others_cursors(app, db_url, clock, tmp_path, as_role):
    """Two hosts: separate instance folders, one database, no SECRET_KEY (#16)."""
    guard = as_role("guard")
    hosts = [create_app({"database_url": db_url, "testing": True, "photo_dir": str(tmp_path / f"p{i}")}, clock=clock)
             for i in (1, 2)]
    for host in hosts:
        host.instance_path = str(tmp_path / f"instance{hosts.index(host)}")
    body = {"client_id": "6f1c3a52-8a4e-4c9e-9d55-0a4c2b9d1e01", "protocol": 1, "cursor": None}
    first = hosts[0].test_client().post("/api/sync/pull", json=body, headers=guard.headers)
    assert first.status_code == 200, first.get_json()
    again = hosts[1].test_client().post("/api/sync/pull", json={**body, "cursor": first.get_json()["cursor"]},
                                        headers=guard.headers)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["reset"] is False
    for host in hosts:
        with host.app_context():
            db.engine.dispose()
