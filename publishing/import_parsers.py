"""Reading each official table into the seed-schema dict (fixtures/seeds/SCHEMA.md).

One function per layout, each driven by the layout's column tree in
`publishing.layouts`: the slots of the recognised tree say which column holds
which value and its kind (amount, rate, score, text). The dicts they return
are exactly what `projects.seeds` / `scoring.seeds` load, so an import and a
seed table take the same way into the database. The national
项目支出绩效自评表 has no seed loader; its dict is described in
`parse_national`.

Problems (errors) and warnings name sheet, row and column. Printed totals and
rates are read as printed and compared, never trusted: a disagreement is a
warning here and a consistency-check finding after the import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils import get_column_letter

from projects.categories import LEVEL1, LEVEL2
from projects.indicator_codes import CodedIndicatorError, parse_coded_indicators
from projects.seeds import CATEGORY_KEYS
from publishing import cell_values as V
from publishing import layouts as L
from publishing import reader as R
from publishing.xlsx import DRAFT_NOTICE
from scoring import calculations as calc

# Columns whose cell may be merged down over several rows (or typed once and
# left empty below): the last value carries down. Everything else must be
# filled on every row.
CARRY_DOWN = {
    "project_selfeval": frozenset({"unit_name"}),
    "project_selfeval_national": frozenset({"block", "level1", "level2"}),
    "target": frozenset(),
    "department_selfeval": frozenset(
        {"level1", "level1_weight", "level2", "level2_weight"}
    ),
}

NAME_MISSING = "项目名称为空，但这一行其他单元格有内容。"
DUPLICATE = "项目名称“{name}”与第 {first} 行重复。"
DUPLICATE_SHEET = "项目名称“{name}”与工作表“{sheet}”重复。"
NO_ROWS = "表格中没有项目行。"
MERGED_DOWN = (
    "第 {first}–{last} 行合并成了一个单元格；每一行须分别填写，请取消合并后再上传。"
)
DEBRIS = (
    "单元格 {cell} 在合并单元格 {ref} 内，Excel 只显示左上角的内容，"
    "但 {cell} 还留有“{value}”（合并残留）；请取消合并、核对后再上传。"
)
CODED_UNKNOWN = "第 {seq} 项指标的{level}编码“{code}”不存在。"
CODED_PARENT = "第 {seq} 项指标：二级编码 {level2} 不属于一级编码 {level1}。"
TOO_LONG = "内容过长：{length} 个字，最多 {limit} 个字。"
RECORDED = "已按原表记录，导入后列入一致性核对差异。"
SPLIT_SUM = "原表合计 {printed}，{parts}之和为 {computed}；" + RECORDED
COLUMN_SUM = "合计行原表 {printed}，各项目之和为 {computed}；" + RECORDED
UNIT_COLUMN_SUM = (
    "单位行“{unit}”原表 {printed}，该单位各项目之和为 {computed}；" + RECORDED
)
RATE_DIFF = "原表执行率 {printed}%，按实际支出÷预算计算为 {computed}%；" + RECORDED
WRONG_UNIT = (
    "表格的金额单位是“{unit}”，本系统以“万元”记录金额；"
    "请把金额换算为万元并把单位改为“单位：万元”后再导入。"
)
SKIPPED_EMPTY = "已跳过 {count} 个只填了序号或单位名称的空行（第 {rows} 行）。"
EXCLUDED = "根据备注，项目“{name}”不纳入预算支出执行率考核：{note}"
LINE_IGNORED = "第 {row} 行“{text}”不是表格中的一行，已忽略。"

_SEAL_RE = re.compile(r"^(部门名称|单位名称|实施单位|填报单位)(?:\(盖章\))?[:](.*)$")
_ATTACHMENT_RE = re.compile(r"^附件\d+[:]?$")
_UNIT_RE = re.compile(r"^(?:金额)?单位[:](万元|元|千元|亿元)$")
_SUBTITLE_RE = re.compile(r"^\((\d{4})年度?\)$")
_YEAR_RE = re.compile(r"(\d{4})\s*年")
_SIGNOFF_RE = re.compile(r"^(填报人|联系电话|填报日期|单位负责人|审核人|财务负责人)[:]")
_NOTE_NUMBER_RE = re.compile(r"^\s*[（(]?\d+[)）.、．]\s*")
_NOTES_LABEL_RE = re.compile(r"^备注\s*[:：]?\s*")
_FOOTNOTE_LINE_RE = re.compile(r"^(注|说明|备注)\s*[0-9]*\s*[:：]")
_QUOTED_RE = re.compile(r"[“\"]([^”\"]+)[”\"]")
_EXCLUSION_RE = re.compile(r"不纳入[^，。；]*执行")
_CARRYOVER_NOTE_RE = re.compile(r"结转[^，。；]*不纳入|扣除")
_PLACEHOLDER_RE = re.compile(r"^[XＸxｘ]+$")


def flat(text: str) -> str:
    """NFKC and no whitespace: how labels and furniture lines are compared."""
    return V.SPACE_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------
# Context: where we are and what went wrong
# --------------------------------------------------------------------------


@dataclass
class Ctx:
    """One sheet being read: its problems, warnings and notes."""

    sheet: str
    problems: list[R.ImportProblem]
    warnings: list[R.ImportProblem]
    notes: list[str]
    merges: list[R.Merge] = field(default_factory=list)

    def _problem(
        self, message: str, row: int | None, slot: R.Slot | None
    ) -> R.ImportProblem:
        return R.ImportProblem(
            message,
            sheet=self.sheet,
            row=row,
            column=slot.letter if slot else None,
            label=slot.path if slot else None,
        )

    def error(
        self, message: str, row: int | None = None, slot: R.Slot | None = None
    ) -> None:
        self.problems.append(self._problem(message, row, slot))

    def warn(
        self, message: str, row: int | None = None, slot: R.Slot | None = None
    ) -> None:
        self.warnings.append(self._problem(message, row, slot))

    def value(self, parse, cells: Sequence, slot: R.Slot, row: int):
        """The parsed value of a slot, or None with an error recorded."""
        cell = cells[slot.col] if slot.col < len(cells) else EMPTY_CELL
        try:
            return parse(cell)
        except V.CellProblem as exc:
            self.error(str(exc), row, slot)
            return None

    def text(self, cells: Sequence, slot: R.Slot, row: int, limit: int = 0) -> str:
        """A text slot; a leaf spanning several columns that was typed
        unmerged has its parts joined by line breaks."""
        parts = []
        for col in range(slot.col, slot.col + slot.leaf.span):
            cell = cells[col] if col < len(cells) else EMPTY_CELL
            try:
                part = V.text(cell)
            except V.CellProblem as exc:
                self.error(str(exc), row, slot)
                part = ""
            if part:
                parts.append(part)
        value = "\n".join(parts)
        if limit and len(value) > limit:
            self.error(TOO_LONG.format(length=len(value), limit=limit), row, slot)
        return value


def check_rows(ctx: Ctx, rows: Iterable[tuple[int, tuple]]) -> Iterator:
    """Pass rows through, reporting content left under merged cells."""
    covered: dict[int, list[tuple[int, int, R.Merge]]] = {}
    for merge in ctx.merges:
        for r in range(merge.min_row, min(merge.max_row, R.RAW_ROW_LIMIT) + 1):
            first = merge.min_col + 1 if r == merge.min_row else merge.min_col
            if first <= merge.max_col:
                covered.setdefault(r, []).append((first - 1, merge.max_col - 1, merge))
    for number, cells in rows:
        for first, last, merge in covered.get(number, ()):
            for col in range(first, min(last, len(cells) - 1) + 1):
                value = cells[col].value
                if not R.is_blank(value):
                    cell = f"{get_column_letter(col + 1)}{number}"
                    ctx.error(
                        DEBRIS.format(
                            cell=cell, ref=merge.ref, value=V.shorten(str(value), 20)
                        ),
                        number,
                    )
        yield number, cells


def check_merged_down(
    ctx: Ctx, slots: list[R.Slot], carry: frozenset[str], header_rows: set[int]
) -> None:
    """A data column merged over several rows that may not carry down (an
    amount shared by two projects) is an error, once per merge. Merges that
    start in a header row (the first or one typed again) are the header's."""
    by_col = {}
    for slot in slots:
        for col in range(slot.col, slot.col + slot.leaf.span):
            by_col[col + 1] = slot
    for merge in ctx.merges:
        if merge.max_row == merge.min_row or merge.min_row in header_rows:
            continue
        for col in range(merge.min_col, merge.max_col + 1):
            slot = by_col.get(col)
            if slot is not None and slot.leaf.key not in carry:
                ctx.error(
                    MERGED_DOWN.format(first=merge.min_row, last=merge.max_row),
                    merge.min_row,
                    slot,
                )
                break


def limit_of(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


# --------------------------------------------------------------------------
# Furniture above and below a table
# --------------------------------------------------------------------------


@dataclass
class Furniture:
    """Title lines, 附件, the （盖章） line, the year; where each was found."""

    title: str = ""
    title_row: int | None = None
    attachment: str = ""
    department: str = ""
    department_row: int | None = None
    year: int | None = None
    year_row: int | None = None
    unit: str = ""
    unit_row: int | None = None
    leftover: list[tuple[int, list[tuple[int, str]]]] = field(default_factory=list)


def classify(text: str) -> tuple[str, object]:
    """What a furniture cell is: (kind, value)."""
    key = flat(text)
    if text.strip() == DRAFT_NOTICE or key == flat(DRAFT_NOTICE):
        return "draft", None
    if _ATTACHMENT_RE.match(key):
        return "attachment", text.strip()
    match = _UNIT_RE.match(key)
    if match:
        return "unit", match.group(1)
    match = _SEAL_RE.match(key)
    if match:
        # The name as typed (not NFKC-folded): full-width brackets stay.
        raw = re.sub(r"^[^:：]*[:：]", "", text.strip(), count=1).strip()
        return "department", raw or None
    match = _SUBTITLE_RE.match(key)
    if match:
        return "year", int(match.group(1))
    if _SIGNOFF_RE.match(key):
        return "signoff", None
    return "text", text.strip()


def read_furniture(rows: Iterable[tuple[int, tuple]]) -> Furniture:
    """Title, year and department from the lines above a table; rows that
    are something else (form blocks) are kept in `leftover`."""
    found = Furniture()
    for number, cells in rows:
        items = R.texts(cells)
        if not items:
            continue
        rest = []
        named = False  # a （盖章） label whose name is typed in the next cell
        for index, text in items:
            kind, value = classify(text)
            if named and kind == "text":
                found.department, found.department_row = text.strip(), number
                named = False
                continue
            named = kind == "department" and not value
            if kind == "attachment":
                found.attachment = value
            elif kind == "unit":
                found.unit, found.unit_row = value, number
            elif kind == "department" and value:
                found.department, found.department_row = value, number
            elif kind == "year":
                found.year, found.year_row = value, number
            elif kind == "text":
                rest.append((index, text))
        if len(items) == 1 and len(rest) == 1 and not found.title:
            found.title, found.title_row = rest[0][1], number
            match = _YEAR_RE.search(found.title)
            if match and found.year is None:
                found.year, found.year_row = int(match.group(1)), number
        elif rest:
            found.leftover.append((number, rest))
    return found


def check_unit(ctx: Ctx, furniture: Furniture) -> None:
    """Amounts are 万元: a table printed in 元 would import 10,000 times too
    large."""
    if furniture.unit and furniture.unit != "万元":
        ctx.error(WRONG_UNIT.format(unit=furniture.unit), furniture.unit_row)


def department_from_title(title: str, pattern: str) -> str:
    """The department a title names, as typed (full-width brackets kept), or
    "" for a template placeholder (seed 002 printed 2021年度XX部门…)."""
    match = re.match(pattern, V.SPACE_RE.sub("", title))
    if not match:
        return ""
    name = match.group("name")
    return (
        "" if not name or "XX" in name.upper() or _PLACEHOLDER_RE.match(name) else name
    )


# --------------------------------------------------------------------------
# 部门预算项目绩效自评表 (variants A and B)
# --------------------------------------------------------------------------

_INDICATOR_KEYS = {code: key for key, code in CATEGORY_KEYS.items()}
_TOTAL_LABELS = frozenset({"合计", "总计"})
_SPLIT_PARTS = "一般公共预算、政府性基金、非财政资金"


def _amount_block(values: dict, prefix: str, split: bool) -> dict:
    if not split:
        return {
            "total": dec(values.get(f"{prefix}_total")),
            "general": None,
            "fund": None,
            "non_fiscal": None,
        }
    return {
        key: dec(values.get(f"{prefix}_{key}"))
        for key in ("total", "general", "fund", "non_fiscal")
    }


def _excluded(notes: list[str], names: list[str], ctx: Ctx) -> list[dict]:
    """Projects a 备注 line leaves out of the execution-rate assessment.

    The printed tables say so in prose (seed 001: "“职业技能提升行动专账”、…为市
    下达至我局自有账户资金，支出数不纳入预算支出执行考核"), naming projects
    loosely. A note counts when it says a project's spending is not assessed
    (不纳入…执行) and is not about a carried-over amount already deducted
    (结转…不纳入 / 扣除); each quoted name goes to the most similar project
    name (similarity ≥ 0.75). The result is listed in the notes of the import
    so the filler sees it in the preview.
    """
    found: list[dict] = []
    taken = set()
    for note in notes:
        if not _EXCLUSION_RE.search(note) or _CARRYOVER_NOTE_RE.search(note):
            continue
        for quoted in _QUOTED_RE.findall(note):
            scored = [(SequenceMatcher(None, quoted, n).ratio(), n) for n in names]
            if not scored:
                continue
            ratio, name = max(scored)
            if ratio >= 0.75 and name not in taken:
                taken.add(name)
                found.append({"name": name, "note": note})
                ctx.notes.append(EXCLUDED.format(name=name, note=note))
    return found


def parse_project_selfeval(
    ctx: Ctx,
    match: R.HeaderMatch,
    head: list[tuple[int, tuple]],
    rows: Iterable[tuple[int, tuple]],
) -> dict:
    from projects.models import BudgetProject, Evaluation

    layout, tree, offset = match.layout, match.tree, match.offset
    split = layout.variant == "A"
    slots = R.slots(tree, offset)
    by_key = {s.leaf.key: s for s in slots}
    carry = CARRY_DOWN[layout.key]
    furniture = read_furniture(r for r in head if r[0] < match.top)
    check_unit(ctx, furniture)
    unit_label = _raw_header(head, match.top, by_key["unit_name"].col) or "部门名称"
    header_rows = set(range(1, match.last + 1))

    name_limit = limit_of(BudgetProject, "name")
    unit_limit = limit_of(BudgetProject, "unit_name")
    projects: list[dict] = []
    where: dict[str, int] = {}
    totals = None
    totals_row = None
    notes: list[str] = []
    skipped: list[int] = []
    last_unit = ""
    skip = 0
    in_notes = False
    seq_slot, name_slot = by_key["seq"], by_key["name"]
    for number, cells in rows:
        if skip:
            skip -= 1
            continue
        if not cells or R.row_is_empty(cells):
            continue
        index, first = R.first_text(cells)
        if in_notes or _NOTES_LABEL_RE.match(first):
            in_notes = True
            line = " ".join(t for _, t in R.texts(cells))
            kind, _ = classify(line)
            if kind in ("text",):
                line = _NOTES_LABEL_RE.sub("", line)
                line = _NOTE_NUMBER_RE.sub("", line, count=1).strip()
                if line:
                    notes.append(V.clean_text(line))
            continue
        if R.row_starts_header(cells, tree, offset):
            skip = match.depth - 1
            header_rows.update(range(number, number + match.depth))
            continue
        if flat(first) in _TOTAL_LABELS and index < max(layout.total_span, 1):
            values = {
                s.leaf.key: ctx.value(
                    V.rate if s.leaf.kind == L.RATE else V.money, cells, s, number
                )
                for s in slots
                if s.leaf.kind in (L.MONEY, L.RATE)
            }
            totals = {
                "budget": _amount_block(values, "budget", split),
                "actual": _amount_block(values, "actual", True),
                "execution_rate": dec(values.get("execution_rate")),
            }
            totals_row = number
            continue
        if classify(first)[0] in ("department", "signoff", "unit", "draft"):
            continue
        if _lone_line(cells, seq_slot.col, first):
            if _FOOTNOTE_LINE_RE.match(first):
                notes.append(V.clean_text(first))
            else:
                ctx.notes.append(
                    LINE_IGNORED.format(row=number, text=V.shorten(first, 20))
                )
            continue
        filled = {
            s.leaf.key
            for s in slots
            if any(
                col < len(cells) and not R.is_blank(cells[col].value)
                for col in range(s.col, s.col + s.leaf.span)
            )
        }
        if filled <= {"seq"} | carry:  # a numbered template row, no content
            if "unit_name" in filled:
                last_unit = ctx.text(cells, by_key["unit_name"], number)
            skipped.append(number)
            continue
        values = {}
        for slot in slots:
            kind = slot.leaf.kind
            if kind == L.MONEY:
                values[slot.leaf.key] = ctx.value(V.money, cells, slot, number)
            elif kind == L.RATE:
                values[slot.leaf.key] = ctx.value(V.rate, cells, slot, number)
            elif kind == L.INT:
                values[slot.leaf.key] = ctx.value(V.integer, cells, slot, number)
            else:
                limit = {"name": name_limit, "unit_name": unit_limit}.get(
                    slot.leaf.key, 0
                )
                values[slot.leaf.key] = ctx.text(cells, slot, number, limit)
        name = values["name"]
        if not name:
            ctx.error(NAME_MISSING, number, name_slot)
            continue
        if values["unit_name"]:
            last_unit = values["unit_name"]
        else:
            values["unit_name"] = last_unit
        if name in where:
            ctx.error(DUPLICATE.format(name=name, first=where[name]), number, name_slot)
            continue
        where[name] = number
        seq = values["seq"] if values["seq"] is not None else len(projects) + 1
        if seq == 0:
            ctx.error(V.NOT_INTEGER.format(value=0), number, seq_slot)
        project = {
            "seq": seq,
            "unit_name": values["unit_name"],
            "name": name,
            "budget": _amount_block(values, "budget", split),
            "actual": _amount_block(values, "actual", True),
            "execution_rate_printed": dec(values["execution_rate"]),
            "goal": values["goal"],
            "completion": values["completion"],
            "indicators": {
                _INDICATOR_KEYS[code]: {
                    "target": values[f"ind_{code}_target"],
                    "actual": values[f"ind_{code}_actual"],
                }
                for _top, pairs in L.INDICATOR_PAIRS
                for code, _label in pairs
            },
            "problems": values["problems"],
            "rectification": values["rectification"],
        }
        projects.append(project)
        _project_warnings(ctx, project, number, by_key, split)
    check_merged_down(ctx, slots, carry, header_rows)
    if skipped:
        ctx.notes.append(
            SKIPPED_EMPTY.format(count=len(skipped), rows=_row_list(skipped))
        )
    if not projects and not ctx.problems:
        ctx.error(NO_ROWS, match.last + 1)
    if totals is not None:
        _total_warnings(ctx, totals, projects, totals_row, by_key, split)
    title_limit = limit_of(Evaluation, "title_printed")
    department = furniture.department or department_from_title(
        furniture.title, r"^\d{4}年度?(?P<name>.+?)部门预算项目绩效自评表"
    )
    return {
        "source": "",
        "layout": "project_selfeval",
        "variant": layout.variant,
        "year": furniture.year,
        "title_printed": furniture.title[:title_limit],
        "attachment_label": furniture.attachment or None,
        "department_name": department,
        "unit_column_label": unit_label,
        "projects": projects,
        "totals_printed": totals,
        "notes": notes,
        "excluded_from_execution_rate": _excluded(
            notes, [p["name"] for p in projects], ctx
        ),
    }


def _lone_line(cells: Sequence, col: int, text: str) -> bool:
    """One text alone in the first column that is no sequence number: a
    footnote or a stray line under the table, not a project."""
    items = R.texts(cells)
    return len(items) == 1 and items[0][0] == col and not text.isdigit()


def _raw_header(head: list[tuple[int, tuple]], row: int, col: int) -> str:
    for number, cells in head:
        if number == row and col < len(cells) and isinstance(cells[col].value, str):
            return flat(cells[col].value)
    return ""


def _row_list(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in rows[:10])
    return shown + ("…" if len(rows) > 10 else "")


def as_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _project_warnings(
    ctx: Ctx, project: dict, row: int, by_key: dict, split: bool
) -> None:
    for kind in ("budget", "actual"):
        if kind == "budget" and not split:
            continue
        block = project[kind]
        printed = as_decimal(block["total"])
        parts = [as_decimal(block[k]) for k in ("general", "fund", "non_fiscal")]
        known = [p for p in parts if p is not None]
        if printed is None or not known:
            continue
        computed = sum(known, Decimal("0.00"))
        if printed != computed:
            ctx.warn(
                SPLIT_SUM.format(
                    printed=printed, parts=_SPLIT_PARTS, computed=computed
                ),
                row,
                by_key[f"{kind}_total"],
            )
    printed_rate = as_decimal(project["execution_rate_printed"])
    budget = _split_total(project["budget"], split)
    actual = _split_total(project["actual"], True)
    computed_rate = calc.execution_rate(budget=budget, actual=actual)
    if printed_rate is None or (computed_rate is None and printed_rate == 0):
        return
    if computed_rate != printed_rate:
        ctx.warn(
            RATE_DIFF.format(
                printed=printed_rate,
                computed="不适用" if computed_rate is None else computed_rate,
            ),
            row,
            by_key["execution_rate"],
        )


def _split_total(block: dict, split: bool) -> Decimal | None:
    if not split:
        return as_decimal(block["total"])
    known = [as_decimal(block[k]) for k in ("general", "fund", "non_fiscal")]
    known = [k for k in known if k is not None]
    return sum(known, Decimal("0.00")) if known else None


def _total_warnings(
    ctx: Ctx, totals: dict, projects: list[dict], row: int, by_key: dict, split: bool
) -> None:
    for kind in ("budget", "actual"):
        for key in ("total", "general", "fund", "non_fiscal"):
            if kind == "budget" and not split and key != "total":
                continue
            printed = as_decimal(totals[kind][key])
            values = [as_decimal(p[kind][key]) for p in projects]
            known = [v for v in values if v is not None]
            if printed is None or not known:
                continue
            computed = sum(known, Decimal("0.00"))
            if printed != computed:
                ctx.warn(
                    COLUMN_SUM.format(printed=printed, computed=computed),
                    row,
                    by_key[f"{kind}_{key}"],
                )


# --------------------------------------------------------------------------
# 项目支出绩效目标表
# --------------------------------------------------------------------------

_LEVEL1_CODES = {code for code, *_ in LEVEL1}
_LEVEL2_PARENT = {code: parent for code, _n, _l, parent, _o in LEVEL2}


def parse_target(
    ctx: Ctx,
    match: R.HeaderMatch,
    head: list[tuple[int, tuple]],
    rows: Iterable[tuple[int, tuple]],
) -> dict:
    from projects.models import Evaluation, TargetIndicator, TargetProject

    tree, offset = match.tree, match.offset
    slots = R.slots(tree, offset)
    by_key = {s.leaf.key: s for s in slots}
    furniture = read_furniture(r for r in head if r[0] < match.top)
    check_unit(ctx, furniture)
    header_rows = set(range(1, match.last + 1))
    name_limit = limit_of(TargetProject, "name")
    unit_limit = limit_of(TargetProject, "fund_user")
    indicator_limit = limit_of(TargetIndicator, "name")
    money_keys = ("total", "fiscal", "special_account", "other")
    projects: list[dict] = []
    unit_rows: list[dict] = []
    where: dict[str, int] = {}
    totals = None
    totals_row = None
    unit_at: list[tuple[int, dict]] = []
    name_slot, codes_slot = by_key["name"], by_key["indicators_text"]
    for number, cells in rows:
        if not cells or R.row_is_empty(cells):
            continue
        _index, first = R.first_text(cells)
        if R.row_starts_header(cells, tree, offset):
            header_rows.add(number)
            continue
        if classify(first)[0] in ("department", "signoff", "unit", "draft"):
            continue
        amounts = {k: ctx.value(V.money, cells, by_key[k], number) for k in money_keys}
        name = ctx.text(cells, name_slot, number)
        goal = ctx.text(cells, by_key["goal"], number)
        codes = ctx.text(cells, codes_slot, number)
        if flat(name) in _TOTAL_LABELS:
            totals = {k: dec(v) for k, v in amounts.items()}
            totals_row = number
            continue
        if _FOOTNOTE_LINE_RE.match(name) and _lone_line(cells, name_slot.col, name):
            ctx.notes.append(LINE_IGNORED.format(row=number, text=V.shorten(name, 20)))
            continue
        if not name:
            ctx.error(NAME_MISSING, number, name_slot)
            continue
        if not goal and not codes:
            # A 资金使用单位 row: the unit with its sums, above its projects.
            if len(name) > unit_limit:
                ctx.error(
                    TOO_LONG.format(length=len(name), limit=unit_limit),
                    number,
                    name_slot,
                )
            unit = {"name": name, **{k: dec(v) for k, v in amounts.items()}}
            unit_rows.append(unit)
            unit_at.append((number, unit))
            continue
        if len(name) > name_limit:
            ctx.error(
                TOO_LONG.format(length=len(name), limit=name_limit), number, name_slot
            )
        if name in where:
            ctx.error(DUPLICATE.format(name=name, first=where[name]), number, name_slot)
            continue
        where[name] = number
        _check_codes(ctx, codes, number, codes_slot, indicator_limit)
        project = {
            "name": name,
            **{k: dec(v) for k, v in amounts.items()},
            "goal_raw": goal,
            "indicators_raw": codes,
            "fund_user": unit_rows[-1]["name"] if unit_rows else "",
        }
        projects.append(project)
        parts = [amounts[k] for k in ("fiscal", "special_account", "other")]
        known = [p for p in parts if p is not None]
        if amounts["total"] is not None and known:
            computed = sum(known, Decimal("0.00"))
            if computed != amounts["total"]:
                ctx.warn(
                    SPLIT_SUM.format(
                        printed=amounts["total"],
                        parts="财政拨款、财政专户拨款、其他资金",
                        computed=computed,
                    ),
                    number,
                    by_key["total"],
                )
    check_merged_down(ctx, slots, CARRY_DOWN["target"], header_rows)
    if not projects and not ctx.problems:
        ctx.error(NO_ROWS, match.last + 1)
    for row, block in [(totals_row, totals), *unit_at]:
        if block is None:
            continue
        # The 合计 row sums every project, a unit row the projects under it.
        members = [
            p for p in projects if block is totals or p["fund_user"] == block["name"]
        ]
        for key in money_keys:
            printed = as_decimal(block[key])
            known = [as_decimal(p[key]) for p in members if p[key] is not None]
            if printed is not None and known:
                computed = sum(known, Decimal("0.00"))
                if printed != computed:
                    ctx.warn(
                        COLUMN_SUM.format(printed=printed, computed=computed)
                        if block is totals
                        else UNIT_COLUMN_SUM.format(
                            unit=block["name"], printed=printed, computed=computed
                        ),
                        row,
                        by_key[key],
                    )
    department = furniture.department or department_from_title(
        furniture.title, r"^(?P<name>.+?)\d{4}年项目支出绩效目标表"
    )
    return {
        "source": "",
        "layout": "target",
        "year": furniture.year,
        "title_printed": furniture.title[: limit_of(Evaluation, "title_printed")],
        "department_name": department,
        "totals_printed": totals,
        "unit_rows": unit_rows,
        "projects": projects,
    }


def _check_codes(ctx: Ctx, cell: str, row: int, slot: R.Slot, limit: int) -> None:
    """The coded 绩效指标 cell parses and names known 一级/二级 codes."""
    try:
        items = parse_coded_indicators(cell)
    except CodedIndicatorError as exc:
        ctx.error(f"绩效指标无法解析：{exc}", row, slot)
        return
    for item in items:
        if item.level1_code not in _LEVEL1_CODES:
            ctx.error(
                CODED_UNKNOWN.format(seq=item.seq, level="一级", code=item.level1_code),
                row,
                slot,
            )
        elif item.level2_code not in _LEVEL2_PARENT:
            ctx.error(
                CODED_UNKNOWN.format(seq=item.seq, level="二级", code=item.level2_code),
                row,
                slot,
            )
        elif _LEVEL2_PARENT[item.level2_code] != item.level1_code:
            ctx.error(
                CODED_PARENT.format(
                    seq=item.seq, level1=item.level1_code, level2=item.level2_code
                ),
                row,
                slot,
            )
        if len(item.name) > limit:
            ctx.error(
                f"第 {item.seq} 项指标："
                + TOO_LONG.format(length=len(item.name), limit=limit),
                row,
                slot,
            )
