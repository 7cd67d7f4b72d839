"""Layout declarations and the grid built from them (pure, no rendering)."""

from decimal import Decimal

import pytest

from departments.models import Department
from projects.selectors import evaluation_get
from publishing import layouts as L
from publishing.exports import export_data
from publishing.sheets import build, fit_widths, indicator_cells

SEEDS = {
    "000": ("440307-JYZX", 2021, "project_selfeval"),
    "001": ("440307-RSJ-BJ", 2020, "project_selfeval"),
    "002": ("440307-ZXZX", 2021, "project_selfeval"),
    "003": ("440113-JYZX", 2025, "target"),
    "004": ("440113-RSJ", 2021, "department_selfeval"),
    "national": ("440307-JYZX", 2021, "project_selfeval_national"),
}


def seed_data(key: str) -> dict:
    code, year, layout = SEEDS[key]
    department = Department.objects.get(code=code)
    return export_data(
        evaluation_get(user=None, department=department, year=year), layout
    )


def filled_header(columns) -> list[list[str]]:
    """The header as an importer reads it: every cell of a merge filled."""
    depth, width = L.header_depth(columns), L.grid_width(columns)
    grid = [[""] * width for _ in range(depth)]
    for cell in L.header_cells(columns):
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                grid[r][c] = cell.label
    return grid


# --- the column trees ---------------------------------------------------------


def test_project_selfeval_2021_has_30_leaf_columns_three_header_rows():
    layout = L.layout_get("project_selfeval", "A")
    assert len(L.leaves(layout.columns)) == 30
    assert L.header_depth(layout.columns) == 3
    assert L.leaves(layout.columns)[0].key == "seq"
    assert L.leaves(layout.columns)[-1].key == "rectification"


def test_project_selfeval_2020_budget_is_one_column_spanning_three_rows():
    layout = L.layout_get("project_selfeval", "B")
    assert len(L.leaves(layout.columns)) == 27
    budget = next(c for c in L.header_cells(layout.columns) if "预算金额" in c.label)
    assert (budget.rowspan, budget.colspan) == (3, 1)


def test_header_spans_follow_the_printed_table():
    cells = {
        (c.label, c.row): c
        for c in L.header_cells(L.layout_get("project_selfeval", "A").columns)
    }
    assert (cells["序号", 0].rowspan, cells["序号", 0].colspan) == (3, 1)
    assert cells["项目年度预算金额", 0].colspan == 4
    assert cells["合计", 1].rowspan == 2
    assert cells["其中：财政拨款", 1].colspan == 2
    assert cells["非财政资金", 1].rowspan == 2
    assert cells["产出目标", 0].colspan == 6
    assert cells["效益目标", 0].colspan == 6
    assert cells["满意度指标", 0].colspan == 2
    assert cells["服务对象满意度指标", 1].colspan == 2
    assert cells["年度指标内容", 2].rowspan == 1


def test_header_rows_cover_every_grid_position_once():
    for layout in L.LAYOUTS.values():
        for tree in (layout.columns, *layout.sections.values()):
            seen = set()
            for cell in L.header_cells(tree):
                for r in range(cell.row, cell.row + cell.rowspan):
                    for c in range(cell.col, cell.col + cell.colspan):
                        assert (r, c) not in seen, (layout.key, cell.label)
                        seen.add((r, c))
            depth, width = L.header_depth(tree), L.grid_width(tree)
            assert len(seen) == depth * width
            assert width == layout.width


def test_excel_merged_ranges_of_the_2021_header():
    ranges = L.merged_ranges(L.layout_get("project_selfeval", "A").columns, 4)
    assert ranges[:10] == [
        "A4:A6",  # 序号
        "B4:B6",
        "C4:C6",
        "D4:G4",  # 项目年度预算金额
        "D5:D6",  # 合计
        "E5:F5",  # 其中：财政拨款
        "G5:G6",  # 非财政资金
        "H4:K4",  # 实际支出金额
        "H5:H6",
        "I5:J5",
    ]
    assert "O4:T4" in ranges  # 产出目标 over 3 pairs
    assert "AA5:AB5" in ranges  # 服务对象满意度指标
    assert "AD4:AD6" in ranges  # 整改情况


# --- recognising a header -----------------------------------------------------


def test_normalize_label_ignores_breaks_width_and_the_unit_alias():
    assert L.normalize_label("年度指标内\n容") == L.normalize_label("年度指标内容")
    assert L.normalize_label("其中:财政拨款") == L.normalize_label("其中：财政拨款")
    assert L.normalize_label("项目名称(资金使用单位)") == L.normalize_label(
        "项目名称（资金使用单位）"
    )
    assert L.normalize_label("单位名称") == L.normalize_label("部门名称")
    assert L.normalize_label(" 得 分 ") == L.normalize_label("得分/自评分")


@pytest.mark.parametrize(
    ("key", "variant"),
    [("project_selfeval", "A"), ("project_selfeval", "B"), ("target", "")],
)
def test_recognise_layout_from_a_header_as_read_from_a_sheet(key, variant):
    layout = L.layout_get(key, variant)
    grid = filled_header(layout.columns)
    # What a real file does to labels: line breaks, half-width punctuation,
    # 单位名称 for 部门名称.
    mangled = [
        [
            label.replace("：", ":").replace("部门名称", "单位名称")[:3]
            + "\n"
            + label.replace("：", ":").replace("部门名称", "单位名称")[3:]
            for label in row
        ]
        for row in grid
    ]
    assert L.recognise_layout(mangled) is layout


def test_recognise_layout_rejects_an_unknown_header():
    assert L.recognise_layout([["序号", "项目名称", "金额"]]) is None


def test_signature_counts_a_leaf_spanning_three_rows_once():
    grid = [
        ["序号", "金额", "金额"],
        ["序号", "合计", "其中"],
        ["序号", "合计", "一般"],
    ]
    assert L.signature_from_rows(grid) == ("序号", "金额/合计", "金额/其中/一般")


def test_file_name_is_the_chinese_title():
    data = {"year": 2021, "department": {"name": "深圳市龙岗区劳动就业服务中心"}}
    assert (
        L.layout_get("project_selfeval").filename(data, "pdf")
        == "2021年度深圳市龙岗区劳动就业服务中心部门预算项目绩效自评表.pdf"
    )


# --- cells ---------------------------------------------------------------------


def test_empty_categories_print_not_applicable_in_both_cells():
    cells = indicator_cells(
        [
            {
                "level2_code": "11",
                "name": "",
                "annual_value": "≥1",
                "actual_value": "2",
            },
        ]
    )
    assert cells["ind_11_target"] == "≥1"
    assert cells["ind_21_target"] == cells["ind_21_actual"] == "不适用"
    assert cells["ind_31_target"] == cells["ind_31_actual"] == "不适用"


def test_several_indicators_in_a_category_become_a_numbered_list():
    cells = indicator_cells(
        [
            {"level2_code": "12", "name": "合格率", "annual_value": "≥95%"},
            {"level2_code": "12", "name": "差错", "annual_value": "无"},
        ]
    )
    assert cells["ind_12_target"] == "1.合格率≥95%\n2.差错：无"
    # Already numbered items (seed 000) keep their own numbers.
    numbered = indicator_cells(
        [
            {"level2_code": "13", "name": "", "annual_value": "1.甲"},
            {"level2_code": "13", "name": "", "annual_value": "2.乙"},
        ]
    )
    assert numbered["ind_13_target"] == "1.甲\n2.乙"


def test_cost_indicators_without_a_column_are_not_dropped():
    cells = indicator_cells(
        [{"level2_code": "14", "name": "单位成本", "annual_value": "≤5万元"}]
    )
    assert cells["ind_11_target"] == "成本指标：单位成本≤5万元"


def test_fitted_widths_keep_the_total_and_the_numbers():
    layout = L.layout_get("project_selfeval", "A")
    rows = [{"goal": "很长的目标" * 40, "completion": "完成"}]
    widths = fit_widths(layout.columns, rows)
    assert sum(widths) == pytest.approx(sum(layout.widths), abs=0.1)
    leaves = L.leaves(layout.columns)
    goal = next(i for i, c in enumerate(leaves) if c.key == "goal")
    completion = next(i for i, c in enumerate(leaves) if c.key == "completion")
    assert widths[goal] > leaves[goal].width > widths[completion]
    for i, column in enumerate(leaves):
        if not column.flex:
            assert widths[i] == column.width


# --- the grids built from the seeds --------------------------------------------


def occupied(rows) -> dict[int, int]:
    taken: set[tuple[int, int]] = set()
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert (r + dr, c + dc) not in taken
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    counts: dict[int, int] = {}
    for r, _ in taken:
        counts[r] = counts.get(r, 0) + 1
    return counts


@pytest.mark.django_db
@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_every_row_of_every_seed_grid_fills_the_layout_width(seed):
    document = build(seed_data(seed))
    for sheet in document.sheets:
        for block in sheet.blocks:
            counts = occupied(block.header + block.rows)
            assert set(counts.values()) == {document.layout.width}, sheet.name


@pytest.mark.django_db
def test_variant_follows_export_data():
    assert build(seed_data("000")).layout.variant == "A"
    assert build(seed_data("001")).layout.variant == "B"
    assert build(seed_data("001")).sheets[0].blocks[0].header[0][1].text == "单位名称"


@pytest.mark.django_db
def test_project_total_row_spans_three_columns_and_carries_the_sums():
    document = build(seed_data("000"))
    total = document.sheets[0].blocks[0].rows[-1]
    assert (total[0].text, total[0].colspan) == ("合   计", 3)
    assert total[1].text == "10,998.07"
    assert total[1].value == Decimal("10998.07")
    rate = next(c for c in total if c.kind == L.RATE)
    assert (rate.text, rate.value) == ("98.37%", Decimal("0.9837"))


@pytest.mark.django_db
def test_zero_budget_rate_prints_not_applicable():
    document = build(seed_data("002"))
    row = next(
        r for r in document.sheets[0].blocks[0].rows if r[2].text == "教师慰问奖励"
    )
    rate = next(c for c in row if c.kind == L.RATE)
    assert rate.text == "不适用"


@pytest.mark.django_db
def test_target_table_keeps_the_exact_coded_string_for_the_workbook():
    data = seed_data("003")
    document = build(data)
    rows = document.sheets[0].blocks[0].rows
    assert [rows[0][0].text, rows[1][0].text] == ["合计", data["department"]["name"]]
    first = rows[2]
    assert first[-1].value == data["projects"][0]["indicators_text"]
    assert first[-1].text.split("\n")[1].startswith("2、1-产出指标；11-数量指标；")


@pytest.mark.django_db
def test_national_layout_has_one_sheet_per_project_with_scores():
    data = seed_data("national")
    document = build(data)
    assert [s.name for s in document.sheets] == [
        f"{p['seq']}-{p['name']}" for p in data["projects"]
    ]
    form = document.sheets[0].blocks[0].rows
    assert form[0][1].text == "扶持就业"
    total_row = form[3]
    assert [c.text for c in total_row[1:]] == [
        "",
        "10,470.27",
        "10,301.19",
        "10",
        "98.39%",
        "9.84",
    ]
