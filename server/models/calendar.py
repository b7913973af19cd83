"""Administrators' loads of the working-day calendar (domain.md "Working days and time").

A load is one year's days that differ from the ``chinese-calendar`` package (or, for a
year the package does not know, from Monday-to-Friday), with who loaded it and when.
Loads are appended, never edited: the current calendar of a year is its highest
``version``, and earlier versions stay so an auditor can see which data produced an old
deadline (``loaded:<year>@<loaded_at>``).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UtcDateTime


class CalendarLoad(db.Model):
    """One load of one year's calendar; ``complete`` makes an unknown year known."""

    __tablename__ = "calendar_load"
    __table_args__ = (UniqueConstraint("year", "version", name="year_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    #: 1, 2, … per year; two concurrent loads of one year collide here (409, retry).
    version: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean)
    #: ``staff:<employee_no>`` or ``cli:<os user>``.
    loaded_by: Mapped[str] = mapped_column(String(100))
    loaded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("staff.id"))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: Where the data came from: the file name, or ``api``.
    origin: Mapped[str] = mapped_column(String(200))


class CalendarDay(db.Model):
    """A day of a load: a rest day (``holiday``) or a working day (``workday``, 调休上班)."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind_known"),)

    load_id: Mapped[int] = mapped_column(ForeignKey("calendar_load.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
