"""One message catalogue per language, the same keys in each, and every message a
screen names exists (#15, shared/glossary.md: one word per concept, Chinese first)."""
from __future__ import annotations

import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
ZH = json.loads((STATIC / "i18n" / "zh-CN.json").read_text())
EN = json.loads((STATIC / "i18n" / "en.json").read_text())


def test_catalogues_have_the_same_keys_and_placeholders():
    assert ZH.keys() == EN.keys()
    for key in ZH:
        assert set(re.findall(r"\{(\w+)\}", ZH[key])) == set(re.findall(r"\{(\w+)\}", EN[key])), key


def test_every_message_a_screen_names_exists():
    used = set()
    for path in STATIC.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", path.read_text()))
    assert used, "the screens use the catalogue"
    assert sorted(used - ZH.keys()) == []


def test_glossary_words_are_the_ones_on_screen():
    for key, word in {"shift.start": "上岗", "shift.end": "下岗", "handover.heading": "交接班", "patrol.scan": "扫码",
                      "patrol.type": "手动输入编码", "grid.missed": "漏巡", "emergency.button": "紧急求助",
                      "sync.auth": "需重新登录后上传", "badge.pending": "已保存在本机", "contractor.not_bank": "非银行工作人员",
                      "box.open": "开箱", "box.close": "完成开箱", "box.callback": "当日致电", "box.cb.reached": "已接通",
                      "box.cb.no_answer": "无人接听", "box.cb.wrong_number": "号码有误", "box.kind.complaint": "投诉",
                      "box.kind.suggestion": "建议", "box.kind.praise": "表扬", "box.source.box": "意见箱",
                      "box.source.book": "意见簿", "complaint.taken_by": "首问责任人", "alert.acknowledge": "确认",
                      "channel.hotline": "95558 客户服务中心投诉", "complaint.resolution": "处理结果",
                      "complaint.customer_response": "客户反馈", "grid.unconfirmed": "未确认（手机未同步）"}.items():
        assert ZH[key] == word, key


def test_every_value_the_server_sends_has_its_words():
    """Screens name server values through keys built at run time (``channel.${c}``): each
    family is complete for the values the server's rules define (R-BOX-*, R-CMP-*, #14)."""
    from server.rules import alert as RA
    from server.rules import complaint as CR
    from server.rules import compliance as RC
    from server.rules import roles as R
    from server.rules import suggestion as SR
    from server.models.complaint import APPEND_EVENTS, STATE_EVENTS

    wanted = (
        [f"channel.{c}" for c in CR.CHANNELS] + [f"level.{lv}" for lv in CR.CHAIN]
        + [f"event.{e}" for e in (*STATE_EVENTS, *APPEND_EVENTS)] + [f"role.{r}" for r in R.ROLES]
        + [f"complaint.status.{s}" for s in CR.STATUSES] + ["complaint.clock.manual", "complaint.clock.regulator"]
        + [f"box.kind.{k}" for k in SR.KINDS] + [f"box.source.{s}" for s in SR.SOURCES]
        + [f"box.cb.{o}" for o in (*SR.OUTCOMES, SR.NOT_NEEDED, SR.PENDING)]
        + [f"alert.rule.{rule}" for rule in RA.ALERT_ROLES]
        + [f"alert.kind.{k}" for k in ("missed", "unconfirmed", "due_soon", "repeated_missed", "calendar_unknown",
                                                  "device_lost_records")]
        + [f"box.problem.{p}" for p in ("replies_missing", "callbacks_open", "empty_not_stated", "box_not_empty", "slip_count_mismatch")]
        + [f"grid.{s}" for s in ("met", "met_late", "local", "due", "unconfirmed", "missed", "excused")]
        + [f"status.{s}" for s in RC.STATUSES]
    )
    assert sorted(k for k in wanted if k not in ZH) == []
