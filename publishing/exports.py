"""The figures of each official table as plain data (the JSON export).

Amounts and rates are decimal strings ("10470.27", "98.39"), null where a cell
is 不适用 or was not published, so a script can compare them to the cent.
"""

from decimal import Decimal

from projects.indicator_codes import CodedIndicator, format_coded_indicators
from projects.models import BudgetProject, Evaluation
from scoring import calculations as calc
from scoring.checks import evaluation_checks, scorecard_total
from scoring.models import SPENDING_COLUMNS, SPENDING_GROUPS, Scorecard
from scoring.selectors import rules_for_region

LAYOUTS = {
    "project_selfeval": "部门预算项目绩效自评表",
    "project_selfeval_national": "项目支出绩效自评表",
    "target": "项目支出绩效目标表",
    "department_selfeval": "部门整体支出绩效自评表",
}
NO_TABLE = "{evaluation} 没有{table}的数据。"


class ExportError(Exception):
    """The evaluation has nothing to export in this layout."""


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(calc.q2(value))


def plain(value: Decimal | None) -> str | None:
    """A parsed number without trailing zeros or exponent (`1500`, `0.43`)."""
    return None if value is None else format(value.normalize(), "f")


def _sum(values) -> Decimal | None:
    known = [v for v in values if v is not None]
    return sum(known, Decimal("0.00")) if known else None


def table_title(evaluation: Evaluation, layout: str) -> str:
    """Titles are generated, never typed (seed 002 printed a placeholder)."""
    name, year = evaluation.department.name, evaluation.year
    if layout == "project_selfeval":
        return f"{year}年度{name}部门预算项目绩效自评表"
    if layout == "target":
        return f"{name}{year}年项目支出绩效目标表（含转移支付项目）"
    if layout == "project_selfeval_national":
        return f"项目支出绩效自评表（{year}年度）"
    return f"部门整体支出绩效自评表（{year}年度）"


def available_layouts(evaluation: Evaluation) -> list[str]:
    """The official tables an evaluation has data for, in LAYOUTS order.

    Uses the prefetched tables when the evaluation came from evaluation_get.
    """
    found = []
    if evaluation.projects.exists():
        found += ["project_selfeval", "project_selfeval_national"]
    if evaluation.target_projects.exists():
        found.append("target")
    if Scorecard.objects.filter(evaluation=evaluation).exists():
        found.append("department_selfeval")
    return found


def export_data(evaluation: Evaluation, layout: str) -> dict:
    builders = {
        "project_selfeval": _project_selfeval,
        "project_selfeval_national": _project_selfeval_national,
        "target": _target,
        "department_selfeval": _department_selfeval,
    }
    data = {
        "layout": layout,
        "title": table_title(evaluation, layout),
        "department": {
            "code": evaluation.department.code,
            "name": evaluation.department.name,
            "region": evaluation.department.region,
            "parent_name": (
                evaluation.department.parent.name
                if evaluation.department.parent_id
                else ""
            ),
        },
        "year": evaluation.year,
        "status": evaluation.status,
        "unit": "万元",
    }
    data |= builders[layout](evaluation)
    data["checks"] = [f.as_dict() for f in evaluation_checks(evaluation)]
    return data


def _amounts(project: BudgetProject, kind: str) -> dict:
    total = project.budget_total if kind == "budget" else project.actual_total
    non_fiscal = (
        project.budget_non_fiscal if kind == "budget" else project.actual_non_fiscal
    )
    return {
        "total": total,
        "general": project.amount(kind, "general"),
        "fund": project.amount(kind, "fund"),
        "non_fiscal": non_fiscal,
    }


def _project_selfeval(evaluation: Evaluation) -> dict:
    projects = list(evaluation.projects.all())
    if not projects:
        raise ExportError(
            NO_TABLE.format(evaluation=evaluation, table=LAYOUTS["project_selfeval"])
        )
    rows, sums = [], {"budget": [], "actual": []}
    for p in projects:
        budget, actual = _amounts(p, "budget"), _amounts(p, "actual")
        sums["budget"].append(budget)
        sums["actual"].append(actual)
        rows.append(
            {
                "seq": p.seq,
                "name": p.name,
                "unit_name": p.unit_name,
                "budget": {k: dec(v) for k, v in budget.items()},
                "actual": {k: dec(v) for k, v in actual.items()},
                "execution_rate": dec(p.execution_rate),
                "excluded_from_execution_rate": p.excluded_from_execution_rate,
                "goal": p.annual_goal,
                "completion": p.completion,
                "indicators": [
                    {
                        "level1_code": i.level1.code,
                        "level1": i.level1.name,
                        "level2_code": i.level2.code,
                        "level2": i.level2.name,
                        "name": i.name,
                        "annual_value": i.annual_value,
                        "actual_value": i.actual_value,
                        "operator": i.operator,
                        "target_number": plain(i.target_number),
                        "unit": i.unit,
                        "weight": dec(i.weight),
                        "score": dec(i.score),
                        "deviation_reason": i.deviation_reason,
                    }
                    for i in p.indicators.all()
                ],
                "problems": p.problems,
                "rectification": p.rectification,
            }
        )
    totals = {
        kind: {
            key: dec(_sum(amounts[key] for amounts in sums[kind]))
            for key in ("total", "general", "fund", "non_fiscal")
        }
        for kind in ("budget", "actual")
    }
    totals["execution_rate"] = dec(
        calc.total_execution_rate(
            (
                p.budget_total or Decimal(0),
                p.actual_total or Decimal(0),
                p.excluded_from_execution_rate,
            )
            for p in projects
        )
    )
    return {
        "variant": "A" if evaluation.budget_by_source else "B",
        "unit_column_label": evaluation.unit_column_label,
        "attachment_label": evaluation.attachment_label,
        "projects": rows,
        "totals": totals,
        "notes": evaluation.note_lines,
    }


def _project_selfeval_national(evaluation: Evaluation) -> dict:
    """The project figures again, plus per project what the national
    项目支出绩效自评表 prints: funds by 年初/全年/执行, the 预算执行率 score
    (§6.2), 总分 and grade (§6.6). 总分 is only given once indicators carry
    weights; an unscored table prints no total rather than a misleading one."""
    data = _project_selfeval(evaluation)
    rules = rules_for_region(evaluation.department.region)
    weight = rules.execution_rate_weight
    for row, p in zip(data["projects"], evaluation.projects.all(), strict=True):
        indicators = list(p.indicators.all())
        exec_score = calc.execution_score(rate=p.execution_rate, weight=weight)
        scored = any(i.weight is not None for i in indicators)
        total = (
            calc.project_total(
                execution_score=exec_score,
                indicator_scores=[i.score for i in indicators],
            )
            if scored
            else None
        )
        fiscal = {
            kind: _sum([p.amount(kind, "general"), p.amount(kind, "fund")])
            for kind in ("initial", "budget", "actual")
        }
        other = {
            kind: _sum([p.amount(kind, "special"), p.amount(kind, "other")])
            for kind in ("initial", "budget", "actual")
        }
        row["national"] = {
            "funds": {
                "total": {
                    "initial": dec(p.initial_total),
                    "budget": dec(p.budget_total),
                    "actual": dec(p.actual_total),
                },
                "fiscal": {k: dec(v) for k, v in fiscal.items()},
                "carryover": {"initial": None, "budget": None, "actual": None},
                "other": {k: dec(v) for k, v in other.items()},
            },
            "execution_weight": dec(weight),
            "execution_score": dec(exec_score),
            "total_weight": (
                dec(weight + sum((i.weight or 0 for i in indicators), Decimal(0)))
                if scored
                else None
            ),
            "total_score": dec(total),
            "grade": calc.grade(total, rules),
        }
    return data


def _target(evaluation: Evaluation) -> dict:
    projects = list(evaluation.target_projects.all())
    if not projects:
        raise ExportError(
            NO_TABLE.format(evaluation=evaluation, table=LAYOUTS["target"])
        )
    rows = []
    for p in projects:
        indicators = list(p.indicators.all())
        coded = [
            CodedIndicator(
                seq=i.seq,
                level1_code=i.level1.code,
                level1_name=i.level1.label,
                level2_code=i.level2.code,
                level2_name=i.level2.label,
                name=i.name,
                period_value=i.period_value,
                annual_value=i.annual_value,
            )
            for i in indicators
        ]
        rows.append(
            {
                "name": p.name,
                "fund_user": p.fund_user,
                "total": dec(p.total),
                "fiscal": dec(p.fiscal),
                "special_account": dec(p.special_account),
                "other": dec(p.other),
                "goal": p.goal,
                "indicators": [
                    {
                        "seq": c.seq,
                        "level1_code": c.level1_code,
                        "level2_code": c.level2_code,
                        "level1": c.level1_name,
                        "level2": c.level2_name,
                        "name": c.name,
                        "period_value": c.period_value,
                        "annual_value": c.annual_value,
                    }
                    for c in coded
                ],
                "indicators_text": format_coded_indicators(coded),
            }
        )
    totals = {
        key: dec(_sum(getattr(p, key) for p in projects))
        for key in ("total", "fiscal", "special_account", "other")
    }
    return {"projects": rows, "totals": totals}


def _department_selfeval(evaluation: Evaluation) -> dict:
    scorecard = Scorecard.objects.filter(evaluation=evaluation).first()
    if scorecard is None:
        raise ExportError(
            NO_TABLE.format(evaluation=evaluation, table=LAYOUTS["department_selfeval"])
        )
    items = list(scorecard.items.select_related("parent", "parent__parent"))
    rules = rules_for_region(evaluation.department.region)
    total = scorecard_total(items)
    leaves = []
    for item in items:
        if item.level != 3:
            continue
        level2 = item.parent
        level1 = level2.parent
        leaves.append(
            {
                "level1": level1.name,
                "level1_weight": dec(level1.weight),
                "level2": level2.name,
                "level2_weight": dec(level2.weight),
                "name": item.name,
                "weight": dec(item.weight),
                "score": dec(item.score),
                "explanation": item.explanation,
                "target": item.target,
                "actual": item.actual,
                "basis": item.basis,
                "remark": item.remark,
            }
        )
    spending = {
        kind: {c: dec(getattr(scorecard, f"{kind}_{c}")) for c in SPENDING_COLUMNS}
        for kind in ("budget", "actual")
    }
    spending["rate"] = {c: dec(scorecard.spending_rate(c)) for c in SPENDING_COLUMNS}
    spending["groups"] = {g: list(cols) for g, cols in SPENDING_GROUPS.items()}
    return {
        "unit_count": scorecard.unit_count,
        "overall_goal": scorecard.overall_goal,
        "completion": scorecard.completion,
        "unfinished_reasons": scorecard.unfinished_reasons,
        "spending_scale": spending,
        "items": leaves,
        "total_weight": dec(sum((i.weight for i in items if i.level == 1), Decimal(0))),
        "total_score": dec(total),
        "grade": calc.grade(total, rules),
        "footnote": scorecard.footnote,
    }
