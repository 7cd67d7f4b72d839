"""Loading the transcribed seed tables (fixtures/seeds/*.json) through services.

The JSON format is described in fixtures/seeds/SCHEMA.md. Figures arrive as
printed strings; what was printed as a total or a rate goes to the `published`
fields for the consistency checks, never into the figures themselves.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction

from departments.models import Department
from projects import services
from projects.cells import pair_numbered
from projects.indicator_codes import strip_markup
from projects.models import Evaluation
from scoring.calculations import to_decimal

# Seed JSON key → 二级 indicator code of the Shenzhen project table.
CATEGORY_KEYS = {
    "quantity": "11",
    "quality": "12",
    "timeliness": "13",
    "economic": "21",
    "social": "22",
    "ecological": "23",
    "satisfaction": "31",
}
NOT_APPLICABLE = "不适用"


def _amount(value: Any) -> Decimal | None:
    return to_decimal(value) if value is not None else None


def _printed(value: Any) -> str | None:
    """A printed figure kept as a canonical decimal string (or None)."""
    number = _amount(value)
    return None if number is None else str(number)


def _printed_block(block: dict | None) -> dict | None:
    if block is None:
        return None
    return {key: _printed(value) for key, value in block.items()}


def evaluation_for_load(
    *,
    department: Department,
    year: int,
    evaluation: Evaluation | None,
    fields: dict[str, Any],
    clear: Callable[[Evaluation], object],
    others: Callable[[Evaluation], bool] = lambda evaluation: False,
) -> Evaluation:
    """The evaluation a loader writes into, with the table's own fields set.

    Without `evaluation` one is created. With one (an import replacing a
    table of a draft or returned evaluation), it is locked for edit, the rows
    of the table being replaced (the related name `replaced`) are deleted and
    its fields updated; the evaluation's other tables stay, and so do their
    printed figures in the shared `published_totals`, which keeps the
    project table's 合计 and the target table's rows under different keys.
    """
    if evaluation is None:
        return services.evaluation_create(department=department, year=year, **fields)
    current = services.evaluation_lock_for_edit(evaluation)
    clear(current)
    if "published_totals" in fields and others(current):
        fields = {
            **fields,
            "published_totals": {
                **(current.published_totals or {}),
                **fields["published_totals"],
            },
        }
    for name, value in fields.items():
        setattr(current, name, value)
    return services.evaluation_save(evaluation=current)


@transaction.atomic
def load_project_selfeval(
    *,
    data: dict,
    department: Department,
    evaluation: Evaluation | None = None,
    user=None,
) -> Evaluation:
    """部门预算项目绩效自评表 (both the 2021 and the 2020 variant)."""
    split = data["variant"] == "A"
    totals = data.get("totals_printed")
    evaluation = evaluation_for_load(
        department=department,
        year=data["year"],
        evaluation=evaluation,
        clear=lambda e: services.budget_projects_delete_all(evaluation=e, user=user),
        others=lambda e: e.target_projects.exists(),
        fields={
            "budget_by_source": split,
            "unit_column_label": data.get("unit_column_label") or "部门名称",
            "attachment_label": data.get("attachment_label") or "",
            "title_printed": data.get("title_printed") or "",
            "notes": "\n".join(data.get("notes") or []),
            "source_file": data["source"],
            "published_totals": {
                "layout": "project_selfeval",
                "budget": _printed_block(totals["budget"]) if totals else None,
                "actual": _printed_block(totals["actual"]) if totals else None,
                "execution_rate": _printed(totals["execution_rate"])
                if totals
                else None,
            },
        },
    )
    excluded = {
        e["name"]: e["note"] for e in data.get("excluded_from_execution_rate") or []
    }
    services.budget_projects_bulk_create(
        evaluation=evaluation,
        user=user,
        rows=(_project_row(row, split, excluded) for row in data["projects"]),
    )
    return evaluation


def _project_row(row: dict, split: bool, excluded: dict[str, str]) -> dict:
    """One project of the seed schema as budget_project_create's arguments."""
    budget, actual = row["budget"], row["actual"]
    amounts: dict[str, Decimal | None] = {
        "actual_general": _amount(actual["general"]),
        "actual_fund": _amount(actual["fund"]),
        "actual_other": _amount(actual["non_fiscal"]),
    }
    if split:
        amounts |= {
            "budget_general": _amount(budget["general"]),
            "budget_fund": _amount(budget["fund"]),
            "budget_other": _amount(budget["non_fiscal"]),
        }
    else:
        amounts["budget_total_unsplit"] = _amount(budget["total"])
    return {
        "seq": row["seq"],
        "name": row["name"],
        "unit_name": row.get("unit_name") or "",
        "excluded_from_execution_rate": row["name"] in excluded,
        "exclusion_note": excluded.get(row["name"], ""),
        "annual_goal": row.get("goal") or "",
        "completion": row.get("completion") or "",
        "problems": row.get("problems") or "",
        "rectification": row.get("rectification") or "",
        "published": {
            "budget_total": _printed(budget["total"]),
            "actual_total": _printed(actual["total"]),
            "execution_rate": _printed(row.get("execution_rate_printed")),
        },
        **amounts,
        "indicators": indicator_pairs(row["indicators"]),
    }


def indicator_pairs(cells: dict) -> list[dict]:
    """The 三级 indicators of a project's 年度指标/完成情况 cells, in order."""
    indicators = []
    for key, code in CATEGORY_KEYS.items():
        cell = cells.get(key) or {}
        target, actual = cell.get("target") or "", cell.get("actual") or ""
        if {target.strip(), actual.strip()} <= {NOT_APPLICABLE, ""}:
            continue  # the category does not apply: rendered as 不适用
        for annual_value, actual_value in pair_numbered(target, actual):
            indicators.append(
                {
                    "level2_code": code,
                    "annual_value": annual_value,
                    "actual_value": actual_value,
                    "order": len(indicators) + 1,
                }
            )
    return indicators


def target_published(data: dict) -> dict:
    """The printed figures of a 项目支出绩效目标表, for the checks."""
    totals = data.get("totals_printed") or {}
    return {
        "layout": "target",
        "totals": _printed_block(totals),
        "unit_rows": [
            {
                "name": row["name"],
                **_printed_block(
                    {
                        k: row.get(k)
                        for k in ("total", "fiscal", "special_account", "other")
                    }
                ),
            }
            for row in data.get("unit_rows") or []
        ],
        "projects": {row["name"]: _printed(row["total"]) for row in data["projects"]},
    }


@transaction.atomic
def load_target(
    *,
    data: dict,
    department: Department,
    evaluation: Evaluation | None = None,
    user=None,
) -> Evaluation:
    """项目支出绩效目标表 (seed 003)."""
    evaluation = evaluation_for_load(
        department=department,
        year=data["year"],
        evaluation=evaluation,
        clear=lambda e: services.target_projects_delete_all(evaluation=e, user=user),
        others=lambda e: e.projects.exists(),
        fields={
            "title_printed": data.get("title_printed") or "",
            "source_file": data["source"],
            "published_totals": target_published(data),
        },
    )
    unit_rows = data.get("unit_rows") or []
    # A project names its 资金使用单位 when the table has several; otherwise
    # the one unit row (or the department itself) is every project's unit.
    default_unit = unit_rows[0]["name"] if unit_rows else department.name
    services.target_projects_bulk_create(
        evaluation=evaluation,
        user=user,
        rows=(
            {
                "seq": seq,
                "name": row["name"],
                "fund_user": row.get("fund_user") or default_unit,
                "fiscal": _amount(row.get("fiscal")),
                "special_account": _amount(row.get("special_account")),
                "other": _amount(row.get("other")),
                "goal": strip_markup(row.get("goal_raw") or ""),
                "indicators": services.target_indicators_parse(
                    row.get("indicators_raw") or ""
                ),
            }
            for seq, row in enumerate(data["projects"], start=1)
        ),
    )
    return evaluation
