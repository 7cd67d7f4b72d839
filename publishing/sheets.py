"""The content of an official table as a grid of cells, built from export_data.

`build(data)` turns the dict of `publishing.exports.export_data` into a
`Document`: sheets (a PDF page run / an Excel worksheet), each with blocks of
rows whose cells carry their spans, the text the PDF prints and the value the
workbook stores. The PDF template and the xlsx writer both render this one
structure, so the two files cannot disagree on a figure or a span; the column
trees and furniture come from `publishing.layouts`.

Pure: no database, no Django.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from publishing import layouts as L

NA = L.NOT_APPLICABLE
HUNDRED = Decimal(100)


# --------------------------------------------------------------------------
# Cells and their formatting
# --------------------------------------------------------------------------


@dataclass
class Cell:
    """One cell: the printed text, the stored value and its spans.

    ``css`` names the cell's role: ``h`` header, ``lbl`` a form label,
    ``tot`` a total row, ``grp`` a unit row; numbers are right-aligned by kind.
    """

    text: str = ""
    value: object = None
    kind: str = L.TEXT
    colspan: int = 1
    rowspan: int = 1
    css: str = ""

    @property
    def classes(self) -> str:
        names = [self.css] if self.css else []
        if self.value == NA:
            names.append("c")
        elif self.kind in (L.MONEY, L.RATE):
            names.append("n")
        elif self.kind in (L.SCORE, L.INT):
            names.append("c")
        return " ".join(names)


def _decimal(value: str | Decimal | None) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(value)


def money(value, **kw) -> Cell:
    """An amount in 万元: ``10,470.27``; blank when not published."""
    number = _decimal(value)
    if number is None:
        return Cell("", None, L.MONEY, **kw)
    return Cell(f"{number:,.2f}", number, L.MONEY, **kw)


def rate(value, **kw) -> Cell:
    """A percentage, ``98.39%``; 不适用 when there is no base (zero budget)."""
    number = _decimal(value)
    if number is None:
        return Cell(NA, NA, L.RATE, **kw)
    return Cell(f"{number:.2f}%", number / HUNDRED, L.RATE, **kw)


def score(value, **kw) -> Cell:
    """A weight or score as printed: 45, 11.5, 0.25, 1.48."""
    number = _decimal(value)
    if number is None:
        return Cell("", None, L.SCORE, **kw)
    text = format(number.normalize(), "f")
    return Cell(text, Decimal(text), L.SCORE, **kw)


def text(value: str | None, **kw) -> Cell:
    value = value or ""
    return Cell(value, value, L.TEXT, **kw)


def integer(value: int | None, **kw) -> Cell:
    return Cell("" if value is None else str(value), value, L.INT, **kw)


def typed(kind: str, value, **kw) -> Cell:
    return {
        L.MONEY: money,
        L.RATE: rate,
        L.SCORE: score,
        L.INT: integer,
    }.get(kind, text)(value, **kw)


def header(columns: Sequence[L.Column]) -> list[list[Cell]]:
    """The header rows of a column tree as cells (rowspan/colspan)."""
    return [
        [Cell(c.label, c.label, L.TEXT, c.colspan, c.rowspan, "h") for c in row]
        for row in L.header_rows(columns)
    ]


def row_from(columns: Sequence[L.Column], values: dict, css: str = "") -> list[Cell]:
    """One data row: a cell per leaf of the tree, typed by the leaf's kind."""
    return [
        typed(c.kind, values.get(c.key), colspan=c.span, css=css)
        for c in L.leaves(columns)
    ]


# --------------------------------------------------------------------------
# Document structure
# --------------------------------------------------------------------------


@dataclass
class Block:
    """Rows under one header; the header repeats on every PDF page."""

    header: list[list[Cell]]
    rows: list[list[Cell]]
    css: str = ""
    # The PDF may size this block's columns on its own (a matrix that shares
    # the worksheet's grid but reads better with even columns).
    widths: list[float] | None = None


@dataclass
class Sheet:
    """One worksheet; in the PDF a run of pages."""

    name: str
    title: str
    blocks: list[Block]
    subtitle: str = ""
    attachment: str = ""
    seal_name: str = ""
    notes: list[str] = field(default_factory=list)
    footnote: str = ""


@dataclass
class Document:
    layout: L.Layout
    data: dict
    sheets: list[Sheet]
    # Column widths fitted to this table's text (project tables), else the
    # declared ones.
    fitted_widths: list[float] | None = None

    @property
    def approved(self) -> bool:
        return self.data.get("status") in APPROVED_STATUSES

    @property
    def widths(self) -> list[float]:
        return self.fitted_widths or self.layout.widths

    def filename(self, extension: str) -> str:
        return self.layout.filename(self.data, extension)


APPROVED_STATUSES = ("approved", "published")
# In the metadata of an approved table's PDF and xlsx: the SHA-256 of the
# approve snapshot it was rendered from (publishing.published).
APPROVED_KEYWORD = "审定版本SHA-256:"
APPROVED_FIELD = "ApprovedSHA256"


def build(data: dict) -> Document:
    layout = L.layout_for(data)
    builders = {
        "project_selfeval": _project_selfeval,
        "project_selfeval_national": _national,
        "target": _target,
        "department_selfeval": _department_selfeval,
    }
    sheets = builders[layout.key](layout, data)
    widths = None
    if layout.key == "project_selfeval":
        widths = fit_widths(layout.columns, _project_values(data))
    return Document(layout, data, sheets, widths)


def display_length(value: str) -> float:
    """Width of a text in half-width character units (a CJK character is 2)."""
    return sum(2.0 if ord(c) > 0x2E7F else 1.1 for c in value if c != "\n")


def fit_widths(
    columns: Sequence[L.Column],
    rows: list[dict],
    *,
    exponent: float = 0.6,
    low: float = 0.6,
    high: float = 2.6,
    minimum: float = 7.0,
) -> list[float]:
    """Widths of the text columns redistributed by how much text they hold.

    Only the columns declared `flex` move (numbers, names keep their width);
    they share the width they are declared with, each getting a share that
    grows with its longest texts (mean of the top third, to the power
    `exponent`) but stays within [low, high] × its declared width. A column
    of 不适用 shrinks, the goal or the long numbered lists widen, and the rows
    get shorter — the way a person sizes the columns of such a table by hand.
    """
    leaves = L.leaves(columns)
    declared = [c.width for c in leaves]
    text = [i for i, c in enumerate(leaves) if c.flex]
    if not rows or not text:
        return L.grid_widths(columns)
    demand = {}
    for i in text:
        lengths = sorted(display_length(str(r.get(leaves[i].key) or "")) for r in rows)
        top = lengths[-max(1, len(lengths) // 3) :]
        demand[i] = max(sum(top) / len(top), 4.0) ** exponent
    budget = sum(declared[i] for i in text)
    floor = {i: max(low * declared[i], minimum) for i in text}
    ceiling = {i: high * declared[i] for i in text}
    widths: dict[int, float] = {}
    free = set(text)
    # Water-filling: share what is left among the free columns by demand;
    # pin the ones above their ceiling first (that leaves more for the
    # rest), then the ones below their floor, and share again.
    while free:
        remaining = budget - sum(widths.values())
        total = sum(demand[i] for i in free)
        shares = {i: remaining * demand[i] / total for i in free}
        over = [i for i in free if shares[i] > ceiling[i]]
        under = [i for i in free if shares[i] < floor[i]]
        if not over and not under:
            widths.update(shares)
            break
        for i in over or under:
            widths[i] = ceiling[i] if over else floor[i]
            free.discard(i)
    out = list(declared)
    for i in text:
        out[i] = round(widths[i], 2)
    return out


def _project_values(data: dict) -> list[dict]:
    """The text of every project row, keyed like the column leaves."""
    rows = []
    for p in data["projects"]:
        rows.append(
            {
                "goal": p["goal"],
                "completion": p["completion"],
                "problems": p["problems"],
                "rectification": p["rectification"],
                **indicator_cells(p["indicators"]),
            }
        )
    return rows


# --------------------------------------------------------------------------
# 部门预算项目绩效自评表
# --------------------------------------------------------------------------

_NUMBERED_RE = re.compile(r"^\s*[（(]?\d+[.、．)）]")
_OPERATOR_START = tuple("≥≤＞＜><=＝")

# 二级 codes the 2020/2021 Shenzhen form has no column for, and the cell they
# are printed in (with their name in front) so nothing is silently dropped.
_FOLDED = {"14": ("11", "成本指标"), "24": ("22", "可持续影响指标")}


def _numbered(items: list[str]) -> str:
    """Items on separate lines; numbered 1. 2. … unless they already are."""
    items = [i for i in items if i]
    if len(items) > 1 and not all(_NUMBERED_RE.match(i) for i in items):
        items = [f"{n}.{i}" for n, i in enumerate(items, 1)]
    return "\n".join(items)


def _indicator_target(ind: dict) -> str:
    name, value = ind.get("name") or "", ind.get("annual_value") or ""
    if name and value:
        return name + ("" if value.startswith(_OPERATOR_START) else "：") + value
    return name or value


def indicator_cells(indicators: Iterable[dict]) -> dict[str, str]:
    """年度指标内容 / 完成情况 per indicator pair; 不适用 where a category
    has no indicator (both cells, as the seeds print it)."""
    targets: dict[str, list[str]] = {}
    actuals: dict[str, list[str]] = {}
    for ind in indicators:
        code = ind["level2_code"]
        target, actual = _indicator_target(ind), ind.get("actual_value") or ""
        if code in _FOLDED:
            code, label = _FOLDED[code]
            target = f"{label}：{target}"
        targets.setdefault(code, []).append(target)
        actuals.setdefault(code, []).append(actual)
    cells = {}
    for _top, pairs in L.INDICATOR_PAIRS:
        for code, _label in pairs:
            if code in targets:
                cells[f"ind_{code}_target"] = _numbered(targets[code])
                cells[f"ind_{code}_actual"] = _numbered(actuals[code])
            else:
                cells[f"ind_{code}_target"] = cells[f"ind_{code}_actual"] = NA
    return cells


def _flat_amounts(values: dict, source: dict, prefix: str) -> None:
    for key in ("total", "general", "fund", "non_fiscal"):
        values[f"{prefix}_{key}"] = source.get(key)


def _columns_with_label(layout: L.Layout, label: str) -> tuple[L.Column, ...]:
    """The tree with column 2 relabelled as printed (部门名称 / 单位名称)."""
    return tuple(
        dataclasses.replace(c, label=label) if c.key == "unit_name" and label else c
        for c in layout.columns
    )


def _project_selfeval(layout: L.Layout, data: dict) -> list[Sheet]:
    columns = _columns_with_label(layout, data.get("unit_column_label", ""))
    department = data["department"]["name"]
    rows = []
    for p in data["projects"]:
        values = {
            "seq": p["seq"],
            "unit_name": p.get("unit_name") or department,
            "name": p["name"],
            "execution_rate": p["execution_rate"],
            "goal": p["goal"],
            "completion": p["completion"],
            "problems": p["problems"],
            "rectification": p["rectification"],
            **indicator_cells(p["indicators"]),
        }
        _flat_amounts(values, p["budget"], "budget")
        _flat_amounts(values, p["actual"], "actual")
        rows.append(row_from(columns, values))
    totals = data["totals"]
    values = {"execution_rate": totals["execution_rate"]}
    _flat_amounts(values, totals["budget"], "budget")
    _flat_amounts(values, totals["actual"], "actual")
    total_row = [
        text(layout.total_label, colspan=layout.total_span, css="tot"),
        *(
            typed(c.kind, values.get(c.key), colspan=c.span, css="tot")
            if c.key in values
            else text("", colspan=c.span, css="tot")
            for c in L.leaves(columns)[layout.total_span :]
        ),
    ]
    rows.append(total_row)
    return [
        Sheet(
            name=layout.name,
            title=data["title"],
            attachment=data.get("attachment_label", "") or "",
            seal_name=department,
            blocks=[Block(header(columns), rows)],
            notes=list(data.get("notes", [])),
        )
    ]


# --------------------------------------------------------------------------
# 项目支出绩效目标表
# --------------------------------------------------------------------------


def _sum(values: Iterable[str | None]) -> Decimal | None:
    known = [Decimal(v) for v in values if v is not None]
    return sum(known, Decimal("0.00")) if known else None


def _target(layout: L.Layout, data: dict) -> list[Sheet]:
    columns = layout.columns
    money_keys = ("total", "fiscal", "special_account", "other")
    rows = [row_from(columns, {"name": "合计", **data["totals"]}, css="tot")]
    groups: dict[str, list[dict]] = {}
    for p in data["projects"]:
        groups.setdefault(p["fund_user"] or data["department"]["name"], []).append(p)
    for unit, projects in groups.items():
        sums = {k: _sum(p[k] for p in projects) for k in money_keys}
        rows.append(row_from(columns, {"name": unit, **sums}, css="grp"))
        for p in projects:
            row = row_from(columns, p)
            # The exact coded string goes into the workbook (the importer
            # reads it back); the PDF starts each item on its own line.
            row[-1] = Cell(
                "\n".join(_coded_items(p["indicators_text"])),
                p["indicators_text"],
            )
            rows.append(row)
    return [
        Sheet(
            name=layout.name,
            title=data["title"],
            seal_name=data["department"]["name"],
            blocks=[Block(header(columns), rows)],
        )
    ]


_ITEM_BOUNDARY_RE = re.compile(r"(?<=。)(?=\d+、\d+-)")


def _coded_items(value: str) -> list[str]:
    return [item for item in _ITEM_BOUNDARY_RE.split(value or "") if item]


# --------------------------------------------------------------------------
# 部门整体支出绩效自评表
# --------------------------------------------------------------------------


def merge_down(
    rows: list[list[Cell]], keys: list[tuple], levels: tuple[tuple[int, ...], ...]
) -> list[list[Cell]]:
    """Merge the cells of consecutive rows that share a key into one cell
    with a rowspan, as the printed forms do for their 一级/二级 指标.

    ``keys[r]`` is the row's key path (一级, 二级); ``levels[d]`` the indexes
    of the cells merged when the first d+1 parts of the key agree.
    """
    drop: set[tuple[int, int]] = set()
    for depth, indexes in enumerate(levels, 1):
        start = 0
        for i in range(1, len(rows) + 1):
            if i < len(rows) and keys[i][:depth] == keys[start][:depth]:
                continue
            if i - start > 1:
                for index in indexes:
                    rows[start][index].rowspan = i - start
                    drop.update((r, index) for r in range(start + 1, i))
            start = i
    return [
        [cell for c, cell in enumerate(row) if (r, c) not in drop]
        for r, row in enumerate(rows)
    ]


def _department_selfeval(layout: L.Layout, data: dict) -> list[Sheet]:
    full = layout.columns
    explained = layout.sections["explained"]
    width = layout.width
    lbl = {"css": "lbl"}
    basic = [
        [
            text("单位名称", colspan=2, **lbl),
            text(data["department"]["name"], colspan=6),
            text(f"单位数：{data['unit_count']}个单位", colspan=width - 8),
        ],
        [
            text("年度整体绩效目标", colspan=2, **lbl),
            text(data["overall_goal"], colspan=9),
        ],
        [
            text("整体绩效目标完成情况", colspan=2, **lbl),
            text(data["completion"], colspan=9),
        ],
        [
            text("未能完成原因", colspan=2, **lbl),
            text(data["unfinished_reasons"], colspan=9),
        ],
    ]
    spending = layout.sections["spending"]
    scale = data["spending_scale"]
    matrix = header(spending)
    matrix[0][0].rowspan = len(matrix) + 3  # the label runs down the 3 rows
    matrix[0][0].css = matrix[0][1].css = "lbl"
    amounts = L.leaves(spending)[2:]
    for label, kind, key in (
        ("全年预算数", L.MONEY, "budget"),
        ("全年执行数", L.MONEY, "actual"),
        ("完成率", L.RATE, "rate"),
    ):
        matrix.append(
            [
                text(label, colspan=spending[1].span, **lbl),
                *(typed(kind, scale[key].get(c.key), colspan=c.span) for c in amounts),
            ]
        )
    blocks = [
        Block([], basic, css="form"),
        Block([], matrix, css="form", widths=L.grid_widths(spending)),
    ]

    def item_row(item: dict) -> list[Cell]:
        tree = full if (item["target"] or item["actual"]) else explained
        return row_from(tree, item)

    by_level1: dict[str, list[dict]] = {}
    for item in data["items"]:
        by_level1.setdefault(item["level1"], []).append(item)
    current: Block | None = None
    for items in by_level1.values():
        targeted = any(i["target"] or i["actual"] for i in items)
        if current is None or (targeted and current.css != "targeted"):
            current = Block(
                header(full if targeted else explained),
                [],
                css="targeted" if targeted else "explained",
            )
            blocks.append(current)
        rows = [item_row(i) for i in items]
        keys = [(i["level1"], i["level2"]) for i in items]
        current.rows.extend(merge_down(rows, keys, ((0, 1), (2, 3))))
    total_row = [
        text("总分", css="tot"),
        score(data["total_weight"], css="tot"),
        text("", colspan=6, css="tot"),
        score(data["total_score"], css="tot"),
        text("", colspan=width - 9, css="tot"),
    ]
    if current is None:
        blocks.append(Block(header(full), [total_row]))
    else:
        current.rows.append(total_row)
    return [
        Sheet(
            name=layout.name,
            title=layout.name,
            subtitle=f"（{data['year']}年度）",
            seal_name=data["department"]["name"],
            blocks=blocks,
            footnote=data.get("footnote", ""),
        )
    ]


# --------------------------------------------------------------------------
# 项目支出绩效自评表 (national): one project per sheet
# --------------------------------------------------------------------------

_SHEET_NAME_RE = re.compile(r"[\[\]:*?/\\]")


def sheet_name(seq: int, name: str) -> str:
    """A worksheet title: at most 31 characters, none of []:*?/\\."""
    return _SHEET_NAME_RE.sub("", f"{seq}-{name}")[:31]


def _national(layout: L.Layout, data: dict) -> list[Sheet]:
    width = layout.width
    department = data["department"]
    lbl = {"css": "lbl"}
    funds_tree = layout.sections["funds"]
    sheets = []
    for p in data["projects"]:
        nat = p["national"]
        funds = nat["funds"]
        form = [
            [text("项目名称", **lbl), text(p["name"], colspan=width - 1)],
            [
                text("主管部门", **lbl),
                text(department["parent_name"] or department["name"], colspan=4),
                text("实施单位", **lbl),
                text(p.get("unit_name") or department["name"], colspan=4),
            ],
        ]
        funds_head = header(funds_tree)[0]
        funds_head[0].rowspan = 5
        funds_head[0].css = "lbl"
        form.append(funds_head)
        for label, key, scored in (
            ("年度资金总额", "total", True),
            ("其中：当年财政拨款", "fiscal", False),
            ("上年结转资金", "carryover", False),
            ("其他资金", "other", False),
        ):
            amounts = funds[key]
            form.append(
                [
                    text(label, colspan=3, **lbl),
                    money(amounts["initial"]),
                    money(amounts["budget"]),
                    money(amounts["actual"]),
                    score(nat["execution_weight"]) if scored else text("—", css="c"),
                    rate(p["execution_rate"]) if scored else text(""),
                    score(nat["execution_score"]) if scored else text("—", css="c"),
                ]
            )
        form += [
            [
                text("年度总体目标", rowspan=2, **lbl),
                text("预期目标", colspan=5, **lbl),
                text("实际完成情况", colspan=4, **lbl),
            ],
            [text(p["goal"], colspan=5), text(p["completion"], colspan=4)],
        ]
        indicator_rows = _national_indicators(layout, p["indicators"])
        head = header(layout.columns)[0]
        head[0].rowspan = 1 + len(indicator_rows)
        head[0].css = "lbl"
        total = [
            text("总分", colspan=6, css="tot"),
            score(nat["total_weight"], css="tot"),
            score(nat["total_score"], css="tot"),
            text(
                f"等级：{nat['grade']}" if nat["grade"] else "",
                colspan=width - 8,
                css="tot",
            ),
        ]
        sheets.append(
            Sheet(
                name=sheet_name(p["seq"], p["name"]),
                title="项目支出绩效自评表",
                subtitle=f"（{data['year']}年度）",
                seal_name=p.get("unit_name") or department["name"],
                blocks=[
                    Block([], form, css="form"),
                    Block([], [head, *indicator_rows, total], css="form"),
                ],
            )
        )
    return sheets


def _national_indicators(layout: L.Layout, indicators: list[dict]) -> list[list[Cell]]:
    if not indicators:
        return [[text("（未填报绩效指标）", colspan=layout.width - 1, css="c")]]
    weights: dict[str, Decimal] = {}
    for ind in indicators:
        if ind.get("weight") is not None:
            weights[ind["level1"]] = weights.get(ind["level1"], Decimal(0)) + Decimal(
                ind["weight"]
            )
    rows, keys = [], []
    columns = L.leaves(layout.columns)[1:]
    for ind in indicators:
        level1 = ind["level1"]
        if level1 in weights:
            level1 = f"{level1}（{format(weights[level1].normalize(), 'f')}分）"
        values = {
            **ind,
            "level1": level1,
            "level2": ind["level2"],
            "name": ind.get("name") or "",
        }
        rows.append([typed(c.kind, values.get(c.key), colspan=c.span) for c in columns])
        keys.append((ind["level1"], ind["level2"]))
    return merge_down(rows, keys, ((0,), (1,)))
