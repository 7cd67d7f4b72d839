"""Excel workbook of an official table (openpyxl).

Renders the same `publishing.sheets.Document` as the PDF: the header tree
becomes merged cells, every span of the grid a merged range. Amounts are
numbers formatted ``#,##0.00`` (万元), rates are fractions formatted ``0.00%``,
text wraps; borders, frozen header, print set-up (paper and orientation of the
layout, fit to width, header rows repeated, 第 N 页 共 M 页 in the footer).

Text a spreadsheet would take for a formula (leading ``= + - @``, tab, CR) is
stored as a string cell with Excel's quote prefix, so nothing runs when the
file is opened.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from departments.resources import FORMULA_PREFIXES
from publishing import layouts as L
from publishing.sheets import APPROVED_FIELD, APPROVED_KEYWORD, Cell, Document, build

FONT_NAME = "宋体"
ROW_HEIGHT_MAX = 409  # points: Excel's limit
PAPER = {"A3": 8, "A4": 9}  # Worksheet.PAPERSIZE_A3 / PAPERSIZE_A4

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
FONTS = {
    "": Font(name=FONT_NAME, size=9),
    "bold": Font(name=FONT_NAME, size=9, bold=True),
    "title": Font(name=FONT_NAME, size=16, bold=True),
    "subtitle": Font(name=FONT_NAME, size=12),
    "meta": Font(name=FONT_NAME, size=10),
    "draft": Font(name=FONT_NAME, size=10, bold=True, color="C00000"),
}
ALIGN = {
    "left": Alignment(horizontal="left", vertical="center", wrap_text=True),
    "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "right": Alignment(horizontal="right", vertical="center", wrap_text=True),
    "plain": Alignment(horizontal="left", vertical="center", wrap_text=False),
    "plain_right": Alignment(horizontal="right", vertical="center", wrap_text=False),
}
NUMERIC = (L.MONEY, L.RATE, L.SCORE, L.INT)
DRAFT_NOTICE = "草稿：未经审核，不得公开"


def safe_text(value: str) -> str:
    """Text openpyxl can store: XML-illegal control characters removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_PREFIXES)


def set_text(cell, value: str) -> None:
    """Store text as text, never as a formula (a leading = + - @ …)."""
    value = safe_text(value)
    cell.value = value
    if value and looks_like_formula(value):
        # openpyxl turns "=…" into a formula; force a string cell and set
        # Excel's quote prefix so editing the cell keeps it text too.
        cell.data_type = "s"
        cell.quotePrefix = True


# --------------------------------------------------------------------------
# Row heights: Excel does not grow a row for wrapped text in merged cells,
# and not reliably otherwise, so the height is estimated from the text.
# --------------------------------------------------------------------------

_WIDE = {"W", "F"}


def text_width(text: str, font_pt: float) -> float:
    """Approximate width in Excel column units (a CJK character ≈ 2 digits)."""
    scale = font_pt / 11
    total = 0.0
    for char in text:
        wide = unicodedata.east_asian_width(char) in _WIDE
        # Calibrated on LibreOffice and Excel: a 9 pt CJK glyph is ~12 px
        # against the 7 px digit that defines a column unit; +10 % for the
        # line breaks a wrap cannot place exactly.
        total += (2.1 if wide else 1.15) * scale
    return total


def line_count(text: str, width_units: float, font_pt: float) -> int:
    usable = max(width_units - 0.8, 1.0)
    return sum(
        max(1, math.ceil(text_width(line, font_pt) / usable))
        for line in (text or "").split("\n")
    )


def row_height(lines: int, font_pt: float) -> float:
    # CJK fonts (宋体, Noto CJK) set lines at about 1.4 em.
    return min(ROW_HEIGHT_MAX, round(lines * font_pt * 1.42 + 6, 1))


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


class _SheetWriter:
    def __init__(self, ws, document: Document, seal_path: str | None = None):
        self.ws = ws
        self.seal_path = seal_path
        self.document = document
        self.layout = document.layout
        self.width = self.layout.width
        self.widths = document.widths
        self.row = 1
        self.merges: list[tuple[int, int, int, int]] = []

    # -- furniture -------------------------------------------------------

    def line(self, value: str, font: str, align: str = "center", height=None):
        """A full-width merged line of furniture (title, notes…)."""
        cell = self.ws.cell(self.row, 1)
        set_text(cell, value)
        cell.font = FONTS[font]
        cell.alignment = ALIGN[align]
        self.merges.append((self.row, 1, 1, self.width))
        lines = line_count(value, sum(self.widths), FONTS[font].size)
        self.ws.row_dimensions[self.row].height = height or row_height(
            lines, FONTS[font].size
        )
        self.row += 1

    def split_line(self, left: str, right: str) -> int:
        """部门名称（盖章）：… on the left, 单位：万元 on the right."""
        right_span = max(2, round(self.width / 6)) if right else 0
        left_span = self.width - right_span
        cell = self.ws.cell(self.row, 1)
        set_text(cell, left)
        cell.font = FONTS["meta"]
        cell.alignment = ALIGN["plain"]
        self.merges.append((self.row, 1, 1, left_span))
        if right:
            cell = self.ws.cell(self.row, left_span + 1)
            set_text(cell, right)
            cell.font = FONTS["meta"]
            cell.alignment = ALIGN["plain_right"]
            self.merges.append((self.row, left_span + 1, 1, right_span))
        self.ws.row_dimensions[self.row].height = 20
        self.row += 1
        return self.row - 1

    # -- grid ----------------------------------------------------------------

    def grid(self, rows: list[list[Cell]], header: bool) -> tuple[int, int]:
        """Write rows of cells with their spans; return (first, last) row."""
        first = self.row
        taken: set[tuple[int, int]] = set()
        for offset, cells in enumerate(rows):
            r = first + offset
            col = 1
            lines = 1
            for cell in cells:
                while (r, col) in taken:
                    col += 1
                self.put(r, col, cell, header)
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, col + dc))
                if cell.rowspan > 1 or cell.colspan > 1:
                    self.merges.append((r, col, cell.rowspan, cell.colspan))
                if cell.rowspan == 1 and cell.text:
                    width = sum(self.widths[col - 1 : col - 1 + cell.colspan])
                    lines = max(lines, line_count(cell.text, width, 9))
                col += cell.colspan
            # Borders on every grid position, merged ones included.
            for c in range(1, self.width + 1):
                if (r, c) in taken and not self.ws.cell(r, c).has_style:
                    self.ws.cell(r, c).border = BORDER
            self.ws.row_dimensions[r].height = row_height(lines, 9)
        self.row = first + len(rows)
        return first, self.row - 1

    def put(self, r: int, c: int, cell: Cell, header: bool) -> None:
        target = self.ws.cell(r, c)
        numeric = cell.kind in NUMERIC and cell.value not in (None, L.NOT_APPLICABLE)
        if numeric:
            value = cell.value
            target.value = float(value) if isinstance(value, Decimal) else value
            target.number_format = L.NUMBER_FORMATS[cell.kind]
        elif cell.kind == L.TEXT and isinstance(cell.value, str):
            # The stored form, which may differ from the printed one (the
            # coded indicator string the importer reads back).
            set_text(target, cell.value)
        else:
            set_text(target, cell.text)
        bold = header or cell.css in ("lbl", "tot", "grp")
        target.font = FONTS["bold" if bold else ""]
        if header or cell.css in ("lbl", "c") or (cell.css == "tot" and not numeric):
            target.alignment = ALIGN["center"]
        elif numeric:
            target.alignment = ALIGN["right"]
        elif cell.value == L.NOT_APPLICABLE:
            target.alignment = ALIGN["center"]
        else:
            target.alignment = ALIGN["left"]
        target.border = BORDER

    # -- the sheet -------------------------------------------------------------

    def write(self, sheet) -> None:
        ws, layout = self.ws, self.layout
        for index, width in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(index)].width = round(width, 2)
        if not self.document.approved:
            self.line(DRAFT_NOTICE, "draft", "left", height=18)
        if sheet.attachment:
            self.line(sheet.attachment, "meta", "left", height=18)
        self.line(sheet.title, "title", height=30)
        if sheet.subtitle:
            self.line(sheet.subtitle, "subtitle", height=20)
        seal_row = None
        if layout.seal_at == "top":
            seal_row = self.split_line(
                f"{layout.seal_label}{sheet.seal_name}", layout.unit_label
            )
        title_rows = None
        for block in sheet.blocks:
            if block.header:
                first, last = self.grid(block.header, header=True)
                title_rows = title_rows or (first, last)
            self.grid(block.rows, header=False)
        if sheet.notes:
            for n, note in enumerate(sheet.notes, 1):
                label = layout.notes_label if n == 1 else ""
                self.line(f"{label}{n}. {note}", "meta", "left")
        if sheet.footnote:
            self.line(sheet.footnote, "meta", "left")
        if layout.seal_at == "bottom" or layout.signoff:
            fields = "    ".join(f"{f}：__________" for f in layout.signoff)
            left = (
                f"{layout.seal_label}{sheet.seal_name}"
                if layout.seal_at == "bottom"
                else ""
            )
            self.row += 1
            seal_row = self.split_line(f"{left}    {fields}".strip(), "")
        for r, c, rowspan, colspan in self.merges:
            ws.merge_cells(
                start_row=r,
                start_column=c,
                end_row=r + rowspan - 1,
                end_column=c + colspan - 1,
            )
        self.print_setup(title_rows)
        self.seal(seal_row)

    def print_setup(self, title_rows) -> None:
        ws, layout = self.ws, self.layout
        ws.page_setup.orientation = "landscape" if layout.landscape else "portrait"
        ws.page_setup.paperSize = PAPER[layout.page_size]
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = 0.5
        ws.page_margins.bottom = 0.6
        ws.oddFooter.center.text = "第 &P 页 共 &N 页"
        ws.oddFooter.center.size = 9
        if not self.document.approved:
            ws.oddHeader.right.text = DRAFT_NOTICE
            ws.oddHeader.right.color = "C00000"
        if title_rows:
            first, last = title_rows
            ws.print_title_rows = f"{first}:{last}"
            freeze_col = layout.total_span + 1 if layout.total_span else 1
            ws.freeze_panes = ws.cell(last + 1, freeze_col)

    def seal(self, row: int | None) -> None:
        """The seal image over the unit name of an approved table."""
        if not (self.document.approved and self.seal_path and row):
            return
        from openpyxl.drawing.image import Image

        image = Image(self.seal_path)
        image.width = image.height = 140  # px, about 37 mm
        # Over the start of the name, which follows the label in the merged
        # cell (text_width pads by 10 % for wrapping; a single line needs not).
        label = text_width(self.layout.seal_label, FONTS["meta"].size) / 1.1 + 2
        column, covered = 1, 0.0
        for width in self.widths:
            if covered + width > label:
                break
            covered += width
            column += 1
        image.anchor = f"{get_column_letter(column)}{max(1, row - 2)}"
        self.ws.add_image(image)


def render_workbook(
    document: Document,
    *,
    seal_path: str | None = None,
    approved_sha256: str | None = None,
) -> bytes:
    """The .xlsx bytes of a built table.

    `approved_sha256`, the approve snapshot's hash, goes into the document
    properties (identifier, keywords and a custom ApprovedSHA256 property) so
    a published file can be matched to its approval.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in document.sheets:
        ws = workbook.create_sheet(_unique_title(workbook, sheet.name))
        _SheetWriter(ws, document, seal_path).write(sheet)
    workbook.properties.title = document.sheets[0].title if document.sheets else ""
    workbook.properties.creator = "perfeval"
    if approved_sha256:
        workbook.properties.identifier = approved_sha256
        workbook.properties.keywords = f"{APPROVED_KEYWORD}{approved_sha256}"
        workbook.custom_doc_props.append(
            StringProperty(name=APPROVED_FIELD, value=approved_sha256)
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


def _unique_title(workbook: Workbook, name: str) -> str:
    base = _TITLE_BAD.sub("", name)[:31] or "Sheet"
    title, n = base, 2
    while title in workbook.sheetnames:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def seal_path(department) -> str | None:
    """The seal PNG on disk, if the department has one."""
    seal = getattr(department, "seal", None)
    if not seal or not seal.name:
        return None
    try:
        path = Path(seal.path)
    except (NotImplementedError, ValueError):
        return None
    return str(path) if path.is_file() else None


def render_xlsx(evaluation, layout: str) -> bytes:
    """The official table `layout` of an evaluation as an .xlsx file.

    Rendered now from the rows, unchecked (tests, tools): downloads and the
    commands go through `publishing.published`, which checks an approved
    evaluation against its approval first.
    """
    from publishing.exports import export_data

    document = build(export_data(evaluation, layout))
    return render_workbook(document, seal_path=seal_path(evaluation.department))
