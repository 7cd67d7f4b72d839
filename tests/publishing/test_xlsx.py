"""The workbooks of the seed tables, read back with openpyxl."""

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from departments.models import Department
from projects.selectors import evaluation_get
from publishing import layouts as L
from publishing.exports import export_data
from publishing.sheets import build
from publishing.xlsx import DRAFT_NOTICE, render_workbook, render_xlsx

pytestmark = pytest.mark.django_db


def seed(code: str, year: int, layout: str):
    department = Department.objects.get(code=code)
    evaluation = evaluation_get(user=None, department=department, year=year)
    return evaluation, export_data(evaluation, layout)


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def find_row(ws, column: int, value) -> int:
    for row in ws.iter_rows(min_col=column, max_col=column):
        if row[0].value == value:
            return row[0].row
    raise AssertionError(f"{value!r} not in column {column}")


def header_row(ws) -> int:
    return find_row(ws, 1, "序号")


def test_seed_000_header_is_merged_as_declared():
    evaluation, _ = seed("440307-JYZX", 2021, "project_selfeval")
    ws = workbook(render_xlsx(evaluation, "project_selfeval")).active
    first = header_row(ws)
    declared = L.merged_ranges(
        L.layout_get("project_selfeval", "A").columns, first_row=first
    )
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert set(declared) <= merged
    assert ws.cell(first, 4).value == "项目年度预算金额"
    assert ws.cell(first + 1, 5).value == "其中：财政拨款"
    assert ws.cell(first + 2, 5).value == "一般公共预算"
    assert ws.print_title_rows == f"${first}:${first + 2}"
    assert ws.freeze_panes == f"D{first + 3}"


def test_seed_000_values_sit_in_the_right_cells_as_numbers():
    evaluation, data = seed("440307-JYZX", 2021, "project_selfeval")
    ws = workbook(render_xlsx(evaluation, "project_selfeval")).active
    row = find_row(ws, 3, "扶持就业")
    assert ws.cell(row, 1).value == 1
    assert ws.cell(row, 2).value == "深圳市龙岗区劳动就业服务中心"
    assert ws.cell(row, 4).value == pytest.approx(10470.27)
    assert ws.cell(row, 4).number_format == "#,##0.00"
    assert ws.cell(row, 8).value == pytest.approx(10301.19)
    rate = ws.cell(row, 12)
    assert rate.value == pytest.approx(0.9839)
    assert rate.number_format == "0.00%"
    # 经济效益指标 is not applicable for this project: both cells say so.
    head = header_row(ws)
    economic = next(
        c for c in range(1, 31) if ws.cell(head + 1, c).value == "经济效益指标"
    )
    assert ws.cell(row, economic).value == ws.cell(row, economic + 1).value == "不适用"
    assert ws.cell(row, 15).value.startswith("1.灵活就业补贴发放率100%;\n2.")
    assert ws.cell(row, 15).alignment.wrap_text
    total = find_row(ws, 1, "合   计")
    assert f"A{total}:C{total}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(total, 4).value == pytest.approx(10998.07)
    assert ws.cell(total, 12).value == pytest.approx(0.9837)
    assert ws.cell(1, 1).value == DRAFT_NOTICE  # seeds are drafts
    assert ws.cell(3, 1).value == data["title"]


def test_seed_001_uses_the_2020_header_and_prints_the_notes():
    evaluation, data = seed("440307-RSJ-BJ", 2020, "project_selfeval")
    ws = workbook(render_xlsx(evaluation, "project_selfeval")).active
    first = header_row(ws)
    assert ws.cell(first, 2).value == "单位名称"
    assert f"D{first}:D{first + 2}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(first, 5).value == "实际支出金额"
    total = find_row(ws, 1, "合   计")
    assert ws.cell(total, 4).value == pytest.approx(98795.64)
    assert ws.cell(total, 8).value == pytest.approx(25837.22)
    notes = [ws.cell(r, 1).value for r in range(total + 1, total + 3)]
    assert notes[0].startswith("备注：1. 2020年度预算项目“人才引进”")
    assert notes[1].startswith("2. ")
    assert len(data["projects"]) == 19


def test_print_setup_is_landscape_fit_to_width_with_page_numbers():
    evaluation, _ = seed("440307-RSJ-BJ", 2020, "project_selfeval")
    ws = workbook(render_xlsx(evaluation, "project_selfeval")).active
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A3)
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.column_dimensions["A"].width > 0


def test_target_workbook_keeps_the_exact_coded_indicator_string():
    evaluation, data = seed("440113-JYZX", 2025, "target")
    ws = workbook(render_xlsx(evaluation, "target")).active
    first = find_row(ws, 1, "项目名称（资金使用单位）")
    assert ws.cell(first + 1, 1).value == "合计"
    assert ws.cell(first + 1, 2).value == pytest.approx(22356.47)
    assert ws.cell(first + 2, 1).value == data["department"]["name"]
    project = data["projects"][0]
    row = find_row(ws, 1, project["name"])
    assert ws.cell(row, 7).value == project["indicators_text"]
    assert ws.cell(row, 4).value is None  # 财政专户拨款 not published


def test_department_scorecard_workbook_merges_levels_and_sums():
    evaluation, data = seed("440113-RSJ", 2021, "department_selfeval")
    ws = workbook(render_xlsx(evaluation, "department_selfeval")).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    management = find_row(ws, 1, "管理效能")
    # 管理效能 (and its 45) run down its 21 rows.
    assert f"A{management}:A{management + 20}" in merged
    assert ws.cell(management, 2).value == 45
    budget = find_row(ws, 3, "全年预算数")
    assert ws.cell(budget, 5).value == pytest.approx(59787.13)
    assert ws.cell(budget + 2, 5).value == pytest.approx(0.975)
    total = find_row(ws, 1, "总分")
    assert ws.cell(total, 2).value == 100
    assert ws.cell(total, 9).value == pytest.approx(float(data["total_score"]))


def test_national_workbook_has_a_sheet_per_project():
    evaluation, data = seed("440307-JYZX", 2021, "project_selfeval_national")
    wb = workbook(render_xlsx(evaluation, "project_selfeval_national"))
    assert wb.sheetnames == [f"{p['seq']}-{p['name']}" for p in data["projects"]]
    ws = wb["1-扶持就业"]
    assert ws.page_setup.orientation == "portrait"
    assert ws.cell(find_row(ws, 1, "项目名称"), 2).value == "扶持就业"


def test_formula_looking_text_is_stored_as_text():
    _, data = seed("440307-JYZX", 2021, "project_selfeval")
    evil = [
        '=HYPERLINK("http://evil.example/","点我")',
        "+1+1",
        "-1+1",
        "@SUM(A1:A2)",
        "\t=1+1",
    ]
    projects = [dict(p) for p in data["projects"]]
    for project, value in zip(projects, evil, strict=False):
        project["name"] = value
    projects[1]["goal"] = evil[4]
    content = render_workbook(build({**data, "projects": projects}))
    ws = workbook(content).active
    head = header_row(ws)
    names = [ws.cell(head + 3 + i, 3) for i in range(4)]
    assert [c.value for c in names] == evil[:4]
    for cell in names:
        assert cell.data_type == "s"
        assert cell.quotePrefix
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    # Amounts stay numbers.
    assert isinstance(ws.cell(head + 3, 4).value, float)


def test_control_characters_do_not_break_the_workbook():
    _, data = seed("440307-JYZX", 2021, "project_selfeval")
    projects = [dict(p) for p in data["projects"]]
    projects[0]["goal"] = "目标\x00\x07完成"
    ws = workbook(render_workbook(build({**data, "projects": projects}))).active
    assert ws.cell(header_row(ws) + 3, 13).value == "目标完成"


def test_approved_workbook_carries_the_seal_image_and_no_draft_notice():
    evaluation, data = seed("440307-JYZX", 2021, "project_selfeval")
    from publishing.xlsx import seal_path

    path = seal_path(evaluation.department)
    assert path  # seeded with a demo seal
    approved = build({**data, "status": "approved"})
    ws = workbook(render_workbook(approved, seal_path=path)).active
    assert len(ws._images) == 1
    assert ws.cell(1, 1).value != DRAFT_NOTICE
    draft = workbook(render_workbook(build(data), seal_path=path)).active
    assert draft._images == []


def test_money_formats_match_the_kinds():
    assert L.NUMBER_FORMATS[L.MONEY] == "#,##0.00"
    assert L.NUMBER_FORMATS[L.RATE] == "0.00%"
    assert Decimal("98.39") / 100 == Decimal("0.9839")
