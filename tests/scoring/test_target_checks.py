"""The 项目支出绩效目标表 checks: each 资金使用单位 row against its own projects.

Pure: unsaved model instances in, findings out; no database.
"""

from decimal import Decimal

from projects.models import Evaluation, TargetProject
from scoring.checks import target_table_checks

CITY = "测试区就业服务中心"
TOWN = "测试区职业培训中心"


def project(name: str, unit: str, fiscal: str, other: str | None = None):
    return TargetProject(
        name=name,
        fund_user=unit,
        fiscal=Decimal(fiscal),
        other=None if other is None else Decimal(other),
    )


PROJECTS = [
    project("就业补贴", CITY, "100.00"),
    project("公益岗位", CITY, "50.50", other="9.50"),
    project("职业培训", TOWN, "30.00"),
    project("技能鉴定", TOWN, "20.25"),
]


def row(name: str | None, total: str, fiscal: str, other: str | None = None):
    figures = {
        "total": total,
        "fiscal": fiscal,
        "special_account": None,
        "other": other,
    }
    return figures if name is None else {"name": name, **figures}


def table(*unit_rows: dict, totals: dict | None = None) -> Evaluation:
    return Evaluation(
        published_totals={
            "layout": "target",
            "totals": totals or row(None, "210.25", "200.75", "9.50"),
            "unit_rows": list(unit_rows),
            "projects": {},
        }
    )


def found(evaluation: Evaluation, projects=PROJECTS):
    return [
        (f.code, f.location, f.printed, f.computed)
        for f in target_table_checks(evaluation, projects)
    ]


def test_unit_rows_that_sum_their_own_projects_are_not_findings():
    evaluation = table(
        row(CITY, "160.00", "150.50", "9.50"), row(TOWN, "50.25", "50.25")
    )
    assert found(evaluation) == []


def test_a_unit_row_total_is_compared_with_its_own_projects_only():
    evaluation = table(
        row(CITY, "160.00", "150.50", "9.50"), row(TOWN, "50.52", "50.25")
    )
    findings = target_table_checks(evaluation, PROJECTS)
    assert [(f.code, f.location, f.printed, f.computed) for f in findings] == [
        ("column_sum", f"单位行“{TOWN}”", "50.52", "50.25")
    ]
    assert findings[0].message == (
        f"单位行“{TOWN}”总计：原表 50.52，该单位各项目之和为 50.25。"
    )


def test_a_unit_row_printing_the_whole_table_is_reported():
    # What the check used to accept: every unit row equal to the 合计.
    evaluation = table(
        row(CITY, "210.25", "200.75", "9.50"), row(TOWN, "50.25", "50.25")
    )
    assert found(evaluation) == [
        ("column_sum", f"单位行“{CITY}”", "210.25", "160.00"),
        ("column_sum", f"单位行“{CITY}”", "200.75", "150.50"),
    ]


def test_other_funds_and_special_account_are_checked_per_unit_where_printed():
    city = {**row(CITY, "160.00", "150.50", "9.00"), "special_account": "0.00"}
    town = {**row(TOWN, "50.25", "50.25"), "special_account": "1.00"}
    assert found(table(city, town)) == [
        ("column_sum", f"单位行“{CITY}”", "9.00", "9.50"),
        ("column_sum", f"单位行“{TOWN}”", "1.00", "0.00"),
    ]


def test_the_total_row_is_still_compared_with_every_project():
    evaluation = table(
        row(CITY, "160.00", "150.50", "9.50"),
        row(TOWN, "50.25", "50.25"),
        totals=row(None, "160.00", "150.50", "9.50"),
    )
    assert found(evaluation) == [
        ("column_sum", "合计行", "160.00", "210.25"),
        ("column_sum", "合计行", "150.50", "200.75"),
    ]


def test_a_unit_row_that_no_project_belongs_to_is_one_finding():
    stray = "测试区人才服务中心"
    evaluation = table(
        row(CITY, "160.00", "150.50", "9.50"),
        row(TOWN, "50.25", "50.25"),
        row(stray, "12.00", "12.00"),
    )
    findings = target_table_checks(evaluation, PROJECTS)
    assert [(f.code, f.location, f.printed, f.computed) for f in findings] == [
        ("column_sum", f"单位行“{stray}”", "12.00", None)
    ]
    assert findings[0].message == (
        f"单位行“{stray}”：没有项目的资金使用单位为“{stray}”，原表总计 12.00 无从核对。"
    )


def test_projects_of_a_unit_without_a_unit_row_are_one_finding():
    evaluation = table(row(CITY, "160.00", "150.50", "9.50"))
    findings = target_table_checks(evaluation, PROJECTS)
    assert [(f.code, f.location, f.printed, f.computed) for f in findings] == [
        ("column_sum", f"资金使用单位“{TOWN}”", None, "50.25")
    ]
    assert "2 个项目（总计 50.25）" in findings[0].message


def test_a_table_without_unit_rows_checks_only_the_total_row():
    assert found(table()) == []


def test_a_single_unit_row_sums_every_project():
    projects = [p for p in PROJECTS if p.fund_user == CITY]
    evaluation = table(
        row(CITY, "160.00", "150.50", "9.50"),
        totals=row(None, "160.00", "150.50", "9.50"),
    )
    assert found(evaluation, projects) == []
    evaluation.published_totals["unit_rows"][0]["fiscal"] = "150.05"
    assert found(evaluation, projects) == [
        ("column_sum", f"单位行“{CITY}”", "150.05", "150.50")
    ]


def test_blank_printed_cells_are_not_compared():
    blank = {"name": TOWN, "total": None, "fiscal": None}
    evaluation = table(row(CITY, "160.00", "150.50", "9.50"), blank)
    assert found(evaluation) == []
