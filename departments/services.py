"""Writes for departments and users."""

from django.db import transaction

from departments.models import Department, Membership, User


@transaction.atomic
def department_upsert(
    *,
    code: str,
    name: str,
    region: str,
    short_name: str = "",
    parent: Department | None = None,
) -> Department:
    """Create the department with this code, or bring its fields up to date."""
    department = Department.objects.filter(code=code).first() or Department(code=code)
    department.name = name
    department.short_name = short_name
    department.region = region
    department.parent = parent
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def user_ensure(
    *,
    username: str,
    password: str,
    full_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user if missing (idempotent; an existing password is kept)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=full_name)
        user.set_password(password)
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def membership_ensure(
    *, user: User, department: Department, role: Membership.Role
) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, department=department, role=role
    )
    return membership


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted
    # proxy sets it, and the deployment decides that, not this function.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_log(
    *,
    action: str,
    user=None,
    request=None,
    success: bool = True,
    department: Department | None = None,
    detail: str = "",
    username: str = "",
    ip_address: str | None = None,
) -> None:
    """Append one row to the security log; never raises into the caller's flow."""
    from departments.models import AuditEvent

    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    AuditEvent.objects.create(
        user=user if user is not None and user.pk else None,
        username=username or (user.get_username() if user is not None else ""),
        action=action,
        success=success,
        department=department,
        ip_address=ip_address or _client_ip(request),
        detail=detail[:2000],
    )
