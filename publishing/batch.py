"""Render files of official tables for scripts: one table, or a whole year.

Used by the export_table and export_batch commands and the benchmark; the
renderers stay warm across the files of one process. Approved evaluations are
verified against their approval and served from the stored files
(`publishing.published`); one that fails refuses the whole batch before a
single file is written.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from projects.models import Evaluation
from projects.selectors import evaluation_get
from publishing.exports import available_layouts, export_data
from publishing.layouts import layout_for
from publishing.published import ExportRefused, render, table_bytes, verify_export

__all__ = ["FORMATS", "BatchFile", "BatchRefused", "render", "write_year"]

FORMATS = ("pdf", "xlsx")
BATCH = "批量导出"


class BatchRefused(Exception):
    """Approved evaluations of the year that failed verification, all of them."""

    def __init__(self, refusals: list[ExportRefused]):
        self.refusals = refusals
        super().__init__("\n".join(str(r) for r in refusals))


@dataclass
class BatchFile:
    name: str  # 2021年度…部门预算项目绩效自评表.pdf
    content: bytes
    department: str
    layout: str


def verify_year(year: int, *, username: str = "") -> None:
    """Raise BatchRefused naming every approved evaluation of `year` whose
    content no longer matches its approval (each one is audited)."""
    refusals = []
    evaluations = Evaluation.objects.filter(year=year).select_related("department")
    for evaluation in evaluations.order_by("department__code"):
        try:
            verify_export(evaluation, what=BATCH, username=username)
        except ExportRefused as exc:
            refusals.append(exc)
    if refusals:
        raise BatchRefused(refusals)


def year_files(
    year: int, formats=FORMATS, *, username: str = ""
) -> Iterator[BatchFile]:
    """Every table of every department with an evaluation for `year`.

    Everything is verified first; each evaluation is verified again when its
    files are made, after its tables were read (a long batch leaves time for
    a change), and a refusal then stops the batch.
    """
    verify_year(year, username=username)
    evaluations = Evaluation.objects.filter(year=year).select_related("department")
    for ev in evaluations.order_by("department__code"):
        evaluation = evaluation_get(user=None, department=ev.department, year=year)
        datas = [
            export_data(evaluation, layout) for layout in available_layouts(evaluation)
        ]
        try:
            snapshot = verify_export(evaluation, what=BATCH, username=username)
        except ExportRefused as exc:
            raise BatchRefused([exc]) from exc
        for data in datas:
            name = layout_for(data).filename(data, "")
            for fmt in formats:
                yield BatchFile(
                    name + fmt,
                    table_bytes(evaluation, data, fmt, snapshot),
                    evaluation.department.code,
                    data["layout"],
                )


def write_year(
    year: int, output: Path, *, as_zip: bool, formats=FORMATS, username: str = ""
) -> Path:
    """Write the year's tables into `output` (a folder), or a zip in it.

    The zip is written under a temporary name and renamed when complete, so a
    refused batch leaves no half archive behind.
    """
    output.mkdir(parents=True, exist_ok=True)
    files = year_files(year, formats, username=username)
    if as_zip:
        target = output / f"{year}年度绩效自评表.zip"
        fd, temp = tempfile.mkstemp(dir=output, prefix=".tmp-", suffix=".zip")
        try:
            with (
                os.fdopen(fd, "wb") as f,
                zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive,
            ):
                for item in files:
                    archive.writestr(item.name, item.content)
            os.replace(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)
        return target
    for item in files:
        (output / item.name).write_bytes(item.content)
    return output
