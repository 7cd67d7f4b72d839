"""python manage.py export_table — write one official table of a department-year.

``--format json`` (default) writes the figures; ``pdf`` and ``xlsx`` write the
official layout and need ``--output``. An approved evaluation is checked
against its approval first (publishing.published): a mismatch exits 1 with
the reason; the JSON then also carries the approval's SHA-256.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from departments.selectors import department_find
from projects.selectors import evaluation_get
from publishing.exports import LAYOUTS, ExportError, export_data
from publishing.published import ExportRefused, table_bytes, verify_export

UNKNOWN_DEPARTMENT = "找不到部门“{key}”（请填写部门编码或部门全称）。"
UNKNOWN_YEAR = "部门“{department}”没有 {year} 年度的自评数据。"
OUTPUT_REQUIRED = "--format {format} 需要 --output 指定输出文件。"
ACTOR = "manage.py export_table"


class Command(BaseCommand):
    help = "导出一个部门某年度的官方表格（JSON、PDF 或 Excel）。"

    def add_arguments(self, parser):
        parser.add_argument("--layout", required=True, choices=sorted(LAYOUTS))
        parser.add_argument("--department", required=True, help="部门编码或部门全称")
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--format", default="json", choices=["json", "pdf", "xlsx"])
        parser.add_argument("--output", help="输出文件；JSON 缺省写到标准输出")

    def handle(self, *args, layout, department, year, format, output, **options):
        if format != "json" and not output:
            raise CommandError(OUTPUT_REQUIRED.format(format=format))
        dept = department_find(key=department)
        if dept is None:
            raise CommandError(UNKNOWN_DEPARTMENT.format(key=department))
        evaluation = evaluation_get(user=None, department=dept, year=year)
        if evaluation is None:
            raise CommandError(UNKNOWN_YEAR.format(department=dept.name, year=year))
        try:
            data = export_data(evaluation, layout)
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        try:
            snapshot = verify_export(
                evaluation, what=f"{layout}.{format}", username=ACTOR
            )
        except ExportRefused as exc:
            raise CommandError(str(exc)) from exc
        if format == "json":
            if snapshot is not None:
                data["approval"] = {
                    "sha256": snapshot.sha256,
                    "approved_at": snapshot.created_at.isoformat(),
                }
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if output:
                Path(output).write_text(text + "\n", encoding="utf-8")
                self.stderr.write(f"已写入 {output}")
            else:
                sys.stdout.write(text + "\n")
            return
        Path(output).write_bytes(table_bytes(evaluation, data, format, snapshot))
        self.stderr.write(f"已写入 {output}")
