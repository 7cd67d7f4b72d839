"""The Content-Security-Policy (ASVS V3, django-csp): a strict policy on every
response, and templates that need nothing inline so the policy can stay strict.

tests/e2e/test_csp_browser.py drives the same pages in Chromium and checks that
the browser reports no violation."""

import re
from pathlib import Path

import import_export
import pytest
import simple_history
from django.conf import settings
from django.test import Client
from django.urls import reverse

from projects.admin import findings_html
from scoring.checks import Finding
from tests import factories

HEADER = "Content-Security-Policy"
CODE, YEAR = "440307-JYZX", 2021
ROOT = Path(settings.BASE_DIR)

# The directives every response must carry, exactly.
STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
LOOSE_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*"}


def directives(response) -> dict[str, set[str]]:
    """The response's policy as {directive: {sources}}."""
    assert HEADER in response, f"no {HEADER} header on {response.status_code}"
    policy: dict[str, set[str]] = {}
    for part in response[HEADER].split(";"):
        name, *sources = part.split()
        assert name not in policy, f"{name} given twice"
        policy[name] = set(sources)
    return policy


def assert_strict(response) -> None:
    policy = directives(response)
    for name, sources in STRICT.items():
        assert policy.get(name) == sources, (name, policy.get(name))
    for name, sources in policy.items():
        assert not sources & LOOSE_SOURCES, (name, sources)


@pytest.fixture
def filler(department_a):
    from departments.models import Membership

    user = factories.UserFactory(username="csp-filler")
    Membership.objects.create(
        user=user, department=department_a, role=Membership.Role.FILLER
    )
    return user


# --- the header on every kind of response -----------------------------------------


def test_settings_policy_is_strict():
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert {k: set(v) for k, v in policy.items()} == STRICT
    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert not hasattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY")


def test_login_page_carries_the_strict_policy(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert_strict(response)


@pytest.mark.parametrize(
    "url",
    [
        reverse("projects:home"),
        reverse("projects:evaluation", args=[CODE, YEAR]),
        reverse("projects:review_queue"),
        reverse("publishing:table_import", args=[CODE, YEAR]),
    ],
)
def test_filler_pages_carry_the_strict_policy(client, filler, url):
    client.force_login(filler)

    response = client.get(url)

    assert response.status_code == 200
    assert_strict(response)


def test_live_recomputation_endpoint_carries_the_policy(client, filler):
    client.force_login(filler)

    response = client.post(
        reverse("projects:project_new_preview", args=[CODE, YEAR]), {}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_strict(response)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:projects_budgetproject_changelist"),
        reverse("admin:projects_budgetproject_export"),
    ],
)
def test_admin_pages_carry_the_strict_policy(client, admin_user, url):
    client.force_login(admin_user)

    response = client.get(url)

    assert response.status_code == 200
    assert_strict(response)


def test_admin_change_form_carries_the_strict_policy(client, admin_user, department_a):
    client.force_login(admin_user)
    evaluation = department_a.evaluations.get(year=YEAR)

    response = client.get(
        reverse("admin:projects_evaluation_change", args=[evaluation.pk])
    )

    assert response.status_code == 200
    assert_strict(response)


def test_not_found_page_carries_the_strict_policy(client, filler):
    """With DEBUG off, as deployed: django-csp leaves 404/500 alone only while
    DEBUG is on, for Django's debug pages."""
    assert not settings.DEBUG
    client.force_login(filler)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert_strict(response)


def test_not_found_for_anonymous_user_carries_the_strict_policy(client, db):
    response = client.get("/static-nope/nothing.js")

    assert response.status_code == 404
    assert_strict(response)


def test_csrf_failure_page_carries_the_policy_and_needs_no_inline_style(filler):
    client = Client(enforce_csrf_checks=True)
    client.force_login(filler)

    response = client.post(reverse("projects:action", args=[CODE, YEAR]), {})

    assert response.status_code == 403
    assert_strict(response)
    html = response.content.decode()
    assert "表单安全校验（CSRF）未通过" in html
    assert "<style" not in html


def test_lockout_page_carries_the_strict_policy(client, filler):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            reverse("login"), {"username": "csp-filler", "password": "wrong-one"}
        )

    assert response.status_code == 429
    assert_strict(response)


def test_frames_are_refused_by_both_headers(client, db):
    response = client.get(reverse("login"))

    assert directives(response)["frame-ancestors"] == {"'none'"}
    assert response["X-Frame-Options"] == "DENY"


# --- nothing inline in the templates ----------------------------------------------

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
COMMENTS = re.compile(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}", re.DOTALL)
# Rendered only for WeasyPrint (publishing.pdf), never sent to a browser: its
# page size and column widths come from the layout, inline.
PRINT_ONLY = {"templates/publishing/table.html"}


def _served_templates() -> list[str]:
    dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    found = {
        path.relative_to(ROOT).as_posix()
        for directory in dirs
        for path in directory.rglob("*.html")
    }
    return sorted(found - PRINT_ONLY)


@pytest.mark.parametrize("template", _served_templates())
def test_template_has_nothing_the_policy_refuses(template):
    text = COMMENTS.sub("", (ROOT / template).read_text(encoding="utf-8"))

    found = [name for name, pattern in INLINE.items() if pattern.search(text)]

    assert found == [], f"{template}: {found} (use a static file)"


def test_print_only_template_is_still_only_used_for_pdf():
    """table.html may keep its inline CSS only while no view renders it."""
    uses = [
        path.relative_to(ROOT).as_posix()
        for app in ("projects", "publishing", "scoring", "departments", "perfeval")
        for path in (ROOT / app).rglob("*.py")
        if "publishing/table.html" in path.read_text(encoding="utf-8")
    ]
    assert uses == ["publishing/pdf.py"]


def test_admin_findings_use_classes_not_style_attributes():
    clean = findings_html([])
    listed = findings_html(
        [Finding("total", "总分", "原表总分 93.25 与各项合计 92.00 不符")]
    )

    assert 'class="findings-ok"' in clean
    assert 'class="findings-list"' in listed
    assert "style=" not in clean + listed


# --- the third-party admin templates overridden for the policy --------------------

# Each override is upstream's template with only these edits (besides its
# header comment). When an upgrade changes upstream, this fails: copy the new
# template again and redo the edits.
OVERRIDES = {
    "admin/import_export/export.html": (
        Path(import_export.__file__).parent / "templates",
        [
            (
                "{% load import_export_tags %}\n",
                "{% load import_export_tags %}\n{% load static %}\n",
            ),
            (
                "{{ form.media }}\n",
                "{{ form.media }}\n"
                "<script src=\"{% static 'js/admin_export.js' %}\" defer></script>\n",
            ),
            ('<p style="padding: 0;">', '<p class="export-fields-intro">'),
            (
                " \n" + " " * 20 + 'onchange="onSelectToggleChange(event)" checked>',
                " checked>",
            ),
            (
                '<label style="font-weight: bold;" for=',
                '<label class="select-all-label" for=',
            ),
        ],
    ),
    "simple_history/object_history_list.html": (
        Path(simple_history.__file__).parent / "templates",
        [
            (
                '<p class="paginator" style="border-top: 0">',
                '<p class="paginator history-paginator">',
            )
        ],
    ),
}
HEADER_COMMENT = re.compile(r"\{% comment %\}.*?\{% endcomment %\}\n", re.DOTALL)


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_overridden_third_party_template_is_upstream_minus_inline_code(name):
    upstream_dir, edits = OVERRIDES[name]
    expected = (upstream_dir / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert expected.count(old) == 1, f"upstream {name} changed: {old!r}"
        expected = expected.replace(old, new)

    ours = (ROOT / "templates" / name).read_text(encoding="utf-8")

    assert HEADER_COMMENT.sub("", ours, count=1) == expected


def test_export_page_is_rendered_from_the_override(client, admin_user):
    client.force_login(admin_user)

    html = client.get(reverse("admin:projects_budgetproject_export")).content.decode()

    assert 'class="select-toggle"' in html
    assert "onchange=" not in html
    assert "js/admin_export.js" in html
    assert "css/admin.css" in html
