"""Writes for the department-wide scorecard."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from projects.models import Evaluation
from projects.services import evaluation_lock_for_edit
from scoring.models import SPENDING_COLUMNS, Scorecard, ScorecardItem

ADJUSTMENT_LEVEL1 = "加减分项"
# 三级 items whose score follows from the table's own figures.
AUTO_RULES = {"预算完成率": ScorecardItem.AutoRule.BUDGET_COMPLETION}


@transaction.atomic
def scorecard_create(
    *,
    evaluation: Evaluation,
    spending: dict[str, dict[str, Decimal]],
    **fields: Any,
) -> Scorecard:
    """Create the scorecard with its spending-scale matrix.

    `spending` is {"budget": {column: amount}, "actual": {column: amount}} with
    the columns of SPENDING_COLUMNS.
    """
    amounts = {}
    for kind in ("budget", "actual"):
        for column in SPENDING_COLUMNS:
            amounts[f"{kind}_{column}"] = spending[kind][column]
    evaluation_lock_for_edit(evaluation)
    scorecard = Scorecard(evaluation=evaluation, **amounts, **fields)
    scorecard.full_clean()
    scorecard.save()
    return scorecard


@transaction.atomic
def scorecard_items_create(*, scorecard: Scorecard, rows: list[dict]) -> None:
    """Build the 一级 → 二级 → 三级 tree from flat rows in printed order.

    Each row names its 一级 and 二级 with their printed weights; a parent is
    created the first time it appears, so the printed order is kept.
    """
    evaluation_lock_for_edit(scorecard.evaluation)
    parents: dict[tuple, ScorecardItem] = {}
    order = 0

    def node(*, level: int, name: str, weight, parent, key) -> ScorecardItem:
        nonlocal order
        if key in parents:
            existing = parents[key]
            if existing.weight != Decimal(weight):
                raise ValidationError(
                    f"“{name}”的分值前后不一致：{existing.weight} 与 {weight}。"
                )
            return existing
        order += 1
        item = ScorecardItem(
            scorecard=scorecard,
            parent=parent,
            level=level,
            name=name,
            weight=Decimal(weight),
            is_adjustment=key[0] == ADJUSTMENT_LEVEL1,
            order=order,
        )
        item.full_clean()
        item.save()
        parents[key] = item
        return item

    for row in rows:
        level1 = node(
            level=1,
            name=row["level1"],
            weight=row["level1_weight"],
            parent=None,
            key=(row["level1"],),
        )
        level2 = node(
            level=2,
            name=row["level2"],
            weight=row["level2_weight"],
            parent=level1,
            key=(row["level1"], row["level2"]),
        )
        order += 1
        item = ScorecardItem(
            scorecard=scorecard,
            parent=level2,
            level=3,
            name=row["name"],
            weight=Decimal(row["weight"]),
            explanation=row.get("explanation") or "",
            target=row.get("target") or "",
            actual=row.get("actual") or "",
            score=row.get("score"),
            basis=row.get("basis") or "",
            remark=row.get("remark") or "",
            is_adjustment=level1.is_adjustment,
            auto_rule=AUTO_RULES.get(row["name"], ScorecardItem.AutoRule.MANUAL),
            order=order,
        )
        item.full_clean()
        item.save()


@transaction.atomic
def scorecard_save(*, scorecard: Scorecard) -> Scorecard:
    evaluation_lock_for_edit(scorecard.evaluation)
    scorecard.full_clean()
    scorecard.save()
    return scorecard


@transaction.atomic
def scorecard_item_save(*, item: ScorecardItem) -> ScorecardItem:
    evaluation_lock_for_edit(item.scorecard.evaluation)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def scorecard_item_delete(*, item: ScorecardItem) -> None:
    evaluation_lock_for_edit(item.scorecard.evaluation)
    item.delete()


@transaction.atomic
def scorecard_delete(*, evaluation: Evaluation) -> None:
    """Remove the evaluation's scorecard (an import replacing it)."""
    evaluation_lock_for_edit(evaluation)
    Scorecard.objects.filter(evaluation=evaluation).delete()
