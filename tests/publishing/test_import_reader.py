"""Cell values as the importer reads them: numbers, text, rates, refusals."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from publishing import cell_values as V
from publishing import reader as R


@dataclass
class Cell:
    value: object
    data_type: str = "n"
    number_format: str = "General"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10470.27, Decimal("10470.27")),
        # Excel's binary float noise disappears at 15 significant digits.
        (10470.270000000001, Decimal("10470.27")),
        (0.1 + 0.2, Decimal("0.30")),
        (15, Decimal("15.00")),
        ("10,470.27", Decimal("10470.27")),
        ("１０４７０．２７", Decimal("10470.27")),
        (" 565.37 ", Decimal("565.37")),
        ("0", Decimal("0.00")),
    ],
)
def test_money_reads_numbers_and_printed_text(value, expected):
    assert V.money(Cell(value)) == expected


@pytest.mark.parametrize("value", [None, "", "  ", "不适用", "—", "-"])
def test_money_blank_markers_are_none(value):
    assert V.money(Cell(value)) is None


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (Cell(-5), "金额不能为负数（-5）"),
        (Cell("-1,000.00"), "金额不能为负数"),
        (Cell("一万"), "“一万”不是数字"),
        (Cell("10,47.27"), "不是数字"),
        (Cell(12.345), "金额 12.345 超过两位小数"),
        (Cell("=SUM(D7:G7)", data_type="f"), "是公式“=SUM(D7:G7)”"),
        (Cell(dt.datetime(2021, 5, 1)), "是日期（2021-05-01），不是金额"),
        (Cell("#DIV/0!", data_type="e"), "Excel 错误值 #DIV/0!"),
        (Cell(True), "是逻辑值 TRUE"),
        (Cell(1e11), "超过上限"),
    ],
)
def test_money_refuses_what_is_not_an_amount(cell, message):
    with pytest.raises(V.CellProblem) as caught:
        V.money(cell)
    assert message in str(caught.value)


def test_formula_message_asks_to_paste_as_values():
    with pytest.raises(V.CellProblem) as caught:
        V.money(Cell("=D7*2", data_type="f"))
    assert "选择性粘贴 → 数值" in str(caught.value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (Cell("98.39%"), Decimal("98.39")),
        (Cell("98.39"), Decimal("98.39")),
        (Cell("98.39％"), Decimal("98.39")),
        # A fraction shown as a percentage: 0.9839 formatted 0.00%.
        (Cell(0.9839, number_format="0.00%"), Decimal("98.39")),
        (Cell(0.66319999999, number_format="0.00%"), Decimal("66.32")),
        # Seed 001 prints rates without a % sign: the bare number is per cent.
        (Cell(98.74), Decimal("98.74")),
        (Cell(100), Decimal("100.00")),
        (Cell(0, number_format="0.00%"), Decimal("0.00")),
        (Cell("不适用"), None),
        (Cell(None), None),
    ],
)
def test_rate_reads_every_printed_form(cell, expected):
    assert V.rate(cell) == expected


def test_rate_rounds_half_up_to_two_places():
    assert V.rate(Cell(0.98385, number_format="0.00%")) == Decimal("98.39")
    assert V.rate(Cell("42.755")) == Decimal("42.76")


def test_score_may_be_negative_and_keeps_two_places():
    assert V.score(Cell(-2.5)) == Decimal("-2.50")
    assert V.score(Cell("1.48")) == Decimal("1.48")
    with pytest.raises(V.CellProblem, match=r"分值 1\.485 超过两位小数"):
        V.score(Cell(1.485))


def test_integer_sequence_numbers():
    assert V.integer(Cell(3.0)) == 3
    assert V.integer(Cell("12")) == 12
    with pytest.raises(V.CellProblem, match="不是整数"):
        V.integer(Cell(1.5))
    with pytest.raises(V.CellProblem, match="不是整数"):
        V.integer(Cell("一"))


def test_text_cells_keep_line_breaks_and_print_numbers_plainly():
    assert V.text(Cell("1.完成\r\n2.未完成 ")) == "1.完成\n2.未完成"
    assert V.text(Cell("1.完成_x000D_\n2.未完成")) == "1.完成\n2.未完成"
    assert V.text(Cell(0.95)) == "0.95"
    assert V.text(Cell(1500.0)) == "1500"
    assert V.text(Cell(dt.datetime(2021, 12, 31))) == "2021-12-31"
    with pytest.raises(V.CellProblem, match="是公式"):
        V.text(Cell("=A1", data_type="f"))


def test_header_labels_ignore_breaks_widths_units_and_aliases():
    assert R.label("预算支出\n执行率") == "预算支出执行率"
    assert R.label("其中: 财政拨款") == R.label("其中：财政拨款")
    assert R.label("单位名称") == R.label("部门名称")
    assert R.label("预算支出执行率（%）") == "预算支出执行率"


def test_problem_names_sheet_row_column_and_label():
    problem = R.ImportProblem(
        "金额不能为负数（-5）。",
        sheet="Sheet1",
        row=7,
        column="D",
        label="项目年度预算金额·合计",
    )
    assert str(problem) == (
        "工作表“Sheet1” 第 7 行 第 D 列（项目年度预算金额·合计）："
        "金额不能为负数（-5）。"
    )
    assert str(R.ImportProblem("文件是空的。")) == "文件是空的。"
    assert str(R.ImportProblem("表格在隐藏的工作表中。", sheet="隐藏")) == (
        "工作表“隐藏”：表格在隐藏的工作表中。"
    )
