"""Writes for evaluations, budget projects, indicators and target tables.

Every write goes through here (admin, seed loading, later the fill-in pages and
the importer), so validation and the derived fields are applied once.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department
from projects.cells import strip_item_number
from projects.indicator_codes import CodedIndicator, parse_coded_indicators
from projects.models import (
    BudgetProject,
    Evaluation,
    Indicator,
    IndicatorCategory,
    TargetIndicator,
    TargetProject,
)
from scoring import calculations as calc

UNKNOWN_CODE = "未知的指标编码：{code}。"
EVALUATION_EXISTS = "{department} {year} 年度的自评已存在。"


def category_get(*, code: str, level: int) -> IndicatorCategory:
    """The active 一级/二级 category with this code, or a Chinese error."""
    category = IndicatorCategory.objects.filter(
        code=code, level=level, is_active=True
    ).first()
    if category is None:
        raise ValidationError(UNKNOWN_CODE.format(code=code))
    return category


def indicator_apply_parsing(indicator: Indicator) -> None:
    """Fill the parsed operator/number/unit from the printed target text.

    Also reads a number out of the completion text when it has one, so a
    quantitative indicator can be scored.
    """
    target = calc.parse_indicator_value(strip_item_number(indicator.annual_value))
    indicator.operator = target.operator.value
    indicator.target_number = target.number
    indicator.unit = target.unit
    actual = calc.parse_indicator_value(strip_item_number(indicator.actual_value))
    indicator.actual_number = (
        actual.number if actual.operator != calc.Operator.QUALITATIVE else None
    )


@transaction.atomic
def evaluation_create(
    *, department: Department, year: int, **fields: Any
) -> Evaluation:
    if Evaluation.objects.filter(department=department, year=year).exists():
        raise ValidationError(
            EVALUATION_EXISTS.format(department=department.name, year=year)
        )
    evaluation = Evaluation(department=department, year=year, **fields)
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def budget_project_create(
    *, evaluation: Evaluation, seq: int, name: str, **fields: Any
) -> BudgetProject:
    project = BudgetProject(evaluation=evaluation, seq=seq, name=name, **fields)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def indicator_create(
    *,
    project: BudgetProject,
    level2_code: str,
    annual_value: str = "",
    actual_value: str = "",
    order: int = 0,
    **fields: Any,
) -> Indicator:
    level2 = category_get(code=level2_code, level=2)
    indicator = Indicator(
        project=project,
        level1=level2.parent,
        level2=level2,
        annual_value=annual_value,
        actual_value=actual_value,
        order=order,
        **fields,
    )
    indicator_apply_parsing(indicator)
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def target_project_create(
    *,
    evaluation: Evaluation,
    seq: int,
    name: str,
    fund_user: str,
    fiscal: Decimal | None,
    special_account: Decimal | None,
    other: Decimal | None,
    goal: str,
    indicators: list[CodedIndicator],
) -> TargetProject:
    project = TargetProject(
        evaluation=evaluation,
        seq=seq,
        name=name,
        fund_user=fund_user,
        fiscal=fiscal,
        special_account=special_account,
        other=other,
        goal=goal,
    )
    project.full_clean()
    project.save()
    for item in indicators:
        level1 = category_get(code=item.level1_code, level=1)
        level2 = category_get(code=item.level2_code, level=2)
        if level2.parent_id != level1.pk:
            raise ValidationError(
                f"第 {item.seq} 项指标：二级指标 {item.level2_code} "
                f"不属于一级指标 {item.level1_code}。"
            )
        indicator = TargetIndicator(
            project=project,
            seq=item.seq,
            level1=level1,
            level2=level2,
            name=item.name,
            period_value=item.period_value,
            annual_value=item.annual_value,
        )
        indicator.full_clean()
        indicator.save()
    return project


def target_indicators_parse(cell: str) -> list[CodedIndicator]:
    """The coded indicators of a 绩效指标 cell (raises with a Chinese message)."""
    try:
        return parse_coded_indicators(cell)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def evaluation_save(*, evaluation: Evaluation) -> Evaluation:
    """Save edits to an evaluation's own fields (not its status: see workflow)."""
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def budget_project_save(*, project: BudgetProject) -> BudgetProject:
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def indicator_save(*, indicator: Indicator, reparse: bool | None = None) -> Indicator:
    """Save an indicator; the target is parsed again when its text changed.

    A filler may correct what the parser read (operator, number, unit): those
    corrections stay as long as the printed target text is unchanged.
    """
    if reparse is None:
        before = (
            Indicator.objects.filter(pk=indicator.pk)
            .values_list("annual_value", "actual_value")
            .first()
        )
        reparse = before != (indicator.annual_value, indicator.actual_value)
    if reparse:
        indicator_apply_parsing(indicator)
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator) -> None:
    indicator.delete()


@transaction.atomic
def target_project_save(*, project: TargetProject) -> TargetProject:
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def target_indicator_save(*, indicator: TargetIndicator) -> TargetIndicator:
    indicator.full_clean()
    indicator.save()
    return indicator
