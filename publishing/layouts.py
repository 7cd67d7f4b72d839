"""The official table layouts, each declared once as data.

A layout is a column tree (groups, spans, leaves with the key of their value in
a row dict, width and number kind) plus its page furniture (title, the
（盖章） label, 单位：万元, 合计 row, 备注, footnote, sign-off fields, paper).
Everything that has to agree is derived from the one declaration by the pure
helpers below:

* `header_rows` — the HTML/PDF ``<thead>`` cells with rowspan/colspan;
* `header_cells` / `merged_ranges` — the Excel merged header;
* `header_signature` / `signature_from_rows` / `recognise_layout` — what a
  future importer needs to tell a layout from a header it reads, tolerant of
  line breaks, full/half-width punctuation and the 部门名称/单位名称 alias.

Widths are Excel character units; the PDF uses the same proportions. A new
variant is a new declaration here, not new renderer code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

TEXT = "text"
MONEY = "money"  # 万元, 2 decimals, thousands separators
RATE = "rate"  # a percentage, 2 decimals
SCORE = "score"  # 分值/得分: printed without trailing zeros (45, 11.5, 0.25)
INT = "int"

NUMBER_FORMATS = {
    MONEY: "#,##0.00",
    RATE: "0.00%",
    SCORE: "General",
    INT: "0",
    TEXT: "@",
}


@dataclass(frozen=True)
class Column:
    """A node of a column tree: a group (with children) or a leaf (with a key).

    ``span`` lets a leaf cover several grid columns (指标解释 printed over
    年度指标值 + 实际完成指标值), so two trees of one table share a grid.
    """

    label: str
    key: str | None = None
    children: tuple[Column, ...] = ()
    width: float = 10.0
    kind: str = TEXT
    span: int = 1
    # A text column whose width may follow the amount of text it holds.
    flex: bool = False

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def depth(self) -> int:
        return 1 + max((c.depth for c in self.children), default=0)

    @property
    def grid_span(self) -> int:
        """How many grid columns the node covers."""
        if self.is_leaf:
            return self.span
        return sum(c.grid_span for c in self.children)


def leaf(
    label: str,
    key: str,
    width: float = 10.0,
    kind: str = TEXT,
    span: int = 1,
    flex: bool = False,
):
    return Column(label, key=key, width=width, kind=kind, span=span, flex=flex)


def group(label: str, *children: Column) -> Column:
    return Column(label, children=tuple(children))


# --------------------------------------------------------------------------
# Pure helpers over a column tree
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderCell:
    """One header cell: its grid position (0-based) and its spans."""

    label: str
    row: int
    col: int
    rowspan: int
    colspan: int
    key: str | None = None


def leaves(columns: Sequence[Column]) -> list[Column]:
    out: list[Column] = []
    for column in columns:
        out.extend([column] if column.is_leaf else leaves(column.children))
    return out


def grid_width(columns: Sequence[Column]) -> int:
    return sum(c.grid_span for c in columns)


def header_depth(columns: Sequence[Column]) -> int:
    return max((c.depth for c in columns), default=0)


def grid_widths(columns: Sequence[Column]) -> list[float]:
    """The width of every grid column (a leaf spanning n columns is split)."""
    widths: list[float] = []
    for column in leaves(columns):
        widths.extend([column.width / column.span] * column.span)
    return widths


def header_cells(columns: Sequence[Column]) -> list[HeaderCell]:
    """Every header cell with its position; a leaf reaches down to the last
    header row (rowspan), a group spans its leaves (colspan)."""
    depth = header_depth(columns)
    cells: list[HeaderCell] = []

    def walk(nodes: Sequence[Column], row: int, col: int) -> None:
        for node in nodes:
            rowspan = depth - row if node.is_leaf else 1
            cells.append(
                HeaderCell(node.label, row, col, rowspan, node.grid_span, node.key)
            )
            if not node.is_leaf:
                walk(node.children, row + 1, col)
            col += node.grid_span

    walk(columns, 0, 0)
    return cells


def header_rows(columns: Sequence[Column]) -> list[list[HeaderCell]]:
    """The header cells grouped by row, left to right: HTML ``<thead>`` order."""
    rows: list[list[HeaderCell]] = [[] for _ in range(header_depth(columns))]
    for cell in header_cells(columns):
        rows[cell.row].append(cell)
    return [sorted(row, key=lambda c: c.col) for row in rows]


def cell_range(row: int, col: int, rowspan: int = 1, colspan: int = 1) -> str:
    """An Excel range from 1-based row/column and spans (``A3:A5``)."""
    first = f"{get_column_letter(col)}{row}"
    last = f"{get_column_letter(col + colspan - 1)}{row + rowspan - 1}"
    return first if first == last else f"{first}:{last}"


def merged_ranges(
    columns: Sequence[Column], first_row: int = 1, first_col: int = 1
) -> list[str]:
    """The Excel ranges to merge for the header placed at (first_row, first_col)."""
    return [
        cell_range(first_row + c.row, first_col + c.col, c.rowspan, c.colspan)
        for c in header_cells(columns)
        if c.rowspan > 1 or c.colspan > 1
    ]


def leaf_paths(columns: Sequence[Column]) -> list[tuple[str, ...]]:
    """The label path of every grid column (root group first)."""
    paths: list[tuple[str, ...]] = []

    def walk(nodes: Sequence[Column], prefix: tuple[str, ...]) -> None:
        for node in nodes:
            path = (*prefix, node.label)
            if node.is_leaf:
                paths.extend([path] * node.span)
            else:
                walk(node.children, path)

    walk(columns, ())
    return paths


# --------------------------------------------------------------------------
# Recognising a layout from a header (for the importer)
# --------------------------------------------------------------------------

# Labels that mean the same column in different printings (seed 001 prints
# 单位名称 where 000 prints 部门名称; 得分 and 自评分 are printed together).
LABEL_ALIASES = {
    "单位名称": "部门名称",
    "得分": "得分/自评分",
    "自评分": "得分/自评分",
}
_SPACE_RE = re.compile(r"\s+")


def normalize_label(text: str | None) -> str:
    """A header label reduced to what identifies it: NFKC (full-width
    punctuation becomes half-width), no whitespace or line breaks, aliases."""
    value = _SPACE_RE.sub("", unicodedata.normalize("NFKC", text or ""))
    return LABEL_ALIASES.get(value, value)


def header_signature(columns: Sequence[Column]) -> tuple[str, ...]:
    """One normalised path per grid column, e.g. ``项目年度预算金额/合计``."""
    return tuple(
        "/".join(p for p in (normalize_label(x) for x in path) if p)
        for path in leaf_paths(columns)
    )


def signature_from_rows(rows: Iterable[Sequence[str | None]]) -> tuple[str, ...]:
    """The signature of a header read from a sheet.

    ``rows`` are the header rows with merged cells already filled in (every
    cell of a merged range holds the range's text). A column's path is the
    distinct labels met going down, so a leaf spanning three rows counts once.
    """
    grid = [[normalize_label(v) for v in row] for row in rows]
    width = max((len(r) for r in grid), default=0)
    signature = []
    for col in range(width):
        path: list[str] = []
        for row in grid:
            value = row[col] if col < len(row) else ""
            if value and (not path or path[-1] != value):
                path.append(value)
        signature.append("/".join(path))
    while signature and not signature[-1]:
        signature.pop()
    return tuple(signature)


def recognise_layout(rows: Iterable[Sequence[str | None]]) -> Layout | None:
    """The declared layout whose header matches the rows read, or None."""
    found = signature_from_rows(rows)
    for layout in LAYOUTS.values():
        for tree in (layout.columns, *layout.sections.values()):
            if tree and header_signature(tree) == found:
                return layout
    return None


# --------------------------------------------------------------------------
# Layout declarations
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """An official table: its column tree and its page furniture."""

    key: str
    variant: str
    name: str
    columns: tuple[Column, ...]
    page_size: str = "A3"
    landscape: bool = True
    font_size: float = 7.0  # pt, table text in the PDF (A3; A4 layouts set 8)
    attachment_label: bool = False  # 附件2： above the title when recorded
    subtitle: bool = False  # the year on a second title line: （2021年度）
    seal_label: str = "部门名称（盖章）："
    seal_at: str = "top"  # the （盖章） line above the table or below it
    unit_label: str = "单位：万元"
    total_label: str = ""  # 合   计 row, spanning `total_span` columns
    total_span: int = 0
    notes_label: str = ""  # 备注： block under the table
    footnote: bool = False
    signoff: tuple[str, ...] = ()  # blank fill-in fields under the table
    one_per_page: bool = False  # one project per page / worksheet
    # Further column trees over the same grid: their spans place the cells;
    # the worksheet's widths are those of `columns` (the PDF may size a block
    # by its own tree).
    sections: dict[str, tuple[Column, ...]] = field(default_factory=dict, hash=False)

    @property
    def widths(self) -> list[float]:
        return grid_widths(self.columns)

    @property
    def width(self) -> int:
        return grid_width(self.columns)

    def title(self, data: dict) -> str:
        """The printed title; generated by export_data, never typed."""
        return data["title"]

    def filename(self, data: dict, extension: str) -> str:
        """2021年度深圳市龙岗区劳动就业服务中心部门预算项目绩效自评表.pdf"""
        return f"{data['year']}年度{data['department']['name']}{self.name}.{extension}"


# --- 部门预算项目绩效自评表 (SZ-XM, seeds 000/001/002, spec §2) -------------

# 二级 code → printed label and row-dict key of each indicator pair.
INDICATOR_PAIRS = (
    ("产出目标", (("11", "数量指标"), ("12", "质量指标"), ("13", "时效指标"))),
    (
        "效益目标",
        (("21", "经济效益指标"), ("22", "社会效益指标"), ("23", "生态效益指标")),
    ),
    ("满意度指标", (("31", "服务对象满意度指标"),)),
)
NOT_APPLICABLE = "不适用"


def _pair(code: str, label: str) -> Column:
    return group(
        label,
        leaf("年度指标内容", f"ind_{code}_target", 10, flex=True),
        leaf("完成情况", f"ind_{code}_actual", 9, flex=True),
    )


def _amount_split(label: str, prefix: str) -> Column:
    return group(
        label,
        leaf("合计", f"{prefix}_total", 11, MONEY),
        group(
            "其中：财政拨款",
            leaf("一般公共预算", f"{prefix}_general", 11, MONEY),
            leaf("政府性基金", f"{prefix}_fund", 10, MONEY),
        ),
        leaf("非财政资金", f"{prefix}_non_fiscal", 10, MONEY),
    )


def _project_selfeval_columns(budget_split: bool) -> tuple[Column, ...]:
    budget = (
        _amount_split("项目年度预算金额", "budget")
        if budget_split
        else leaf("项目年度预算金额", "budget_total", 11, MONEY)
    )
    return (
        leaf("序号", "seq", 3.5, INT),
        leaf("部门名称", "unit_name", 7),
        leaf("项目名称", "name", 8),
        budget,
        _amount_split("实际支出金额", "actual"),
        leaf("预算支出执行率", "execution_rate", 10, RATE),
        leaf("年初绩效目标", "goal", 12, flex=True),
        leaf("绩效目标整体完成情况", "completion", 11, flex=True),
        *(
            group(top, *(_pair(code, label) for code, label in pairs))
            for top, pairs in INDICATOR_PAIRS
        ),
        leaf("项目执行中存在的问题", "problems", 10, flex=True),
        leaf("整改情况", "rectification", 10, flex=True),
    )


_PROJECT_SELFEVAL = {
    "page_size": "A3",
    "attachment_label": True,
    "total_label": "合   计",
    "total_span": 3,
    "notes_label": "备注：",
}
PROJECT_SELFEVAL_A = Layout(
    key="project_selfeval",
    variant="A",
    name="部门预算项目绩效自评表",
    columns=_project_selfeval_columns(budget_split=True),
    **_PROJECT_SELFEVAL,
)
PROJECT_SELFEVAL_B = Layout(
    key="project_selfeval",
    variant="B",
    name="部门预算项目绩效自评表",
    columns=_project_selfeval_columns(budget_split=False),
    **_PROJECT_SELFEVAL,
)


# --- 项目支出绩效自评表 (CN-XM, national, spec §5): one project per page ---------

# The form is a 10-column grid; the column tree is that of its 绩效指标 block,
# the other blocks (项目资金, 年度总体目标) are form rows over the same grid.
PROJECT_SELFEVAL_NATIONAL = Layout(
    key="project_selfeval_national",
    variant="",
    name="项目支出绩效自评表",
    columns=(
        leaf("绩效指标", "block", 7),
        leaf("一级指标", "level1", 8),
        leaf("二级指标", "level2", 9),
        leaf("三级指标", "name", 12),
        leaf("年度指标值", "annual_value", 14),
        leaf("实际完成值", "actual_value", 14),
        leaf("分值", "weight", 10, SCORE),
        leaf("得分", "score", 7, SCORE),
        leaf("偏差原因分析及改进措施", "deviation_reason", 17, span=2),
    ),
    page_size="A4",
    landscape=False,
    font_size=8,
    subtitle=True,
    seal_label="实施单位（盖章）：",
    seal_at="bottom",
    unit_label="",
    signoff=("填报人", "联系电话", "填报日期"),
    one_per_page=True,
    sections={
        # 项目资金（万元）: its columns sit on the same grid, shifted as the
        # national form prints them (分值/得分 not under the indicators' ones).
        "funds": (
            leaf("项目资金（万元）", "label"),
            leaf("", "row_label", span=3),
            leaf("年初预算数", "initial", kind=MONEY),
            leaf("全年预算数", "budget", kind=MONEY),
            leaf("全年执行数", "actual", kind=MONEY),
            leaf("分值", "weight", kind=SCORE),
            leaf("执行率", "rate", kind=RATE),
            leaf("得分", "score", kind=SCORE),
        ),
    },
)


# --- 项目支出绩效目标表 (GZ-MB, seed 003, spec §3) ------------------------------

TARGET = Layout(
    key="target",
    variant="",
    name="项目支出绩效目标表",
    columns=(
        leaf("项目名称（资金使用单位）", "name", 22),
        leaf("总计", "total", 11, MONEY),
        leaf("财政拨款", "fiscal", 11, MONEY),
        leaf("财政专户拨款", "special_account", 11, MONEY),
        leaf("其他资金", "other", 11, MONEY),
        leaf("绩效目标", "goal", 40),
        leaf("绩效指标", "indicators_text", 60),
    ),
    page_size="A4",
    font_size=8,
    seal_label="单位名称（盖章）：",
)


# --- 部门整体支出绩效自评表 (GZ-ZT, seed 004, spec §7) ---------------------------

_SCORE_TREE_HEAD = (
    leaf("一级指标", "level1", 7),
    leaf("分值", "level1_weight", 4, SCORE),
    leaf("二级指标", "level2", 11),
    leaf("分值", "level2_weight", 4, SCORE),
    leaf("三级指标", "name", 11),
    leaf("分值", "weight", 4, SCORE),
)
DEPARTMENT_SELFEVAL = Layout(
    key="department_selfeval",
    variant="",
    name="部门整体支出绩效自评表",
    # 履职效能: the full 11-column tree; it defines the grid.
    columns=(
        *_SCORE_TREE_HEAD,
        leaf("年度指标值", "target", 16),
        leaf("实际完成指标值", "actual", 16),
        leaf("得分/自评分", "score", 9, SCORE),
        leaf("评分依据、未达标原因、改进措施", "basis", 17),
        leaf("备注", "remark", 9),
    ),
    page_size="A4",
    font_size=8,
    subtitle=True,
    unit_label="",
    footnote=True,
    sections={
        # 管理效能 and 加减分项: 指标解释 over 年度指标值 + 实际完成指标值.
        "explained": (
            *_SCORE_TREE_HEAD,
            leaf("指标解释", "explanation", span=2),
            leaf("得分/自评分", "score", kind=SCORE),
            leaf("评分依据、未达标原因、改进措施", "basis", span=2),
        ),
        # 年度部门整体支出规模（万元）: the spending-scale matrix; spans keep
        # every amount off the narrow 分值 columns.
        "spending": (
            leaf("年度部门整体支出规模（万元）", "label", 22, span=2),
            leaf("", "row_label", 14, span=2),
            group(
                "按资金来源",
                leaf("财政拨款", "fiscal", 14, MONEY, span=2),
                leaf("其他资金", "other", 14, MONEY),
            ),
            group(
                "按资金结构",
                leaf("基本支出", "basic", 14, MONEY),
                leaf("项目支出", "project", 14, MONEY),
            ),
            group(
                "按预算级次",
                leaf("区本级支出", "district", 14, MONEY),
                leaf("转移支付区", "transfer", 14, MONEY),
            ),
        ),
    },
)

LAYOUTS: dict[tuple[str, str], Layout] = {
    (layout.key, layout.variant): layout
    for layout in (
        PROJECT_SELFEVAL_A,
        PROJECT_SELFEVAL_B,
        PROJECT_SELFEVAL_NATIONAL,
        TARGET,
        DEPARTMENT_SELFEVAL,
    )
}
LAYOUT_KEYS = (
    "project_selfeval",
    "project_selfeval_national",
    "target",
    "department_selfeval",
)


def layout_get(key: str, variant: str = "") -> Layout:
    """The declaration of a layout; a project_selfeval without a variant is
    the 2021 (A) one."""
    if key == "project_selfeval" and not variant:
        variant = "A"
    try:
        return LAYOUTS[(key, variant)]
    except KeyError:
        raise KeyError(f"unknown layout {key!r} variant {variant!r}") from None


def layout_for(data: dict) -> Layout:
    """The layout of export_data's output (variant A/B from its "variant";
    a layout declared once for every variant ignores it)."""
    key, variant = data["layout"], data.get("variant") or ""
    return LAYOUTS.get((key, variant)) or layout_get(key)
