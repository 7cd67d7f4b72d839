"""Every seed table, typed by hand into Excel in its published layout
(tests/workbooks, built from the seed text, not from our export), imports into
an empty database and re-exports with the same figures and the same findings.
"""

from decimal import Decimal

import pytest

from departments.models import Department
from projects.models import Evaluation, TargetIndicator
from projects.selectors import evaluation_get
from publishing.exports import export_data
from publishing.importer import (
    ImportResult,
    NewDepartment,
    derived_code,
    import_table,
    read_table,
)
from scoring.models import Scorecard, ScorecardItem
from tests.publishing.importing import (
    EXPECTED,
    SEED_DEPARTMENTS,
    edit_workbook,
    empty_database,
    expected,
    fixture,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

KEYS = ["000", "001", "002", "003", "004"]


def seed_export(key: str) -> tuple[dict, list[str]]:
    """What the seed table (loaded from the JSON fixture) exports, and its
    findings, before the database is emptied."""
    entry = expected(key)
    department = Department.objects.get(code=SEED_DEPARTMENTS[key])
    evaluation = evaluation_get(user=None, department=department, year=entry["year"])
    data = export_data(evaluation, entry["layout"])
    return data, [f["message"] for f in data["checks"]]


def import_into_empty_database(key: str) -> Evaluation:
    result = read_table(workbook_bytes(key), filename=expected(key)["file"])
    assert result.ok, [str(p) for p in result.problems]
    empty_database()
    assert not Evaluation.objects.exists() and not Department.objects.exists()
    evaluation = import_table(
        result=result, department=NewDepartment(name=result.department_name)
    )
    return evaluation_get(
        user=None, department=evaluation.department, year=evaluation.year
    )


def figures(data: dict) -> dict:
    """The numbers a table prints, and its texts, without the department's
    identity (a new department gets a new code)."""
    out = {k: v for k, v in data.items() if k not in ("department", "title")}
    for project in out.get("projects", []):
        project.pop("unit_name", None)  # 001 prints it once per page block
    return out


@pytest.mark.parametrize("key", KEYS)
def test_hand_typed_workbook_is_recognised_with_its_department_and_year(key):
    entry = expected(key)
    result = read_table(workbook_bytes(key))
    assert result.ok, [str(p) for p in result.problems]
    assert result.layout == entry["layout"]
    assert result.variant == (entry["variant"] or "")
    assert result.year == entry["year"]
    assert result.department_name == entry["department_name"]
    assert result.sheets == [entry["sheet"]]


@pytest.mark.parametrize("key", KEYS)
def test_hand_typed_workbook_imports_into_an_empty_database(key):
    entry = expected(key)
    printed, seed_findings = seed_export(key)
    evaluation = import_into_empty_database(key)
    department = evaluation.department
    assert department.name == entry["department_name"]
    assert department.code == derived_code(entry["department_name"])
    assert evaluation.year == entry["year"]
    data = export_data(evaluation, entry["layout"])
    # Re-exported with the same figures as the seed table, and the checks
    # find the same disagreements in the published figures.
    assert figures(data) == figures(printed)
    assert [f["message"] for f in data["checks"]] == seed_findings


@pytest.mark.parametrize("key", ["000", "001", "002"])
def test_project_tables_give_back_the_printed_amounts_and_rates(key):
    entry = expected(key)
    seed = fixture(key)
    evaluation = import_into_empty_database(key)
    projects = list(evaluation.projects.order_by("seq"))
    assert [p.name for p in projects] == entry["project_names"]
    assert len(projects) == entry["project_count"]
    for project, row, rate in zip(
        projects, seed["projects"], entry["execution_rates_printed"], strict=True
    ):
        assert project.budget_total == Decimal(row["budget"]["total"])
        assert project.actual_total == Decimal(row["actual"]["total"])
        assert Decimal(project.published["execution_rate"]) == Decimal(rate)
    totals = entry["totals_printed"]
    published = evaluation.published_totals
    if totals is None:
        assert published["budget"] is None
    else:
        for kind in ("budget", "actual"):
            for column, value in totals[kind].items():
                shown = published[kind][column]
                assert (shown and Decimal(shown)) == (value and Decimal(value))
    assert evaluation.note_lines == entry["notes"]


def test_seed_000_rates_typed_as_text_and_as_percentages_read_alike():
    evaluation = import_into_empty_database("000")
    rates = [p.published["execution_rate"] for p in evaluation.projects.all()]
    # Rows 7 and 9 hold text '98.39%', rows 8 and 10 hold 0.6632 shown as %.
    assert rates == ["98.39", "66.32", "98.32", "98.21"]
    assert evaluation.published_totals["execution_rate"] == "98.37"
    assert evaluation.attachment_label == "附件2："


def test_seed_001_unit_name_merged_down_and_notes_exclude_two_projects():
    evaluation = import_into_empty_database("001")
    projects = list(evaluation.projects.all())
    # 单位名称 is one merged cell per printed block: carried down to each row.
    assert {p.unit_name for p in projects} == {"龙岗区人力资源局（本级）"}
    assert evaluation.unit_column_label == "单位名称"
    assert not evaluation.budget_by_source
    excluded = sorted(p.name for p in projects if p.excluded_from_execution_rate)
    assert excluded == sorted(
        e["name"] for e in fixture("001")["excluded_from_execution_rate"]
    )
    # The carried-over 人才引进 amount was deducted, the project still counts.
    assert not evaluation.projects.get(name="人才引进").excluded_from_execution_rate
    data = export_data(evaluation, "project_selfeval")
    assert data["totals"]["execution_rate"] == "99.92"


def test_seed_002_zero_budget_project_and_repeated_header_with_other_colon():
    evaluation = import_into_empty_database("002")
    assert evaluation.projects.count() == 9
    zero = evaluation.projects.get(name="教师慰问奖励")
    assert zero.budget_total == Decimal("0.00")
    assert zero.execution_rate is None  # 不适用, printed as 0.00%
    assert evaluation.title_printed == "2021年度XX部门预算项目绩效自评表"
    assert evaluation.department.name == "深圳市龙岗区职业训练中心"


def test_seed_003_targets_79_coded_indicators_and_stripped_markup():
    entry = expected("003")
    evaluation = import_into_empty_database("003")
    projects = list(evaluation.target_projects.order_by("seq"))
    assert [p.name for p in projects] == entry["project_names"]
    assert TargetIndicator.objects.filter(project__evaluation=evaluation).count() == 79
    assert not any("<p>" in p.goal for p in projects)
    assert sum(p.total for p in projects) == Decimal(entry["totals_printed"]["total"])
    # '10,951.18' and '1,899.00' were typed as text with separators.
    assert projects[0].fiscal == Decimal("10951.18")
    assert evaluation.target_projects.get(
        name="产业人才发展专项资金"
    ).fiscal == Decimal("1899.00")
    assert {p.fund_user for p in projects} == {entry["unit_rows"][0]["name"]}


def test_seed_004_weights_scores_total_and_the_two_findings():
    entry = expected("004")
    evaluation = import_into_empty_database("004")
    scorecard = Scorecard.objects.get(evaluation=evaluation)
    items = ScorecardItem.objects.filter(scorecard=scorecard)
    leaves = items.filter(level=3)
    assert leaves.count() == entry["item_count"] == 93
    level1 = [
        {
            "name": i.name,
            "weight": format(i.weight.normalize(), "f"),
            "items": leaves.filter(parent__parent=i).count(),
        }
        for i in items.filter(level=1).order_by("order")
    ]
    assert level1 == entry["level1"]
    assert scorecard.published["total_score"] == "93.25"
    assert scorecard.unit_count == entry["unit_count"]
    assert scorecard.footnote == entry["footnote"]
    assert leaves.get(name="预算完成率").score == Decimal("1.48")
    bonus = leaves.get(name="工作受表彰或批评")
    assert bonus.is_adjustment
    assert bonus.explanation == fixture("004")["items"][-1]["explanation"]
    data = export_data(evaluation, "department_selfeval")
    assert data["total_score"] == "92.25"
    codes = sorted(f["code"] for f in data["checks"])
    assert codes == ["total_score", "weights"]
    spending = entry["spending_scale"]
    assert scorecard.budget_fiscal == Decimal(spending["budget"]["fiscal"])
    assert scorecard.actual_transfer == Decimal(spending["actual"]["transfer"])
    assert scorecard.published["rates"]["fiscal"] == spending["rate_printed"]["fiscal"]


def test_every_expected_workbook_is_covered():
    assert sorted(e["file"][5:8] for e in EXPECTED) == KEYS


# --- typing variations a clerk produces ---------------------------------------


def _variant(change) -> ImportResult:
    return read_table(edit_workbook(workbook_bytes("000"), change))


def test_department_name_typed_in_the_cell_after_the_seal_label():
    def change(ws):
        ws.unmerge_cells("A3:N3")
        ws["A3"] = "部门名称（盖章）："
        ws["C3"] = "深圳市龙岗区劳动就业服务中心"

    result = _variant(change)
    assert result.ok, [str(p) for p in result.problems]
    assert result.department_name == "深圳市龙岗区劳动就业服务中心"


def test_header_with_a_unit_in_brackets_and_numbered_template_rows():
    def change(ws):
        ws["L4"] = "预算支出执行率（%）"
        for row in (12, 13, 14):  # pre-numbered rows left empty below the table
            ws.cell(row, 1, row - 7)

    result = _variant(change)
    assert result.ok, [str(p) for p in result.problems]
    assert len(result.data["projects"]) == 4
    assert "已跳过 3 个只填了序号或单位名称的空行（第 12、13、14 行）。" in result.notes


def test_amounts_printed_in_yuan_are_refused():
    def change(ws):
        ws["AC3"] = "单位：元"

    result = _variant(change)
    assert [str(p) for p in result.problems] == [
        "工作表“Sheet1” 第 3 行：表格的金额单位是“元”，本系统以“万元”记录金额；"
        "请把金额换算为万元并把单位改为“单位：万元”后再导入。"
    ]


def test_footnote_under_the_table_becomes_a_note_and_a_stray_line_is_ignored():
    def change(ws):
        ws["A13"] = "注：本表金额单位为万元。"
        ws["A15"] = "制表：财务室"

    result = _variant(change)
    assert result.ok, [str(p) for p in result.problems]
    assert result.data["notes"] == ["注：本表金额单位为万元。"]
    assert "第 15 行“制表：财务室”不是表格中的一行，已忽略。" in result.notes


def test_department_taken_from_the_title_when_no_seal_line_names_it():
    def change(ws):
        ws["A2"] = "2020年深圳市龙岗区人力资源局（本级）部门预算项目绩效自评表"
        ws["A3"] = None

    result = _variant(change)
    assert result.department_name == "深圳市龙岗区人力资源局（本级）"
    assert result.year == 2020
