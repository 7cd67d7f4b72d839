"""The admin: every page renders in Chinese, derived figures are shown read-only,
filters and search work, and edits are validated (in Chinese) and saved through
the services."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from departments.models import Department, User
from projects import services
from projects.models import (
    BudgetProject,
    Evaluation,
    Indicator,
    IndicatorCategory,
    TargetProject,
)
from scoring.models import Scorecard, ScorecardItem, ScoringRuleSet
from tests import factories
from tests.forms import form_data

SITE_HEADER = "预算绩效自评管理系统"
CJK = re.compile(r"[\u4e00-\u9fff]")
REGISTERED_MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _admin_refuses_add(model) -> bool:
    """Read-only admins (the django-axes logs) refuse “add” even to a superuser."""
    request = RequestFactory().get("/admin/")
    request.user = User(is_active=True, is_staff=True, is_superuser=True)
    return not admin.site._registry[model].has_add_permission(request)


ADDABLE_MODELS = [m for m in REGISTERED_MODELS if not _admin_refuses_add(m)]
READ_ONLY_MODELS = [m for m in REGISTERED_MODELS if _admin_refuses_add(m)]


# --- helpers ------------------------------------------------------------------


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def change_url(obj) -> str:
    return admin_url(type(obj), "change", obj.pk)


def verbose_name_zh(model) -> str:
    with translation.override("zh-hans"):
        return str(model._meta.verbose_name)


def assert_chinese_admin_page(response, model) -> None:
    content = response.content.decode()
    name = verbose_name_zh(model)
    assert CJK.search(name), f"{model._meta.label} has no Chinese verbose_name"
    assert 'lang="zh-hans"' in content
    assert SITE_HEADER in content
    assert name in content


def changeform_data(response) -> dict:
    """POST data of an admin change page: the main form and every inline
    formset (management form included), with their current values."""
    data = form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_data(formset.management_form))
        for form in formset.forms:
            data.update(form_data(form))
    return data


def inline_key(response, obj, field: str) -> str:
    """The POST key of `field` in the inline form editing `obj`."""
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if type(form.instance) is type(obj) and form.instance.pk == obj.pk:
                return form.add_prefix(field)
    raise LookupError(f"{obj!r} is not an inline form of this page")


def readonly_contents(response) -> dict[str, str]:
    """Read-only fields of the main form as the page renders them."""
    shown = {}
    for fieldset in response.context["adminform"]:
        for line in fieldset:
            for field in line:
                if field.is_readonly:
                    shown[field.field["name"]] = str(field.contents())
    return shown


def error_text(response) -> str:
    """All errors of the main form and the inlines, as one string."""
    parts = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        parts.append(str(inline.formset.errors))
        parts.append(str(inline.formset.non_form_errors()))
    return " ".join(parts)


# --- fixtures -----------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def fuchi(db) -> BudgetProject:
    """Seed 000's project 扶持就业 (深圳市龙岗区劳动就业服务中心, 2021)."""
    return BudgetProject.objects.get(
        name="扶持就业",
        evaluation__department__name="深圳市龙岗区劳动就业服务中心",
        evaluation__year=2021,
    )


@pytest.fixture
def panyu_scorecard(db) -> Scorecard:
    return Scorecard.objects.get(
        evaluation__department__name="广州市番禺区人力资源和社会保障局",
        evaluation__year=2021,
    )


@pytest.fixture
def training_indicator(fuchi) -> Indicator:
    """A quantitative indicator whose target the service parsed from its text."""
    return services.indicator_create(
        project=fuchi,
        level2_code="11",
        name="培训人次",
        annual_value="≥1000人次",
        actual_value="1200人次",
        order=99,
    )


def seeded_objects(admin_user) -> list:
    return [
        Department.objects.get(code="440307-JYZX"),
        Evaluation.objects.get(
            department__name="深圳市龙岗区人力资源局（本级）", year=2020
        ),
        BudgetProject.objects.get(name="扶持就业"),
        TargetProject.objects.order_by("pk").first(),
        Scorecard.objects.get(),
        IndicatorCategory.objects.get(code="22"),
        ScoringRuleSet.objects.get(region="深圳市龙岗区"),
        admin_user,
    ]


# --- every page renders, in Chinese -------------------------------------------


def test_every_registered_model_is_covered():
    labels = {m._meta.label for m in REGISTERED_MODELS}
    assert {
        "departments.User",
        "departments.Department",
        "projects.IndicatorCategory",
        "projects.Evaluation",
        "projects.BudgetProject",
        "projects.TargetProject",
        "scoring.ScoringRuleSet",
        "scoring.Scorecard",
    } <= labels


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_changelist_renders_in_chinese(admin_client, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert_chinese_admin_page(response, model)
    assert "选择" in response.content.decode()  # “选择 … 来修改”


@pytest.mark.parametrize("model", ADDABLE_MODELS, ids=lambda m: m._meta.label)
def test_add_page_renders_in_chinese(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == 200
    assert_chinese_admin_page(response, model)
    content = response.content.decode()
    assert "增加" in content
    assert 'value="保存"' in content


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m._meta.label)
def test_add_page_of_read_only_admin_is_refused(admin_client, model):
    assert admin_client.get(admin_url(model, "add")).status_code == 403


def test_change_page_of_each_seeded_model_renders_in_chinese(admin_client, admin_user):
    objects = seeded_objects(admin_user)
    assert all(obj is not None for obj in objects)

    for obj in objects:
        response = admin_client.get(change_url(obj))

        assert response.status_code == 200, type(obj).__name__
        assert_chinese_admin_page(response, type(obj))
        assert 'value="保存"' in response.content.decode()


# --- derived figures shown read-only ------------------------------------------


def test_budget_project_page_shows_totals_and_execution_rate_read_only(
    admin_client, fuchi
):
    response = admin_client.get(change_url(fuchi))

    shown = readonly_contents(response)
    assert shown["budget_total_display"] == "10470.27"
    assert shown["actual_total_display"] == "10301.19"
    assert shown["rate"] == "98.39%"
    # Derived figures are not form fields: they cannot be typed over.
    form_fields = response.context["adminform"].form.fields
    assert {"budget_total_display", "actual_total_display", "rate"}.isdisjoint(
        form_fields
    )
    content = response.content.decode()
    assert '<div class="readonly">98.39%</div>' in content
    assert '<div class="readonly">10470.27</div>' in content
    assert '<div class="readonly">10301.19</div>' in content


def test_evaluation_page_reports_consistent_seed_table_as_checked(admin_client):
    evaluation = Evaluation.objects.get(
        department__name="深圳市龙岗区人力资源局（本级）", year=2020
    )

    response = admin_client.get(change_url(evaluation))

    assert response.status_code == 200
    assert "核对无误" in readonly_contents(response)["findings"]


def test_scorecard_page_shows_total_grade_and_printed_total_mismatch(
    admin_client, panyu_scorecard
):
    response = admin_client.get(change_url(panyu_scorecard))

    shown = readonly_contents(response)
    assert shown["total"] == "92.25"
    assert shown["grade"] == "优"
    assert "原表总分 93.25" in shown["findings"]
    assert "核对无误" not in shown["findings"]


# --- changelist search and filters --------------------------------------------


def test_budget_project_changelist_filters_by_year(admin_client):
    url = admin_url(BudgetProject, "changelist")

    response_2020 = admin_client.get(url, {"evaluation__year": "2020"})
    response_2021 = admin_client.get(url, {"evaluation__year": "2021"})

    assert response_2020.status_code == 200
    assert response_2020.context["cl"].result_count == 19
    assert response_2021.context["cl"].result_count == 13
    years = {p.evaluation.year for p in response_2020.context["cl"].result_list}
    assert years == {2020}


def test_budget_project_changelist_filters_by_department(admin_client):
    department = Department.objects.get(code="440307-ZXZX")

    response = admin_client.get(
        admin_url(BudgetProject, "changelist"),
        {"evaluation__department__id__exact": str(department.pk)},
    )

    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert len(results) == 9
    assert {p.evaluation.department_id for p in results} == {department.pk}


def test_budget_project_changelist_combines_department_and_year(
    admin_client, department_a
):
    response = admin_client.get(
        admin_url(BudgetProject, "changelist"),
        {
            "evaluation__department__id__exact": str(department_a.pk),
            "evaluation__year": "2021",
        },
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 4


def test_budget_project_changelist_search_finds_project_by_name(admin_client, fuchi):
    response = admin_client.get(
        admin_url(BudgetProject, "changelist"), {"q": "扶持就业"}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [fuchi]
    assert change_url(fuchi) in response.content.decode()


def test_budget_project_changelist_search_matches_department_name(admin_client):
    response = admin_client.get(
        admin_url(BudgetProject, "changelist"), {"q": "职业训练中心"}
    )

    assert response.context["cl"].result_count == 9


def test_evaluation_changelist_filters_by_year_and_department(
    admin_client, department_a
):
    url = admin_url(Evaluation, "changelist")

    by_year = admin_client.get(url, {"year": "2021"})
    by_department = admin_client.get(
        url, {"department__id__exact": str(department_a.pk)}
    )

    assert by_year.context["cl"].result_count == 3
    assert [e.department for e in by_department.context["cl"].result_list] == [
        department_a
    ]


def test_scorecard_changelist_filters_by_year(admin_client, panyu_scorecard):
    url = admin_url(Scorecard, "changelist")

    response_2021 = admin_client.get(url, {"evaluation__year": "2021"})
    response_2020 = admin_client.get(url, {"evaluation__year": "2020"})

    assert list(response_2021.context["cl"].result_list) == [panyu_scorecard]
    assert response_2020.context["cl"].result_count == 0


def test_target_project_changelist_search_by_fund_user(admin_client):
    target = TargetProject.objects.order_by("pk").first()

    response = admin_client.get(
        admin_url(TargetProject, "changelist"), {"q": target.fund_user}
    )

    assert target in list(response.context["cl"].result_list)


# --- validation and saving through the change form ----------------------------


def test_unchanged_budget_project_form_posts_back_and_saves(admin_client, fuchi):
    """The helper builds a valid POST: the other form tests rely on it."""
    page = admin_client.get(change_url(fuchi))

    response = admin_client.post(change_url(fuchi), changeform_data(page))

    assert response.status_code == 302
    assert response["Location"] == admin_url(BudgetProject, "changelist")


def test_negative_amount_is_rejected_in_chinese_and_not_saved(admin_client, fuchi):
    page = admin_client.get(change_url(fuchi))
    data = changeform_data(page)
    data["budget_general"] = "-1"

    response = admin_client.post(change_url(fuchi), data)

    assert response.status_code == 200
    assert "金额不能为负数" in response.content.decode()
    assert "budget_general" in response.context["adminform"].form.errors
    fuchi.refresh_from_db()
    assert fuchi.budget_general == Decimal("10470.27")


def test_non_numeric_amount_is_rejected_with_djangos_chinese_message(
    admin_client, fuchi
):
    page = admin_client.get(change_url(fuchi))
    data = changeform_data(page)
    data["actual_general"] = "abc"

    response = admin_client.post(change_url(fuchi), data)

    assert response.status_code == 200
    # Django's zh_Hans catalogue renders "Enter a number." as "输入一个数字。"
    assert "输入一个数字。" in response.content.decode()
    assert "Enter a number" not in response.content.decode()
    fuchi.refresh_from_db()
    assert fuchi.actual_general == Decimal("10301.19")


def test_indicator_score_above_weight_is_rejected_in_chinese(admin_client, fuchi):
    indicator = fuchi.indicators.get(level2__code="31")
    page = admin_client.get(change_url(fuchi))
    data = changeform_data(page)
    data[inline_key(page, indicator, "weight")] = "5"
    data[inline_key(page, indicator, "score")] = "6"

    response = admin_client.post(change_url(fuchi), data)

    assert response.status_code == 200
    assert "得分须在 0 与分值之间" in error_text(response)
    assert "得分须在 0 与分值之间" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.weight is None
    assert indicator.score is None


def test_indicator_with_level2_outside_its_level1_is_rejected(admin_client, fuchi):
    indicator = fuchi.indicators.get(level2__code="31")
    output = IndicatorCategory.objects.get(code="1")
    social = IndicatorCategory.objects.get(code="22")
    page = admin_client.get(change_url(fuchi))
    data = changeform_data(page)
    data[inline_key(page, indicator, "level1")] = str(output.pk)
    data[inline_key(page, indicator, "level2")] = str(social.pk)

    response = admin_client.post(change_url(fuchi), data)

    assert response.status_code == 200
    assert "不属于一级指标" in response.content.decode()
    indicator.refresh_from_db()
    assert indicator.level1.code == "3"
    assert indicator.level2.code == "31"


def test_scorecard_item_score_above_weight_is_rejected_in_chinese(
    admin_client, panyu_scorecard
):
    item = (
        panyu_scorecard.items.filter(level=3, is_adjustment=False)
        .exclude(score=None)
        .order_by("order")
        .first()
    )
    page = admin_client.get(change_url(panyu_scorecard))
    data = changeform_data(page)
    data[inline_key(page, item, "score")] = str(item.weight + 1)

    response = admin_client.post(change_url(panyu_scorecard), data)

    assert response.status_code == 200
    assert "得分须在 0 与分值之间" in error_text(response)
    assert "得分须在 0 与分值之间" in response.content.decode()
    assert ScorecardItem.objects.get(pk=item.pk).score == item.score


def test_unchanged_scorecard_form_posts_back_and_saves(admin_client, panyu_scorecard):
    page = admin_client.get(change_url(panyu_scorecard))

    response = admin_client.post(change_url(panyu_scorecard), changeform_data(page))

    assert response.status_code == 302


def test_edited_indicator_target_is_saved_and_parsed_again(
    admin_client, fuchi, training_indicator
):
    assert training_indicator.target_number == Decimal("1000")
    page = admin_client.get(change_url(fuchi))
    data = changeform_data(page)
    data[inline_key(page, training_indicator, "annual_value")] = "≥2000人次"

    response = admin_client.post(change_url(fuchi), data)

    assert response.status_code == 302
    training_indicator.refresh_from_db()
    assert training_indicator.annual_value == "≥2000人次"
    assert training_indicator.operator == "≥"
    assert training_indicator.target_number == Decimal("2000")
    assert training_indicator.unit == "人次"


def test_changed_actual_amount_recomputes_read_only_rate(admin_client, fuchi):
    page = admin_client.get(change_url(fuchi))
    data = changeform_data(page)
    data["actual_general"] = "5235.14"

    response = admin_client.post(change_url(fuchi), data)

    assert response.status_code == 302
    fuchi.refresh_from_db()
    assert fuchi.actual_general == Decimal("5235.14")
    shown = readonly_contents(admin_client.get(change_url(fuchi)))
    assert shown["actual_total_display"] == "5235.14"
    assert shown["rate"] == "50.00%"


# --- permissions --------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda m: m._meta.label)
def test_staff_without_permissions_is_refused_changelist(client, filler_a, model):
    client.force_login(filler_a)

    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 403


def test_staff_with_view_permission_sees_only_that_changelist(client, db):
    user = factories.UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            codename="view_budgetproject", content_type__app_label="projects"
        )
    )
    client.force_login(user)

    assert client.get(admin_url(BudgetProject, "changelist")).status_code == 200
    assert client.get(admin_url(Evaluation, "changelist")).status_code == 403
    assert client.get(admin_url(BudgetProject, "add")).status_code == 403


def test_staff_with_view_permission_sees_only_their_departments_projects(
    client, filler_a, department_a
):
    filler_a.user_permissions.add(
        Permission.objects.get(
            codename="view_budgetproject", content_type__app_label="projects"
        )
    )
    client.force_login(filler_a)

    response = client.get(admin_url(BudgetProject, "changelist"))

    assert response.status_code == 200
    results = list(response.context["cl"].result_list)
    assert len(results) == 4
    assert {p.evaluation.department for p in results} == {department_a}
