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
                      "sync.auth": "需重新登录后上传", "badge.pending": "已保存在本机", "contractor.not_bank": "非银行工作人员"}.items():
        assert ZH[key] == word, key
