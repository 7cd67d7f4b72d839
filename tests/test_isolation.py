"""Department isolation (security plan §5 rows 1, 2 and 21).

Every URL that carries a department is requested for the seed evaluation
440307-JYZX/2021 by five actors. A user outside the department gets a 404
(never a hint that it exists), a user in the department without the role gets
a 403, an anonymous user is sent to the login page; no refused request
changes the database, and every refusal the views log is in the audit log.
"""

import io
from dataclasses import dataclass
from urllib.parse import quote

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Permission
from django.db.models import Max
from django.forms import modelform_factory
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from departments.admin import DepartmentScopedAdmin
from departments.models import AuditEvent, Department, Membership
from projects import workflow
from projects.forms import BudgetProjectForm, IndicatorFormSet
from projects.models import (
    BudgetProject,
    Evaluation,
    EvaluationEvent,
    EvaluationSnapshot,
    Indicator,
    ReviewComment,
)
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db

CODE, YEAR = "440307-JYZX", 2021
DEPARTMENT_NAME = "深圳市龙岗区劳动就业服务中心"
# A project of the seed evaluation: it must never appear in a refused response.
SECRET = "扶持就业"
LOGIN_URL = "/accounts/login/"

# --- the URLs -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    key: str
    method: str
    url_name: str  # a URL name, or a literal path for the downloads
    kind: str  # "view", "fill" (filler only), "action" or "download"
    with_project: bool = False
    action: str = ""
    shows_secret: bool = False  # a 200 for an allowed user shows SECRET


ENDPOINTS = [
    Endpoint("detail", "GET", "projects:evaluation", "view", shows_secret=True),
    Endpoint("history", "GET", "projects:history", "view"),
    Endpoint("project_new_get", "GET", "projects:project_new", "fill"),
    Endpoint("project_new_post", "POST", "projects:project_new", "fill"),
    Endpoint(
        "project_edit_get",
        "GET",
        "projects:project_edit",
        "fill",
        with_project=True,
        shows_secret=True,
    ),
    Endpoint(
        "project_edit_post",
        "POST",
        "projects:project_edit",
        "fill",
        with_project=True,
    ),
    Endpoint("project_new_preview", "POST", "projects:project_new_preview", "fill"),
    Endpoint(
        "project_preview",
        "POST",
        "projects:project_preview",
        "fill",
        with_project=True,
    ),
    Endpoint("explain", "POST", "projects:explain", "fill"),
    # The Excel import (publishing.import_urls): pages for the filler only.
    Endpoint("import_get", "GET", "publishing:table_import", "fill"),
    Endpoint("import_post", "POST", "publishing:table_import", "fill"),
    Endpoint("import_confirm", "POST", "publishing:table_import_confirm", "fill"),
    *(
        Endpoint(f"action_{a}", "POST", "projects:action", "action", action=a)
        for a in workflow.TRANSITIONS
    ),
]

# ---- Downloads: EXTEND HERE ------------------------------------------------------
# publishing:table_download (/tables/<code>/<year>/<layout>.<pdf|xlsx>). A path
# joins the matrix only if it resolves, so the list can name URLs before they
# exist. Only layouts the seed evaluation has a table for belong here (another
# layout is a 404 for everyone). test_every_department_url_is_in_the_matrix
# fails when a URL carrying a department is added without a row here.
DOWNLOAD_PATHS = [
    f"/tables/{CODE}/{YEAR}/{layout}.{ext}"
    for layout in ("project_selfeval",)
    for ext in ("pdf", "xlsx")
]


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


ENDPOINTS += [
    Endpoint(f"download_{path.rsplit('/', 1)[-1]}", "GET", path, "download")
    for path in DOWNLOAD_PATHS
    if _resolves(path)
]
ENDPOINT_IDS = [e.key for e in ENDPOINTS]

# --- actors -----------------------------------------------------------------------

ACTORS = ["filler_a", "filler_b", "reviewer_in", "reviewer_out", "anonymous"]


@pytest.fixture
def reviewer_out(db):
    """Reviewer of 440113-RSJ (广州市番禺区), a 主管部门 outside 440307."""
    user = factories.UserFactory(username="reviewer-py", is_staff=True)
    Membership.objects.create(
        user=user,
        department=Department.objects.get(code="440113-RSJ"),
        role=Membership.Role.REVIEWER,
    )
    return user


@pytest.fixture
def actors(filler_a, outsider_b, reviewer, reviewer_out) -> dict:
    return {
        "filler_a": filler_a,
        "filler_b": outsider_b,
        "reviewer_in": reviewer,
        "reviewer_out": reviewer_out,
        "anonymous": None,
    }


@pytest.fixture
def seed() -> Evaluation:
    return Evaluation.objects.select_related("department").get(
        department__code=CODE, year=YEAR
    )


@pytest.fixture
def fuchi(seed) -> BudgetProject:
    return seed.projects.get(name=SECRET)


# --- expected outcome --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    changes: bool = False  # the request is allowed to change the database
    denial: str | None = None  # the AuditEvent action logged with success=False


def expected(actor: str, endpoint: Endpoint) -> Outcome:
    if actor == "anonymous":
        return Outcome(302)
    if actor in ("filler_b", "reviewer_out"):
        return Outcome(404, denial="denied:view")
    if actor == "reviewer_in":
        if endpoint.kind in ("view", "download"):
            return Outcome(200)
        if endpoint.kind == "fill":
            return Outcome(403, denial="denied:edit")
        if endpoint.action in ("submit", "reopen"):
            return Outcome(403, denial=f"denied:{endpoint.action}")
        # A reviewer's own moves on a draft: refused by state, back to the page.
        return Outcome(302)
    # filler_a
    if endpoint.kind == "action":
        if endpoint.action == "submit":
            return Outcome(302, changes=True)
        return Outcome(403, denial=f"denied:{endpoint.action}")
    if endpoint.key in ("project_new_post", "project_edit_post", "explain"):
        return Outcome(302, changes=True)
    # Views, the edit pages (GET) and the previews: 200, nothing saved.
    return Outcome(200)


# --- helpers ----------------------------------------------------------------------


def db_state(evaluation: Evaluation) -> dict:
    """What a refused request must leave untouched: the evaluation's status and
    version, its projects' figures and indicators, and the workflow records."""
    pk = evaluation.pk
    return {
        "evaluation": Evaluation.objects.filter(pk=pk)
        .values(
            "status",
            "version",
            "submitted_at",
            "findings_explanation",
            "published_totals",
        )
        .get(),
        "projects": list(
            BudgetProject.objects.filter(evaluation_id=pk).order_by("pk").values()
        ),
        "indicators": list(
            Indicator.objects.filter(project__evaluation_id=pk).order_by("pk").values()
        ),
        "events": EvaluationEvent.objects.filter(evaluation_id=pk).count(),
        "snapshots": EvaluationSnapshot.objects.filter(evaluation_id=pk).count(),
        "comments": ReviewComment.objects.filter(evaluation_id=pk).count(),
    }


def project_post_data(evaluation: Evaluation, project: BudgetProject | None) -> dict:
    """A valid fill-in form: the project as saved with 执行数 changed to 1.00, or
    a new project."""
    if project is None:
        return {
            "seq": "99",
            "name": "越权新增的项目",
            "budget_general": "10.00",
            "actual_general": "1.00",
            "annual_goal": "目标",
            "completion": "完成",
            "indicators-TOTAL_FORMS": "0",
            "indicators-INITIAL_FORMS": "0",
            "indicators-MIN_NUM_FORMS": "0",
            "indicators-MAX_NUM_FORMS": "1000",
        }
    form = BudgetProjectForm(instance=project, evaluation=evaluation)
    formset = IndicatorFormSet(instance=project, prefix="indicators")
    data = form_data(form) | form_data(formset.management_form)
    for f in formset.forms:
        if f.instance.pk:
            data |= form_data(f)
    data["indicators-TOTAL_FORMS"] = str(formset.initial_form_count())
    data["actual_general"] = "1.00"
    return data


def request_data(endpoint: Endpoint, evaluation: Evaluation, project) -> dict:
    if endpoint.kind == "action":
        return {
            "action": endpoint.action,
            "comment": "越权操作意见",
            "version": str(evaluation.version),
            f"comment-project-{project.pk}": "越权的项目意见",
        }
    if endpoint.key == "explain":
        return {"findings_explanation": "越权写入的差异说明"}
    if endpoint.method == "POST":
        return project_post_data(evaluation, project if endpoint.with_project else None)
    return {}


def endpoint_url(endpoint: Endpoint, project: BudgetProject) -> str:
    if endpoint.kind == "download":
        return endpoint.url_name
    kwargs = {"code": CODE, "year": YEAR}
    if endpoint.with_project:
        kwargs["pk"] = project.pk
    return reverse(endpoint.url_name, kwargs=kwargs)


def call(client, endpoint: Endpoint, url: str, evaluation, project):
    data = request_data(endpoint, evaluation, project)
    if endpoint.method == "POST":
        return client.post(url, data)
    return client.get(url)


def response_text(response) -> str:
    raw = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    return raw.decode(errors="replace")


def last_audit_pk() -> int:
    return AuditEvent.objects.aggregate(m=Max("pk"))["m"] or 0


# --- the matrix -------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_department_url_answers_each_actor_as_the_matrix_says(
    actor, endpoint, actors, seed, fuchi
):
    user = actors[actor]
    client = Client()
    if user is not None:
        client.force_login(user)
    url = endpoint_url(endpoint, fuchi)
    want = expected(actor, endpoint)
    before = db_state(seed)

    response = call(client, endpoint, url, seed, fuchi)

    assert response.status_code == want.status
    body = response_text(response)
    if actor == "anonymous":
        assert response["Location"] == f"{LOGIN_URL}?next={quote(url)}"
    if want.status in (302, 403, 404):
        assert SECRET not in body
    if want.status == 404:
        assert DEPARTMENT_NAME not in body
    if want.status == 200 and endpoint.shows_secret:
        assert SECRET in body  # the check above can fail: the page does show it
    if want.changes:
        assert db_state(seed) != before
    else:
        assert db_state(seed) == before


def _audit_params():
    for endpoint in ENDPOINTS:
        for actor in ACTORS:
            yield pytest.param(endpoint, actor, id=f"{endpoint.key}-{actor}")


@pytest.mark.parametrize(("endpoint", "actor"), list(_audit_params()))
def test_refused_request_is_audited_and_allowed_one_is_not(
    actor, endpoint, actors, seed, fuchi
):
    user = actors[actor]
    client = Client()
    if user is not None:
        client.force_login(user)
    want = expected(actor, endpoint)
    mark = last_audit_pk()

    call(client, endpoint, endpoint_url(endpoint, fuchi), seed, fuchi)

    refusals = list(
        AuditEvent.objects.filter(pk__gt=mark, success=False).values_list(
            "action", "user_id"
        )
    )
    if want.denial is None:
        assert refusals == []
    elif endpoint.kind == "download":
        # The download view may name its refusal as it likes ("denied:…").
        assert [(a.split(":")[0], u) for a, u in refusals] == [("denied", user.pk)]
    else:
        assert refusals == [(want.denial, user.pk)]


@pytest.mark.skipif(
    not any(e.kind == "download" for e in ENDPOINTS), reason="no download URLs yet"
)
def test_excel_download_holds_only_the_evaluations_own_department(client, filler_a):
    client.force_login(filler_a)

    response = client.get(f"/tables/{CODE}/{YEAR}/project_selfeval.xlsx")

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert any(SECRET in c for c in cells)
    others = Department.objects.exclude(code=CODE).values_list("name", flat=True)
    assert [c for c in cells if any(name in c for name in others)] == []
    assert [c for c in cells if "番禺" in c] == []


def test_refused_workflow_action_audit_row_records_the_client_ip(
    client, reviewer, seed
):
    client.force_login(reviewer)
    mark = last_audit_pk()

    client.post(
        reverse("projects:action", args=[CODE, YEAR]),
        {"action": "submit", "version": seed.version},
    )

    row = AuditEvent.objects.get(pk__gt=mark, success=False)
    assert row.action == "denied:submit"
    assert row.ip_address == "127.0.0.1"


def test_refused_edit_audit_row_records_user_department_and_ip(client, reviewer, seed):
    client.force_login(reviewer)
    mark = last_audit_pk()

    client.get(reverse("projects:project_new", args=[CODE, YEAR]))

    row = AuditEvent.objects.get(pk__gt=mark, success=False)
    assert (row.action, row.user, row.department, row.ip_address) == (
        "denied:edit",
        reviewer,
        seed.department,
        "127.0.0.1",
    )


def test_refused_view_audit_row_names_the_department_year_asked_for(client, outsider_b):
    client.force_login(outsider_b)
    mark = last_audit_pk()

    client.get(reverse("projects:evaluation", args=[CODE, YEAR]))

    row = AuditEvent.objects.get(pk__gt=mark)
    assert (row.action, row.success, row.username) == (
        "denied:view",
        False,
        "filler-b",
    )
    assert row.detail == f"{CODE}/{YEAR}"


def _department_url_names() -> set[str]:
    """Every named URL of the site whose route takes a department code."""
    found = set()

    def walk(patterns, namespace, converters):
        for p in patterns:
            here = converters | set(getattr(p.pattern, "converters", {}))
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                walk(p.url_patterns, ns, here)
            elif isinstance(p, URLPattern) and p.name and "code" in here:
                found.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "", set())
    return found


def test_every_department_url_is_in_the_matrix(fuchi):
    covered = {resolve(endpoint_url(e, fuchi)).view_name for e in ENDPOINTS}

    assert _department_url_names() - covered == set()


def test_matrix_covers_every_workflow_action():
    assert {e.action for e in ENDPOINTS if e.kind == "action"} == set(
        workflow.TRANSITIONS
    )


# --- home page and review queue ---------------------------------------------------

HOME_DEPARTMENTS = {
    "filler_a": {"440307-JYZX"},
    "filler_b": {"440113-JYZX"},
    "reviewer_in": {"440307-JYZX", "440307-ZXZX", "440307-RSJ-BJ"},
    "reviewer_out": {"440113-JYZX", "440113-RSJ"},
}


@pytest.mark.parametrize("actor", sorted(HOME_DEPARTMENTS))
def test_home_lists_only_departments_in_the_users_scope(client, actors, actor):
    client.force_login(actors[actor])

    response = client.get(reverse("projects:home"))

    assert response.status_code == 200
    shown = {row["evaluation"].department.code for row in response.context["rows"]}
    assert shown == HOME_DEPARTMENTS[actor]
    body = response.content.decode()
    for department in Department.objects.exclude(code__in=shown):
        if not department.evaluations.exists():
            continue  # a 主管部门 without its own evaluation is never listed
        assert department.name not in body


def test_home_of_filler_b_shows_nothing_of_shenzhen(client, outsider_b):
    client.force_login(outsider_b)

    body = client.get(reverse("projects:home")).content.decode()

    assert "深圳" not in body
    assert SECRET not in body


def test_review_queue_shows_a_submission_only_to_reviewers_in_scope(
    client, seed, filler_a, reviewer, reviewer_out
):
    workflow.evaluation_transition(evaluation=seed, action="submit", actor=filler_a)

    client.force_login(reviewer)
    in_scope = client.get(reverse("projects:review_queue"))
    in_scope_home = client.get(reverse("projects:home"))
    client.force_login(reviewer_out)
    out_of_scope = client.get(reverse("projects:review_queue"))
    out_of_scope_home = client.get(reverse("projects:home"))

    # Only submitted evaluations: the drafts of 440307-ZXZX/-RSJ-BJ are not there.
    assert [e.pk for e in in_scope.context["queue"]] == [seed.pk]
    assert DEPARTMENT_NAME in in_scope.content.decode()
    assert in_scope_home.context["queue_count"] == 1
    assert list(out_of_scope.context["queue"]) == []
    assert DEPARTMENT_NAME not in out_of_scope.content.decode()
    assert out_of_scope_home.context["queue_count"] == 0


def test_review_queue_is_empty_for_a_filler_of_the_submitted_department(
    client, seed, filler_a
):
    workflow.evaluation_transition(evaluation=seed, action="submit", actor=filler_a)
    client.force_login(filler_a)

    response = client.get(reverse("projects:review_queue"))

    assert list(response.context["queue"]) == []


# --- admin ------------------------------------------------------------------------


def _grant_view(user, model) -> None:
    opts = model._meta
    user.user_permissions.add(
        Permission.objects.get(
            codename=f"view_{opts.model_name}", content_type__app_label=opts.app_label
        )
    )


def _admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def staff_b(outsider_b):
    """Staff filler of 440113-JYZX who may view budget projects in the admin."""
    _grant_view(outsider_b, BudgetProject)
    return outsider_b


@pytest.fixture
def project_b(department_b) -> BudgetProject:
    """440113-JYZX's seed evaluation has no projects: give it one to list."""
    evaluation = Evaluation.objects.get(department=department_b)
    return factories.BudgetProjectFactory(evaluation=evaluation, name="番禺测试项目")


def test_admin_changelist_lists_only_the_staff_users_department(
    client, staff_b, project_b
):
    client.force_login(staff_b)

    response = client.get(_admin_url(BudgetProject, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [project_b]
    assert SECRET not in response.content.decode()


def test_admin_changelist_filters_name_no_other_department(client, staff_b, project_b):
    client.force_login(staff_b)

    body = client.get(_admin_url(BudgetProject, "changelist")).content.decode()

    assert DEPARTMENT_NAME not in body
    assert "深圳" not in body


def test_admin_change_page_of_another_departments_project_shows_nothing(
    client, staff_b, fuchi
):
    client.force_login(staff_b)

    response = client.get(_admin_url(BudgetProject, "change", fuchi.pk), follow=True)

    assert response.redirect_chain  # sent to the admin index
    assert response.redirect_chain[0][1] == 302
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert SECRET not in response.content.decode()


SCOPED_ADMIN_MODELS = sorted(
    (
        m
        for m, a in admin.site._registry.items()
        if isinstance(a, DepartmentScopedAdmin)
    ),
    key=lambda m: m._meta.label,
)


def _object_outside(model, department: Department):
    """An object of `model` that belongs to some other department."""
    path = admin.site._registry[model].department_path
    return model.objects.exclude(**{path: department}).order_by("pk").first()


SIMPLE_HISTORY_BUG = (
    "BUG: DepartmentScopedAdmin inherits simple_history's history views, which "
    "look the object up without get_queryset (departments/admin.py)"
)


@pytest.mark.parametrize(
    "model", SCOPED_ADMIN_MODELS, ids=lambda m: m._meta.label_lower
)
def test_admin_change_page_of_out_of_scope_object_is_refused(
    client, filler_a, department_a, model
):
    _grant_view(filler_a, model)
    client.force_login(filler_a)
    obj = _object_outside(model, department_a)

    response = client.get(_admin_url(model, "change", obj.pk))

    assert response.status_code in (302, 404)
    assert str(obj) not in response.content.decode()


@pytest.mark.parametrize(
    "model", SCOPED_ADMIN_MODELS, ids=lambda m: m._meta.label_lower
)
def test_admin_history_of_out_of_scope_object_is_refused(
    client, filler_a, department_a, model
):
    _grant_view(filler_a, model)
    client.force_login(filler_a)
    obj = _object_outside(model, department_a)
    record = obj.history.order_by("history_id").first()

    listing = client.get(_admin_url(model, "history", obj.pk))
    version = client.get(_admin_url(model, "simple_history", obj.pk, record.history_id))

    assert listing.status_code in (302, 403, 404)
    assert version.status_code in (302, 403, 404)


def test_admin_history_revert_cannot_overwrite_another_departments_project(
    client, staff_b, fuchi, seed
):
    """simple_history's version page saves a POSTed form with no change
    permission and no department check: a dept-B user who may only *view*
    budget projects overwrites 440307's figures."""
    client.force_login(staff_b)
    record = fuchi.history.order_by("history_id").first()
    url = _admin_url(BudgetProject, "simple_history", fuchi.pk, record.history_id)
    form = adminform_data(fuchi)
    form["actual_general"] = "1.00"
    before = db_state(seed)

    response = client.post(url, form)

    assert response.status_code in (302, 403, 404)
    assert db_state(seed) == before


def test_admin_history_revert_needs_change_permission(client, filler_a, fuchi, seed):
    _grant_view(filler_a, BudgetProject)
    client.force_login(filler_a)
    record = fuchi.history.order_by("history_id").first()
    url = _admin_url(BudgetProject, "simple_history", fuchi.pk, record.history_id)
    form = adminform_data(fuchi)
    form["actual_general"] = "1.00"
    before = db_state(seed)

    response = client.post(url, form)

    assert response.status_code in (302, 403)
    assert db_state(seed) == before


def adminform_data(project: BudgetProject) -> dict:
    """The POST data of the admin change form of `project`, current values."""
    model_admin = admin.site._registry[BudgetProject]
    fields = [
        f
        for f in flatten_fieldsets(model_admin.fieldsets)
        if f not in model_admin.readonly_fields
    ]
    form_class = modelform_factory(BudgetProject, fields=fields)
    return form_data(form_class(instance=project))
