"""Authentication controls (security plan §5 rows 5, 13, 14 and 21).

Brute-force lockout (django-axes), session lifetime and invalidation, CSRF on
the write URLs, the audit rows of login/logout, and the password validators.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from departments.models import AuditEvent
from projects.models import Evaluation
from tests import factories
from tests.test_isolation import (
    CODE,
    SECRET,
    YEAR,
    db_state,
    project_post_data,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
HOME = "/"
LOCKED_TEXT = "账号已临时锁定"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def _no_axes_records(db):
    """Start every test without failed attempts on record."""
    reset()
    yield
    reset()


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def seed() -> Evaluation:
    return Evaluation.objects.get(department__code=CODE, year=YEAR)


# --- brute force (django-axes) ----------------------------------------------------


def test_settings_lock_after_five_failures_by_username_and_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert timedelta(hours=settings.AXES_COOLOFF_TIME) == timedelta(minutes=30)


def test_four_wrong_passwords_do_not_lock_the_account(client, filler_a):
    for _ in range(4):
        assert post_login(client, "filler-a", WRONG).status_code == 200

    response = post_login(client, "filler-a", factories.PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, filler_a):
    statuses = [post_login(client, "filler-a", WRONG).status_code for _ in range(5)]

    response = post_login(client, "filler-a", factories.PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]  # the 5th failure locks

    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()
    assert not is_logged_in(client)


def test_lockout_does_not_stop_another_user_at_the_same_address(
    client, filler_a, outsider_b
):
    for _ in range(5):
        post_login(client, "filler-a", WRONG)

    other = Client()  # same REMOTE_ADDR (127.0.0.1), another user
    response = post_login(other, "filler-b", factories.PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:home")
    assert is_logged_in(other)


def test_failed_logins_are_recorded_in_the_audit_log_and_by_axes(client, filler_a):
    for _ in range(5):
        post_login(client, "filler-a", WRONG)

    failures = AuditEvent.objects.filter(action="login_failed", username="filler-a")
    assert failures.count() == 5
    assert set(failures.values_list("success", "ip_address")) == {(False, "127.0.0.1")}
    attempt = AccessAttempt.objects.get(username="filler-a")
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start == 5


def test_attempt_while_locked_is_recorded_as_a_failure(client, filler_a):
    for _ in range(5):
        post_login(client, "filler-a", WRONG)

    post_login(client, "filler-a", factories.PASSWORD)

    assert not AuditEvent.objects.filter(action="login").exists()
    assert (
        AuditEvent.objects.filter(action="login_failed", username="filler-a").count()
        == 6
    )
    assert AccessAttempt.objects.get(username="filler-a").failures_since_start == 6


def test_lockout_itself_is_audited(client, filler_a):
    for _ in range(5):
        post_login(client, "filler-a", WRONG)

    row = AuditEvent.objects.get(action__contains="lock")
    assert (row.username, row.success) == ("filler-a", False)


def test_unknown_username_failures_are_audited_with_the_name_tried(client, db):
    post_login(client, "no-such-user", WRONG)

    row = AuditEvent.objects.get(action="login_failed")
    assert (row.username, row.success, row.user) == ("no-such-user", False, None)


def test_password_is_never_written_to_the_audit_log(client, filler_a):
    post_login(client, "filler-a", WRONG)

    row = AuditEvent.objects.get(action="login_failed")
    assert WRONG not in row.detail


# --- sessions ---------------------------------------------------------------------


def test_session_settings_time_out_after_30_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_login_rotates_the_session_key(client, filler_a):
    session = client.session
    session["before-login"] = "x"
    session.save()
    old_key = session.session_key

    post_login(client, "filler-a", factories.PASSWORD)

    assert is_logged_in(client)
    assert client.session.session_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()


def test_each_request_renews_the_idle_timeout(client, filler_a):
    post_login(client, "filler-a", factories.PASSWORD)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )

    assert client.get(HOME).status_code == 200

    expires = Session.objects.get(session_key=key).expire_date
    assert expires > timezone.now() + timedelta(minutes=29)


def test_session_idle_past_its_age_no_longer_authenticates(client, filler_a):
    post_login(client, "filler-a", factories.PASSWORD)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logout_kills_the_session_on_the_server(client, filler_a):
    post_login(client, "filler-a", factories.PASSWORD)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(HOME).status_code == 200

    client.post(LOGOUT)

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"
    assert not Session.objects.filter(session_key=old_cookie).exists()


def test_logout_by_get_is_refused(client, filler_a):
    post_login(client, "filler-a", factories.PASSWORD)

    assert client.get(LOGOUT).status_code == 405
    assert is_logged_in(client)


def test_deactivated_user_is_refused_on_the_next_request(client, filler_a):
    post_login(client, "filler-a", factories.PASSWORD)
    assert client.get(HOME).status_code == 200
    filler_a.is_active = False
    filler_a.save()

    response = client.get(reverse("projects:evaluation", args=[CODE, YEAR]))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert SECRET not in response.content.decode()


def test_deactivated_user_cannot_log_in(client, filler_a):
    filler_a.is_active = False
    filler_a.save()

    response = post_login(client, "filler-a", factories.PASSWORD)

    assert response.status_code == 200
    assert not is_logged_in(client)


# --- CSRF -------------------------------------------------------------------------


@pytest.fixture
def csrf_client(filler_a) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(filler_a)
    return client


def test_workflow_action_without_csrf_token_is_refused(csrf_client, seed):
    before = db_state(seed)

    response = csrf_client.post(
        reverse("projects:action", args=[CODE, YEAR]),
        {"action": "submit", "version": seed.version},
    )

    assert response.status_code == 403
    assert db_state(seed) == before


def test_project_edit_without_csrf_token_is_refused(csrf_client, seed):
    project = seed.projects.get(name=SECRET)
    before = db_state(seed)

    response = csrf_client.post(
        reverse("projects:project_edit", args=[CODE, YEAR, project.pk]),
        project_post_data(seed, project),
    )

    assert response.status_code == 403
    assert db_state(seed) == before


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("projects:explain", {"findings_explanation": "无令牌的说明"}),
        ("projects:project_new", None),
    ],
)
def test_other_fill_in_posts_without_csrf_token_are_refused(
    csrf_client, seed, url_name, data
):
    before = db_state(seed)

    response = csrf_client.post(
        reverse(url_name, args=[CODE, YEAR]),
        data if data is not None else project_post_data(seed, None),
    )

    assert response.status_code == 403
    assert db_state(seed) == before


def test_the_same_action_with_the_csrf_token_goes_through(csrf_client, seed):
    """The refusals above are CSRF's doing: with the token the submit works."""
    url = reverse("projects:evaluation", args=[CODE, YEAR])
    csrf_client.get(url)
    token = csrf_client.cookies[settings.CSRF_COOKIE_NAME].value

    response = csrf_client.post(
        reverse("projects:action", args=[CODE, YEAR]),
        {"action": "submit", "version": seed.version, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    seed.refresh_from_db()
    assert seed.status == Evaluation.Status.SUBMITTED


def test_login_form_without_csrf_token_is_refused(filler_a):
    client = Client(enforce_csrf_checks=True)

    response = post_login(client, "filler-a", factories.PASSWORD)

    assert response.status_code == 403
    assert not is_logged_in(client)


# --- audit of login and logout ----------------------------------------------------


def test_login_and_logout_are_audited_with_user_and_result(client, filler_a):
    post_login(client, "filler-a", factories.PASSWORD)
    client.post(LOGOUT)

    rows = list(
        AuditEvent.objects.order_by("pk").values_list(
            "action", "username", "user", "success", "ip_address"
        )
    )
    assert rows == [
        ("login", "filler-a", filler_a.pk, True, "127.0.0.1"),
        ("logout", "filler-a", filler_a.pk, True, "127.0.0.1"),
    ]


def test_audit_rows_carry_their_time(client, filler_a):
    start = timezone.now()

    post_login(client, "filler-a", factories.PASSWORD)

    row = AuditEvent.objects.get(action="login")
    assert start <= row.created_at <= timezone.now()


# --- passwords --------------------------------------------------------------------


@pytest.mark.parametrize("password", ["12345678", "password", "short1!"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_similar_to_the_username_is_rejected(db):
    user = factories.UserFactory.build(username="zhangwei2026", full_name="")

    with pytest.raises(ValidationError):
        validate_password("zhangwei2026", user=user)


def test_a_long_uncommon_password_is_accepted():
    assert validate_password(factories.PASSWORD) is None
