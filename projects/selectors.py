"""Reads of evaluations, scoped by the user and prefetched in one place."""

from django.db.models import Prefetch, QuerySet

from departments.models import Department, User
from departments.selectors import department_list
from projects.models import BudgetProject, Evaluation, Indicator, TargetProject


def _with_tables(qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """Everything a table needs, in a fixed number of queries."""
    return qs.select_related("department", "department__parent").prefetch_related(
        Prefetch(
            "projects",
            queryset=BudgetProject.objects.order_by("seq").prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.select_related("level1", "level2"),
                )
            ),
        ),
        Prefetch(
            "target_projects",
            queryset=TargetProject.objects.order_by("seq").prefetch_related(
                "indicators__level1", "indicators__level2"
            ),
        ),
    )


def evaluation_list(*, user: User) -> QuerySet[Evaluation]:
    """The evaluations of the departments the user may see."""
    return Evaluation.objects.filter(
        department__in=department_list(user=user)
    ).select_related("department")


def evaluation_get(
    *, user: User | None, department: Department, year: int
) -> Evaluation | None:
    """One evaluation with its tables; `user=None` is a trusted system caller
    (management commands run by an operator)."""
    qs = Evaluation.objects.all() if user is None else evaluation_list(user=user)
    return _with_tables(qs.filter(department=department, year=year)).first()
