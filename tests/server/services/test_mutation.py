"""``services.mutation.held``: what a push's mutations all consult is read once per transaction (#17)."""
from __future__ import annotations

from server.extensions import db
from server.services.mutation import held


def test_held_loads_once_per_transaction_and_again_in_the_next(app):
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    with app.app_context():
        db.session.connection()  # a transaction is open
        assert [held(db.session, "k", load), held(db.session, "k", load)] == [1, 1]
        assert held(db.session(), "other", load) == 2  # the scoped session and its session share it
        db.session.commit()
        db.session.connection()
        assert [held(db.session, "k", load), held(db.session, "k", load)] == [3, 3]
        db.session.rollback()
        db.session.connection()
        assert held(db.session, "k", load) == 4
