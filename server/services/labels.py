"""Printable checkpoint label sheets: one SVG, A4 pages, a QR code per checkpoint (R-SEC-5).

Each label shows the checkpoint's name in Chinese and English, its area and branch, and
a QR code (segno, error correction Q: labels get scuffed) whose payload is
``rules.patrol.label_payload`` — ``bfo://checkpoint?v=1&branch=<code>&code=<secret>``.
The QR is embedded as a PNG data URI drawn with crisp edges, so what is printed is
exactly what a test can decode; text is left to the printer's fonts (CJK included).
"""
from __future__ import annotations

import uuid
from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

import segno

from ..extensions import db
from ..models.org import Branch, Staff
from ..rules import patrol as PR
from . import checkpoint as checkpoint_service
from .checkpoint import CheckpointWithCode

PAGE_W, PAGE_H = 210, 297  # A4, millimetres
COLS, ROWS = 2, 2
LABEL_W, LABEL_H = 95, 135
MARGIN_X, MARGIN_Y = (PAGE_W - COLS * LABEL_W) / 2, (PAGE_H - ROWS * LABEL_H) / 2
QR_MM = 75
QR_SCALE = 10  # pixels per module of the embedded PNG


def qr_data_uri(payload: str) -> str:
    """A PNG data URI of the QR code of ``payload``."""
    return segno.make(payload, error="q", micro=False).png_data_uri(scale=QR_SCALE, border=4)


def render_sheet(branch: Branch, checkpoints: Iterable[CheckpointWithCode]) -> str:
    """The SVG document of ``branch``'s labels, four per A4 page (at least one page)."""
    items = list(checkpoints)
    per_page = COLS * ROWS
    pages = max(1, -(-len(items) // per_page))
    height = pages * PAGE_H
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W}mm" height="{height}mm" '
        f'viewBox="0 0 {PAGE_W} {height}" font-family="Noto Sans CJK SC, Source Han Sans SC, sans-serif">',
        f"<title>{escape(branch.name)} ({escape(branch.code)}) checkpoint labels 巡查点标签</title>",
    ]
    for index, item in enumerate(items):
        page, slot = divmod(index, per_page)
        row, col = divmod(slot, COLS)
        x = MARGIN_X + col * LABEL_W
        y = page * PAGE_H + MARGIN_Y + row * LABEL_H
        out.append(_label(branch, item, x, y))
    out.append("</svg>")
    return "\n".join(out)


def _label(branch: Branch, item: CheckpointWithCode, x: float, y: float) -> str:
    cp = item.checkpoint
    area_zh, area_en = PR.AREAS.get(cp.area, (cp.area, cp.area))
    payload = PR.label_payload(branch.code, item.code)
    cx = x + LABEL_W / 2
    qr_x = x + (LABEL_W - QR_MM) / 2
    return "\n".join(
        [
            f'<g id={quoteattr("checkpoint-" + str(cp.id))} data-checkpoint-id={quoteattr(str(cp.id))}>',
            f'<rect x="{x + 2}" y="{y + 2}" width="{LABEL_W - 4}" height="{LABEL_H - 4}" rx="3" '
            'fill="none" stroke="#000" stroke-width="0.4" stroke-dasharray="2,1"/>',
            f'<text x="{cx}" y="{y + 14}" font-size="8" font-weight="bold" text-anchor="middle">{escape(cp.name_zh)}</text>',
            f'<text x="{cx}" y="{y + 21}" font-size="5" text-anchor="middle">{escape(cp.name_en)}</text>',
            f'<image x="{qr_x}" y="{y + 25}" width="{QR_MM}" height="{QR_MM}" preserveAspectRatio="xMidYMid meet" '
            f'style="image-rendering:pixelated" image-rendering="optimizeSpeed" href={quoteattr(qr_data_uri(payload))}/>',
            f'<text x="{cx}" y="{y + 108}" font-size="4" text-anchor="middle">'
            f"{escape(area_zh)} · {escape(area_en)}</text>",
            f'<text x="{cx}" y="{y + 115}" font-size="3.5" text-anchor="middle">'
            f"巡查请扫码 Scan on every patrol · {escape(branch.code)}</text>",
            f'<text x="{cx}" y="{y + 121}" font-size="2.8" fill="#555" text-anchor="middle">'
            f"{escape(branch.name)}</text>",
            "</g>",
        ]
    )


def label_sheet(actor: Staff | None, branch_id: uuid.UUID) -> str:
    """The label sheet of every active checkpoint of a branch, with current codes.

    Checkpoint administrators only (the sheet reveals the codes); ``None`` is the CLI.
    """
    items = [c for c in checkpoint_service.list_checkpoints(actor, branch_id) if c.checkpoint.active]
    branch = db.session.get(Branch, branch_id)
    assert branch is not None  # list_checkpoints raised NotFound otherwise
    return render_sheet(branch, items)
