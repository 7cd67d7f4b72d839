"""python manage.py import_table FILE — import an official table from Excel.

    python manage.py import_table 2021年自评表.xlsx --department 440307-JYZX \\
        --year 2021 [--layout project_selfeval] [--dry-run] [--replace]

The layout is recognised from the header; ``--layout`` only insists on one.
``--department`` is a department code or full name; without it the workbook's
``部门名称（盖章）：…`` line (or 单位名称) names the department. ``--year``
defaults to the year in the table's title and must agree with it.

A department that does not exist is created, named by ``--department`` (or
the workbook), with the code given by ``--code`` or derived from the name:
``IMP-`` and the first 10 hex digits of the SHA-256 of the name, upper-case
(the same name always gives the same code); its 所属地区 is ``--region`` or
the 市/区 at the start of the name (深圳市龙岗区…).

A department-year that already holds the table is only shown (what would
change) unless ``--replace`` is given; ``--dry-run`` never saves. A submitted
or approved evaluation refuses the import. Exit status 0 on success, 1 with
the problems, one per line: ``工作表“…” 第 N 行 第 X 列（列名）：消息``.
"""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from departments.selectors import department_find
from publishing.importer import (
    NewDepartment,
    Preview,
    derived_code,
    import_table,
    preview,
    read_table,
)
from publishing.layouts import LAYOUT_KEYS
from publishing.uploads import MAX_UPLOAD_BYTES, TOO_LARGE

NO_FILE = "找不到文件“{path}”。"
UNKNOWN_CODE = (
    "找不到部门“{key}”。新建部门请用 --department 填写部门全称"
    "（或省略它，按表格中的部门名称），并可用 --code 指定编码。"
)
NO_DEPARTMENT = (
    "表格中没有部门名称（“部门名称（盖章）：…”一行），请用 --department 指定。"
)
NEEDS_REPLACE = "以上为将要发生的修改；确认替换请加 --replace 重新运行。"
_ASCII_CODE = re.compile(r"^[\x21-\x7e]+$")


class Command(BaseCommand):
    help = "从 Excel 导入一个官方表格（按表头识别表格类型）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 工作簿（.xlsx）")
        parser.add_argument("--department", help="部门编码或部门全称")
        parser.add_argument("--year", type=int, help="年度（缺省按表格标题）")
        parser.add_argument("--layout", choices=LAYOUT_KEYS, help="要求的表格类型")
        parser.add_argument("--dry-run", action="store_true", help="只检查和预览")
        parser.add_argument(
            "--replace", action="store_true", help="替换该部门年度已有的表格数据"
        )
        parser.add_argument("--code", default="", help="新建部门时的部门编码")
        parser.add_argument("--region", default="", help="新建部门时的所属地区")

    def handle(self, *args, file, department, year, layout, dry_run, replace, **kw):
        path = Path(file)
        if not path.is_file():
            raise CommandError(NO_FILE.format(path=file))
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise CommandError(
                TOO_LARGE.format(
                    size=size / 1024 / 1024, limit=MAX_UPLOAD_BYTES // 1024 // 1024
                )
            )
        result = read_table(path.read_bytes(), layout=layout, filename=path.name)
        self._lines("提示", result.notes)
        if not result.ok:
            raise CommandError(_problems(result.problems))
        target = self._department(department, result, kw["code"], kw["region"])
        shown = preview(result=result, department=target, year=year)
        self._report(shown)
        if not shown.ok:
            raise CommandError(_problems(shown.problems))
        if dry_run:
            self.stdout.write("试运行：未保存任何数据。")
            return
        if shown.replaces and not replace:
            raise CommandError(NEEDS_REPLACE)
        evaluation = import_table(
            result=result, department=target, year=year, replace=replace
        )
        self.stdout.write(
            f"已导入：{evaluation}（{result.layout_name}，部门编码 "
            f"{evaluation.department.code}）。"
        )

    def _department(self, key, result, code, region):
        if key:
            found = department_find(key=key)
            if found is not None:
                return found
            if _ASCII_CODE.match(key) and key != result.department_name:
                raise CommandError(UNKNOWN_CODE.format(key=key))
            name = key
        else:
            name = result.department_name
            if not name:
                raise CommandError(NO_DEPARTMENT)
            found = department_find(key=name)
            if found is not None:
                return found
        self.stdout.write(
            f"部门“{name}”不存在，将新建（编码 {code or derived_code(name)}）。"
        )
        return NewDepartment(name=name, code=code, region=region)

    def _report(self, shown: Preview) -> None:
        result = shown.result
        self.stdout.write(
            f"表格：{result.layout_name}（工作表 "
            + "、".join(f"“{s}”" for s in result.sheets)
            + f"）；部门：{shown.department_name}；年度：{shown.year or result.year}"
        )
        if shown.counts:
            self.stdout.write(
                "将导入："
                + "，".join(
                    f"{COUNT_LABELS[k]} {v} 个" for k, v in shown.counts.items()
                )
            )
        if shown.replaces:
            self.stdout.write(f"将替换已有数据，变化 {len(shown.changes)} 处：")
            for path, old, new in shown.changes[:50]:
                self.stdout.write(f"  {path}：{_short(old)} → {_short(new)}")
            if len(shown.changes) > 50:
                self.stdout.write(f"  ……另有 {len(shown.changes) - 50} 处")
        self._lines("核对", [str(w) for w in result.warnings])
        self._lines("一致性核对差异", [f.message for f in shown.findings])

    def _lines(self, title: str, lines) -> None:
        for line in lines:
            self.stdout.write(f"{title}：{line}")


COUNT_LABELS = {
    "projects": "项目",
    "indicators": "绩效指标",
    "target_projects": "目标表项目",
    "target_indicators": "目标表指标",
    "scorecard_items": "整体自评三级指标",
}


def _short(value) -> str:
    text = "（空）" if value in (None, "") else str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:40] + "…"


def _problems(problems) -> str:
    return "\n".join(str(p) for p in problems)
