"""A 项目支出绩效目标表 with several 资金使用单位: each unit row is checked
against, and exported as, the sum of that unit's own projects."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from projects import services
from projects.seeds import load_target
from projects.selectors import evaluation_get
from publishing.exports import export_data
from publishing.importer import read_table
from publishing.sheets import build
from publishing.xlsx import render_xlsx
from scoring.checks import evaluation_checks
from tests import factories

pytestmark = pytest.mark.django_db

CITY = "测试区就业服务中心"
TOWN = "测试区职业培训中心"
CODED = (
    "1、1-产出指标；11-数量指标；培训人数；实施周期指标值：≥100人；年度指标值：≥100人。"
)


def _project(name: str, unit: str, fiscal: str, other: str | None = None) -> dict:
    total = Decimal(fiscal) + Decimal(other or "0")
    return {
        "name": name,
        "fund_user": unit,
        "total": str(total),
        "fiscal": fiscal,
        "special_account": None,
        "other": other,
        "goal_raw": f"{name}的绩效目标",
        "indicators_raw": CODED,
    }


def _row(name: str, total: str, fiscal: str, other: str | None) -> dict:
    return {
        "name": name,
        "total": total,
        "fiscal": fiscal,
        "special_account": None,
        "other": other,
    }


@pytest.fixture
def two_units():
    department = factories.DepartmentFactory()
    projects = [
        _project("就业补贴", CITY, "100.00"),
        _project("公益岗位", CITY, "50.50", other="9.50"),
        _project("职业培训", TOWN, "30.00"),
        _project("技能鉴定", TOWN, "20.25"),
    ]
    load_target(
        data={
            "source": "generated",
            "layout": "target",
            "year": 2024,
            "title_printed": (
                f"{department.name}2024年项目支出绩效目标表（含转移支付项目）"
            ),
            "totals_printed": {
                "total": "210.25",
                "fiscal": "200.75",
                "special_account": None,
                "other": "9.50",
            },
            "unit_rows": [
                _row(CITY, "160.00", "150.50", "9.50"),
                _row(TOWN, "50.25", "50.25", None),
            ],
            "projects": projects,
        },
        department=department,
    )
    evaluation = evaluation_get(user=None, department=department, year=2024)
    # Each project under its own unit, whichever way the loader assigns it.
    units = {p["name"]: p["fund_user"] for p in projects}
    for target in evaluation.target_projects.all():
        if target.fund_user != units[target.name]:
            target.fund_user = units[target.name]
            services.target_project_save(project=target)
    return evaluation


def test_unit_rows_matching_their_own_projects_give_no_findings(two_units):
    assert evaluation_checks(two_units) == []


def test_a_wrong_unit_row_total_is_exactly_one_finding_naming_that_row(two_units):
    published = two_units.published_totals
    published["unit_rows"][1]["total"] = "52.25"
    two_units.published_totals = published
    two_units.save()
    findings = evaluation_checks(two_units)
    assert [(f.code, f.location, f.printed, f.computed) for f in findings] == [
        ("column_sum", f"单位行“{TOWN}”", "52.25", "50.25")
    ]
    assert TOWN in findings[0].message
    assert "52.25" in findings[0].message and "50.25" in findings[0].message


def _money_rows(document) -> list[tuple]:
    """(name, 总计, 财政拨款, 其他资金) of each data row, as the PDF prints them."""
    rows = document.sheets[0].blocks[0].rows
    return [(r[0].text, r[1].text, r[2].text, r[4].text) for r in rows]


def test_export_prints_each_unit_row_with_its_own_subtotals(two_units):
    document = build(export_data(two_units, "target"))
    assert _money_rows(document) == [
        ("合计", "210.25", "200.75", "9.50"),
        (CITY, "160.00", "150.50", "9.50"),
        ("就业补贴", "100.00", "100.00", ""),
        ("公益岗位", "60.00", "50.50", "9.50"),
        (TOWN, "50.25", "50.25", ""),
        ("职业培训", "30.00", "30.00", ""),
        ("技能鉴定", "20.25", "20.25", ""),
    ]


def test_workbook_unit_rows_hold_per_unit_subtotals_and_read_back_cleanly(
    two_units,
):
    content = render_xlsx(two_units, "target")
    ws = load_workbook(io.BytesIO(content)).active
    values = {
        row[0].value: [c.value for c in row[1:5]]
        for row in ws.iter_rows()
        if row[0].value in ("合计", CITY, TOWN)
    }
    assert values == {
        "合计": [pytest.approx(210.25), pytest.approx(200.75), None, 9.5],
        CITY: [160, pytest.approx(150.5), None, 9.5],
        TOWN: [pytest.approx(50.25), pytest.approx(50.25), None, None],
    }
    # The importer checks each unit row against the projects under it.
    result = read_table(content, filename="two_units.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    assert [str(w) for w in result.warnings] == []
    assert [(r["name"], str(r["total"])) for r in result.data["unit_rows"]] == [
        (CITY, "160.00"),
        (TOWN, "50.25"),
    ]
    assert [p["fund_user"] for p in result.data["projects"]] == [
        CITY,
        CITY,
        TOWN,
        TOWN,
    ]


def test_importer_names_the_unit_row_that_does_not_add_up(two_units):
    book = load_workbook(io.BytesIO(render_xlsx(two_units, "target")))
    ws = book.active
    rows = {row[0].value: row[0].row for row in ws.iter_rows(max_col=1)}
    ws.cell(rows[TOWN], 2).value = 52.25  # 总计
    ws.cell(rows[CITY], 5).value = 9  # 其他资金
    buffer = io.BytesIO()
    book.save(buffer)
    result = read_table(buffer.getvalue(), filename="two_units.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    warnings = [str(w) for w in result.warnings]
    assert len(warnings) == 2, warnings
    assert f"第 {rows[CITY]} 行" in warnings[0]
    assert f"单位行“{CITY}”原表 9.00，该单位各项目之和为 9.50" in warnings[0]
    assert f"第 {rows[TOWN]} 行" in warnings[1]
    assert f"单位行“{TOWN}”原表 52.25，该单位各项目之和为 50.25" in warnings[1]
