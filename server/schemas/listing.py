"""The page every list answers: ``?date=&limit=&offset=`` in, ``{items, total, limit, offset, next_offset}`` out."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class PageIn(Schema):
    """``?date=&limit=&offset=``: ``date`` is the branch-local day (default today)."""

    class Meta:
        unknown = EXCLUDE

    date = fields.Date(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))

class PageOut(Schema):
    """A page of records: ``items`` plus ``total``, ``limit``, ``offset``, ``next_offset``.

    A feature's page is ``page_of(ItemSchema)``: the same keys, its items' own schema."""

    items = fields.List(fields.Dict())
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    next_offset = fields.Integer(allow_none=True)


def page_of(item: type[Schema], name: str, *, day: bool = False) -> type[Schema]:
    """The page schema ``name`` of ``item`` records; ``day`` adds the listed ``date``."""
    attrs: dict = {"items": fields.List(fields.Nested(item)), "__doc__": f"A page of {item.__name__} records."}
    if day:
        attrs["date"] = fields.String(metadata={"format": "date", "description": "the branch-local day listed"})
    return type(name, (PageOut,), attrs)
