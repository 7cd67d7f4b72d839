"""Flat import/export of departments, projects and indicators (admin bulk
maintenance through django-import-export)."""

from decimal import Decimal

import pytest
import tablib

from departments.models import Department
from departments.resources import DepartmentResource
from projects.models import BudgetProject, Evaluation, Indicator
from projects.resources import BudgetProjectResource, IndicatorResource

pytestmark = pytest.mark.django_db

HEADERS = ["department_code", "year", "seq", "name", "budget_general", "actual_general"]


def import_rows(resource, headers, rows, dry_run=False):
    dataset = tablib.Dataset(*rows, headers=headers)
    return resource.import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )


def project_state():
    return sorted(
        BudgetProject.objects.values_list("name", "actual_general", "version")
    )


def test_exported_projects_import_back_unchanged():
    queryset = BudgetProject.objects.filter(evaluation__department__code="440307-JYZX")
    dataset = BudgetProjectResource().export(queryset)
    assert dataset.headers[:3] == ["department_code", "year", "seq"]
    before = project_state()
    result = import_rows(BudgetProjectResource(), dataset.headers, list(dataset))
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    assert project_state() == before


def test_projects_are_matched_on_department_year_and_name():
    result = import_rows(
        BudgetProjectResource(),
        HEADERS,
        [["440307-JYZX", 2021, 2, "就业服务管理", "2.88", "2.50"]],
    )
    assert not result.has_validation_errors(), result.invalid_rows
    assert [row.import_type for row in result.rows] == ["update"]
    project = BudgetProject.objects.get(name="就业服务管理")
    assert project.actual_general == Decimal("2.50")
    assert BudgetProject.objects.filter(name="就业服务管理").count() == 1


def test_one_bad_row_saves_nothing():
    before = project_state()
    result = import_rows(
        BudgetProjectResource(),
        HEADERS,
        [
            ["440307-JYZX", 2021, 2, "就业服务管理", "2.88", "2.00"],
            ["440307-JYZX", 2021, 9, "新项目", "NaN", "1"],
        ],
    )
    assert result.has_validation_errors() or result.has_errors()
    assert project_state() == before
    assert not BudgetProject.objects.filter(name="新项目").exists()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", "abc", "-1"])
def test_bad_amounts_are_refused_with_a_message(value):
    result = import_rows(
        BudgetProjectResource(),
        HEADERS,
        [["440307-JYZX", 2021, 9, "新项目", value, "1"]],
    )
    assert result.has_validation_errors()
    messages = str(result.invalid_rows[0].error_dict)
    assert "budget_general" in messages
    assert not BudgetProject.objects.filter(name="新项目").exists()


def test_unknown_department_is_refused():
    result = import_rows(
        BudgetProjectResource(), HEADERS, [["NO-SUCH", 2021, 1, "项目", "1", "1"]]
    )
    assert result.has_errors() or result.has_validation_errors()
    assert not Evaluation.objects.filter(department__code="NO-SUCH").exists()


def test_import_into_an_approved_evaluation_is_refused():
    Evaluation.objects.filter(department__code="440307-JYZX", year=2021).update(
        status="approved"
    )
    before = project_state()
    result = import_rows(
        BudgetProjectResource(),
        HEADERS,
        [["440307-JYZX", 2021, 2, "就业服务管理", "2.88", "2.00"]],
    )
    assert result.has_errors() or result.has_validation_errors()
    assert project_state() == before


def test_export_escapes_formula_looking_text():
    department = Department.objects.get(code="440307-JYZX")
    department.short_name = '=HYPERLINK("http://evil")'
    department.save()
    dataset = DepartmentResource().export(Department.objects.filter(pk=department.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["short_name"] == '\'=HYPERLINK("http://evil")'
    assert row["parent_code"] == "440307-RSJ"


def test_indicators_import_by_project_and_order_and_are_parsed():
    project = BudgetProject.objects.get(name="就业服务管理")
    result = import_rows(
        IndicatorResource(),
        [
            "department_code",
            "year",
            "project",
            "order",
            "level2_code",
            "name",
            "annual_value",
            "actual_value",
        ],
        [["440307-JYZX", 2021, "就业服务管理", 99, "12", "培训合格率", "≥95%", "98%"]],
    )
    assert not result.has_validation_errors(), result.invalid_rows
    indicator = Indicator.objects.get(project=project, order=99)
    assert indicator.level1.code == "1"
    assert (indicator.operator, indicator.target_number) == ("≥", Decimal(95))
