"""Writing an imported table: the seed loaders, and the national table.

A table read from a workbook is a dict in the seed schema
(fixtures/seeds/SCHEMA.md), so it is written by exactly the loaders that load
the seed tables (`projects.seeds.load_project_selfeval`, `load_target`,
`scoring.seeds.load_department_selfeval`): into a new evaluation, or, given
one, replacing that table of it. They write projects and indicators in bulk
(`projects.services.budget_projects_bulk_create`), so a district's table of
thousands of projects imports in seconds.

The national 项目支出绩效自评表 has no seed loader (the seed schema has no
place for its 年初预算数, weights or scores); `load_national` writes it the
same way.
"""

from __future__ import annotations

from django.db import transaction

from departments.models import Department
from projects import seeds as project_seeds
from projects import services
from projects.models import Evaluation
from scoring import seeds as scoring_seeds
from scoring.models import Scorecard


def has_table(evaluation: Evaluation, layout: str | None) -> bool:
    """Whether the evaluation already holds data of this table."""
    if layout in ("project_selfeval", "project_selfeval_national"):
        return evaluation.projects.exists()
    if layout == "target":
        return evaluation.target_projects.exists()
    if layout == "department_selfeval":
        return Scorecard.objects.filter(evaluation=evaluation).exists()
    return False


def load(
    *,
    data: dict,
    department: Department,
    evaluation: Evaluation | None,
    user=None,
) -> Evaluation:
    """Write `data` for the department: a new evaluation, or into
    `evaluation` (a draft or returned one) replacing the table."""
    return LOADERS[data["layout"]](
        data=data, department=department, evaluation=evaluation, user=user
    )


# --- 项目支出绩效自评表 (national; no seed loader) ------------------------------


@transaction.atomic
def load_national(
    *,
    data: dict,
    department: Department,
    evaluation: Evaluation | None = None,
    user=None,
) -> Evaluation:
    """One project per sheet: its funds by 年初/全年/执行, goal, indicators
    with weights and scores. 当年财政拨款 goes to 一般公共预算 (the form does not
    split it by fund), 其他资金 to 非财政资金."""
    unsplit = any(_unsplit(row["funds"], "budget") for row in data["projects"])
    evaluation = project_seeds.evaluation_for_load(
        department=department,
        year=data["year"],
        evaluation=evaluation,
        clear=lambda e: services.budget_projects_delete_all(evaluation=e, user=user),
        others=lambda e: e.target_projects.exists(),
        fields={
            "budget_by_source": not unsplit,
            "title_printed": data.get("title_printed") or "",
            "source_file": data["source"],
            "published_totals": {},
        },
    )
    services.budget_projects_bulk_create(
        evaluation=evaluation,
        user=user,
        rows=(_national_row(row) for row in data["projects"]),
    )
    return evaluation


def _national_row(row: dict) -> dict:
    p = project_seeds
    funds = row["funds"]
    amounts = {
        f"{kind}_{field}": p._amount(funds[source][kind])
        for kind in ("initial", "budget", "actual")
        for source, field in (("fiscal", "general"), ("other", "other"))
    }
    for kind in ("initial", "budget", "actual"):
        if _unsplit(funds, kind):
            # Only 年度资金总额 printed (a 2020-style project): the
            # budget keeps its one figure, the others count as 一般公共预算.
            field = "budget_total_unsplit" if kind == "budget" else f"{kind}_general"
            amounts[field] = p._amount(funds["total"][kind])
    return {
        "seq": row["seq"],
        "name": row["name"],
        "unit_name": row.get("unit_name") or "",
        "annual_goal": row.get("goal") or "",
        "completion": row.get("completion") or "",
        "published": {
            "budget_total": p._printed(funds["total"]["budget"]),
            "actual_total": p._printed(funds["total"]["actual"]),
            "execution_rate": p._printed(row.get("execution_rate_printed")),
        },
        **amounts,
        "indicators": [
            {
                "level2_code": item["level2_code"],
                "name": item["name"],
                "annual_value": item["annual_value"],
                "actual_value": item["actual_value"],
                "weight": p._amount(item["weight"]),
                "score": p._amount(item["score"]),
                "deviation_reason": item["deviation_reason"],
                "order": order,
            }
            for order, item in enumerate(row["indicators"], start=1)
        ],
    }


def _unsplit(funds: dict, kind: str) -> bool:
    """Only the total is printed for this kind of amount."""
    return funds["total"][kind] is not None and all(
        funds[source][kind] is None for source in ("fiscal", "carryover", "other")
    )


LOADERS = {
    "project_selfeval": project_seeds.load_project_selfeval,
    "project_selfeval_national": load_national,
    "target": project_seeds.load_target,
    "department_selfeval": scoring_seeds.load_department_selfeval,
}
