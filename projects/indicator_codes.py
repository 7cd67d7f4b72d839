"""Coded performance indicators as printed in a 绩效指标 cell (layout GZ-MB).

A 项目支出绩效目标表 prints all indicators of a project in one cell, one item
after the other::

    {n}、{level-1 code}-{level-1 name}；{level-2 code}-{level-2 name}；{name}；
    实施周期指标值：{text}；年度指标值：{text}。

(on one line, items numbered 1、2、… and concatenated without a separator).
The label colons are full-width in most published cells and half-width in some;
the value texts may themselves contain colons, ``%``, ``≥`` and so on, and may be
empty. Some cells are wrapped in raw ``<p>…</p>`` markup.

This module is pure Python (no Django) so that importers, exporters and tests
can share it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = [
    "LEVEL1_NAMES",
    "LEVEL2_NAMES",
    "CodedIndicator",
    "CodedIndicatorError",
    "format_coded_indicator",
    "format_coded_indicators",
    "parse_coded_indicators",
    "strip_markup",
]

# Level-1 (一级) and level-2 (二级) indicator labels exactly as seed 003 prints
# them (domain-spec section 4). Level-2 benefit/satisfaction labels carry no
# "指标" suffix. Codes 14, 23, 24 and the level-1 code 4 do not occur in the
# seed; they follow the national taxonomy.
LEVEL1_NAMES: dict[str, str] = {
    "1": "产出指标",
    "2": "效益指标",
    "3": "满意度指标",
    "4": "成本指标",
}

LEVEL2_NAMES: dict[str, str] = {
    "11": "数量指标",
    "12": "质量指标",
    "13": "时效指标",
    "14": "成本指标",
    "21": "经济效益",
    "22": "社会效益",
    "23": "生态效益",
    "24": "可持续影响",
    "31": "服务对象满意度",
}

PERIOD_LABEL = "实施周期指标值"
ANNUAL_LABEL = "年度指标值"
SEPARATOR = "；"
ITEM_MARK = "、"
ITEM_END = "。"
CANONICAL_COLON = "："

_TAG_RE = re.compile(r"<[^<>]*>")

# Start of an item: "{n}、{code}-{name}；{code}-". Used to find item boundaries.
_ITEM_START_RE = re.compile(r"\d+、\d+-[^；]+；\d+-")

# Item boundary: the "。" that ends an item, optional whitespace (left over from
# removed markup), then the start of the next item.
_BOUNDARY_RE = re.compile(r"。\s*(?=\d+、\d+-[^；]+；\d+-)")

# One complete item, without the trailing "。".
_ITEM_RE = re.compile(
    r"(?P<seq>\d+)、"
    r"(?P<level1_code>\d+)-(?P<level1_name>[^；]+)；"
    r"(?P<level2_code>\d+)-(?P<level2_name>[^；]+)；"
    r"(?P<name>[^；]+)；"
    r"实施周期指标值[：:](?P<period_value>.*?)；"
    r"年度指标值[：:](?P<annual_value>.*)",
    re.DOTALL,
)

_PREFIX_RE = re.compile(r"(?P<seq>\d+)、")

# A numbered item start following an item end, however malformed the rest is.
_FOLLOWER_RE = re.compile(r"。\s*(\d+)、")


class CodedIndicatorError(ValueError):
    """A 绩效指标 cell does not follow the coded indicator grammar."""


@dataclass(frozen=True)
class CodedIndicator:
    """One numbered item of a 绩效指标 cell."""

    seq: int
    level1_code: str
    level1_name: str
    level2_code: str
    level2_name: str
    name: str
    period_value: str
    annual_value: str


def strip_markup(text: str) -> str:
    """Remove HTML tags (``<p>``, ``</p>``, ``<br>``…), unescape entities, strip."""
    return html.unescape(_TAG_RE.sub("", text)).strip()


def _fragment(text: str, limit: int = 60) -> str:
    """Shorten a fragment for an error message."""
    return text if len(text) <= limit else text[:limit] + "…"


def _split_items(text: str) -> list[str]:
    """Split a cell into item texts, each still ending with its "。"."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        pieces.append(text[start : match.start() + 1])
        start = match.end()
    pieces.append(text[start:])
    return pieces


def _raise_swallowed_item(piece: str, seq: int) -> None:
    """Report a malformed next item that was absorbed into item ``seq``.

    The next item is only recognised when its start is well formed; otherwise
    its text ends up inside the annual value of the previous item.
    """
    annual_at = piece.find(SEPARATOR + ANNUAL_LABEL)
    follower = _FOLLOWER_RE.search(piece, annual_at)
    if follower is not None:
        rest = piece[follower.start(1) :]
        raise CodedIndicatorError(
            f"第{seq + 1}项无法解析（紧接第{seq}项之后）：“{_fragment(rest)}”"
        )


def _parse_item(piece: str, expected_seq: int) -> CodedIndicator:
    prefix = _PREFIX_RE.match(piece)
    if prefix is None:
        raise CodedIndicatorError(
            f"第{expected_seq}项无法解析：缺少编号“{expected_seq}、”：“{_fragment(piece)}”"
        )
    seq = int(prefix.group("seq"))
    if seq != expected_seq:
        raise CodedIndicatorError(
            f"第{expected_seq}项编号错误：应为{expected_seq}，实际为{seq}：“{_fragment(piece)}”"
        )
    if not piece.endswith(ITEM_END):
        raise CodedIndicatorError(
            f"第{seq}项无法解析：未以“。”结尾：“{_fragment(piece)}”"
        )
    body = piece[: -len(ITEM_END)]
    for label in (PERIOD_LABEL, ANNUAL_LABEL):
        count = body.count(SEPARATOR + label)
        if count > 1:
            _raise_swallowed_item(piece, seq)
        if count != 1:
            problem = "缺少" if count == 0 else "重复出现"
            raise CodedIndicatorError(
                f"第{seq}项无法解析：{problem}“{label}”：“{_fragment(piece)}”"
            )
    match = _ITEM_RE.fullmatch(body)
    if match is None:
        raise CodedIndicatorError(
            f"第{seq}项无法解析（应为“{seq}、一级编码-一级指标；二级编码-二级指标；"
            f"三级指标；实施周期指标值：…；年度指标值：…。”）：“{_fragment(piece)}”"
        )
    return CodedIndicator(
        seq=seq,
        level1_code=match.group("level1_code"),
        level1_name=match.group("level1_name"),
        level2_code=match.group("level2_code"),
        level2_name=match.group("level2_name"),
        name=match.group("name"),
        period_value=match.group("period_value"),
        annual_value=match.group("annual_value"),
    )


def parse_coded_indicators(text: str) -> list[CodedIndicator]:
    """Parse a 绩效指标 cell into its numbered items.

    Markup is stripped first. Items must be numbered consecutively from 1; the
    whole cell must be accounted for, otherwise ``CodedIndicatorError`` is raised
    with a message naming the item number and the offending fragment. An empty
    cell gives an empty list.
    """
    cleaned = strip_markup(text)
    if not cleaned:
        return []
    if _ITEM_START_RE.match(cleaned) is None:
        raise CodedIndicatorError(
            f"第1项无法解析：单元格应以“1、一级编码-一级指标；二级编码-”开头："
            f"“{_fragment(cleaned)}”"
        )
    return [
        _parse_item(piece, expected_seq)
        for expected_seq, piece in enumerate(_split_items(cleaned), start=1)
    ]


def format_coded_indicator(item: CodedIndicator) -> str:
    """Write one item in its canonical printed form (full-width colons)."""
    return (
        f"{item.seq}{ITEM_MARK}"
        f"{item.level1_code}-{item.level1_name}{SEPARATOR}"
        f"{item.level2_code}-{item.level2_name}{SEPARATOR}"
        f"{item.name}{SEPARATOR}"
        f"{PERIOD_LABEL}{CANONICAL_COLON}{item.period_value}{SEPARATOR}"
        f"{ANNUAL_LABEL}{CANONICAL_COLON}{item.annual_value}{ITEM_END}"
    )


def format_coded_indicators(items: list[CodedIndicator]) -> str:
    """Write items back as one 绩效指标 cell, without markup.

    Label colons are always written full-width (the canonical form); cells
    printed with half-width label colons therefore do not round-trip
    character for character.
    """
    return "".join(format_coded_indicator(item) for item in items)
