"""Reads scoped by the user: the one place that decides what a user may see.

Every view, download, admin list and export asks these selectors; nothing
else filters by department.
"""

from django.db.models import Q, QuerySet

from departments.models import Department, Membership, User


def _with_descendants(root_ids: set[int]) -> set[int]:
    """The departments and their 下属单位 at any depth (one query a level)."""
    found, frontier = set(root_ids), set(root_ids)
    while frontier:
        frontier = (
            set(
                Department.objects.filter(parent_id__in=frontier).values_list(
                    "pk", flat=True
                )
            )
            - found
        )
        found |= frontier
    return found


def fillable_departments(*, user: User) -> QuerySet[Department]:
    """Departments whose figures the user fills in (填报人)."""
    if not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    return Department.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.FILLER
    ).distinct()


def reviewable_departments(*, user: User) -> QuerySet[Department]:
    """Departments the user reviews: a 主管部门 and its 下属单位, or a region."""
    if not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.all()
    memberships = Membership.objects.filter(user=user, role=Membership.Role.REVIEWER)
    roots = {m.department_id for m in memberships if m.department_id}
    regions = {m.region for m in memberships if m.region}
    ids = _with_descendants(roots)
    return Department.objects.filter(Q(pk__in=ids) | Q(region__in=regions))


def department_list(*, user: User) -> QuerySet[Department]:
    """Every department the user may see, in any role."""
    if not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.select_related("parent")
    ids = set(fillable_departments(user=user).values_list("pk", flat=True))
    ids |= set(reviewable_departments(user=user).values_list("pk", flat=True))
    return Department.objects.filter(pk__in=ids).select_related("parent")


def user_can_fill(*, user: User, department: Department) -> bool:
    return fillable_departments(user=user).filter(pk=department.pk).exists()


def user_can_review(*, user: User, department: Department) -> bool:
    return reviewable_departments(user=user).filter(pk=department.pk).exists()


def department_find(*, key: str) -> Department | None:
    """A department by its code or its full name (for commands and scripts)."""
    return Department.objects.filter(Q(code=key) | Q(name=key)).first()
