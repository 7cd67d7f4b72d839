"""Importing into an evaluation that exists gives what the seed loaders give
into an empty one, keeps the evaluation's history and its other tables."""

import pytest

from departments.models import Department
from projects.models import Evaluation, EvaluationEvent
from projects.snapshots import evaluation_content
from publishing.importer import NewDepartment, import_table, read_table
from tests.publishing.importing import comparable, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["000", "001", "002", "003", "004"])
def test_replacing_a_table_gives_the_same_content_as_the_seed_loader(key):
    result = read_table(workbook_bytes(key))
    department = Department.objects.create(
        code=f"TEST-{key}", name=f"测试替换部门{key}", region="测试市测试区"
    )
    # Into an empty department-year: the seed loader writes it.
    loaded = import_table(result=result, department=department)
    first = comparable(evaluation_content(loaded))
    # Again into the same, existing evaluation: the replace path writes it.
    replaced = import_table(result=result, department=department, replace=True)
    assert replaced.pk == loaded.pk
    assert comparable(evaluation_content(replaced)) == first


def test_returned_evaluation_keeps_its_history_and_status():
    department = Department.objects.get(code="440307-JYZX")
    evaluation = Evaluation.objects.get(department=department, year=2021)
    event = EvaluationEvent.objects.create(
        evaluation=evaluation,
        action="return",
        from_status="submitted",
        to_status="returned",
        actor_name="审核人",
        comment="请修改",
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.RETURNED
    )
    again = import_table(
        result=read_table(workbook_bytes("000")), department=department, replace=True
    )
    assert again.pk == evaluation.pk
    again.refresh_from_db()
    assert again.status == Evaluation.Status.RETURNED
    assert list(again.events.all()) == [event]
    assert again.projects.count() == 4


def test_importing_one_table_keeps_the_evaluations_other_tables():
    department = Department.objects.get(code="440113-JYZX")
    evaluation = Evaluation.objects.get(department=department, year=2025)
    targets = evaluation.target_projects.count()
    printed_targets = evaluation.published_totals["totals"]
    result = read_table(workbook_bytes("000"))
    # A project table for the same department-year, typed for 2025.
    result.data = {**result.data, "year": 2025}
    import_table(result=result, department=department)
    evaluation.refresh_from_db()
    assert evaluation.projects.count() == 4
    assert evaluation.target_projects.count() == targets
    # Both tables' printed figures stay for the consistency checks.
    assert evaluation.published_totals["totals"] == printed_targets
    assert evaluation.published_totals["execution_rate"] == "98.37"


def test_new_department_is_created_inside_the_import():
    result = read_table(workbook_bytes("002"))
    Evaluation.objects.filter(department__code="440307-ZXZX").delete()
    Department.objects.filter(code="440307-ZXZX").delete()
    evaluation = import_table(
        result=result, department=NewDepartment(name="深圳市龙岗区职业训练中心")
    )
    assert evaluation.department.code.startswith("IMP-")
    assert evaluation.department.region == "深圳市龙岗区"
