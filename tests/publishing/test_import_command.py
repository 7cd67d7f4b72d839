"""`manage.py import_table`: exit status, output, department creation."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.models import Department
from projects.models import Evaluation
from publishing.importer import derived_code
from tests.publishing.importing import (
    db_dump,
    edit_workbook,
    empty_database,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, content: bytes, name: str = "表格.xlsx") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_table", *args, stdout=out)
    return out.getvalue()


def fails(*args) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 1
    return caught.value


def test_dry_run_shows_what_would_happen_and_saves_nothing(tmp_path):
    before = db_dump()
    out = run(write(tmp_path, workbook_bytes("000")), "--dry-run")
    assert "表格：部门预算项目绩效自评表（工作表 “Sheet1”）" in out
    assert "部门：深圳市龙岗区劳动就业服务中心；年度：2021" in out
    assert "将导入：项目 4 个，绩效指标 22 个" in out
    assert "将替换已有数据，变化 0 处" in out
    assert "试运行：未保存任何数据。" in out
    assert db_dump() == before


def test_empty_database_gets_the_department_named_in_the_workbook(tmp_path):
    empty_database()
    out = run(write(tmp_path, workbook_bytes("002")))
    name = "深圳市龙岗区职业训练中心"
    code = derived_code(name)
    assert f"部门“{name}”不存在，将新建（编码 {code}）" in out
    assert "已导入：2021年度 深圳市龙岗区职业训练中心" in out
    department = Department.objects.get(code=code)
    assert department.name == name
    assert department.region == "深圳市龙岗区"
    assert Evaluation.objects.get(department=department).projects.count() == 9


def test_department_named_on_the_command_line_with_its_code(tmp_path):
    empty_database()
    run(
        write(tmp_path, workbook_bytes("004")),
        "--department",
        "广州市番禺区人力资源和社会保障局",
        "--code",
        "440113-RSJ",
        "--region",
        "广州市番禺区",
        "--year",
        "2021",
    )
    department = Department.objects.get(code="440113-RSJ")
    assert department.region == "广州市番禺区"
    assert Evaluation.objects.get(department=department, year=2021)


def test_unknown_department_code_is_not_taken_for_a_name(tmp_path):
    empty_database()
    error = fails(write(tmp_path, workbook_bytes("000")), "--department", "440307-NONE")
    assert "找不到部门“440307-NONE”" in str(error)
    assert not Department.objects.exists()


def test_existing_table_needs_replace_and_lists_the_changes(tmp_path):
    def change(ws):
        ws["E7"] = 10000  # 一般公共预算 of 扶持就业
        ws["D7"] = 10000

    path = write(tmp_path, edit_workbook(workbook_bytes("000"), change))
    before = db_dump()
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError, match="确认替换请加 --replace") as caught:
        call_command("import_table", path, "--department", "440307-JYZX", stdout=out)
    assert caught.value.returncode == 1
    shown = out.getvalue()
    assert "项目“扶持就业”·全年预算数·一般公共预算：10470.27 → 10000.00" in shown
    assert db_dump() == before
    out = run(path, "--department", "440307-JYZX", "--replace")
    assert "已导入" in out
    project = Evaluation.objects.get(
        department__code="440307-JYZX", year=2021
    ).projects.get(name="扶持就业")
    assert str(project.budget_general) == "10000.00"


def test_errors_are_printed_one_per_line_with_their_location(tmp_path):
    def change(ws):
        ws["D7"] = "一万"
        ws["H8"] = "=SUM(I8:K8)"

    before = db_dump()
    error = fails(write(tmp_path, edit_workbook(workbook_bytes("000"), change)))
    lines = str(error).splitlines()
    assert lines == [
        "工作表“Sheet1” 第 7 行 第 D 列（项目年度预算金额·合计）：“一万”不是数字。",
        "工作表“Sheet1” 第 8 行 第 H 列（实际支出金额·合计）：是公式“=SUM(I8:K8)”，"
        "不是数值；导入只读取数值，请在 Excel 中复制这些单元格，再“选择性粘贴 → 数值”后"
        "重新上传。",
    ]
    assert db_dump() == before


def test_submitted_evaluation_refuses_the_import(tmp_path):
    Evaluation.objects.filter(department__code="440307-JYZX", year=2021).update(
        status=Evaluation.Status.APPROVED
    )
    before = db_dump()
    error = fails(write(tmp_path, workbook_bytes("000")), "--replace")
    assert "已审核，数据已冻结，任何人都不能修改" in str(error)
    assert db_dump() == before


def test_layout_and_year_given_on_the_command_line_must_match(tmp_path):
    path = write(tmp_path, workbook_bytes("003"))
    error = fails(path, "--layout", "department_selfeval")
    assert "不是指定的“部门整体支出绩效自评表”" in str(error)
    error = fails(path, "--year", "2024")
    assert "表格所印年度为 2025 年，与要导入的 2024 年度不一致" in str(error)


def test_missing_file(tmp_path):
    error = fails(str(tmp_path / "没有.xlsx"))
    assert "找不到文件" in str(error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "旧版 Excel（.xls）"),
        ("序号,项目名称\n1,就业\n".encode(), "CSV/文本文件"),
    ],
    ids=["xls", "csv"],
)
def test_exit_status_from_the_shell_is_1_with_the_message(tmp_path, content, expected):
    # A real process: the file is refused before the database is touched.
    path = write(tmp_path, content, "改了扩展名.xlsx")
    done = subprocess.run(
        [sys.executable, "manage.py", "import_table", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert expected in done.stderr
