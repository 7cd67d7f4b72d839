"""Writes for evaluations, budget projects, indicators and target tables.

Every write goes through here (admin, seed loading, later the fill-in pages and
the importer), so validation and the derived fields are applied once.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, Q

from departments.models import Department
from projects import bulk
from projects.cells import strip_item_number
from projects.indicator_codes import CodedIndicator, parse_coded_indicators
from projects.models import (
    BudgetProject,
    Evaluation,
    Indicator,
    IndicatorCategory,
    ReviewComment,
    TargetIndicator,
    TargetProject,
)
from projects.workflow import LOCKED, Conflict, Locked
from scoring import calculations as calc

UNKNOWN_CODE = "未知的指标编码：{code}。"
PROJECT_STALE = "项目“{name}”已被他人修改（您打开后又有人保存过），请刷新后重新填写。"


def evaluation_lock_for_edit(evaluation: Evaluation) -> Evaluation:
    """Lock the evaluation row and refuse if its figures are frozen.

    Every write below calls this first, so an approval racing an edit is
    serialised on the row (PostgreSQL) and the loser sees the new status.
    """
    current = (
        Evaluation.objects.select_for_update()
        .select_related("department")
        .get(pk=evaluation.pk)
    )
    if not current.is_editable:
        raise Locked(
            LOCKED.format(evaluation=current, status=current.get_status_display())
        )
    return current


EVALUATION_EXISTS = "{department} {year} 年度的自评已存在。"


def category_get(*, code: str, level: int) -> IndicatorCategory:
    """The active 一级/二级 category with this code, or a Chinese error."""
    category = IndicatorCategory.objects.filter(
        code=code, level=level, is_active=True
    ).first()
    if category is None:
        raise ValidationError(UNKNOWN_CODE.format(code=code))
    return category


def indicator_parsed(annual_value: str, actual_value: str) -> dict[str, Any]:
    """The parsed operator/number/unit of a printed target text, and the
    number of the completion text when it has one (so a quantitative
    indicator can be scored)."""
    target = calc.parse_indicator_value(strip_item_number(annual_value))
    actual = calc.parse_indicator_value(strip_item_number(actual_value))
    return {
        "operator": target.operator.value,
        "target_number": target.number,
        "unit": target.unit,
        "actual_number": actual.number
        if actual.operator != calc.Operator.QUALITATIVE
        else None,
    }


def indicator_apply_parsing(indicator: Indicator) -> None:
    """Fill the parsed fields from the indicator's printed texts."""
    parsed = indicator_parsed(indicator.annual_value, indicator.actual_value)
    for name, value in parsed.items():
        setattr(indicator, name, value)


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
    evaluation_lock_for_edit(evaluation)
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
    evaluation_lock_for_edit(project.evaluation)
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
    evaluation_lock_for_edit(evaluation)
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
    categories = _categories()
    for item in indicators:
        problems = _target_levels_errors(item, categories)
        if problems:
            raise ValidationError(problems)
        level1 = categories[(1, item.level1_code)]
        level2 = categories[(2, item.level2_code)]
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


TARGET_LEVEL_MISMATCH = "第 {seq} 项指标：二级指标 {level2} 不属于一级指标 {level1}。"


def _target_levels_errors(item: CodedIndicator, categories: dict) -> list[str]:
    """Unknown codes, or a 二级 code not under its 一级 (a typo in the cell)."""
    level1 = categories.get((1, item.level1_code))
    level2 = categories.get((2, item.level2_code))
    missing = [
        UNKNOWN_CODE.format(code=code)
        for code, found in ((item.level1_code, level1), (item.level2_code, level2))
        if found is None
    ]
    if missing:
        return missing
    if level2.parent_id != level1.pk:
        return [
            TARGET_LEVEL_MISMATCH.format(
                seq=item.seq, level2=item.level2_code, level1=item.level1_code
            )
        ]
    return []


def target_indicators_parse(cell: str) -> list[CodedIndicator]:
    """The coded indicators of a 绩效指标 cell (raises with a Chinese message)."""
    try:
        return parse_coded_indicators(cell)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


@transaction.atomic
def evaluation_save(*, evaluation: Evaluation) -> Evaluation:
    """Save edits to an evaluation's own fields (not its status: see workflow)."""
    if evaluation.pk:
        current = evaluation_lock_for_edit(evaluation)
        # The status moves only through the workflow.
        evaluation.status, evaluation.version = current.status, current.version
    evaluation.full_clean()
    evaluation.save()
    return evaluation


@transaction.atomic
def budget_project_save(
    *, project: BudgetProject, expected_version: int | None = None
) -> BudgetProject:
    """Save a project; with `expected_version`, refuse if someone saved since.

    The version is compared in the UPDATE itself, so two people saving the same
    project cannot both win, on SQLite as on PostgreSQL.
    """
    evaluation = evaluation_lock_for_edit(project.evaluation)
    project.full_clean()
    if project.pk and _amounts_changed(project):
        # The printed figures described a table as it was published; once the
        # amounts change, the table to be published is a new one and comparing
        # it with the old print would only report the edit itself.
        project.published = {}
        if evaluation.published_totals:
            Evaluation.objects.filter(pk=evaluation.pk).update(published_totals={})
    if project.pk and expected_version is not None:
        bumped = BudgetProject.objects.filter(
            pk=project.pk, version=expected_version
        ).update(version=F("version") + 1)
        if bumped != 1:
            raise Conflict(PROJECT_STALE.format(name=project.name))
        project.version = expected_version + 1
    elif project.pk:
        # Serialised by the evaluation lock above, so read-then-write is safe.
        stored = BudgetProject.objects.filter(pk=project.pk).values_list("version")
        project.version = stored.get()[0] + 1
    project.save()
    return project


AMOUNT_FIELDS = [
    f"{kind}_{source}"
    for kind in ("initial", "budget", "actual")
    for source in ("general", "fund", "special", "other")
] + ["budget_total_unsplit"]


def _amounts_changed(project: BudgetProject) -> bool:
    stored = BudgetProject.objects.filter(pk=project.pk).values(*AMOUNT_FIELDS).first()
    return stored is not None and any(
        stored[name] != getattr(project, name) for name in AMOUNT_FIELDS
    )


@transaction.atomic
def budget_project_delete(*, project: BudgetProject) -> None:
    evaluation_lock_for_edit(project.evaluation)
    project.delete()


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
    evaluation_lock_for_edit(indicator.project.evaluation)
    if reparse:
        indicator_apply_parsing(indicator)
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator) -> None:
    evaluation_lock_for_edit(indicator.project.evaluation)
    indicator.delete()


@transaction.atomic
def target_project_save(*, project: TargetProject) -> TargetProject:
    evaluation_lock_for_edit(project.evaluation)
    project.full_clean()
    project.save()
    return project


@transaction.atomic
def target_indicator_save(*, indicator: TargetIndicator) -> TargetIndicator:
    evaluation_lock_for_edit(indicator.project.evaluation)
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def project_save_with_indicators(
    *,
    project: BudgetProject,
    indicators: list[Indicator],
    deleted: list[Indicator],
    expected_version: int | None,
) -> BudgetProject:
    """Save a project and its indicators as one change, or nothing at all."""
    is_new = project.pk is None
    budget_project_save(
        project=project, expected_version=None if is_new else expected_version
    )
    for indicator in deleted:
        if indicator.pk:
            indicator_delete(indicator=indicator)
    for order, indicator in enumerate(indicators, start=1):
        indicator.project = project
        indicator.order = indicator.order or order
        indicator_save(indicator=indicator)
    return project


@transaction.atomic
def evaluation_explain_findings(*, evaluation: Evaluation, text: str) -> Evaluation:
    current = evaluation_lock_for_edit(evaluation)
    current.findings_explanation = text.strip()
    current.full_clean()
    current.save(update_fields=["findings_explanation"])
    return current


# --- Many rows at once (the Excel import of a district's table) -------------
# The same checks as the one-row services above, on plain dicts, then a few
# multi-row INSERTs (projects/bulk.py says why).

BULK_MAX_ERRORS = 50
BULK_CHANGE_REASON = "Excel 导入"
DUPLICATE_PROJECT = "项目名称重复：“{name}”。"
SCORE_OVER_WEIGHT = "得分须在 0 与分值之间。"
WEIGHT_NEGATIVE = "分值不能为负数。"


def _categories() -> dict[tuple[int, str], IndicatorCategory]:
    """The active categories by (level, code), read once."""
    return {
        (c.level, c.code): c
        for c in IndicatorCategory.objects.filter(is_active=True).select_related(
            "parent"
        )
    }


def _raise_if(errors: list[str]) -> None:
    if errors:
        shown = errors[:BULK_MAX_ERRORS]
        if len(errors) > BULK_MAX_ERRORS:
            shown.append(f"……另有 {len(errors) - BULK_MAX_ERRORS} 处问题。")
        raise ValidationError(shown)


def _score_errors(weight: Decimal | None, score: Decimal | None) -> list[str]:
    """Indicator.Meta.constraints, evaluated in Python (same conditions)."""
    errors = []
    if weight is not None and weight < 0:
        errors.append(WEIGHT_NEGATIVE)
    if score is not None and (score < 0 or (weight is not None and score > weight)):
        errors.append(SCORE_OVER_WEIGHT)
    return errors


class _Rows:
    """Projects of one evaluation being validated: names, errors, values."""

    def __init__(self, evaluation: Evaluation, model: type[Model], taken) -> None:
        self.evaluation = evaluation
        self.model = model
        self.taken = set(taken)
        self.projects: list[dict[str, Any]] = []
        self.children: list[tuple[int, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.memo: dict = {}

    def add_project(self, fields: dict[str, Any]) -> str:
        """Check and keep a project's values; returns where its errors go."""
        where = f"项目“{fields.get('name')}”"
        self.errors += [
            f"{where}：{e}" for e in bulk.field_errors(self.model, fields, self.memo)
        ]
        if fields.get("name") in self.taken:
            self.errors.append(DUPLICATE_PROJECT.format(name=fields.get("name")))
        self.taken.add(fields.get("name"))
        self.projects.append({**fields, "evaluation_id": self.evaluation.pk})
        return where

    def add_child(self, values: dict[str, Any]) -> None:
        self.children.append((len(self.projects) - 1, values))

    def save(self, child_model: type[Model], user) -> list[int]:
        _raise_if(self.errors)
        ids = bulk.insert(
            self.model, self.projects, user=user, change_reason=BULK_CHANGE_REASON
        )
        children = [{**values, "project_id": ids[n]} for n, values in self.children]
        bulk.insert(child_model, children, user=user, change_reason=BULK_CHANGE_REASON)
        return ids


@transaction.atomic
def budget_projects_bulk_create(
    *, evaluation: Evaluation, rows: Iterable[dict[str, Any]], user=None
) -> list[int]:
    """Create many projects with their indicators in a few queries.

    Each row holds the keyword arguments of `budget_project_create` plus
    ``indicators``: a list of `indicator_create`'s keyword arguments (without
    ``project``). The checks are those of the one-row services; every
    problem is collected and raised together, and then nothing is saved.
    Each row gets its "+" history record, attributed to `user`. Returns the
    new projects' primary keys.
    """
    return _bulk_create(
        evaluation=evaluation,
        rows=rows,
        user=user,
        model=BudgetProject,
        existing=lambda e: e.projects,
        child_model=Indicator,
        child_values=_indicator_values,
    )


def _bulk_create(
    *, evaluation, rows, user, model, existing, child_model, child_values
) -> list[int]:
    """Projects of `model` with their indicators (`child_model`, each built
    by `child_values(item, categories, memo)` → (values, problems))."""
    current = evaluation_lock_for_edit(evaluation)
    categories = _categories()
    batch = _Rows(current, model, existing(current).values_list("name", flat=True))
    for row in rows:
        fields = dict(row)
        items = fields.pop("indicators", ())
        where = batch.add_project(fields)
        for item in items:
            values, problems = child_values(item, categories, batch.memo)
            batch.errors += [f"{where}：{e}" for e in problems]
            batch.add_child(values)
    return batch.save(child_model, user)


def _indicator_values(
    item: dict[str, Any], categories: dict, memo: dict
) -> tuple[dict[str, Any], list[str]]:
    values = dict(item)
    code = values.pop("level2_code")
    level2 = categories.get((2, code))
    if level2 is None:
        return values, [UNKNOWN_CODE.format(code=code)]
    values |= indicator_parsed(
        values.get("annual_value", ""), values.get("actual_value", "")
    )
    problems = bulk.field_errors(Indicator, values, memo)
    problems += _score_errors(values.get("weight"), values.get("score"))
    values |= {"level1_id": level2.parent_id, "level2_id": level2.pk}
    return values, problems


@transaction.atomic
def target_projects_bulk_create(
    *, evaluation: Evaluation, rows: Iterable[dict[str, Any]], user=None
) -> list[int]:
    """`target_project_create` for many rows at once (same keyword arguments
    per row), checked first, all problems raised together."""
    return _bulk_create(
        evaluation=evaluation,
        rows=rows,
        user=user,
        model=TargetProject,
        existing=lambda e: e.target_projects,
        child_model=TargetIndicator,
        child_values=_target_indicator_values,
    )


def _target_indicator_values(
    item: CodedIndicator, categories: dict, memo: dict
) -> tuple[dict[str, Any], list[str]]:
    values = {
        "seq": item.seq,
        "name": item.name,
        "period_value": item.period_value,
        "annual_value": item.annual_value,
    }
    problems = _target_levels_errors(item, categories)
    if not problems:
        problems = bulk.field_errors(TargetIndicator, values, memo)
        values |= {
            "level1_id": categories[(1, item.level1_code)].pk,
            "level2_id": categories[(2, item.level2_code)].pk,
        }
    return values, problems


@transaction.atomic
def budget_projects_delete_all(*, evaluation: Evaluation, user=None) -> int:
    """Remove the evaluation's project table (an import replacing it), with
    the history a one-by-one delete writes; returns how many projects.

    Review comments on its projects and indicators stay, unlinked, as the
    SET_NULL of their foreign keys would leave them.
    """
    current = evaluation_lock_for_edit(evaluation)
    projects = BudgetProject.objects.filter(evaluation=current)
    indicators = Indicator.objects.filter(project__evaluation=current)
    ReviewComment.objects.filter(evaluation=current).filter(
        Q(project__isnull=False) | Q(indicator__isnull=False)
    ).update(project=None, indicator=None)
    reason = BULK_CHANGE_REASON
    bulk.delete(indicators, user=user, change_reason=reason)
    return bulk.delete(projects, user=user, change_reason=reason)


@transaction.atomic
def target_projects_delete_all(*, evaluation: Evaluation, user=None) -> int:
    """Remove the evaluation's 项目支出绩效目标表 rows (an import replacing it)."""
    current = evaluation_lock_for_edit(evaluation)
    reason = BULK_CHANGE_REASON
    bulk.delete(
        TargetIndicator.objects.filter(project__evaluation=current),
        user=user,
        change_reason=reason,
    )
    return bulk.delete(
        TargetProject.objects.filter(evaluation=current),
        user=user,
        change_reason=reason,
    )
