"""Helpers shared by the Excel-import tests (not a test module)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.core.management import call_command
from openpyxl import load_workbook

from departments.models import Department
from projects.models import Evaluation
from publishing.sheets import build

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
EXPECTED = json.loads((WORKBOOKS / "expected.json").read_text(encoding="utf-8"))[
    "workbooks"
]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the upload pages say about `negative_workbook()`.
NEGATIVE_AMOUNT = (
    "工作表“Sheet1” 第 7 行 第 D 列（项目年度预算金额·合计）：金额不能为负数（-1）"
)
# Seed file key → the department code the seed registry gives it.
SEED_DEPARTMENTS = {
    "000": "440307-JYZX",
    "001": "440307-RSJ-BJ",
    "002": "440307-ZXZX",
    "003": "440113-JYZX",
    "004": "440113-RSJ",
}


def expected(key: str) -> dict:
    return next(e for e in EXPECTED if e["file"].startswith(f"seed_{key}"))


def workbook_bytes(key: str) -> bytes:
    return (WORKBOOKS / expected(key)["file"]).read_bytes()


def fixture(key: str) -> dict:
    return json.loads((FIXTURES.parent / expected(key)["fixture"]).read_text("utf-8"))


def db_dump() -> str:
    """Every row of the departments, projects and scoring apps (history
    tables included) as JSON: equal before and after means nothing stayed."""
    buffer = io.StringIO()
    call_command("dumpdata", "departments", "projects", "scoring", stdout=buffer)
    return buffer.getvalue()


def empty_database() -> None:
    """No evaluation and no department left (the indicator code table, which
    the migrations create, stays)."""
    Evaluation.objects.all().delete()
    Department.objects.filter(parent__isnull=False).delete()
    Department.objects.all().delete()


def edit_workbook(content: bytes, change: Callable) -> bytes:
    """Open a workbook in openpyxl's normal mode, let `change(ws)` edit its
    first sheet, and save it again."""
    book = load_workbook(io.BytesIO(content))
    change(book.worksheets[0])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def edit_part(content: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """Rewrite one XML part of the zip (what openpyxl would not write)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                data = change(data)
            target.writestr(info.filename, data)
    return buffer.getvalue()


def comparable(content: dict, *, drop: tuple[str, ...] = ()) -> dict:
    """Evaluation content without ids and without the fields an import does
    not carry over (the file it came from, and `drop`)."""
    out = json.loads(json.dumps(content))
    for key in ("source_file", *drop):
        out["evaluation"].pop(key, None)
    if out.get("scorecard"):
        for item in out["scorecard"]["items"]:
            item.pop("parent", None)  # a row id, new on every import
    return out


def document_cells(data: dict) -> list:
    """What a table prints, cell by cell, with spans (built from export_data)."""
    document = build(data)
    return [
        [
            sheet.name,
            sheet.title,
            sheet.subtitle,
            sheet.attachment,
            sheet.seal_name,
            sheet.notes,
            sheet.footnote,
            [
                [(c.text, c.colspan, c.rowspan) for c in row]
                for block in sheet.blocks
                for row in (*block.header, *block.rows)
            ],
        ]
        for sheet in document.sheets
    ]


# --- the upload pages (filler's and admin's) ------------------------------------


def changed_workbook() -> bytes:
    """Seed 000 with 扶持就业's 一般公共预算 budget set to 10000 (from 10470.27)."""

    def change(ws):
        ws["D7"] = 10000
        ws["E7"] = 10000

    return edit_workbook(workbook_bytes("000"), change)


def negative_workbook() -> bytes:
    """Seed 000 with a negative amount: one located problem, NEGATIVE_AMOUNT."""

    def change(ws):
        ws["D7"] = -1

    return edit_workbook(workbook_bytes("000"), change)


def fuchi_budget_general() -> str:
    """扶持就业's 一般公共预算 budget in seed 000's evaluation, as stored."""
    evaluation = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    return str(evaluation.projects.get(name="扶持就业").budget_general)


def token_of(response) -> str:
    """The signed token of a preview page's confirm form."""
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirm form"
    return match.group(1)
