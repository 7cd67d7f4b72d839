"""Consistency checks: every published figure against its recomputation.

The checks report; they never raise. Published tables do contain errors (and
text extraction adds some), so a finding is information for the filler and the
reviewer, stored nowhere and recomputed whenever it is asked for.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from projects.models import BudgetProject, Evaluation, TargetProject
from scoring import calculations as calc
from scoring.models import SPENDING_COLUMNS, SPENDING_GROUPS, Scorecard
from scoring.selectors import rules_for_region

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Finding:
    code: str  # split_sum | column_sum | rate | weights | score_over_weight | …
    location: str  # where a reader finds it in the table, in Chinese
    message: str
    printed: str | None = None
    computed: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _fmt(value: Decimal | None) -> str | None:
    return None if value is None else str(calc.q2(value))


def evaluation_checks(evaluation: Evaluation) -> list[Finding]:
    """All findings of an evaluation, in table order."""
    findings: list[Finding] = []
    projects = list(evaluation.projects.all())
    if projects:
        findings += project_table_checks(evaluation, projects)
    targets = list(evaluation.target_projects.all())
    if targets:
        findings += target_table_checks(evaluation, targets)
    scorecard = Scorecard.objects.filter(evaluation=evaluation).first()
    if scorecard is not None:
        rules = rules_for_region(evaluation.department.region)
        findings += scorecard_checks(scorecard, list(scorecard.items.all()), rules)
    return findings


# --- 部门预算项目绩效自评表 -------------------------------------------------

# JSON key of the printed 合计 row → how to read the same figure off a project.
_TOTAL_KEYS = {
    "budget": {
        "total": lambda p: _printed_or(p, "budget_total", p.budget_total),
        "general": lambda p: p.budget_general,
        "fund": lambda p: p.budget_fund,
        "non_fiscal": lambda p: p.budget_non_fiscal,
    },
    "actual": {
        "total": lambda p: _printed_or(p, "actual_total", p.actual_total),
        "general": lambda p: p.actual_general,
        "fund": lambda p: p.actual_fund,
        "non_fiscal": lambda p: p.actual_non_fiscal,
    },
}
_KIND_LABEL = {"budget": "项目年度预算金额", "actual": "实际支出金额"}
_KEY_LABEL = {
    "total": "合计",
    "general": "一般公共预算",
    "fund": "政府性基金",
    "non_fiscal": "非财政资金",
}


def _printed_or(project: BudgetProject, key: str, fallback: Decimal | None):
    printed = (project.published or {}).get(key)
    return Decimal(printed) if printed is not None else fallback


def project_table_checks(
    evaluation: Evaluation, projects: list[BudgetProject]
) -> list[Finding]:
    findings: list[Finding] = []
    for p in projects:
        where = f"第 {p.seq} 行“{p.name}”"
        printed = p.published or {}
        for kind, derived in (("budget", p.budget_total), ("actual", p.actual_total)):
            shown = _dec(printed.get(f"{kind}_total"))
            if shown is not None and derived is not None and shown != derived:
                findings.append(
                    Finding(
                        "split_sum",
                        where,
                        f"{where}{_KIND_LABEL[kind]}：原表合计 {shown}，"
                        f"各资金来源之和为 {derived}。",
                        _fmt(shown),
                        _fmt(derived),
                    )
                )
        findings += _rate_finding(
            where, _dec(printed.get("execution_rate")), p.execution_rate
        )

    totals = evaluation.published_totals or {}
    for kind in ("budget", "actual"):
        row = totals.get(kind) or {}
        for key, read in _TOTAL_KEYS[kind].items():
            shown = _dec(row.get(key))
            values = [read(p) for p in projects]
            if shown is None or all(v is None for v in values):
                continue
            column_sum = sum((v for v in values if v is not None), ZERO)
            if shown != column_sum:
                label = f"合计行{_KIND_LABEL[kind]}·{_KEY_LABEL[key]}"
                findings.append(
                    Finding(
                        "column_sum",
                        "合计行",
                        f"{label}：原表 {shown}，各项目之和为 {column_sum}"
                        f"（相差 {calc.q2(shown - column_sum)}）。",
                        _fmt(shown),
                        _fmt(column_sum),
                    )
                )
    total_rate = calc.total_execution_rate(
        (p.budget_total or ZERO, p.actual_total or ZERO, p.excluded_from_execution_rate)
        for p in projects
    )
    findings += _rate_finding("合计行", _dec(totals.get("execution_rate")), total_rate)
    return findings


def _rate_finding(
    where: str, printed: Decimal | None, computed: Decimal | None
) -> list[Finding]:
    if printed is None:
        return []  # the table left the cell blank: nothing to compare
    if computed is None:
        # A zero budget: the rate is 不适用. Tables print 0.00% for it, which
        # says the same thing, so only another figure is a disagreement.
        if printed == 0:
            return []
        return [
            Finding(
                "rate",
                where,
                f"{where}：预算为零，执行率不适用，原表却印 {printed}%。",
                _fmt(printed),
                None,
            )
        ]
    if printed != computed:
        return [
            Finding(
                "rate",
                where,
                f"{where}：原表执行率 {printed}%，按实际支出÷预算计算为 {computed}%。",
                _fmt(printed),
                _fmt(computed),
            )
        ]
    return []


# --- 项目支出绩效目标表 -----------------------------------------------------

# JSON key of a printed 合计/单位 row → its column label; a project's figure
# is the attribute of the same name (总计 is derived from the three sources).
_TARGET_COLUMNS = {
    "total": "总计",
    "fiscal": "财政拨款",
    "special_account": "财政专户拨款",
    "other": "其他资金",
}


def target_table_checks(
    evaluation: Evaluation, projects: list[TargetProject]
) -> list[Finding]:
    """The 项目支出绩效目标表: each project's 总计 against its sources, the
    合计 row against every project, each 资金使用单位 row against the projects
    of that unit (`TargetProject.fund_user`)."""
    findings: list[Finding] = []
    published = evaluation.published_totals or {}
    printed_rows = published.get("projects") or {}
    for p in projects:
        shown = _dec(printed_rows.get(p.name))
        if shown is not None and p.total is not None and shown != p.total:
            findings.append(
                Finding(
                    "split_sum",
                    f"“{p.name}”",
                    f"“{p.name}”：原表总计 {shown}，财政拨款、财政专户拨款与其他资金"
                    f"之和为 {p.total}。",
                    _fmt(shown),
                    _fmt(p.total),
                )
            )
    findings += _target_row_checks(
        "合计行", published.get("totals") or {}, projects, "各项目"
    )
    unit_rows = published.get("unit_rows") or []
    by_unit: dict[str, list[TargetProject]] = {}
    for p in projects:
        by_unit.setdefault(p.fund_user, []).append(p)
    for row in unit_rows:
        where = f"单位行“{row['name']}”"
        members = by_unit.get(row["name"])
        if members:
            findings += _target_row_checks(where, row, members, "该单位各项目")
        else:
            # Nothing to add up: most likely the unit is spelt differently
            # on the row and on its projects.
            shown = _dec(row.get("total"))
            figure = "" if shown is None else f"，原表总计 {shown} 无从核对"
            findings.append(
                Finding(
                    "column_sum",
                    where,
                    f"{where}：没有项目的资金使用单位为“{row['name']}”{figure}。",
                    _fmt(shown),
                    None,
                )
            )
    if unit_rows:
        printed_units = {row["name"] for row in unit_rows}
        for unit, members in by_unit.items():
            if unit in printed_units:
                continue
            column_sum = sum((p.total or ZERO for p in members), ZERO)
            where = f"资金使用单位“{unit}”"
            findings.append(
                Finding(
                    "column_sum",
                    where,
                    f"{where}：原表没有该单位的单位行，其 {len(members)} 个项目"
                    f"（总计 {column_sum}）不在任何单位行之下。",
                    None,
                    _fmt(column_sum),
                )
            )
    return findings


def _target_row_checks(
    where: str, row: dict, members: list[TargetProject], summed: str
) -> list[Finding]:
    """A printed 合计/单位 row against the column sums of its projects; a
    blank cell is not compared, a blank project figure counts as zero."""
    findings = []
    for key, label in _TARGET_COLUMNS.items():
        shown = _dec(row.get(key))
        if shown is None:
            continue
        column_sum = sum((getattr(p, key) or ZERO for p in members), ZERO)
        if shown != column_sum:
            findings.append(
                Finding(
                    "column_sum",
                    where,
                    f"{where}{label}：原表 {shown}，{summed}之和为 {column_sum}。",
                    _fmt(shown),
                    _fmt(column_sum),
                )
            )
    return findings


# --- 部门整体支出绩效自评表 -------------------------------------------------


def scorecard_checks(
    scorecard: Scorecard, items: list, rules: calc.ScoringRules | None = None
) -> list[Finding]:
    rules = rules or calc.DEFAULT_RULES
    findings: list[Finding] = []
    published = scorecard.published or {}

    printed_rates = published.get("rates") or {}
    for column, label in SPENDING_COLUMNS.items():
        findings += _rate_finding(
            f"支出规模“{label}”完成率",
            _dec(printed_rates.get(column)),
            scorecard.spending_rate(column),
        )
    for kind, label in (("budget", "全年预算数"), ("actual", "全年执行数")):
        sums = {g: scorecard.group_total(kind, g) for g in SPENDING_GROUPS}
        if len(set(sums.values())) > 1:
            detail = "，".join(f"{g} {v}" for g, v in sums.items())
            findings.append(
                Finding(
                    "breakdown_totals",
                    f"支出规模·{label}",
                    f"{label}三种口径合计不相等：{detail}。",
                )
            )

    children: dict[int | None, list] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    roots = children.get(None, [])
    root_sum = sum((r.weight for r in roots), ZERO)
    total_weight = _dec(published.get("total_weight")) or Decimal(100)
    if roots and root_sum != total_weight:
        findings.append(
            Finding(
                "weights",
                "总分",
                f"一级指标分值之和为 {root_sum}，应为 {total_weight}。",
                _fmt(total_weight),
                _fmt(root_sum),
            )
        )
    for item in items:
        kids = children.get(item.pk, [])
        if kids:
            kids_sum = sum((k.weight for k in kids), ZERO)
            if kids_sum != item.weight:
                findings.append(
                    Finding(
                        "weights",
                        f"“{item.name}”",
                        f"“{item.name}”分值 {item.weight}，其下级指标分值之和为 "
                        f"{kids_sum}。",
                        _fmt(item.weight),
                        _fmt(kids_sum),
                    )
                )
        if item.score is not None:
            low = -item.weight if item.is_adjustment else ZERO
            if not low <= item.score <= item.weight:
                findings.append(
                    Finding(
                        "score_over_weight",
                        f"“{item.name}”",
                        f"“{item.name}”得分 {item.score} 超出分值范围"
                        f"（{low}～{item.weight}）。",
                        _fmt(item.score),
                        _fmt(item.weight),
                    )
                )
        if item.auto_rule == "budget_completion" and item.score is not None:
            computed = calc.budget_completion_score(
                rate=_unrounded_rate(scorecard), weight=item.weight, rules=rules
            )
            if computed is not None and computed != item.score:
                findings.append(
                    Finding(
                        "auto_score",
                        f"“{item.name}”",
                        f"“{item.name}”自评 {item.score} 分，按预算完成率规则计算为 "
                        f"{computed} 分。",
                        _fmt(item.score),
                        _fmt(computed),
                    )
                )
    printed_total = _dec(published.get("total_score"))
    total = scorecard_total(items)
    if printed_total is not None and printed_total != total:
        findings.append(
            Finding(
                "total_score",
                "总分",
                f"原表总分 {printed_total}，各三级指标得分之和为 {total}。",
                _fmt(printed_total),
                _fmt(total),
            )
        )
    return findings


def _unrounded_rate(scorecard: Scorecard) -> Decimal | None:
    """预算完成率 in % without rounding: the §7.5 rule truncates it itself."""
    if not scorecard.budget_total:
        return None
    return scorecard.actual_total / scorecard.budget_total * calc.HUNDRED


def scorecard_total(items: Iterable) -> Decimal:
    """总分: Σ of the 三级 scores (加减分 included, which may be negative)."""
    return calc.scorecard_total(i.score for i in items if i.level == 3)
