"""Writing an imported table: the seed loaders, and what they lack.

A table read from a workbook is a dict in the seed schema
(fixtures/seeds/SCHEMA.md), so a department-year without an evaluation is
loaded by exactly the loaders that load the seed tables
(`projects.seeds.load_project_selfeval`, `load_target`,
`scoring.seeds.load_department_selfeval`).

The loaders always create the evaluation. Importing into an evaluation that
exists (a draft, or one returned to the filler, with its history) needs the
same work on the existing row: `_reload_*` below do it through the same
services and the loaders' own helpers, after deleting the table being
replaced (the evaluation's other tables stay). They mirror the loaders line
for line; tests/publishing/test_import_replace.py checks both give the same
content. An ``evaluation=`` parameter on the loaders would let these go.

The national 项目支出绩效自评表 has no seed loader (the seed schema has no
place for its 年初预算数, weights or scores); `load_national` writes it
through the same services.
"""

from __future__ import annotations

from decimal import Decimal

from departments.models import Department
from projects import seeds as project_seeds
from projects import services
from projects.indicator_codes import strip_markup
from projects.models import Evaluation
from projects.services import evaluation_lock_for_edit
from scoring import seeds as scoring_seeds
from scoring import services as scoring_services
from scoring.calculations import to_decimal
from scoring.models import Scorecard

LOADERS = {
    "project_selfeval": project_seeds.load_project_selfeval,
    "target": project_seeds.load_target,
    "department_selfeval": scoring_seeds.load_department_selfeval,
}


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
    *, data: dict, department: Department, evaluation: Evaluation | None
) -> Evaluation:
    """Write `data` for the department: a new evaluation through the seed
    loader, or into `evaluation` (already locked for edit) replacing the table.
    """
    layout = data["layout"]
    if layout == "project_selfeval_national":
        evaluation = load_national(
            data=data, department=department, evaluation=evaluation
        )
    elif evaluation is None:
        evaluation = LOADERS[layout](data=data, department=department)
    else:
        RELOADERS[layout](evaluation=evaluation, data=data)
    if layout == "target":
        _fund_users(evaluation, data)
    return evaluation


def _set_fields(evaluation: Evaluation, fields: dict) -> None:
    current = evaluation_lock_for_edit(evaluation)
    if "published_totals" in fields:
        fields = {**fields, "published_totals": _published(current, fields)}
    for name, value in fields.items():
        setattr(current, name, value)
    services.evaluation_save(evaluation=current)
    for name, value in fields.items():
        setattr(evaluation, name, value)


def _published(evaluation: Evaluation, fields: dict) -> dict:
    """The printed figures of the imported table, keeping those of the
    evaluation's other table: the project table keeps its 合计 under
    budget/actual/execution_rate, the target table under
    totals/unit_rows/projects, in the one `published_totals`."""
    new = fields["published_totals"]
    other = (
        evaluation.projects.exists()
        if new.get("layout") == "target"
        else evaluation.target_projects.exists()
    )
    return {**(evaluation.published_totals or {}), **new} if other else new


# --- 部门预算项目绩效自评表 (mirrors load_project_selfeval) --------------------


def _reload_project_selfeval(*, evaluation: Evaluation, data: dict) -> None:
    p = project_seeds
    split = data["variant"] == "A"
    totals = data.get("totals_printed")
    evaluation_lock_for_edit(evaluation)
    evaluation.projects.all().delete()
    _set_fields(
        evaluation,
        {
            "budget_by_source": split,
            "unit_column_label": data.get("unit_column_label") or "部门名称",
            "attachment_label": data.get("attachment_label") or "",
            "title_printed": data.get("title_printed") or "",
            "notes": "\n".join(data.get("notes") or []),
            "source_file": data["source"],
            "published_totals": {
                "layout": "project_selfeval",
                "budget": p._printed_block(totals["budget"]) if totals else None,
                "actual": p._printed_block(totals["actual"]) if totals else None,
                "execution_rate": p._printed(totals["execution_rate"])
                if totals
                else None,
            },
        },
    )
    excluded = {
        e["name"]: e["note"] for e in data.get("excluded_from_execution_rate") or []
    }
    for row in data["projects"]:
        budget, actual = row["budget"], row["actual"]
        amounts: dict[str, Decimal | None] = {
            "actual_general": p._amount(actual["general"]),
            "actual_fund": p._amount(actual["fund"]),
            "actual_other": p._amount(actual["non_fiscal"]),
        }
        if split:
            amounts |= {
                "budget_general": p._amount(budget["general"]),
                "budget_fund": p._amount(budget["fund"]),
                "budget_other": p._amount(budget["non_fiscal"]),
            }
        else:
            amounts["budget_total_unsplit"] = p._amount(budget["total"])
        project = services.budget_project_create(
            evaluation=evaluation,
            seq=row["seq"],
            name=row["name"],
            unit_name=row.get("unit_name") or "",
            excluded_from_execution_rate=row["name"] in excluded,
            exclusion_note=excluded.get(row["name"], ""),
            annual_goal=row.get("goal") or "",
            completion=row.get("completion") or "",
            problems=row.get("problems") or "",
            rectification=row.get("rectification") or "",
            published={
                "budget_total": p._printed(budget["total"]),
                "actual_total": p._printed(actual["total"]),
                "execution_rate": p._printed(row.get("execution_rate_printed")),
            },
            **amounts,
        )
        p._load_indicator_pairs(project=project, cells=row["indicators"])


# --- 项目支出绩效目标表 (mirrors load_target) ---------------------------------


def _target_published(data: dict) -> dict:
    p = project_seeds
    totals = data.get("totals_printed") or {}
    return {
        "layout": "target",
        "totals": p._printed_block(totals),
        "unit_rows": [
            {
                "name": row["name"],
                **p._printed_block(
                    {
                        k: row.get(k)
                        for k in ("total", "fiscal", "special_account", "other")
                    }
                ),
            }
            for row in data.get("unit_rows") or []
        ],
        "projects": {row["name"]: p._printed(row["total"]) for row in data["projects"]},
    }


def _reload_target(*, evaluation: Evaluation, data: dict) -> None:
    p = project_seeds
    evaluation_lock_for_edit(evaluation)
    evaluation.target_projects.all().delete()
    _set_fields(
        evaluation,
        {
            "title_printed": data.get("title_printed") or "",
            "source_file": data["source"],
            "published_totals": _target_published(data),
        },
    )
    unit_rows = data.get("unit_rows") or []
    fund_user = unit_rows[0]["name"] if unit_rows else evaluation.department.name
    for seq, row in enumerate(data["projects"], start=1):
        services.target_project_create(
            evaluation=evaluation,
            seq=seq,
            name=row["name"],
            fund_user=fund_user,
            fiscal=p._amount(row.get("fiscal")),
            special_account=p._amount(row.get("special_account")),
            other=p._amount(row.get("other")),
            goal=strip_markup(row.get("goal_raw") or ""),
            indicators=services.target_indicators_parse(
                row.get("indicators_raw") or ""
            ),
        )


def _fund_users(evaluation: Evaluation, data: dict) -> None:
    """The loader puts every project under the first 资金使用单位; a table
    with several unit rows names the unit of each project."""
    wanted = {row["name"]: row.get("fund_user") for row in data["projects"]}
    for project in evaluation.target_projects.all():
        unit = wanted.get(project.name)
        if unit and unit != project.fund_user:
            project.fund_user = unit
            services.target_project_save(project=project)


# --- 部门整体支出绩效自评表 (mirrors load_department_selfeval) ----------------


def _reload_department_selfeval(*, evaluation: Evaluation, data: dict) -> None:
    s = scoring_seeds
    evaluation_lock_for_edit(evaluation)
    Scorecard.objects.filter(evaluation=evaluation).delete()
    scale = data["spending_scale"]
    spending = {
        kind: {s.SEED_COLUMNS[k]: to_decimal(v) for k, v in scale[kind].items()}
        for kind in ("budget", "actual")
    }
    _set_fields(
        evaluation,
        {
            "source_file": data["source"],
            "title_printed": data.get("title_printed") or "",
        },
    )
    scorecard = scoring_services.scorecard_create(
        evaluation=evaluation,
        spending=spending,
        unit_count=data.get("unit_count") or 1,
        overall_goal=data.get("overall_goal") or "",
        completion=data.get("completion") or "",
        unfinished_reasons=data.get("unfinished_reasons") or "",
        footnote=data.get("footnote") or "",
        published={
            "rates": {
                s.SEED_COLUMNS[k]: str(to_decimal(v)) if v is not None else None
                for k, v in scale["rate_printed"].items()
            },
            "total_weight": str(to_decimal(data["total_weight_printed"])),
            "total_score": str(to_decimal(data["total_score_printed"])),
        },
    )
    rows = [
        {**row, "score": to_decimal(row["score"]) if row.get("score") else None}
        for row in data["items"]
    ]
    scoring_services.scorecard_items_create(scorecard=scorecard, rows=rows)


RELOADERS = {
    "project_selfeval": _reload_project_selfeval,
    "target": _reload_target,
    "department_selfeval": _reload_department_selfeval,
}


# --- 项目支出绩效自评表 (national; no seed loader) ------------------------------


def load_national(
    *, data: dict, department: Department, evaluation: Evaluation | None
) -> Evaluation:
    """One project per sheet: its funds by 年初/全年/执行, goal, indicators
    with weights and scores. 当年财政拨款 goes to 一般公共预算 (the form does not
    split it by fund), 其他资金 to 非财政资金."""
    p = project_seeds
    unsplit = any(_unsplit(row["funds"], "budget") for row in data["projects"])
    fields = {
        "budget_by_source": not unsplit,
        "title_printed": data.get("title_printed") or "",
        "source_file": data["source"],
        "published_totals": {},
    }
    if evaluation is None:
        evaluation = services.evaluation_create(
            department=department, year=data["year"], **fields
        )
    else:
        evaluation_lock_for_edit(evaluation)
        evaluation.projects.all().delete()
        _set_fields(evaluation, fields)
    for row in data["projects"]:
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
                field = (
                    "budget_total_unsplit" if kind == "budget" else f"{kind}_general"
                )
                amounts[field] = p._amount(funds["total"][kind])
        project = services.budget_project_create(
            evaluation=evaluation,
            seq=row["seq"],
            name=row["name"],
            unit_name=row.get("unit_name") or "",
            annual_goal=row.get("goal") or "",
            completion=row.get("completion") or "",
            published={
                "budget_total": p._printed(funds["total"]["budget"]),
                "actual_total": p._printed(funds["total"]["actual"]),
                "execution_rate": p._printed(row.get("execution_rate_printed")),
            },
            **amounts,
        )
        for order, item in enumerate(row["indicators"], start=1):
            services.indicator_create(
                project=project,
                level2_code=item["level2_code"],
                name=item["name"],
                annual_value=item["annual_value"],
                actual_value=item["actual_value"],
                weight=p._amount(item["weight"]),
                score=p._amount(item["score"]),
                deviation_reason=item["deviation_reason"],
                order=order,
            )
    return evaluation


def _unsplit(funds: dict, kind: str) -> bool:
    """Only the total is printed for this kind of amount."""
    return funds["total"][kind] is not None and all(
        funds[source][kind] is None for source in ("fiscal", "carryover", "other")
    )
