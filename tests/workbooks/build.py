"""Write the hand-typed workbooks of the five seed tables and their manifest.

Each workbook reproduces the published layout of one seed table (``shared/seeds``)
the way a department finance clerk types it into Excel: title block, merged
multi-row header, header repeated where the published PDF starts a new page,
amounts typed as numbers, rates as text or as percent-formatted numbers, numbered
lists inside one cell separated by Alt+Enter line breaks. The cell values come from
the transcription in ``fixtures/seeds/*.json``; nothing from the ``publishing``
package is used, so the workbooks do not depend on our own exporter.

Run ``python -m tests.workbooks.build`` from the project root, or call
``build_all(target_dir)``. Output: one ``seed_*.xlsx`` per seed and
``expected.json`` (what an import of each workbook must give back).
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "fixtures" / "seeds"

SEEDS = {
    "000": "000_longgang_jiuye_2021.json",
    "001": "001_longgang_rsj_2020.json",
    "002": "002_longgang_zhixun_2021.json",
    "003": "003_panyu_jiuye_2025.json",
    "004": "004_panyu_rsj_2021.json",
}

# --- styles -------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
LEFT_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
PLAIN = Alignment(horizontal="left", vertical="center")
BODY = Font(name="宋体", size=10)
BOLD = Font(name="宋体", size=10, bold=True)
TITLE = Font(name="宋体", size=16, bold=True)
SUBTITLE = Font(name="宋体", size=12, bold=True)

AMOUNT_THOUSANDS = "#,##0.00"
AMOUNT_PLAIN = "0.00"
PERCENT = "0.00%"
GENERAL = "General"


def _put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any = None,
    *,
    fmt: str | None = None,
    align: Alignment = LEFT,
    font: Font = BODY,
    border: bool = True,
) -> None:
    cell = ws.cell(row=row, column=col)
    if value is not None and value != "":
        cell.value = value
    if fmt:
        cell.number_format = fmt
    cell.alignment = align
    cell.font = font
    if border:
        cell.border = BOX


def _merge(
    ws: Worksheet,
    r1: int,
    c1: int,
    r2: int,
    c2: int,
    value: Any = None,
    *,
    border: bool = True,
    **style: Any,
) -> None:
    """Write value in the top-left cell and merge r1:c1..r2:c2 (style every cell)."""
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            _put(
                ws, r, c, value if (r, c) == (r1, c1) else None, border=border, **style
            )
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _number(text: str) -> int | float:
    """A printed figure as the number a clerk types ('15' -> 15, '96.6' -> 96.6)."""
    value = Decimal(text)
    return int(value) if "." not in text else float(value)


def _amount(fmt: str) -> Callable[[str | None], tuple[Any, str | None]]:
    def typed(text: str | None) -> tuple[Any, str | None]:
        if text is None:
            return None, None
        return (float(Decimal(text)), fmt) if fmt != GENERAL else (_number(text), fmt)

    return typed


def _rate(mode: str, text: str | None) -> tuple[Any, str | None]:
    """The 预算支出执行率 cell: '98.39%' text, 0.9839 as 0.00%, or bare 98.39."""
    if text is None:
        return None, None
    if mode == "text":
        return f"{text}%", None
    if mode == "percent":
        return float(Decimal(text) / 100), PERCENT
    return _number(text), GENERAL


def _thousands(text: str) -> str:
    """'10951.18' -> '10,951.18' (as pasted from the PDF into a text cell)."""
    return f"{Decimal(text):,.2f}"


# --- row heights --------------------------------------------------------------
# Excel never auto-fits rows whose text sits in merged cells, and LibreOffice only
# does on load; a clerk drags the rows taller by hand. Heights are set from the
# text and the column widths so the files print like the published tables.


def _text_units(line: str) -> float:
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in line)


def _lines(text: str, width: float) -> int:
    per_line = max(width - 1.5, 2.0)
    return sum(
        max(1, math.ceil(_text_units(part) / per_line)) for part in text.split("\n")
    )


def _fit_rows(ws: Worksheet, rows: Iterable[int], *, line_pt: float = 13.5) -> None:
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (
            rng.max_row - rng.min_row + 1,
            rng.max_col - rng.min_col + 1,
        )
        covered.update(
            (r, c)
            for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)
            if (r, c) != (rng.min_row, rng.min_col)
        )
    for row in rows:
        lines = 1
        for cell in ws[row]:
            if cell.value is None or (row, cell.column) in covered:
                continue
            height, width = spans.get((row, cell.column), (1, 1))
            if height > 1:
                continue
            total = sum(
                ws.column_dimensions[get_column_letter(c)].width or 8.43
                for c in range(cell.column, cell.column + width)
            )
            text = cell.value if isinstance(cell.value, str) else str(cell.value)
            lines = max(lines, _lines(text, total))
        ws.row_dimensions[row].height = min(409.0, max(15.0, lines * line_pt + 3))


def _new_page(ws: Worksheet, row: int) -> None:
    """Manual page break above row (where the PDF starts a new page)."""
    ws.row_breaks.append(Break(id=row - 1))


def _widths(ws: Worksheet, widths: Iterable[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _landscape(ws: Worksheet, *, paper: int = 8) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper  # 8 = A3, 9 = A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


# --- 部门预算项目绩效自评表 (seeds 000, 001, 002) ------------------------------

MONEY = ("total", "general", "fund", "non_fiscal")
INDICATORS = (
    "quantity",
    "quality",
    "timeliness",
    "economic",
    "social",
    "ecological",
    "satisfaction",
)


def _project_header(
    ws: Worksheet,
    top: int,
    *,
    variant: str,
    unit_label: str,
    breaks: bool,
    colon: str = "：",
) -> None:
    """The 3-row header of domain-spec §2.1 (variant A) / §2.2 (variant B)."""

    def br(first: str, second: str) -> str:
        return f"{first}\n{second}" if breaks else first + second

    cells: list[tuple[str, int, int, int, int]] = [  # text, row, col, rows, cols
        ("序号", 0, 1, 3, 1),
        (unit_label, 0, 2, 3, 1),
        ("项目名称", 0, 3, 3, 1),
    ]

    def split(col: int) -> list[tuple[str, int, int, int, int]]:
        return [
            ("合计", 1, col, 2, 1),
            (f"其中{colon}财政拨款", 1, col + 1, 1, 2),
            (br("非财政", "资金"), 1, col + 3, 2, 1),
            (br("一般公共预", "算"), 2, col + 1, 1, 1),
            (br("政府性", "基金"), 2, col + 2, 1, 1),
        ]

    col = 4
    if variant == "A":
        cells += [("项目年度预算金额", 0, col, 1, 4), *split(col)]
        col += 4
    else:
        cells.append(("项目年度预算金额", 0, col, 3, 1))
        col += 1
    cells += [("实际支出金额", 0, col, 1, 4), *split(col)]
    col += 4
    for text in (
        br("预算支出", "执行率"),
        "年初绩效目标",
        br("绩效目标整体完", "成情况"),
    ):
        cells.append((text, 0, col, 3, 1))
        col += 1
    groups = (
        ("产出目标", ("数量指标", "质量指标", "时效指标")),
        ("效益目标", ("经济效益指标", "社会效益指标", "生态效益指标")),
        ("满意度指标", ("服务对象满意度指标",)),
    )
    for group, subs in groups:
        cells.append((group, 0, col, 1, 2 * len(subs)))
        for sub in subs:
            cells += [
                (sub, 1, col, 1, 2),
                ("年度指标内容", 2, col, 1, 1),
                ("完成情况", 2, col + 1, 1, 1),
            ]
            col += 2
    cells += [
        (br("项目执行中", "存在的问题"), 0, col, 3, 1),
        ("整改情况", 0, col + 1, 3, 1),
    ]
    for text, r, c, rows, cols in cells:
        _merge(
            ws,
            top + r,
            c,
            top + r + rows - 1,
            c + cols - 1,
            text,
            align=CENTER,
            font=BOLD,
        )


def _project_row(
    ws: Worksheet,
    row: int,
    project: dict,
    *,
    variant: str,
    amount: Callable[[str | None], tuple[Any, str | None]],
    rate_mode: str,
    write_unit: bool = True,
) -> None:
    budget = project["budget"]
    actual = project["actual"]
    cells: list[tuple[Any, str | None, Alignment]] = [
        (project["seq"], None, CENTER),
        (project["unit_name"] if write_unit else None, None, CENTER),
        (project["name"], None, CENTER),
    ]
    budget_keys = MONEY if variant == "A" else ("total",)
    cells += [(*amount(budget[k]), RIGHT) for k in budget_keys]
    cells += [(*amount(actual[k]), RIGHT) for k in MONEY]
    cells.append((*_rate(rate_mode, project["execution_rate_printed"]), RIGHT))
    cells += [(project["goal"], None, LEFT), (project["completion"], None, LEFT)]
    for key in INDICATORS:
        pair = project["indicators"][key]
        cells += [(pair["target"], None, LEFT), (pair["actual"], None, LEFT)]
    cells += [(project["problems"], None, LEFT), (project["rectification"], None, LEFT)]
    for col, (value, fmt, align) in enumerate(cells, start=1):
        _put(ws, row, col, value, fmt=fmt, align=align)


def _total_row(
    ws: Worksheet,
    row: int,
    totals: dict,
    *,
    label: str,
    variant: str,
    amount: Callable[[str | None], tuple[Any, str | None]],
    rate_mode: str,
    ncols: int,
) -> None:
    _merge(ws, row, 1, row, 3, label, align=CENTER, font=BOLD)
    values: list[tuple[Any, str | None]] = []
    budget_keys = MONEY if variant == "A" else ("total",)
    values += [amount(totals["budget"][k]) for k in budget_keys]
    values += [amount(totals["actual"][k]) for k in MONEY]
    values.append(_rate(rate_mode, totals["execution_rate"]))
    for col, (value, fmt) in enumerate(values, start=4):
        _put(ws, row, col, value, fmt=fmt, align=RIGHT, font=BOLD)
    for col in range(4 + len(values), ncols + 1):
        _put(ws, row, col)


def _project_widths(variant: str) -> list[float]:
    money = [11.0] * (8 if variant == "A" else 5)
    return [
        5.0,  # 序号
        10.0,  # 部门/单位名称
        11.0,  # 项目名称
        *money,
        9.0,  # 执行率
        20.0,  # 年初绩效目标
        20.0,  # 整体完成情况
        *[26.0, 24.0] * 3,  # 产出
        *[16.0, 16.0] * 3,  # 效益
        14.0,
        20.0,  # 满意度
        12.0,
        14.0,  # 问题, 整改
    ]


def _banner(
    ws: Worksheet,
    row: int,
    ncols: int,
    text: str,
    *,
    font: Font = TITLE,
    height: float = 30,
) -> None:
    """A centred title line merged across the table, without borders."""
    _merge(ws, row, 1, row, ncols, text, align=CENTER, font=font, border=False)
    ws.row_dimensions[row].height = height


def _title_block(
    ws: Worksheet,
    top: int,
    ncols: int,
    *,
    title: str,
    label: str,
    unit: str,
    label_cols: int = 14,
) -> None:
    _banner(ws, top, ncols, title)
    _merge(ws, top + 1, 1, top + 1, label_cols, label, font=BOLD, border=False)
    _merge(ws, top + 1, ncols - 1, top + 1, ncols, unit, align=RIGHT, border=False)
    ws.row_dimensions[top + 1].height = 20


def build_000(data: dict, ws: Worksheet) -> dict:
    """2021 深圳市龙岗区劳动就业服务中心, variant A, 4 projects and 合   计."""
    variant = data["variant"]
    ncols = 30
    _widths(ws, _project_widths(variant))
    _put(ws, 1, 1, data["attachment_label"], align=PLAIN, font=BOLD, border=False)
    _title_block(
        ws,
        2,
        ncols,
        title=data["title_printed"],
        label=f"部门名称（盖章）： {data['department_name']}",
        unit="单位：万元",
    )
    _project_header(
        ws, 4, variant=variant, unit_label=data["unit_column_label"], breaks=True
    )
    amount = _amount(AMOUNT_THOUSANDS)
    rates = ("text", "percent", "text", "percent")
    rows = []
    for index, project in enumerate(data["projects"]):
        row = 7 + index
        rows.append(row)
        _project_row(
            ws, row, project, variant=variant, amount=amount, rate_mode=rates[index]
        )
    total = rows[-1] + 1
    _total_row(
        ws,
        total,
        data["totals_printed"],
        label="合   计",
        variant=variant,
        amount=amount,
        rate_mode="text",
        ncols=ncols,
    )
    _fit_rows(ws, [*range(4, 7), *rows, total])
    _landscape(ws)
    ws.print_title_rows = "4:6"
    return {
        "title_row": 2,
        "header_rows": [[4, 6]],
        "project_rows": rows,
        "total_row": total,
        "note_rows": [],
        "typing": [
            "附件2： in A1; title merged A2:AD2; A3 '部门名称（盖章）： …' (a space "
            "after the colon, as printed) and AC3:AD3 '单位：万元'",
            "header texts carry Alt+Enter line breaks where the PDF wraps them "
            "('预算支出\\n执行率', '非财政\\n资金', '一般公共预\\n算', …)",
            "amounts are numbers formatted #,##0.00",
            "预算支出执行率: projects 1 and 3 (rows 7, 9) and 合   计 are text "
            "('98.39%'), projects 2 and 4 (rows 8, 10) are numbers formatted 0.00% "
            "(0.6632 shows 66.32%)",
            "部门名称 typed on every row; '合   计' (three spaces) merged A:C",
        ],
    }


def build_001(data: dict, ws: Worksheet) -> dict:
    """2020 深圳市龙岗区人力资源局（本级）, variant B, 19 projects, 合计, 备注."""
    variant = data["variant"]
    ncols = 27
    _widths(ws, _project_widths(variant))
    _title_block(
        ws,
        1,
        ncols,
        title=data["title_printed"],
        label=f"部门名称（盖章）：{data['department_name']}",
        unit="单位：万元",
    )
    amount = _amount(GENERAL)
    unit_name = next(p["unit_name"] for p in data["projects"] if p["unit_name"])
    label = data["unit_column_label"]
    first, second = data["projects"][:10], data["projects"][10:]
    blocks = [(3, first), (6 + len(first), second)]  # header top, projects
    rows: list[int] = []
    headers: list[list[int]] = []
    unit_merges: list[str] = []
    for top, projects in blocks:
        _project_header(ws, top, variant=variant, unit_label=label, breaks=False)
        headers.append([top, top + 2])
        if top != 3:
            _new_page(ws, top)
        block_rows = [top + 3 + i for i in range(len(projects))]
        for row, project in zip(block_rows, projects, strict=True):
            _project_row(
                ws,
                row,
                project,
                variant=variant,
                amount=amount,
                rate_mode="bare",
                write_unit=False,
            )
        # 单位名称 is one cell merged down the rows of each printed block.
        _merge(ws, block_rows[0], 2, block_rows[-1], 2, unit_name, align=CENTER)
        unit_merges.append(f"B{block_rows[0]}:B{block_rows[-1]}")
        rows += block_rows
    total = rows[-1] + 1
    _total_row(
        ws,
        total,
        data["totals_printed"],
        label="合计",
        variant=variant,
        amount=amount,
        rate_mode="bare",
        ncols=ncols,
    )
    notes = [f"备注：1. {data['notes'][0]}", f"2. {data['notes'][1]}"]
    note_rows = [total + 1, total + 2]
    for row, text in zip(note_rows, notes, strict=True):
        _merge(ws, row, 1, row, 16, text, border=False)
        ws.row_dimensions[row].height = 18
    _fit_rows(ws, [r for a, b in headers for r in range(a, b + 1)] + rows + [total])
    _landscape(ws)
    return {
        "title_row": 1,
        "header_rows": headers,
        "project_rows": rows,
        "total_row": total,
        "note_rows": note_rows,
        "unit_name_merges": unit_merges,
        "typing": [
            "no 附件 line; title merged A1:AA1; A2 '部门名称（盖章）：…', Z2:AA2 "
            "'单位：万元'",
            "variant B: 项目年度预算金额 is one column (D, rows 3-5 merged)",
            "the 3-row header is typed again after project 10 (rows "
            f"{headers[1][0]}-{headers[1][1]}), as the PDF repeats it on the next "
            "page",
            f"单位名称 '{unit_name}' is one cell merged vertically over each block "
            f"of projects ({', '.join(unit_merges)}); the other rows of column B "
            "are empty",
            "amounts and rates are numbers in General format, typed as printed "
            "(15, 96.6, 0, 98.74 - no % sign, no padding)",
            "合计 merged A:C, rate cell blank; '备注：1. …' and '2. …' in two rows "
            "below (A:P merged, no border)",
            "indicator cells printed empty in the published table are empty",
        ],
    }


def build_002(data: dict, ws: Worksheet) -> dict:
    """2021 深圳市龙岗区职业训练中心, variant A, 9 projects, no 合计."""
    variant = data["variant"]
    ncols = 30
    _widths(ws, _project_widths(variant))
    _title_block(
        ws,
        1,
        ncols,
        title=data["title_printed"],
        label=f"部门名称(盖章): {data['department_name']}",
        unit="单位: 万元",
    )
    amount = _amount(AMOUNT_PLAIN)
    label = data["unit_column_label"]
    first, second = data["projects"][:6], data["projects"][6:]
    blocks = [(3, first, ": "), (6 + len(first), second, "：")]
    rows: list[int] = []
    headers: list[list[int]] = []
    for top, projects, colon in blocks:
        _project_header(
            ws, top, variant=variant, unit_label=label, breaks=False, colon=colon
        )
        headers.append([top, top + 2])
        if top != 3:
            _new_page(ws, top)
        for index, project in enumerate(projects):
            row = top + 3 + index
            rows.append(row)
            _project_row(
                ws, row, project, variant=variant, amount=amount, rate_mode="percent"
            )
    _fit_rows(ws, [r for a, b in headers for r in range(a, b + 1)] + rows)
    _landscape(ws)
    return {
        "title_row": 1,
        "header_rows": headers,
        "project_rows": rows,
        "total_row": None,
        "note_rows": [],
        "typing": [
            "title typed as printed: '2021年度XX部门预算项目绩效自评表' (the "
            "department is only in A2)",
            "A2 '部门名称(盖章): 深圳市龙岗区职业训练中心' and AC2:AD2 '单位: 万元' "
            "with half-width brackets/colons and a space, as page 1 prints them",
            "first header (rows 3-5) reads '其中: 财政拨款' (half-width colon and "
            "space, page 1); the header typed again after project 6 (rows "
            f"{headers[1][0]}-{headers[1][1]}) reads '其中：财政拨款' (page 2)",
            "amounts are numbers formatted 0.00 (no thousands separator)",
            "rates are numbers formatted 0.00% (0.9841 shows 98.41%); the "
            "zero-budget project 教师慰问奖励 has 0 shown as 0.00%",
            "no 合计 row, no 备注; 部门名称 column typed on every row as "
            "'龙岗区职业训练中心'",
            "the workbook also has the empty default sheets Sheet2 and Sheet3",
        ],
    }


# --- 项目支出绩效目标表 (seed 003) ----------------------------------------------

TARGET_HEADER = (
    "项目名称（资金使用单位）",
    "总计",
    "财政拨款",
    "财政专户拨款",
    "其他资金",
    "绩效目标",
    "绩效指标",
)


def build_003(data: dict, ws: Worksheet) -> dict:
    """2025 广州市番禺区劳动就业服务管理中心 项目支出绩效目标表, 12 projects."""
    _widths(ws, [30.0, 12.0, 12.0, 12.0, 10.0, 50.0, 80.0])
    ncols = len(TARGET_HEADER)
    _banner(ws, 1, ncols, data["title_printed"])
    label = f"单位名称：{data['department_name']}"
    _merge(ws, 2, 1, 2, 4, label, font=BOLD, border=False)
    _put(ws, 3, ncols, "单位：万元", align=RIGHT, border=False)

    def header(row: int) -> None:
        for col, text in enumerate(TARGET_HEADER, start=1):
            _put(ws, row, col, text, align=CENTER, font=BOLD)

    # Amounts are numbers (#,##0.00), except two that were pasted from the PDF
    # as text with the thousands separator.
    as_text = {(0, "total"), (3, "fiscal")}

    def money_row(row: int, values: dict, index: int | None, bold: bool) -> None:
        for col, key in enumerate(("total", "fiscal", "special_account", "other"), 2):
            text = values[key]
            if text is None:
                _put(ws, row, col)
            elif (index, key) in as_text:
                _put(ws, row, col, _thousands(text), align=RIGHT)
            else:
                _put(
                    ws,
                    row,
                    col,
                    float(Decimal(text)),
                    fmt=AMOUNT_THOUSANDS,
                    align=RIGHT,
                    font=BOLD if bold else BODY,
                )

    header(4)
    _put(ws, 5, 1, "合计", align=CENTER, font=BOLD)
    money_row(5, data["totals_printed"], None, True)
    _put(ws, 5, 6)
    _put(ws, 5, 7)
    unit_rows = []
    row = 6
    for unit in data["unit_rows"]:
        _put(ws, row, 1, unit["name"], font=BOLD)
        money_row(row, unit, None, True)
        _put(ws, row, 6)
        _put(ws, row, 7)
        unit_rows.append(row)
        row += 1
    headers = [[4, 4]]
    rows = []
    for index, project in enumerate(data["projects"]):
        if index == 2:  # the PDF starts page 2 here and repeats the header
            header(row)
            headers.append([row, row])
            _new_page(ws, row)
            row += 1
        _put(ws, row, 1, project["name"])
        money_row(row, project, index, False)
        _put(ws, row, 6, project["goal_raw"], align=LEFT_TOP)
        _put(ws, row, 7, project["indicators_raw"], align=LEFT_TOP)
        rows.append(row)
        row += 1
    _fit_rows(ws, [4, 5, *unit_rows, *rows, *(h[0] for h in headers)])
    _landscape(ws)
    return {
        "title_row": 1,
        "header_rows": headers,
        "total_row": 5,
        "unit_rows": unit_rows,
        "project_rows": rows,
        "typing": [
            "A1:G1 title; A2 '单位名称：…'; G3 '单位：万元' on its own row",
            "header row 4: 项目名称（资金使用单位） | 总计 | 财政拨款 | 财政专户拨款 | "
            f"其他资金 | 绩效目标 | 绩效指标; typed again in row {headers[1][0]} "
            "(page 2 of the PDF)",
            "row 5 合计, row 6 the unit (资金使用单位) with its totals, then projects",
            "amounts are numbers formatted #,##0.00, except "
            + " and ".join(
                f"{get_column_letter(2 if k == 'total' else 3)}{rows[i]} "
                f"'{_thousands(data['projects'][i][k])}'"
                for i, k in sorted(as_text)
            )
            + " which are TEXT with the thousands separator",
            "财政专户拨款 and 其他资金 are empty in every row",
            "绩效目标/绩效指标 cells exactly as printed, one line each, with the "
            "<p>…</p> markup of the first two projects",
        ],
    }


# --- 部门整体支出绩效自评表 (seed 004) ------------------------------------------

SCALE_GROUPS = (
    ("按资金来源", (("fiscal", "财政拨款"), ("other", "其他资金"))),
    ("按资金结构", (("basic", "基本支出"), ("project", "项目支出"))),
    ("按预算级次", (("district_level", "区本级支出"), ("transfer", "转移支付区"))),
)


def _score_value(text: str) -> Any:
    """Weights and scores typed as numbers."""
    return _number(text) if text != "" else None


def _indicator_value(text: str) -> Any:
    """年度指标值 / 实际完成指标值: a bare number becomes a number, the rest text."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _number(text)
    return text


def build_004(data: dict, ws: Worksheet) -> dict:
    """2021 广州市番禺区人力资源和社会保障局 部门整体支出绩效自评表."""
    ncols = 11
    _widths(ws, [9.0, 10.0, 16.0, 10.0, 18.0, 10.0, 26.0, 28.0, 10.0, 26.0, 8.0])
    _banner(ws, 1, ncols, "部门整体支出绩效自评表")
    _banner(ws, 2, ncols, f"（{data['year']}年度）", font=SUBTITLE, height=20)

    # basic information
    _merge(ws, 3, 1, 3, ncols, "单位基本情况", align=CENTER, font=BOLD)
    _merge(ws, 4, 1, 4, 2, "单位名称", align=CENTER, font=BOLD)
    _merge(ws, 4, 3, 4, 8, data["department_name"], align=CENTER)
    _merge(ws, 4, 9, 4, 11, f"单位数：{data['unit_count']}个单位", align=CENTER)
    texts = (
        ("年度整体绩效目标", data["overall_goal"]),
        ("整体绩效目标完成情况", data["completion"]),
        ("未能完成原因", data["unfinished_reasons"]),
    )
    for row, (label, text) in enumerate(texts, start=5):
        _merge(ws, row, 1, row, 2, label, align=CENTER, font=BOLD)
        _merge(ws, row, 3, row, ncols, text)

    # spending scale: rows 8-12
    _merge(ws, 8, 1, 12, 2, "年度部门整体支出规模\n（万元）", align=CENTER, font=BOLD)
    _merge(ws, 8, 3, 9, 3)
    scale = data["spending_scale"]
    col = 4
    for group, members in SCALE_GROUPS:
        last = col + len(members) - 1 if group != "按预算级次" else ncols
        _merge(ws, 8, col, 8, last, group, align=CENTER, font=BOLD)
        for key, label in members:
            end = ncols if key == "transfer" else col
            _merge(ws, 9, col, 9, end, label, align=CENTER, font=BOLD)
            for row, part in ((10, "budget"), (11, "actual")):
                value = float(Decimal(scale[part][key]))
                _merge(ws, row, col, row, end, value, fmt=AMOUNT_PLAIN, align=RIGHT)
            _merge(ws, 12, col, 12, end, f"{scale['rate_printed'][key]}%", align=RIGHT)
            col += 1
    for row, label in ((10, "全年预算数"), (11, "全年执行数"), (12, "完成率")):
        _put(ws, row, 3, label, align=CENTER, font=BOLD)

    # scored table
    items = data["items"]
    management = [i for i in items if i["level1"] == "管理效能"]
    performance = [i for i in items if i["level1"] != "管理效能"]
    lead = ("一级指标", "分值", "二级指标", "分值", "三级指标", "分值")
    row = 13
    for col, text in enumerate(lead, start=1):
        _put(ws, row, col, text, align=CENTER, font=BOLD)
    _merge(ws, row, 7, row, 8, "指标解释", align=CENTER, font=BOLD)
    _put(ws, row, 9, "得分/自评分", align=CENTER, font=BOLD)
    _merge(
        ws, row, 10, row, 11, "评分依据、未达标原因、改进措施", align=CENTER, font=BOLD
    )
    header_rows = [row]
    item_rows: list[int] = []
    row += 1
    for item in management:
        _put(ws, row, 5, item["name"], align=CENTER)
        _put(ws, row, 6, _score_value(item["weight"]), align=CENTER)
        _merge(ws, row, 7, row, 8, item["explanation"])
        _put(ws, row, 9, _score_value(item["score"]), align=CENTER)
        _merge(ws, row, 10, row, 11, item["basis"])
        item_rows.append(row)
        row += 1
    for col, text in enumerate(lead, start=1):
        _put(ws, row, col, text, align=CENTER, font=BOLD)
    tail = (
        "年度指标值",
        "实际完成指标值",
        "得分/自评分",
        "评分依据、未达标原因、\n改进措施",
        "备注",
    )
    for col, text in enumerate(tail, start=7):
        _put(ws, row, col, text, align=CENTER, font=BOLD)
    header_rows.append(row)
    row += 1
    bonus_row = None
    for item in performance:
        _put(ws, row, 5, item["name"], align=CENTER)
        _put(ws, row, 6, _score_value(item["weight"]), align=CENTER)
        if item["level1"] == "加减分项":
            # printed as two text cells: the explanation, then the scoring rule
            explanation, _, rule = item["explanation"].partition("\n")
            _put(ws, row, 7, explanation)
            _put(ws, row, 8, rule)
            bonus_row = row
        else:
            _put(ws, row, 7, _indicator_value(item["target"]))
            _put(ws, row, 8, _indicator_value(item["actual"]))
        _put(ws, row, 9, _score_value(item["score"]), align=CENTER)
        _put(ws, row, 10, item["basis"])
        _put(ws, row, 11, item["remark"])
        item_rows.append(row)
        row += 1

    # 一级 and 二级 cells merged down over their rows
    level_merges: list[str] = []
    spans: list[tuple[str, int, int, int]] = []  # key, weight col, first, last
    for level in ("1", "2"):
        key = f"level{level}"
        start = 0
        for index in range(1, len(items) + 1):
            if index == len(items) or items[index][key] != items[start][key]:
                spans.append((key, 1 if level == "1" else 3, start, index - 1))
                start = index
    for key, col, first, last in spans:
        r1, r2 = item_rows[first], item_rows[last]
        item = items[first]
        font = BOLD if key == "level1" else BODY
        weight = _score_value(item[f"{key}_weight"])
        _merge(ws, r1, col, r2, col, item[key], align=CENTER, font=font)
        _merge(ws, r1, col + 1, r2, col + 1, weight, align=CENTER, font=font)
        if r2 > r1:
            level_merges.append(
                f"{get_column_letter(col)}{r1}:{get_column_letter(col)}{r2}"
            )

    total_row = row
    _put(ws, row, 1, "总分", align=CENTER, font=BOLD)
    _put(
        ws, row, 2, _score_value(data["total_weight_printed"]), align=CENTER, font=BOLD
    )
    _merge(ws, row, 3, row, 8)
    _put(ws, row, 9, _score_value(data["total_score_printed"]), align=CENTER, font=BOLD)
    _merge(ws, row, 10, row, 11)
    footnote_row = row + 1
    _merge(ws, footnote_row, 1, footnote_row, ncols, data["footnote"], border=False)

    _fit_rows(ws, [4, 5, 6, 7, *header_rows, *item_rows, total_row, footnote_row])
    _landscape(ws, paper=9)
    return {
        "title_rows": [1, 2],
        "basic_info_rows": {
            "unit": 4,
            "overall_goal": 5,
            "completion": 6,
            "unfinished_reasons": 7,
        },
        "spending_scale_rows": [8, 12],
        "header_rows": header_rows,
        "item_rows": item_rows,
        "bonus_row": bonus_row,
        "total_row": total_row,
        "footnote_row": footnote_row,
        "level_merges": level_merges,
        "typing": [
            "A1:K1 '部门整体支出绩效自评表', A2:K2 '（2021年度）'",
            "row 3 '单位基本情况' across; row 4 单位名称 (A:B) | name (C:H) | "
            "'单位数：9个单位' (I:K); rows 5-7 label (A:B) | text (C:K)",
            "rows 8-12: A8:B12 '年度部门整体支出规模\\n（万元）'; row 8 groups, row 9 "
            "columns, rows 10-11 amounts as numbers (0.00), row 12 完成率 as text "
            "('97.50%'); the last column (转移支付区) is merged I:K",
            "管理效能 block: header row 13 with 指标解释 merged G:H and 评分依据… "
            "merged J:K (also on every 管理效能 row)",
            f"履职效能 block: header row {header_rows[1]} (年度指标值 | 实际完成指标值 "
            "| 得分/自评分 | "
            "评分依据、未达标原因、\\n改进措施 | 备注); 加减分项 row follows under it",
            "一级 (A) / 分值 (B) and 二级 (C) / 分值 (D) cells are merged vertically "
            "over their rows (level_merges lists A and C; B and D are merged the "
            "same way); weights and scores are numbers",
            "加减分项 row: G holds the 指标解释 sentence and H the scoring rule "
            "('1.加分项：…\\n2.减分项：…'), as printed in two cells; the fixture's "
            "explanation is G + '\\n' + H",
            "年度指标值/实际完成指标值 are text, except bare numbers (0.95, 0) "
            "which are numbers",
            "总分 row: A '总分', B 100, C:H empty (merged), I 93.25; footnote "
            "'注：…' merged A:K below",
            "the 履职效能 header is typed once (the PDF repeats it with 履职效能 "
            "and 任务4 on the next page; not reproduced)",
        ],
    }


# --- driver -------------------------------------------------------------------

WORKBOOKS = (
    ("000", "seed_000_longgang_jiuye_2021.xlsx", "Sheet1", build_000),
    ("001", "seed_001_longgang_rsj_2020.xlsx", "项目自评表", build_001),
    ("002", "seed_002_longgang_zhixun_2021.xlsx", "Sheet1", build_002),
    ("003", "seed_003_panyu_jiuye_2025.xlsx", "项目支出绩效目标表", build_003),
    ("004", "seed_004_panyu_rsj_2021.xlsx", "部门整体支出绩效自评表", build_004),
)

_FIXED_TIME = "2022-01-01T00:00:00Z"


def _reproducible(path: Path) -> None:
    """Rewrite the zip with fixed timestamps so rebuilding gives the same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in entries:
            if name == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + _FIXED_TIME.encode(),
                    content,
                )
            info = zipfile.ZipInfo(name, date_time=(2022, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    path.write_bytes(buffer.getvalue())


def _manifest_entry(key: str, data: dict, file: str, sheet: str, rows: dict) -> dict:
    entry: dict[str, Any] = {
        "file": file,
        "sheet": sheet,
        "fixture": f"fixtures/seeds/{SEEDS[key]}",
        "source": data["source"],
        "layout": data["layout"],
        "variant": data.get("variant"),
        "department_name": data["department_name"],
        "year": data["year"],
    }
    if data["layout"] == "project_selfeval":
        entry |= {
            "title_printed": data["title_printed"],
            "unit_column_label": data["unit_column_label"],
            "project_count": len(data["projects"]),
            "project_names": [p["name"] for p in data["projects"]],
            "execution_rates_printed": [
                p["execution_rate_printed"] for p in data["projects"]
            ],
            "totals_printed": data["totals_printed"],
            "notes": data["notes"],
        }
    elif data["layout"] == "target":
        entry |= {
            "title_printed": data["title_printed"],
            "project_count": len(data["projects"]),
            "project_names": [p["name"] for p in data["projects"]],
            "totals_printed": data["totals_printed"],
            "unit_rows": data["unit_rows"],
        }
    else:
        level1: dict[str, dict[str, Any]] = {}
        for item in data["items"]:
            block = level1.setdefault(
                item["level1"],
                {"name": item["level1"], "weight": item["level1_weight"], "items": 0},
            )
            block["items"] += 1
        entry |= {
            "title_printed": "部门整体支出绩效自评表",
            "unit_count": data["unit_count"],
            "item_count": len(data["items"]),
            "level1": list(level1.values()),
            "spending_scale": data["spending_scale"],
            "total_weight_printed": data["total_weight_printed"],
            "total_score_printed": data["total_score_printed"],
            "footnote": data["footnote"],
        }
    entry["rows"] = {k: v for k, v in rows.items() if k != "typing"}
    entry["typing"] = rows["typing"]
    return entry


def build_all(target_dir: str | Path | None = None) -> list[Path]:
    """Write the five workbooks and expected.json into target_dir."""
    target = Path(target_dir) if target_dir is not None else HERE
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    manifest: list[dict] = []
    for key, file, sheet, builder in WORKBOOKS:
        data = json.loads((FIXTURES / SEEDS[key]).read_text(encoding="utf-8"))
        workbook = Workbook()
        ws = workbook.active
        ws.title = sheet
        rows = builder(data, ws)
        if key == "002":  # the old Excel default: two empty extra sheets
            workbook.create_sheet("Sheet2")
            workbook.create_sheet("Sheet3")
        workbook.properties.creator = "财务室"
        workbook.properties.lastModifiedBy = "财务室"
        path = target / file
        workbook.save(path)
        _reproducible(path)
        written.append(path)
        manifest.append(_manifest_entry(key, data, file, sheet, rows))
    expected = target / "expected.json"
    expected.write_text(
        json.dumps(
            {
                "about": "What importing each hand-made workbook must give back; "
                "values come from fixtures/seeds (written by build.py).",
                "workbooks": manifest,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    written.append(expected)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in build_all(args[0] if args else None):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
