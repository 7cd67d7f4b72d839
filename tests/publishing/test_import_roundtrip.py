"""Any table perfeval exports imports back to the same data.

For every seed table in every layout it has, and for generated departments
(hypothesis): export to .xlsx with our writer, delete the evaluation, import
the file, and compare. The re-export must print exactly the same table; the
evaluation's content must be equal except for what a printed table does not
carry (listed per layout below).
"""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from departments.models import Department
from projects import services
from projects.models import Evaluation
from projects.seeds import load_project_selfeval, load_target
from projects.selectors import evaluation_get
from projects.snapshots import evaluation_content
from publishing.exports import available_layouts, export_data
from publishing.importer import import_table, read_table
from publishing.xlsx import render_xlsx
from scoring.seeds import load_department_selfeval
from tests import factories
from tests.publishing.importing import comparable, document_cells

pytestmark = pytest.mark.django_db

SEED_TABLES = [
    (code, year, layout)
    for code, year, layouts in (
        ("440307-JYZX", 2021, ("project_selfeval", "project_selfeval_national")),
        ("440307-RSJ-BJ", 2020, ("project_selfeval", "project_selfeval_national")),
        ("440307-ZXZX", 2021, ("project_selfeval", "project_selfeval_national")),
        ("440113-JYZX", 2025, ("target",)),
        ("440113-RSJ", 2021, ("department_selfeval",)),
    )
    for layout in layouts
]

# What a printed table does not carry, so an import cannot give it back:
# the title as once printed (ours is generated), the printed totals (ours
# print the computed ones), and for the national form everything it does not
# print (its 当年财政拨款 is 一般公共预算 + 政府性基金 in one figure).
NOT_PRINTED = ("title_printed", "published_totals")
NATIONAL_NOT_PRINTED = (
    *NOT_PRINTED,
    "attachment_label",
    "notes",
    "unit_column_label",
)
NATIONAL_PROJECT_FIELDS = (
    "budget_fund",
    "actual_fund",
    "initial_fund",
    "problems",
    "rectification",
    "excluded_from_execution_rate",
    "exclusion_note",
)


def reimport(evaluation: Evaluation, layout: str) -> Evaluation:
    """Export, delete, import the file: the evaluation as the import gives it."""
    department, year = evaluation.department, evaluation.year
    content = render_xlsx(evaluation, layout)
    result = read_table(content, filename="export.xlsx")
    assert result.ok, [str(p) for p in result.problems]
    assert result.layout == layout
    assert result.warnings == []  # our own export agrees with itself
    evaluation.delete()
    import_table(result=result, department=department, year=year)
    return evaluation_get(user=None, department=department, year=year)


def normalised(content: dict, layout: str, department_name: str) -> dict:
    if layout == "project_selfeval_national":
        out = comparable(content, drop=NATIONAL_NOT_PRINTED)
        for project in out["projects"]:
            for name in NATIONAL_PROJECT_FIELDS:
                project.pop(name, None)
    else:
        out = comparable(content, drop=NOT_PRINTED)
    for project in out["projects"]:
        # A blank 单位名称 prints the department's name.
        project["unit_name"] = project["unit_name"] or department_name
    return out


@pytest.mark.parametrize(("code", "year", "layout"), SEED_TABLES)
def test_seed_table_exported_by_perfeval_imports_back_identically(code, year, layout):
    department = Department.objects.get(code=code)
    original = evaluation_get(user=None, department=department, year=year)
    printed = export_data(original, layout)
    content = normalised(evaluation_content(original), layout, department.name)
    again = reimport(original, layout)
    reprinted = export_data(again, layout)
    assert document_cells(reprinted) == document_cells(printed)
    if layout != "project_selfeval_national":
        assert normalised(evaluation_content(again), layout, department.name) == content
    else:
        assert [p["national"] for p in reprinted["projects"]] == [
            p["national"] for p in printed["projects"]
        ]
        assert [p["indicators"] for p in reprinted["projects"]] == [
            p["indicators"] for p in printed["projects"]
        ]
    # What our export prints as 合计/执行率 is what we compute: no finding
    # appears that the original did not have.
    assert {f["code"] for f in reprinted["checks"]} <= {
        f["code"] for f in printed["checks"]
    }


def test_every_seed_table_layout_is_covered():
    found = []
    for evaluation in Evaluation.objects.select_related("department"):
        for layout in available_layouts(evaluation):
            found.append((evaluation.department.code, evaluation.year, layout))
    assert sorted(found) == sorted(SEED_TABLES)


# --------------------------------------------------------------------------
# Generated departments
# --------------------------------------------------------------------------

WORDS = "就业服务管理培训补贴人才中心社区保障资金完成提升工作项目年度质量满意效益"
text = st.text(alphabet=WORDS, min_size=1, max_size=12)
long_text = st.lists(text, min_size=1, max_size=3).map("，".join)
amount = st.decimals(
    min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False
).map(str)
maybe_amount = st.one_of(st.none(), amount)


@st.composite
def indicator_pair(draw):
    kind = draw(st.sampled_from(["na", "one", "list", "empty_actual"]))
    if kind == "na":
        return {"target": "不适用", "actual": "不适用"}
    if kind == "one":
        return {"target": draw(text) + "≥90%", "actual": draw(text)}
    if kind == "empty_actual":
        return {"target": draw(text), "actual": ""}
    count = draw(st.integers(min_value=2, max_value=4))
    return {
        "target": "\n".join(f"{n}.{draw(text)}" for n in range(1, count + 1)),
        "actual": "\n".join(f"{n}.{draw(text)}" for n in range(1, count + 1)),
    }


@st.composite
def project_table(draw):
    variant = draw(st.sampled_from(["A", "B"]))
    names = draw(st.lists(text, min_size=1, max_size=5, unique=True))
    projects = []
    for seq, name in enumerate(names, start=1):
        parts = {k: draw(amount) for k in ("general", "fund", "non_fiscal")}
        budget = (
            {"total": None, **parts}
            if variant == "A"
            else {
                "total": draw(amount),
                "general": None,
                "fund": None,
                "non_fiscal": None,
            }
        )
        projects.append(
            {
                "seq": seq,
                "unit_name": draw(st.sampled_from(["", "测试区测试中心"])),
                "name": name,
                "budget": budget,
                "actual": {
                    "total": None,
                    **{k: draw(amount) for k in ("general", "fund", "non_fiscal")},
                },
                "execution_rate_printed": None,
                "goal": draw(long_text),
                "completion": draw(long_text),
                "indicators": {
                    key: draw(indicator_pair())
                    for key in (
                        "quantity",
                        "quality",
                        "timeliness",
                        "economic",
                        "social",
                        "ecological",
                        "satisfaction",
                    )
                },
                "problems": draw(st.sampled_from(["", "无", "资金下达较晚"])),
                "rectification": draw(st.sampled_from(["", "已整改"])),
            }
        )
    notes = draw(st.lists(long_text, max_size=2))
    return {
        "source": "generated",
        "layout": "project_selfeval",
        "variant": variant,
        "year": 2024,
        "attachment_label": draw(st.sampled_from([None, "附件2："])),
        "unit_column_label": draw(st.sampled_from(["部门名称", "单位名称"])),
        "projects": projects,
        "totals_printed": None,
        "notes": notes,
        "excluded_from_execution_rate": [],
    }


CODED = [
    ("1", "产出指标", "11", "数量指标"),
    ("1", "产出指标", "13", "时效指标"),
    ("2", "效益指标", "22", "社会效益"),
    ("3", "满意度指标", "31", "服务对象满意度"),
]


@st.composite
def target_table(draw):
    names = draw(st.lists(text, min_size=1, max_size=4, unique=True))
    projects = []
    for name in names:
        items = []
        for n in range(1, draw(st.integers(min_value=0, max_value=3)) + 1):
            l1, l1_name, l2, l2_name = draw(st.sampled_from(CODED))
            items.append(
                f"{n}、{l1}-{l1_name}；{l2}-{l2_name}；{draw(text)}；"
                f"实施周期指标值：{draw(text)}；年度指标值：≥{n}0%。"
            )
        projects.append(
            {
                "name": name,
                "total": None,
                "fiscal": draw(maybe_amount),
                "special_account": draw(maybe_amount),
                "other": draw(maybe_amount),
                "goal_raw": draw(long_text),
                "indicators_raw": "".join(items),
            }
        )
    return {
        "source": "generated",
        "layout": "target",
        "year": 2024,
        "totals_printed": None,
        "unit_rows": [],
        "projects": projects,
        # Projects from this index on belong to a second 资金使用单位 (printed
        # as a block of its own under its unit row).
        "second_unit_from": draw(st.one_of(st.none(), st.integers(1, len(projects)))),
    }


score = st.decimals(min_value=0, max_value=20, places=2).map(str)


@st.composite
def department_table(draw):
    items = []
    for level1 in draw(st.lists(text, min_size=1, max_size=2, unique=True)):
        targeted = draw(st.booleans())
        for level2 in draw(st.lists(text, min_size=1, max_size=2, unique=True)):
            for name in draw(st.lists(text, min_size=1, max_size=3)):
                weight = Decimal(draw(score))
                items.append(
                    {
                        "level1": level1,
                        "level1_weight": "45",
                        "level2": level2,
                        "level2_weight": "16",
                        "name": name,
                        "weight": str(weight),
                        # A table prints either 指标解释 or the target values.
                        "explanation": "" if targeted else draw(long_text),
                        "target": draw(text) if targeted else "",
                        "actual": draw(text) if targeted else "",
                        "score": str((weight / 2).quantize(Decimal("0.01"))),
                        "basis": draw(long_text),
                        "remark": draw(st.sampled_from(["", "备注"]))
                        if targeted
                        else "",
                    }
                )
    if draw(st.booleans()):
        # 加减分项: explained, scored −5…+5.
        items.append(
            {
                "level1": "加减分项",
                "level1_weight": "5",
                "level2": "工作表现加减分",
                "level2_weight": "5",
                "name": "工作受表彰或批评",
                "weight": "5",
                "explanation": draw(long_text) + "\n1.加分项：" + draw(text),
                "target": "",
                "actual": "",
                "score": draw(st.sampled_from(["-2.5", "0", "2.5"])),
                "basis": draw(long_text),
                "remark": "",
            }
        )
    columns = ("fiscal", "other", "basic", "project", "district_level", "transfer")
    return {
        "source": "generated",
        "layout": "department_selfeval",
        "year": 2024,
        "unit_count": draw(st.integers(min_value=1, max_value=20)),
        "overall_goal": draw(long_text),
        "completion": draw(long_text),
        "unfinished_reasons": draw(st.sampled_from(["无。", "资金下达较晚"])),
        "spending_scale": {
            "budget": {c: draw(amount) for c in columns},
            "actual": {c: draw(amount) for c in columns},
            "rate_printed": dict.fromkeys(columns),
        },
        "items": items,
        "total_weight_printed": "100",
        "total_score_printed": "0",
        "footnote": draw(st.sampled_from(["", "注：测试。"])),
    }


LOADERS = {
    "project_selfeval": load_project_selfeval,
    "target": load_target,
    "department_selfeval": load_department_selfeval,
}
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def round_trip(data: dict) -> None:
    with transaction.atomic():
        department = factories.DepartmentFactory()
        LOADERS[data["layout"]](data=data, department=department)
        original = evaluation_get(user=None, department=department, year=2024)
        if data.get("second_unit_from") is not None:
            for project in original.target_projects.filter(
                seq__gt=data["second_unit_from"]
            ):
                project.fund_user = "测试区第二资金使用单位"
                services.target_project_save(project=project)
            original = evaluation_get(user=None, department=department, year=2024)
        printed = export_data(original, data["layout"])
        content = normalised(
            evaluation_content(original), data["layout"], department.name
        )
        again = reimport(original, data["layout"])
        assert document_cells(export_data(again, data["layout"])) == document_cells(
            printed
        )
        assert (
            normalised(evaluation_content(again), data["layout"], department.name)
            == content
        )
        transaction.set_rollback(True)


@PROPERTY
@given(data=project_table())
def test_generated_project_table_round_trips(data):
    round_trip(data)


@PROPERTY
@given(data=target_table())
def test_generated_target_table_round_trips(data):
    round_trip(data)


@PROPERTY
@given(data=department_table())
def test_generated_department_table_round_trips(data):
    round_trip(data)
