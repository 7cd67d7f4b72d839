"""Tests for the coded indicator cell grammar (seed 003, layout GZ-MB).

Pure Python: no database, no Django settings needed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from projects.indicator_codes import (
    LEVEL1_NAMES,
    LEVEL2_NAMES,
    CodedIndicator,
    CodedIndicatorError,
    format_coded_indicators,
    parse_coded_indicators,
    strip_markup,
)

FIXTURE = (
    Path(__file__).resolve().parents[2] / "fixtures/seeds/003_panyu_jiuye_2025.json"
)

# Indicator count per project, counted by hand in the source, in printed order.
EXPECTED_COUNTS = [6, 6, 8, 6, 6, 6, 6, 6, 6, 6, 6, 11]

# Projects whose cells print half-width label colons ("实施周期指标值:").
HALF_WIDTH_PROJECTS = {"租赁岗位合同工经费", "产业人才发展专项资金", "业务用房经费"}


def _load() -> dict[str, Any]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return json.load(fh)


SEED = _load()
PROJECTS: list[dict[str, Any]] = SEED["projects"]


def _by_name(name: str) -> dict[str, Any]:
    return next(p for p in PROJECTS if p["name"] == name)


def _canonical_labels(text: str) -> str:
    """Rewrite half-width label colons to the canonical full-width form."""
    return re.sub(r"(实施周期指标值|年度指标值):", r"\1：", text)


# --- seed -------------------------------------------------------------------


def test_fixture_shape() -> None:
    assert SEED["layout"] == "target"
    assert SEED["year"] == 2025
    assert len(PROJECTS) == 12


def test_total_indicator_count_is_79() -> None:
    counts = [len(parse_coded_indicators(p["indicators_raw"])) for p in PROJECTS]
    assert counts == EXPECTED_COUNTS
    assert sum(counts) == 79


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p["name"])
def test_seed_cell_is_consecutively_numbered_and_coded(project: dict[str, Any]) -> None:
    items = parse_coded_indicators(project["indicators_raw"])
    assert [item.seq for item in items] == list(range(1, len(items) + 1))
    for item in items:
        assert LEVEL1_NAMES[item.level1_code] == item.level1_name
        assert LEVEL2_NAMES[item.level2_code] == item.level2_name
        assert item.level2_code.startswith(item.level1_code)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p["name"])
def test_seed_round_trip(project: dict[str, Any]) -> None:
    raw = project["indicators_raw"]
    items = parse_coded_indicators(raw)
    written = format_coded_indicators(items)
    assert parse_coded_indicators(written) == items
    if project["name"] in HALF_WIDTH_PROJECTS:
        # Format always writes the canonical full-width label colon.
        assert written != strip_markup(raw)
        assert written == _canonical_labels(strip_markup(raw))
    else:
        assert written == strip_markup(raw)


def test_half_width_projects_are_exactly_the_expected_ones() -> None:
    with_half_width = {p["name"] for p in PROJECTS if "指标值:" in p["indicators_raw"]}
    assert with_half_width == HALF_WIDTH_PROJECTS


def test_first_item_of_seed() -> None:
    first = parse_coded_indicators(PROJECTS[0]["indicators_raw"])[0]
    assert first == CodedIndicator(
        seq=1,
        level1_code="1",
        level1_name="产出指标",
        level2_code="11",
        level2_name="数量指标",
        name="一次性创业资助人数",
        period_value="一次性创业资助人数",
        annual_value="≥300人次",
    )


def test_last_item_of_seed() -> None:
    last = parse_coded_indicators(PROJECTS[-1]["indicators_raw"])[-1]
    assert last == CodedIndicator(
        seq=11,
        level1_code="3",
        level1_name="满意度指标",
        level2_code="31",
        level2_name="服务对象满意度",
        name="就业扶持政策经办满意度",
        period_value="≥90%",
        annual_value="≥90%",
    )


def test_half_width_colon_item_keeps_inner_colon() -> None:
    items = parse_coded_indicators(_by_name("租赁岗位合同工经费")["indicators_raw"])
    assert len(items) == 8
    assert items[1] == CodedIndicator(
        seq=2,
        level1_code="1",
        level1_name="产出指标",
        level2_code="12",
        level2_name="质量指标",
        name="编外人员业绩量化考核完成率",
        period_value="标准:100%",
        annual_value="标准:100%",
    )
    assert items[7].name == "服务对象满意率"
    assert items[7].annual_value == "派遣人员考核合格率90%以上，用人单位满意"


def test_full_width_inner_colon_and_enumeration_comma() -> None:
    integral = parse_coded_indicators(
        _by_name("积分入学系统运维服务经费")["indicators_raw"]
    )
    assert integral[0].period_value == "标准：100%"
    assert integral[0].annual_value == "标准：100%"
    cleaning = parse_coded_indicators(_by_name("业务用房经费")["indicators_raw"])
    assert cleaning[0].name == "完成保洁、整体清运工作"
    assert cleaning[1].annual_value == "重大火警、水涝、偷盗等事故发生次数为0"


def test_markup_is_gone() -> None:
    marked = [p for p in PROJECTS if "<p>" in p["indicators_raw"]]
    assert [p["name"] for p in marked] == [
        "其他就业补助支出（市区共担区级部分）",
        "自谋职业随军家属专项补贴",
    ]
    for project in marked:
        assert project["indicators_raw"].startswith("<p>1、")
        assert project["indicators_raw"].endswith("。</p>")
        items = parse_coded_indicators(project["indicators_raw"])
        written = format_coded_indicators(items)
        assert "<" not in written
        assert ">" not in written
        assert written.startswith("1、")
        assert written.endswith("。")
        for item in items:
            for value in (item.name, item.period_value, item.annual_value):
                assert "<" not in value
                assert ">" not in value
    last = parse_coded_indicators(marked[0]["indicators_raw"])[-1]
    assert last.annual_value == "≥98%"


# --- strip_markup -------------------------------------------------------------


def test_strip_markup() -> None:
    assert strip_markup("  <p>a<br>b<br/>c</p>\n<p>d &amp; e&lt;</p> ") == "abc\nd & e<"
    assert strip_markup("无标记") == "无标记"


# --- grammar edge cases -------------------------------------------------------


def test_empty_cell_and_empty_values() -> None:
    assert parse_coded_indicators("") == []
    assert parse_coded_indicators("<p></p>") == []
    items = parse_coded_indicators(
        "1、1-产出指标；11-数量指标；甲；实施周期指标值：；年度指标值:。"
    )
    assert items[0].period_value == ""
    assert items[0].annual_value == ""
    assert (
        format_coded_indicators(items)
        == "1、1-产出指标；11-数量指标；甲；实施周期指标值：；年度指标值：。"
    )


def test_whitespace_between_paragraphs_is_tolerated() -> None:
    text = (
        "<p>1、1-产出指标；11-数量指标；甲；实施周期指标值：≥1人；年度指标值：≥1人。</p>\n"
        "<p>2、2-效益指标；22-社会效益；乙；实施周期指标值：a:b；年度指标值：c。d。</p>"
    )
    items = parse_coded_indicators(text)
    assert [item.seq for item in items] == [1, 2]
    assert items[1].period_value == "a:b"
    assert items[1].annual_value == "c。d"


GOOD_1 = "1、1-产出指标；11-数量指标；甲；实施周期指标值：a；年度指标值：b。"


@pytest.mark.parametrize(
    ("text", "item_number", "fragment"),
    [
        # Text before the first item.
        ("说明：" + GOOD_1, 1, "说明："),
        # Level-1 code without "-".
        (
            GOOD_1
            + "2、1产出指标；11-数量指标；乙；实施周期指标值：a；年度指标值：b。",
            2,
            "2、1产出指标",
        ),
        # Numbering gap.
        (
            GOOD_1
            + "3、1-产出指标；11-数量指标；乙；实施周期指标值：a；年度指标值：b。",
            2,
            "3、1-产出指标",
        ),
        # Missing colon after the period label.
        (
            GOOD_1 + "2、1-产出指标；11-数量指标；乙；实施周期指标值a；年度指标值：b。",
            2,
            "实施周期指标值a",
        ),
        # Missing annual value label.
        (
            GOOD_1 + "2、1-产出指标；11-数量指标；乙；实施周期指标值：a。",
            2,
            "2、1-产出指标",
        ),
        # Empty level-3 name.
        (
            GOOD_1 + "2、1-产出指标；11-数量指标；；实施周期指标值：a；年度指标值：b。",
            2,
            "11-数量指标；；",
        ),
        # Missing final "。".
        (
            GOOD_1 + "2、1-产出指标；11-数量指标；乙；实施周期指标值：a；年度指标值：b",
            2,
            "年度指标值：b",
        ),
        # Trailing text after the last item.
        (GOOD_1 + "备注", 1, "备注"),
        # Level-2 part missing entirely.
        (
            "1、1-产出指标；甲；实施周期指标值：a；年度指标值：b。",
            1,
            "1、1-产出指标；甲",
        ),
    ],
)
def test_malformed_cells_raise(text: str, item_number: int, fragment: str) -> None:
    with pytest.raises(CodedIndicatorError) as excinfo:
        parse_coded_indicators(text)
    message = str(excinfo.value)
    assert f"第{item_number}项" in message
    assert fragment in message
    assert isinstance(excinfo.value, ValueError)


# --- property: parse(format(items)) == items ------------------------------------

_LABELS = ("实施周期指标值", "年度指标值")
# No separators ("；", "。") and nothing that looks like markup; colons, "、",
# "-", digits, "%" and "≥" are allowed because real values contain them.
_ALPHABET = (
    "甲乙丙人次率万元月标准达到完成实施周期年度指标值abcXYZ0123456789 %≥≤=-、:：，（）/"
)


def _text(min_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_ALPHABET, min_size=min_size, max_size=20).filter(
        lambda s: not any(label in s for label in _LABELS)
    )


@st.composite
def _indicator_lists(draw: st.DrawFn) -> list[CodedIndicator]:
    count = draw(st.integers(min_value=0, max_value=6))
    items = []
    for seq in range(1, count + 1):
        items.append(
            CodedIndicator(
                seq=seq,
                level1_code=draw(
                    st.text(alphabet="0123456789", min_size=1, max_size=2)
                ),
                level1_name=draw(_text(1)),
                level2_code=draw(
                    st.text(alphabet="0123456789", min_size=1, max_size=3)
                ),
                level2_name=draw(_text(1)),
                name=draw(_text(1)),
                period_value=draw(_text(0)),
                annual_value=draw(_text(0)),
            )
        )
    return items


@settings(database=None, max_examples=300)
@given(_indicator_lists())
def test_parse_format_round_trip(items: list[CodedIndicator]) -> None:
    assert parse_coded_indicators(format_coded_indicators(items)) == items
