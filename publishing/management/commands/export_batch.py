"""python manage.py export_batch — every department's tables of a year, for
publication: PDF and Excel of each official layout, in a folder or a zip.

Approved evaluations are checked against their approval first; if any fails,
nothing is written and the command exits 1 naming every one of them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.models import Evaluation
from publishing.batch import FORMATS, BatchRefused, write_year

NO_EVALUATIONS = "{year} 年度没有任何部门的自评数据。"
ACTOR = "manage.py export_batch"


class Command(BaseCommand):
    help = "批量导出某年度所有部门的官方表格（PDF 与 Excel），写入文件夹或 zip。"

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--output", required=True, help="输出文件夹")
        parser.add_argument("--zip", action="store_true", help="打包为一个 zip 文件")
        parser.add_argument(
            "--format",
            choices=[*FORMATS, "all"],
            default="all",
            help="只导出 PDF 或 Excel（缺省两者都导出）",
        )

    def handle(self, *args, year, output, zip, format, **options):
        if not Evaluation.objects.filter(year=year).exists():
            raise CommandError(NO_EVALUATIONS.format(year=year))
        formats = FORMATS if format == "all" else (format,)
        try:
            target = write_year(
                year, Path(output), as_zip=zip, formats=formats, username=ACTOR
            )
        except BatchRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"已写入 {target}")
