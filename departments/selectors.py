"""Reads scoped by the user: the one place that decides what a user may see."""

from django.db.models import Q, QuerySet

from departments.models import Department, Membership, User


def department_list(*, user: User) -> QuerySet[Department]:
    """Departments the user may see.

    Superusers see all; others see the departments they belong to and, as a
    reviewer, the 下属单位 of those departments.
    """
    qs = Department.objects.select_related("parent")
    if user.is_superuser:
        return qs
    if not user.is_authenticated:
        return qs.none()
    member_of = Membership.objects.filter(user=user).values("department_id")
    reviewer_of = Membership.objects.filter(
        user=user, role=Membership.Role.REVIEWER
    ).values("department_id")
    return qs.filter(Q(pk__in=member_of) | Q(parent_id__in=reviewer_of)).distinct()


def department_find(*, key: str) -> Department | None:
    """A department by its code or its full name (for commands and scripts)."""
    return Department.objects.filter(Q(code=key) | Q(name=key)).first()
