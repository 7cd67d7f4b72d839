"""Shared fixtures: the five seed tables loaded once, and the actors."""

import pytest

from departments.models import Department, Membership
from tests import factories


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed tables once per test session, the way `make run` does."""
    from publishing.seeding import seed_all

    with django_db_blocker.unblock():
        seed_all(with_users=False)


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _seeds_for_transactional_tests(request, django_db_blocker):
    """Transactional tests (browser, races) end with a flush that empties every
    table. pytest-django runs them after all the others, so each of them only
    has to put the seed tables back for itself when a previous one flushed."""
    if _is_transactional(request):
        from departments.models import Department
        from publishing.seeding import seed_all

        with django_db_blocker.unblock():
            if not Department.objects.exists():
                seed_all(with_users=False)
    yield


@pytest.fixture(autouse=True)
def _published_files(settings, tmp_path_factory):
    """Stored files of approved tables (publishing.published) go to a fresh
    folder per test, never into the working tree's media/."""
    settings.PUBLISHED_FILES_ROOT = tmp_path_factory.mktemp("published")
    # Uploads waiting for their confirmation, likewise.
    settings.IMPORT_FILES_ROOT = tmp_path_factory.mktemp("imports")


@pytest.fixture
def department_a(db) -> Department:
    return Department.objects.get(code="440307-JYZX")


@pytest.fixture
def department_b(db) -> Department:
    return Department.objects.get(code="440113-JYZX")


@pytest.fixture
def filler_a(department_a):
    user = factories.UserFactory(username="filler-a", is_staff=True)
    Membership.objects.create(
        user=user, department=department_a, role=Membership.Role.FILLER
    )
    return user


@pytest.fixture
def reviewer(db):
    user = factories.UserFactory(username="reviewer-lg", is_staff=True)
    Membership.objects.create(
        user=user,
        department=Department.objects.get(code="440307-RSJ"),
        role=Membership.Role.REVIEWER,
    )
    return user


@pytest.fixture
def outsider_b(department_b):
    user = factories.UserFactory(username="filler-b", is_staff=True)
    Membership.objects.create(
        user=user, department=department_b, role=Membership.Role.FILLER
    )
    return user


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)
