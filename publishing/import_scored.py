"""Reading the two scored tables: a form above a grid of indicators.

* 部门整体支出绩效自评表 (GZ-ZT, seed 004) → the seed-schema dict that
  `scoring.seeds.load_department_selfeval` loads: 单位基本情况 and the
  spending-scale matrix are read by their printed labels (their columns
  differ between printings), the scorecard by the declared column trees —
  the 指标解释 tree and the full 履职效能 tree, switching wherever a header
  row is typed again.
* 项目支出绩效自评表 (national, one project per sheet) → one project of the
  dict `import_services.load_national` writes (the seed schema has none).

Shares the context, furniture and merge checks of `import_parsers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from projects.categories import LEVEL1, LEVEL2
from publishing import cell_values as V
from publishing import layouts as L
from publishing import reader as R
from publishing.import_parsers import (
    CARRY_DOWN,
    TOO_LONG,
    Ctx,
    Furniture,
    as_decimal,
    check_merged_down,
    check_unit,
    classify,
    dec,
    flat,
    limit_of,
    read_furniture,
)
from scoring import calculations as calc
from scoring.services import ADJUSTMENT_LEVEL1

NO_ITEMS = "表格中没有指标行。"
NAME_MISSING = "三级指标名称为空，但这一行其他单元格有内容。"
WEIGHT_MISSING = "分值为空。"
WEIGHT_CONFLICT = "“{name}”的分值 {weight} 与前面的 {earlier} 不一致。"
SCORE_RANGE = "得分 {score} 超出分值范围（{low}～{weight}）。"
NO_TOTAL_ROW = "表中没有“总分”行，已按各项分值和得分计算总分。"
NO_SPENDING = "没有找到“年度部门整体支出规模”中的{kind}：{labels}。"
BLANK_SPENDING = "支出规模“{label}”的{kind}为空，按 0 导入。"
UNKNOWN_LEVEL2 = "未知的二级指标“{name}”。"
LEVEL2_NOT_UNDER = "二级指标“{level2}”不属于一级指标“{level1}”。"
NO_PROJECT_NAME = "没有找到“项目名称”。"
CARRYOVER_UNSUPPORTED = (
    "上年结转资金 {value} 万元：暂不支持导入上年结转资金，请并入对应资金来源后再导入。"
)

_FOOTNOTE_RE = re.compile(r"^注\s*[:：]")
_UNIT_COUNT_RE = re.compile(r"单位数[:：]\s*(\d+)\s*个")
_WEIGHT_SUFFIX_RE = re.compile(r"[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]$")
_SEQ_SHEET_RE = re.compile(r"^(\d+)-")


def _score(cell) -> Decimal | None:
    return V.score(cell, what="得分")


def check_score(
    ctx: Ctx,
    score: Decimal | None,
    weight: Decimal | None,
    adjustment: bool,
    row: int,
    slot: R.Slot,
) -> None:
    """0 ≤ 得分 ≤ 分值 (加减分项: −分值 ≤ 得分 ≤ 分值), as the models require."""
    if score is None or weight is None:
        return
    low = -weight if adjustment else Decimal("0.00")
    if not low <= score <= weight:
        ctx.error(SCORE_RANGE.format(score=score, low=low, weight=weight), row, slot)


# --------------------------------------------------------------------------
# 部门整体支出绩效自评表
# --------------------------------------------------------------------------

_BASIC_LABELS = {
    "年度整体绩效目标": "overall_goal",
    "整体绩效目标完成情况": "completion",
    "未能完成原因": "unfinished_reasons",
}
# Printed column label → seed-schema key of the spending scale.
SPENDING_LABELS = {
    "财政拨款": "fiscal",
    "其他资金": "other",
    "基本支出": "basic",
    "项目支出": "project",
    "区本级支出": "district_level",
    "转移支付区": "transfer",
}
_LABEL_OF = {v: k for k, v in SPENDING_LABELS.items()}
_SPENDING_ROWS = {
    "全年预算数": "budget",
    "全年执行数": "actual",
    "完成率": "rate_printed",
}
_KIND_LABEL = {v: k for k, v in _SPENDING_ROWS.items()}


def _form_blocks(ctx: Ctx, furniture: Furniture, cells_of: dict) -> dict:
    """单位基本情况 and 年度部门整体支出规模 from the rows above the scorecard."""
    out: dict = {
        "department_name": "",
        "unit_count": None,
        "overall_goal": "",
        "completion": "",
        "unfinished_reasons": "",
        "spending_scale": {"budget": {}, "actual": {}, "rate_printed": {}},
    }
    columns: dict[int, str] = {}
    for number, items in furniture.leftover:
        labels = [flat(t) for _, t in items]
        if labels[0] == "单位名称" and len(items) > 1:
            out["department_name"] = items[1][1]
            for _, t in items:
                found = _UNIT_COUNT_RE.search(flat(t))
                if found:
                    out["unit_count"] = int(found.group(1))
        elif labels[0] in _BASIC_LABELS:
            value = "\n".join(V.clean_text(t) for _, t in items[1:])
            out[_BASIC_LABELS[labels[0]]] = value
        elif sum(v in SPENDING_LABELS for v in labels) >= 4:
            # The column labels of the matrix: their columns, as printed.
            columns = {
                i: SPENDING_LABELS[v]
                for (i, _), v in zip(items, labels, strict=True)
                if v in SPENDING_LABELS
            }
        else:
            kind = next((_SPENDING_ROWS[v] for v in labels if v in _SPENDING_ROWS), "")
            if kind and columns:
                out["spending_scale"][kind] |= _spending_row(
                    ctx, cells_of[number], number, kind, columns
                )
    for kind in ("budget", "actual"):
        missing = [k for k in _LABEL_OF if k not in out["spending_scale"][kind]]
        if missing:
            ctx.error(
                NO_SPENDING.format(
                    kind=_KIND_LABEL[kind],
                    labels="、".join(f"“{_LABEL_OF[k]}”" for k in missing),
                )
            )
    return out


def _spending_row(
    ctx: Ctx, cells: Sequence, number: int, kind: str, columns: dict[int, str]
) -> dict:
    parse = V.rate if kind == "rate_printed" else V.money
    values = {}
    for col, key in columns.items():
        label = f"{_KIND_LABEL[kind]}·{_LABEL_OF[key]}"
        value = ctx.value(
            parse, cells, R.Slot(L.Column(label, key=key), col, label), number
        )
        if value is None and kind != "rate_printed":
            ctx.notes.append(
                BLANK_SPENDING.format(label=_LABEL_OF[key], kind=_KIND_LABEL[kind])
            )
            value = Decimal("0.00")
        values[key] = dec(value)
    return values


class _Scorecard:
    """The rows of the scored tree, read under whichever header is current."""

    def __init__(self, ctx: Ctx, match: R.HeaderMatch):
        from scoring.models import ScorecardItem

        self.ctx = ctx
        self.offset = match.offset
        self.full = match.layout.columns
        self.explained = match.layout.sections["explained"]
        self.carry = CARRY_DOWN[match.layout.key]
        self.name_limit = limit_of(ScorecardItem, "name")
        self.use(match.tree)
        # Rows printed with 指标解释 merged over 年度指标值 + 实际完成指标值.
        explanation = {s.leaf.key: s for s in R.slots(self.explained, self.offset)}[
            "explanation"
        ]
        self.explained_rows = {
            m.min_row
            for m in ctx.merges
            if m.min_row == m.max_row
            and m.min_col == explanation.col + 1
            and m.max_col >= explanation.col + explanation.leaf.span
        }
        self.items: list[dict] = []
        self.weights: dict[tuple, str] = {}
        self.carried: dict[str, str | None] = {}

    def use(self, tree) -> None:
        self.tree = tree
        self.slots = {s.leaf.key: s for s in R.slots(tree, self.offset)}

    def header(self, cells: Sequence) -> tuple | None:
        return next(
            (
                t
                for t in (self.full, self.explained)
                if R.row_starts_header(cells, t, self.offset)
            ),
            None,
        )

    def read(self, number: int, cells: Sequence) -> None:
        ctx, slots = self.ctx, self.slots
        row = {
            key: ctx.text(cells, slots[key], number, self.name_limit)
            for key in ("level1", "level2", "name")
        }
        for key in ("level1_weight", "level2_weight", "weight"):
            row[key] = dec(ctx.value(V.score, cells, slots[key], number))
        for key in self.carry:
            if row[key] in ("", None):
                row[key] = self.carried.get(key)
            else:
                self.carried[key] = row[key]
        if not row["name"]:
            ctx.error(NAME_MISSING, number, slots["name"])
            return
        for key in ("level1", "level2", "level1_weight", "level2_weight", "weight"):
            if row[key] in ("", None):
                ctx.error(
                    WEIGHT_MISSING if "weight" in key else NAME_MISSING,
                    number,
                    slots[key],
                )
        score = ctx.value(_score, cells, slots["score"], number)
        adjustment = row["level1"] == ADJUSTMENT_LEVEL1
        check_score(
            ctx, score, as_decimal(row["weight"]), adjustment, number, slots["score"]
        )
        self._consistent(row, number)
        texts = self._texts(cells, number, adjustment)
        self.items.append({**row, **texts, "score": dec(score)})

    def _texts(self, cells: Sequence, number: int, adjustment: bool) -> dict:
        ctx, slots = self.ctx, self.slots
        if self.tree is self.explained:
            return {
                "explanation": ctx.text(cells, slots["explanation"], number),
                "target": "",
                "actual": "",
                "basis": ctx.text(cells, slots["basis"], number),
                "remark": "",
            }
        basis = ctx.text(cells, slots["basis"], number)
        remark = ctx.text(cells, slots["remark"], number)
        target = ctx.text(cells, slots["target"], number)
        actual = ctx.text(cells, slots["actual"], number)
        if number in self.explained_rows or adjustment:
            # 指标解释 printed over 年度指标值 + 实际完成指标值: one merged cell
            # (our export), or in a typed 加减分项 row the explanation and its
            # scoring rule in two cells.
            explanation = "\n".join(p for p in (target, actual) if p)
            return {
                "explanation": explanation,
                "target": "",
                "actual": "",
                "basis": basis,
                "remark": remark,
            }
        return {
            "explanation": "",
            "target": target,
            "actual": actual,
            "basis": basis,
            "remark": remark,
        }

    def _consistent(self, row: dict, number: int) -> None:
        """A 一级/二级 printed with one weight and later with another."""
        for key, weight_key in (
            ((row["level1"],), "level1_weight"),
            ((row["level1"], row["level2"]), "level2_weight"),
        ):
            weight = row[weight_key]
            if weight is None:
                continue
            earlier = self.weights.setdefault(key, weight)
            if earlier != weight:
                self.ctx.error(
                    WEIGHT_CONFLICT.format(
                        name=key[-1], weight=weight, earlier=earlier
                    ),
                    number,
                    self.slots[weight_key],
                )


def parse_department_selfeval(
    ctx: Ctx,
    match: R.HeaderMatch,
    head: list[tuple[int, tuple]],
    rows: Iterable[tuple[int, tuple]],
) -> dict:
    preamble = [r for r in head if r[0] < match.top]
    furniture = read_furniture(preamble)
    check_unit(ctx, furniture)
    form = _form_blocks(ctx, furniture, dict(preamble))
    card = _Scorecard(ctx, match)
    header_rows = set(range(1, match.last + 1))
    total_weight = total_score = None
    footnote: list[str] = []
    skip = 0
    for number, cells in rows:
        if skip:
            skip -= 1
            continue
        if not cells or R.row_is_empty(cells):
            continue
        _index, first = R.first_text(cells)
        tree = card.header(cells)
        if tree is not None:
            card.use(tree)
            skip = L.header_depth(tree) - 1
            header_rows.update(range(number, number + skip + 1))
        elif _FOOTNOTE_RE.match(first) or footnote:
            footnote.append(V.clean_text(" ".join(t for _, t in R.texts(cells))))
        elif flat(first) == "总分":
            total_weight = ctx.value(
                V.score, cells, card.slots["level1_weight"], number
            )
            total_score = ctx.value(_score, cells, card.slots["score"], number)
        elif classify(first)[0] not in ("department", "signoff", "draft"):
            card.read(number, cells)
    for tree in (card.full, card.explained):
        check_merged_down(ctx, R.slots(tree, match.offset), card.carry, header_rows)
    items = card.items
    if not items and not ctx.problems:
        ctx.error(NO_ITEMS, match.last + 1)
    if total_weight is None or total_score is None:
        ctx.notes.append(NO_TOTAL_ROW)
        level1 = {i["level1"]: as_decimal(i["level1_weight"]) for i in items}
        if total_weight is None:
            total_weight = sum(
                (w for w in level1.values() if w is not None), Decimal(0)
            )
        if total_score is None:
            total_score = calc.scorecard_total(as_decimal(i["score"]) for i in items)
    department = furniture.department or form.pop("department_name")
    form.pop("department_name", None)
    return {
        "source": "",
        "layout": "department_selfeval",
        "year": furniture.year,
        "title_printed": furniture.title,
        "department_name": department,
        **form,
        "unit_count": form["unit_count"] or 1,
        "items": items,
        "total_weight_printed": dec(total_weight),
        "total_score_printed": dec(total_score),
        "footnote": "\n".join(f for f in footnote if f),
    }


# --------------------------------------------------------------------------
# 项目支出绩效自评表 (national): one project per sheet
# --------------------------------------------------------------------------

_LEVEL2_CODES = {}
for _code, _name, _label, _parent, _order in LEVEL2:
    _LEVEL2_CODES[_name] = _code
    _LEVEL2_CODES[_label] = _code
_LEVEL2_PARENT = {code: parent for code, _n, _l, parent, _o in LEVEL2}
_LEVEL1_NAMES = {name: code for code, name, *_ in LEVEL1}
_FUND_ROWS = {
    "年度资金总额": "total",
    "其中:当年财政拨款": "fiscal",
    "其中:本年财政拨款": "fiscal",
    "当年财政拨款": "fiscal",
    "上年结转资金": "carryover",
    "其他资金": "other",
}
_FUND_COLUMNS = {
    "年初预算数": "initial",
    "全年预算数": "budget",
    "全年执行数": "actual",
}


def _national_form(ctx: Ctx, preamble: list[tuple[int, tuple]]) -> dict:
    """项目名称, 主管部门/实施单位, 项目资金 and 年度总体目标 by their labels."""
    project: dict = {
        "name": "",
        "unit_name": "",
        "parent_name": "",
        "funds": {
            k: dict.fromkeys(("initial", "budget", "actual"))
            for k in ("total", "fiscal", "carryover", "other")
        },
        "execution_rate_printed": None,
        "goal": "",
        "completion": "",
        "indicators": [],
    }
    fund_columns: dict[int, str] = {}
    rate_col = None
    goal_cols: tuple[int, int] | None = None
    for number, cells in preamble:
        items = R.texts(cells)
        if not items:
            continue
        labels = [flat(t) for _, t in items]
        if goal_cols is not None:
            project["goal"] = _text_at(cells, goal_cols[0])
            project["completion"] = _text_at(cells, goal_cols[1])
            goal_cols = None
        elif labels[0] == "项目名称" and len(items) > 1:
            project["name"] = items[1][1]
        elif "主管部门" in labels or "实施单位" in labels:
            for i, value in enumerate(labels[:-1]):
                key = {"主管部门": "parent_name", "实施单位": "unit_name"}.get(value)
                if key:
                    project[key] = items[i + 1][1]
        elif sum(v in _FUND_COLUMNS for v in labels) >= 2:
            fund_columns = {
                i: _FUND_COLUMNS[v]
                for (i, _), v in zip(items, labels, strict=True)
                if v in _FUND_COLUMNS
            }
            rate_col = next(
                (i for (i, _), v in zip(items, labels, strict=True) if v == "执行率"),
                None,
            )
        elif "预期目标" in labels and "实际完成情况" in labels:
            goal_cols = (
                items[labels.index("预期目标")][0],
                items[labels.index("实际完成情况")][0],
            )
        else:
            row_key = next((_FUND_ROWS[v] for v in labels if v in _FUND_ROWS), None)
            if row_key and fund_columns:
                _fund_row(ctx, project, cells, number, labels[0], row_key, fund_columns)
                if row_key == "total" and rate_col is not None:
                    slot = R.Slot(
                        L.Column("执行率", key="rate"), rate_col, "项目资金·执行率"
                    )
                    project["execution_rate_printed"] = dec(
                        ctx.value(V.rate, cells, slot, number)
                    )
    return project


def _fund_row(ctx, project, cells, number, label, row_key, columns) -> None:
    for col, kind in columns.items():
        path = f"项目资金·{label}·{kind}"
        value = ctx.value(
            V.money, cells, R.Slot(L.Column(path, key=kind), col, path), number
        )
        project["funds"][row_key][kind] = dec(value)
        if row_key == "carryover" and value:
            ctx.error(CARRYOVER_UNSUPPORTED.format(value=value), number)


def parse_national(
    ctx: Ctx,
    match: R.HeaderMatch,
    head: list[tuple[int, tuple]],
    rows: Iterable[tuple[int, tuple]],
) -> dict:
    """One sheet of the national form → one project::

        {"seq", "name", "unit_name", "parent_name",
         "funds": {"total"|"fiscal"|"carryover"|"other":
                   {"initial", "budget", "actual"}},
         "execution_rate_printed", "goal", "completion",
         "indicators": [{"level1", "level2", "level2_code", "name",
                         "annual_value", "actual_value", "weight", "score",
                         "deviation_reason"}]}

    plus "year", "department_name" and "title_printed" of the sheet.
    """
    from projects.models import BudgetProject, Indicator

    tree, offset = match.tree, match.offset
    slots = {s.leaf.key: s for s in R.slots(tree, offset)}
    preamble = [r for r in head if r[0] < match.top]
    furniture = read_furniture(preamble)
    check_merged_down(
        ctx,
        R.slots(tree, offset),
        CARRY_DOWN[match.layout.key],
        set(range(1, match.last + 1)),
    )
    project = _national_form(ctx, preamble)
    name_limit = limit_of(Indicator, "name")
    carried = {"level1": "", "level2": ""}
    seal = ""
    for number, cells in rows:
        if not cells or R.row_is_empty(cells):
            continue
        _index, first = R.first_text(cells)
        key = flat(first)
        kind, value = classify(first)
        if kind == "department":
            seal = value or seal
            continue
        if (
            key == "总分"
            or kind in ("signoff", "draft")
            or (key.startswith("(") and key.endswith(")"))  # （未填报绩效指标）
            or R.row_starts_header(cells, tree, offset)
        ):
            continue
        row = {k: ctx.text(cells, slots[k], number) for k in ("level1", "level2")}
        row["level1"] = _WEIGHT_SUFFIX_RE.sub("", row["level1"]).strip()
        for k in ("level1", "level2"):
            if row[k]:
                carried[k] = row[k]
            else:
                row[k] = carried[k]
        code = _LEVEL2_CODES.get(flat(row["level2"]))
        if code is None:
            ctx.error(
                UNKNOWN_LEVEL2.format(name=row["level2"]), number, slots["level2"]
            )
            continue
        if _LEVEL1_NAMES.get(flat(row["level1"])) not in (None, _LEVEL2_PARENT[code]):
            ctx.error(
                LEVEL2_NOT_UNDER.format(level2=row["level2"], level1=row["level1"]),
                number,
                slots["level2"],
            )
        weight = ctx.value(V.score, cells, slots["weight"], number)
        score = ctx.value(_score, cells, slots["score"], number)
        check_score(ctx, score, weight, False, number, slots["score"])
        project["indicators"].append(
            {
                **row,
                "level2_code": code,
                "name": ctx.text(cells, slots["name"], number, name_limit),
                "annual_value": ctx.text(cells, slots["annual_value"], number),
                "actual_value": ctx.text(cells, slots["actual_value"], number),
                "weight": dec(weight),
                "score": dec(score),
                "deviation_reason": ctx.text(cells, slots["deviation_reason"], number),
            }
        )
    limit = limit_of(BudgetProject, "name")
    if not project["name"]:
        ctx.error(NO_PROJECT_NAME)
    elif len(project["name"]) > limit:
        ctx.error(TOO_LONG.format(length=len(project["name"]), limit=limit))
    seq = _SEQ_SHEET_RE.match(ctx.sheet)
    project["seq"] = int(seq.group(1)) if seq else None
    return {
        "year": furniture.year,
        "title_printed": furniture.title,
        "department_name": seal or project["unit_name"],
        "project": project,
    }


def _text_at(cells: Sequence, col: int) -> str:
    if col < len(cells):
        try:
            return V.text(cells[col])
        except V.CellProblem:
            return ""
    return ""
