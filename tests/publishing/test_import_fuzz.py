"""Whatever a clerk types into a cell, the import answers with problems or
imports: it never fails in another way (no 500 for the upload page)."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department
from publishing.importer import ImportFailed, import_table, read_table
from tests.publishing.importing import edit_workbook, workbook_bytes

pytestmark = pytest.mark.django_db

BASE = {key: workbook_bytes(key) for key in ("000", "003", "004")}
values = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet="0123456789,.-%=＝—不适用合计序号项目名称()（）\n ", max_size=12),
    st.sampled_from(
        [
            "=SUM(A1:A3)",
            "#DIV/0!",
            "不适用",
            "合   计",
            "备注：1. 测试",
            "序号",
            "10,470.27",
        ]
    ),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    st.booleans(),
)
edits = st.lists(
    st.tuples(st.integers(1, 40), st.integers(1, 32), values), min_size=1, max_size=6
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=st.sampled_from(sorted(BASE)), changes=edits)
def test_random_cell_edits_never_crash_the_import(key, changes):
    def change(ws):
        for row, col, value in changes:
            cell = ws.cell(row, col)
            if cell.coordinate in ws.merged_cells:
                continue  # a covered cell of a merge cannot be written
            cell.value = value

    result = read_table(edit_workbook(BASE[key], change))
    assert result.ok or result.problems
    if not result.ok:
        return
    with transaction.atomic():
        department = Department.objects.create(
            code="FUZZ", name="模糊测试部门", region="测试区"
        )
        try:
            import_table(result=result, department=department)
        except ImportFailed as exc:
            assert exc.problems
        transaction.set_rollback(True)
