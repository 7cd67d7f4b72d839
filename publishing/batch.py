"""Render files of official tables for scripts: one table, or a whole year.

Used by the export_table and export_batch commands and the benchmark; the
renderers stay warm across the files of one process.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from projects.models import Evaluation
from projects.selectors import evaluation_get
from publishing.exports import available_layouts, export_data
from publishing.layouts import layout_for
from publishing.sheets import build

FORMATS = ("pdf", "xlsx")


def render(evaluation: Evaluation, data: dict, fmt: str) -> bytes:
    """The bytes of one table in `fmt` ("pdf" or "xlsx")."""
    document = build(data)
    if fmt == "pdf":
        from publishing.pdf import render_document, seal_url

        return render_document(document, seal=seal_url(evaluation.department))
    from publishing.xlsx import render_workbook, seal_path

    return render_workbook(document, seal_path=seal_path(evaluation.department))


@dataclass
class BatchFile:
    name: str  # 2021年度…部门预算项目绩效自评表.pdf
    content: bytes
    department: str
    layout: str


def year_files(year: int, formats=FORMATS) -> Iterator[BatchFile]:
    """Every table of every department with an evaluation for `year`."""
    evaluations = Evaluation.objects.filter(year=year).select_related("department")
    for ev in evaluations.order_by("department__code"):
        evaluation = evaluation_get(user=None, department=ev.department, year=year)
        for layout in available_layouts(evaluation):
            data = export_data(evaluation, layout)
            name = layout_for(data).filename(data, "")
            for fmt in formats:
                yield BatchFile(
                    name + fmt,
                    render(evaluation, data, fmt),
                    evaluation.department.code,
                    layout,
                )


def write_year(year: int, output: Path, *, as_zip: bool, formats=FORMATS) -> Path:
    """Write the year's tables into `output` (a folder), or a zip in it."""
    output.mkdir(parents=True, exist_ok=True)
    if as_zip:
        target = output / f"{year}年度绩效自评表.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in year_files(year, formats):
                archive.writestr(item.name, item.content)
        return target
    for item in year_files(year, formats):
        (output / item.name).write_bytes(item.content)
    return output
