"""The printable intake-and-handling form (客户投诉受理和处理报告表) of one case (R-CMP-3):
an HTML page that prints on A4 in Chinese, with no CDN and no web font."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import render_template
from sqlalchemy import select

from ..extensions import db
from ..models.org import Branch, Staff
from ..rules import calendar as RCAL
from . import complaint as complaint_service
from . import complaint_codes

#: The manual's words (glossary.md), one term per concept.
CHANNEL_ZH = {
    "oral": "口头投诉", "phone": "电话投诉", "suggestion_box": "意见箱意见簿投诉", "letter": "信函投诉",
    "regulator_letter": "信函投诉（监管部门）", "media": "媒体投诉", "internet": "媒体投诉（互联网）",
    "press": "媒体投诉（报刊）", "hotline": "95558 客户服务中心投诉",
}
ROLE_ZH = {
    "teller": "柜员", "relationship_manager": "理财经理", "lobby_manager": "大堂经理",
    "service_quality_officer": "服务品质负责人", "operations_manager": "营业经理", "branch_president": "支行行长",
    "regional_officer": "分行相关职能部门",
}
LEVEL_ZH = {
    "taker": "首问责任人", "lobby_manager": "大堂经理", "service_quality_officer": "服务品质负责人",
    "branch_vice_president": "分管行长", "branch_president": "支行行长", "regional_officer": "分行相关职能部门",
}
EVENT_ZH = {
    "opened": "受理", "routed": "按规定移交", "escalated": "逐级上报", "handed_over": "移交", "promised": "承诺回复时间",
    "extended": "延期", "appraisal": "外部鉴定", "resolved": "处理完毕", "contact": "联系客户", "note": "备注",
    "reported": "向监管部门报告",
}


def render(actor: Staff, branch_id: uuid.UUID, complaint_id: uuid.UUID) -> str:
    """The form as HTML, times in the branch's zone; readers as :func:`complaint.get_case`."""
    case = complaint_service.get_case(actor, branch_id, complaint_id)
    branch = db.session.get(Branch, case.branch_id)
    ids = {case.taken_by, *(e.actor_id for e in case.events)}
    names = dict(db.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all())
    def local(at: datetime | None) -> str:
        return RCAL.local_text(at, branch.timezone) if at else ""

    table = complaint_codes.table()
    labels: dict[str, Any] = {
        "channel": CHANNEL_ZH, "role": ROLE_ZH, "level": LEVEL_ZH, "event": EVENT_ZH,
        "jrt": {axis: {c: e["zh"] for c, e in codes.items()} for axis, codes in table.items()},
    }
    return render_template("complaint_form.html", branch=branch, case=case, names=names, labels=labels, local=local)
