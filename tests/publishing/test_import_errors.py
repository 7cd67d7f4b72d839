"""Every bad input gets a precise Chinese message naming sheet, row and
column, and leaves the database exactly as it was (compared as a dump)."""

import datetime as dt
import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from departments.models import Department
from projects.models import Evaluation
from publishing import layouts as L
from publishing import reader
from publishing.importer import (
    ImportFailed,
    NewDepartment,
    import_table,
    read_table,
)
from publishing.uploads import MAX_UPLOAD_BYTES
from scoring.checks import evaluation_checks
from tests.publishing.importing import (
    db_dump,
    edit_part,
    edit_workbook,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

SHEET = "工作表“Sheet1”"


def refused(content: bytes, *fragments: str, layout: str | None = None) -> list[str]:
    """Read and try to import: the problems must contain `fragments` (in one
    message), the import must fail and the database stay as it was."""
    result = read_table(content, layout=layout, filename="bad.xlsx")
    problems = [str(p) for p in result.problems]
    assert not result.ok
    assert any(all(f in p for f in fragments) for p in problems), problems
    before = db_dump()
    with pytest.raises(ImportFailed):
        import_table(result=result, department=NewDepartment(name="测试区新部门"))
    assert db_dump() == before
    return problems


def edited(key: str, change) -> bytes:
    return edit_workbook(workbook_bytes(key), change)


# --- layout and header ------------------------------------------------------


def test_wrong_layout_names_the_table_found_and_the_one_asked_for():
    refused(
        workbook_bytes("000"),
        f"{SHEET} 第 4 行",
        "表头是“部门预算项目绩效自评表”，不是指定的“项目支出绩效目标表”",
        layout="target",
    )


def test_unknown_layout_lists_the_supported_tables():
    book = Workbook()
    book.active.append(["序号", "名称", "金额"])
    book.active.append([1, "扶持就业", 100])
    buffer = io.BytesIO()
    book.save(buffer)
    refused(buffer.getvalue(), "没有找到可识别的表头", "部门预算项目绩效自评表")


def test_missing_column_is_named_with_its_header_row():
    def drop_column(ws):
        for merged in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(merged))
        ws.delete_cols(7)  # G: 项目年度预算金额·非财政资金

    problems = refused(
        edited("000", drop_column),
        f"{SHEET} 第 4 行",
        "与“部门预算项目绩效自评表”不符，缺少：“非财政资金”",
    )
    # and the first cell that differs, by position
    assert any("第 4 行 第 H 列" in p or "第 5 行 第 G 列" in p for p in problems)


# --- cells --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value", "where", "message"),
    [
        ("D7", "一万", "第 7 行 第 D 列（项目年度预算金额·合计）", "“一万”不是数字"),
        (
            "E8",
            -5,
            "第 8 行 第 E 列（项目年度预算金额·其中：财政拨款·一般公共预算）",
            "金额不能为负数（-5）",
        ),
        (
            "H7",
            dt.datetime(2021, 12, 31),
            "第 7 行 第 H 列（实际支出金额·合计）",
            "是日期（2021-12-31），不是金额",
        ),
        (
            "H7",
            "=SUM(I7:K7)",
            "第 7 行 第 H 列（实际支出金额·合计）",
            "是公式“=SUM(I7:K7)”，不是数值",
        ),
        (
            "I9",
            12.345,
            "第 9 行 第 I 列（实际支出金额·其中：财政拨款·一般公共预算）",
            "金额 12.345 超过两位小数",
        ),
        ("L10", "九成", "第 10 行 第 L 列（预算支出执行率）", "“九成”不是数字"),
        ("D11", "=SUM(D7:D10)", "第 11 行 第 D 列（项目年度预算金额·合计）", "是公式"),
    ],
)
def test_bad_cell_is_reported_at_its_sheet_row_and_column(cell, value, where, message):
    def change(ws):
        ws[cell] = value

    refused(edited("000", change), f"{SHEET} {where}：", message)


def test_duplicate_project_name_names_both_rows():
    def change(ws):
        ws["C9"] = "扶持就业"

    refused(
        edited("000", change),
        f"{SHEET} 第 9 行 第 C 列（项目名称）：项目名称“扶持就业”与第 7 行重复",
    )


def test_row_with_content_but_no_project_name():
    def change(ws):
        ws["C8"] = None

    refused(edited("000", change), f"{SHEET} 第 8 行 第 C 列（项目名称）：项目名称为空")


def test_total_that_is_not_the_sum_of_its_sources_is_a_finding_not_an_error():
    def change(ws):
        ws["D7"] = 10000  # printed 合计; the sources still add up to 10,470.27

    result = read_table(edited("000", change))
    assert result.ok
    warnings = [str(w) for w in result.warnings]
    assert any(
        f"{SHEET} 第 7 行 第 D 列（项目年度预算金额·合计）：原表合计 10000.00，"
        "一般公共预算、政府性基金、非财政资金之和为 10470.27" in w
        for w in warnings
    ), warnings
    # The 合计 row no longer adds up either: located too.
    assert any(f"{SHEET} 第 11 行 第 D 列" in w for w in warnings), warnings
    department = Department.objects.get(code="440307-JYZX")
    evaluation = import_table(result=result, department=department, replace=True)
    codes = [f.code for f in evaluation_checks(evaluation)]
    assert "split_sum" in codes
    assert "column_sum" in codes


# --- merged cells and sheets ------------------------------------------------------


def test_content_left_under_a_merged_cell_is_reported():
    def merge_over_a_value(xml: bytes) -> bytes:
        # E7 keeps its amount under a merge D7:E7 (openpyxl would clear it).
        return re.sub(
            rb"(<mergeCells[^>]*>)", rb'\1<mergeCell ref="D7:E7"/>', xml, count=1
        )

    content = edit_part(
        workbook_bytes("000"), "xl/worksheets/sheet1.xml", merge_over_a_value
    )
    refused(
        content,
        f"{SHEET} 第 7 行",
        "单元格 E7 在合并单元格 D7:E7 内",
        "还留有“10470.27”",
    )


def test_one_amount_merged_over_two_projects_is_refused():
    def change(ws):
        ws.merge_cells("D7:D8")

    refused(
        edited("000", change),
        f"{SHEET} 第 7 行 第 D 列（项目年度预算金额·合计）",
        "第 7–8 行合并成了一个单元格",
    )


def test_table_only_in_a_hidden_sheet_is_refused():
    def hide(ws):
        ws.parent.create_sheet("说明")
        ws.sheet_state = "hidden"

    refused(edited("000", hide), SHEET, "表格在隐藏的工作表中，请在 Excel 中取消隐藏")


def test_hidden_sheets_beside_the_table_are_skipped_with_a_note():
    def add_hidden(ws):
        other = ws.parent.create_sheet("旧表")
        other["A1"] = "2020年的数据"
        other.sheet_state = "hidden"

    result = read_table(edited("000", add_hidden))
    assert result.ok
    assert "已跳过隐藏的工作表“旧表”。" in result.notes


def test_empty_workbook():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    refused(buffer.getvalue(), "工作簿是空的")


# --- files that are not sane workbooks ----------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "旧版 Excel（.xls）"),
        ("项目名称,总计\n扶持就业,10470.27\n".encode(), "CSV/文本文件"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "不是 Excel 工作簿"),
        (b"", "文件是空的"),
        (b"PK\x03\x04" + b"\0" * (MAX_UPLOAD_BYTES + 1), "超过上限 10 MB"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(content, message):
    refused(content, message)


def test_zip_bomb_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        source = zipfile.ZipFile(io.BytesIO(workbook_bytes("000")))
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info))
        row = b'<row><c t="n"><v>1</v></c></row>'
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>"
            + row * (120 * 1024 * 1024 // len(row))
            + b"</sheetData></worksheet>",
        )
    start = time.perf_counter()
    refused(buffer.getvalue(), "解压后过大")
    assert time.perf_counter() - start < 5


BILLION_LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def test_xml_entity_expansion_is_refused():
    def add_dtd(xml: bytes) -> bytes:
        return b'<?xml version="1.0" encoding="UTF-8"?>' + BILLION_LAUGHS + xml

    content = edit_part(workbook_bytes("000"), "xl/worksheets/sheet1.xml", add_dtd)
    refused(content, "文件“xl/worksheets/sheet1.xml”含有 XML 实体声明（DTD）")


def test_entity_expansion_hidden_past_the_upload_check_is_stopped_by_defusedxml():
    # 8 KB of comment before the DTD: the upload check reads the first 4 KB
    # only; openpyxl (defusedxml) refuses the entities when it parses.
    def add_late_dtd(xml: bytes) -> bytes:
        padding = b"<!--" + b" " * 8192 + b"-->"
        return b'<?xml version="1.0"?>' + padding + BILLION_LAUGHS + xml

    content = edit_part(workbook_bytes("000"), "xl/worksheets/sheet1.xml", add_late_dtd)
    refused(content, reader.ENTITIES)


# --- too many rows ---------------------------------------------------------------


def _big_workbook(rows: int) -> bytes:
    book = Workbook(write_only=True)
    ws = book.create_sheet("大表")
    layout = L.layout_get("project_selfeval", "A")
    grid = [[None] * layout.width for _ in range(L.header_depth(layout.columns))]
    for cell in L.header_cells(layout.columns):
        grid[cell.row][cell.col] = cell.label
    for header_row in grid:
        ws.append(header_row)
    for n in range(1, rows + 1):
        ws.append([n, "测试部门", f"项目{n}", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def hundred_thousand_rows() -> bytes:
    return _big_workbook(100_000)


def test_hundred_thousand_rows_hit_the_row_cap_quickly(hundred_thousand_rows):
    start = time.perf_counter()
    refused(hundred_thousand_rows, "工作表“大表”", "行数超过上限")
    assert time.perf_counter() - start < 5


def test_row_cap_is_checked_while_streaming(monkeypatch):
    monkeypatch.setattr(reader, "ROW_LIMIT", 500)
    start = time.perf_counter()
    problems = refused(_big_workbook(2_000), "工作表“大表” 第 501 行", "行数超过上限")
    assert "最多 500 行（不计空行）" in problems[0]
    assert time.perf_counter() - start < 5


# --- other tables -------------------------------------------------------------------


def test_score_above_its_weight_is_located():
    def change(ws):
        ws["I14"] = 5  # 预算完成率: weight 2

    refused(
        edited("004", change),
        "工作表“部门整体支出绩效自评表” 第 14 行 第 I 列（得分/自评分）",
        "得分 5.00 超出分值范围（0.00～2.00）",
    )


def test_unknown_level2_code_in_a_target_cell_is_located():
    def change(ws):
        ws["G10"] = ws["G10"].value.replace("11-数量指标", "19-数量指标", 1)

    refused(
        edited("003", change),
        "工作表“项目支出绩效目标表” 第 10 行 第 G 列（绩效指标）",
        "第 1 项指标的二级编码“19”不存在",
    )


def test_malformed_coded_indicator_cell_is_located():
    def change(ws):
        ws["G10"] = "1、1-产出指标；11-数量指标；岗位数量；年度指标值：10个。"

    refused(
        edited("003", change),
        "工作表“项目支出绩效目标表” 第 10 行 第 G 列（绩效指标）",
        "绩效指标无法解析",
    )


# --- at import time -----------------------------------------------------------------


def test_import_into_a_submitted_evaluation_is_refused_with_the_workflow_message():
    department = Department.objects.get(code="440307-JYZX")
    Evaluation.objects.filter(department=department, year=2021).update(
        status=Evaluation.Status.SUBMITTED
    )
    result = read_table(workbook_bytes("000"))
    before = db_dump()
    with pytest.raises(ImportFailed) as caught:
        import_table(result=result, department=department, replace=True)
    assert caught.value.locked
    assert str(caught.value.problems[0]) == (
        "“2021年度 深圳市龙岗区劳动就业服务中心”已提交，数据已冻结，任何人都不能修改。"
    )
    assert db_dump() == before


def test_existing_table_is_only_replaced_when_asked():
    department = Department.objects.get(code="440307-JYZX")
    result = read_table(workbook_bytes("000"))
    before = db_dump()
    with pytest.raises(ImportFailed) as caught:
        import_table(result=result, department=department)
    assert caught.value.needs_replace
    assert "已有“部门预算项目绩效自评表”的数据" in str(caught.value)
    assert db_dump() == before


def test_year_that_disagrees_with_the_title_is_refused():
    result = read_table(workbook_bytes("000"))
    before = db_dump()
    with pytest.raises(ImportFailed, match="表格所印年度为 2021 年，与要导入的 2022"):
        import_table(
            result=result, department=NewDepartment(name="测试区新部门"), year=2022
        )
    assert db_dump() == before


def test_failure_in_the_middle_of_an_import_leaves_nothing_behind(monkeypatch):
    from django.core.exceptions import ValidationError

    from projects import bulk

    insert = bulk.insert
    written = []

    def failing(model, rows, **kwargs):
        if model.__name__ == "Indicator":
            raise ValidationError("模拟的指标写入失败")
        written.append(model.__name__)
        return insert(model, rows, **kwargs)

    monkeypatch.setattr(bulk, "insert", failing)
    result = read_table(workbook_bytes("000"))
    before = db_dump()
    with pytest.raises(ImportFailed, match="导入失败：模拟的指标写入失败"):
        import_table(result=result, department=NewDepartment(name="测试区新部门"))
    assert written == ["BudgetProject"]  # the projects had been written
    assert db_dump() == before
    assert not Department.objects.filter(name="测试区新部门").exists()
