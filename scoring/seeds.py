"""Loading the transcribed 部门整体支出绩效自评表 (fixtures/seeds, seed 004)."""

from django.db import transaction

from departments.models import Department
from projects.models import Evaluation
from projects.seeds import evaluation_for_load
from scoring import services
from scoring.calculations import to_decimal
from scoring.models import SPENDING_COLUMNS

# Seed JSON column names → model column names.
SEED_COLUMNS = {
    "fiscal": "fiscal",
    "other": "other",
    "basic": "basic",
    "project": "project",
    "district_level": "district",
    "transfer": "transfer",
}


@transaction.atomic
def load_department_selfeval(
    *,
    data: dict,
    department: Department,
    evaluation: Evaluation | None = None,
    user=None,
) -> Evaluation:
    """部门整体支出绩效自评表 (seed 004); into `evaluation`, its scorecard is
    replaced (see `evaluation_for_load`)."""
    scale = data["spending_scale"]
    spending = {
        kind: {SEED_COLUMNS[k]: to_decimal(v) for k, v in scale[kind].items()}
        for kind in ("budget", "actual")
    }
    assert set(spending["budget"]) == set(SPENDING_COLUMNS)
    evaluation = evaluation_for_load(
        department=department,
        year=data["year"],
        evaluation=evaluation,
        clear=lambda e: services.scorecard_delete(evaluation=e),
        fields={
            "source_file": data["source"],
            "title_printed": data.get("title_printed") or "",
        },
    )
    scorecard = services.scorecard_create(
        evaluation=evaluation,
        spending=spending,
        unit_count=data.get("unit_count") or 1,
        overall_goal=data.get("overall_goal") or "",
        completion=data.get("completion") or "",
        unfinished_reasons=data.get("unfinished_reasons") or "",
        footnote=data.get("footnote") or "",
        published={
            "rates": {
                SEED_COLUMNS[k]: str(to_decimal(v)) if v is not None else None
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
    services.scorecard_items_create(scorecard=scorecard, rows=rows)
    return evaluation
