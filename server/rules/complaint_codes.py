"""JR/T 0169-2018 (金融消费者投诉统计分类及编码 银行业金融机构): the three axes a complaint
is classified on at intake, so daily statistics (R-CMP-10) build themselves and roll up.

This is reference data, not logic: the built-in table below follows the standard's
published outline (A: handling channel, B: business type, C: cause; "other" is ``99`` at
the first levels and ``9`` at the last). An administrator corrects a label, retires a
code or adds one (``complaint_code`` rows, ``services/complaint_codes.py``); the
effective table is this one overlaid with those corrections.
"""
from __future__ import annotations

AXES = ("channel", "business", "cause")
OTHER = "99"

#: axis -> ((code, zh-CN, English), …).
BUILTIN: dict[str, tuple[tuple[str, str, str], ...]] = {
    # A 按照投诉业务办理渠道分类: front office, then middle/back office.
    "channel": (
        ("01", "营业现场", "branch premises"),
        ("02", "自助机具", "self-service machines"),
        ("03", "电子渠道", "electronic channels"),
        ("0301", "网银", "online banking"),
        ("0302", "电话", "telephone"),
        ("0303", "移动客户端", "mobile app"),
        ("0304", "网络公众平台", "public internet platforms"),
        ("0305", "短信", "text messages"),
        ("0399", "其他电子渠道", "other electronic channel"),
        ("04", "第三方渠道", "third-party channels"),
        ("05", "中、后台业务渠道", "middle and back office"),
        ("99", "其他", "other"),
    ),
    # B 按照投诉业务类型分类.
    "business": (
        ("01", "人民币储蓄", "RMB savings"),
        ("02", "贷款", "loans"),
        ("03", "银行卡", "bank cards"),
        ("04", "支付结算", "payment and settlement"),
        ("05", "人民币管理", "RMB cash management"),
        ("06", "个人金融信息", "personal financial information"),
        ("99", "其他", "other"),
    ),
    # C 按照投诉原因分类.
    "cause": (
        ("01", "服务态度及服务质量", "service attitude and quality"),
        ("02", "服务设施、设备、业务系统", "facilities, equipment, systems"),
        ("03", "管理制度、业务规则与流程", "policies, rules and procedures"),
        ("04", "营销方式", "marketing practices"),
        ("05", "信息披露", "information disclosure"),
        ("06", "产品收益", "product returns"),
        ("07", "自主选择权", "freedom of choice"),
        ("08", "合同条款", "contract terms"),
        ("09", "消费者资金安全", "safety of customers' funds"),
        ("10", "消费者信息安全", "security of customers' information"),
        ("99", "其他", "other"),
    ),
}

#: The manual's channel (R-CMP-1) -> the JR/T handling channel proposed at intake.
CHANNEL_DEFAULTS = {
    "oral": "01",
    "phone": "0302",
    "suggestion_box": "01",
    "letter": OTHER,
    "regulator_letter": "04",
    "media": OTHER,
    "internet": "0304",
    "press": OTHER,
    "hotline": "0302",
}


def effective(corrections: dict[tuple[str, str], tuple[str, str, bool]]) -> dict[str, dict[str, dict]]:
    """The table in use: :data:`BUILTIN` overlaid with ``corrections``
    (``(axis, code) -> (zh, en, active)``); ``{axis: {code: {zh, en, active}}}``."""
    table = {axis: {c: {"zh": zh, "en": en, "active": True} for c, zh, en in rows} for axis, rows in BUILTIN.items()}
    for (axis, code), (zh, en, active) in corrections.items():
        table.setdefault(axis, {})[code] = {"zh": zh, "en": en, "active": active}
    return table
