"""Streaming reader for uploaded workbooks: sheets, cells, headers, problems.

The layer under `publishing.importer`: it knows Excel, not the tables.

* `open_book` measures every worksheet part straight from the zip before
  openpyxl sees it (row count against `RAW_ROW_LIMIT`, the ``<mergeCell>``
  list that read-only mode does not expose), then opens the workbook with
  ``load_workbook(read_only=True, data_only=False)``: rows are streamed,
  formulas come back as ``=…`` text and are reported, never evaluated.
* `SheetStream` yields the rows of one sheet and stops at `ROW_LIMIT` rows
  with content.
* `find_header` looks for a declared column tree (`publishing.layouts`) in
  the first rows of a sheet by the positions of its header cells: in
  read-only mode a merged header cell has its text in the top-left cell
  only, and the declaration says where each top-left cell is.

Turning a cell into an amount, a rate or text is `publishing.cell_values`.

Every problem is an `ImportProblem` naming sheet, row and column.
"""

from __future__ import annotations

import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException, ElementTree
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from publishing import layouts as L

ROW_LIMIT = 20_000  # rows with content per sheet
RAW_ROW_LIMIT = 60_000  # <row> elements per worksheet part, empty ones included
HEADER_SCAN_ROWS = 30  # the header must start within these rows

ROWS_OVER_LIMIT = (
    "行数超过上限：一个工作表最多 {limit:,} 行（不计空行），读到第 {row} 行时"
    "已超过；请拆分后分别导入。"
)
RAW_ROWS_OVER_LIMIT = (
    "行数超过上限：工作表有 {limit:,} 行以上（包括设置了格式的空行），"
    "最多 {data_limit:,} 行；如只有少量数据，请删除多余的行后另存再上传。"
)
UNREADABLE = "Excel 文件已损坏或含有无法读取的内容：{error}"
ENTITIES = "文件含有 XML 实体声明（DTD），Excel 不会生成这种内容，已拒绝。"

_UNIT_SUFFIX_RE = re.compile(r"\((?:万元|元|%|分)\)$")


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """What is wrong and where: sheet, row, column letter and column label.

    Any part of the location may be missing (a file that is no workbook has
    none). ``str()`` gives the line the command prints and the page shows:
    ``工作表“Sheet1” 第 7 行 第 D 列（项目年度预算金额·合计）：…``.
    """

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    label: str | None = None

    @property
    def location(self) -> str:
        parts = []
        if self.sheet is not None:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(
                f"第 {self.column} 列" + (f"（{self.label}）" if self.label else "")
            )
        elif self.label:
            parts.append(f"（{self.label}）")
        return " ".join(parts)

    def __str__(self) -> str:
        location = self.location
        return f"{location}：{self.message}" if location else self.message

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "label": self.label,
            "message": self.message,
            "text": str(self),
        }


class BookProblem(ValueError):
    """The workbook cannot be read at all; carries the ImportProblem."""

    def __init__(self, problem: ImportProblem):
        self.problem = problem
        super().__init__(str(problem))


# --------------------------------------------------------------------------
# Opening a workbook
# --------------------------------------------------------------------------

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW_TAG_RE = re.compile(rb"<(?:\w+:)?row[\s>/]")
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_OVERLAP = 128  # bytes kept between chunks so no tag is cut in two
_CHUNK = 1 << 20


def column_index(letters: bytes | str) -> int:
    """``b"AB"`` → 28 (1-based)."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


@dataclass(frozen=True)
class Merge:
    """A merged range, 1-based and inclusive."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int

    @property
    def ref(self) -> str:
        return L.cell_range(
            self.min_row,
            self.min_col,
            self.max_row - self.min_row + 1,
            self.max_col - self.min_col + 1,
        )


@dataclass
class SheetInfo:
    """What the zip says about one worksheet before openpyxl opens it."""

    name: str
    state: str  # visible | hidden | veryHidden
    path: str
    raw_rows: int = 0
    merges: list[Merge] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        return self.state != "visible"


def _scan_part(archive: zipfile.ZipFile, info: SheetInfo) -> None:
    """Count the ``<row>`` elements and collect the merged ranges of a
    worksheet part, streaming; stop as soon as there are too many rows.

    openpyxl's read-only mode scans a sheet without ``<dimension>`` from end
    to end just to open it, so a sheet of 10⁶ rows costs seconds before the
    first row is read; this pass bounds that cost.
    """
    rows = 0
    pending = b""
    with archive.open(info.path) as part:
        while True:
            chunk = part.read(_CHUNK)
            buffer = pending + chunk
            cut = len(buffer) if not chunk else max(0, len(buffer) - _OVERLAP)
            rows += sum(1 for _ in _ROW_TAG_RE.finditer(buffer, 0, cut))
            if rows > RAW_ROW_LIMIT:
                info.raw_rows = rows
                raise BookProblem(
                    ImportProblem(
                        RAW_ROWS_OVER_LIMIT.format(
                            limit=RAW_ROW_LIMIT, data_limit=ROW_LIMIT
                        ),
                        sheet=info.name,
                    )
                )
            for m in _MERGE_RE.finditer(buffer, 0, cut):
                first_col, first_row = column_index(m.group(1)), int(m.group(2))
                last_col = column_index(m.group(3)) if m.group(3) else first_col
                last_row = int(m.group(4)) if m.group(4) else first_row
                info.merges.append(Merge(first_row, first_col, last_row, last_col))
            if not chunk:
                break
            pending = buffer[cut:]
    info.raw_rows = rows


def _sheet_infos(archive: zipfile.ZipFile) -> list[SheetInfo]:
    """The worksheets in workbook order with their state and zip path."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels_name = "xl/_rels/workbook.xml.rels"
    targets = {}
    if rels_name in archive.namelist():
        for rel in ElementTree.fromstring(archive.read(rels_name)):
            if rel.get("Type", "").endswith("/worksheet"):
                target = rel.get("Target", "")
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join("xl", target))
                )
                targets[rel.get("Id")] = path
    infos = []
    sheets = workbook.find(f"{_MAIN_NS}sheets")
    for sheet in sheets if sheets is not None else []:
        path = targets.get(sheet.get(f"{_REL_NS}id"))
        if path is None:
            continue  # a chart sheet: nothing to import
        infos.append(
            SheetInfo(
                name=sheet.get("name", ""),
                state=sheet.get("state", "visible"),
                path=path,
            )
        )
    return infos


@dataclass
class Book:
    """An open workbook: openpyxl's read-only sheets plus what the zip said."""

    workbook: object
    sheets: list[tuple[object, SheetInfo]]

    def close(self) -> None:
        self.workbook.close()


def open_book(content: bytes) -> Book:
    """Measure the sheets, then open the workbook for streaming.

    Call `publishing.uploads.check_workbook` first: it refuses what is not a
    sane .xlsx (size, zip bomb, DTD) before any XML is parsed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = _sheet_infos(archive)
        for info in infos:
            _scan_part(archive, info)
    except BookProblem:
        raise
    except Exception as exc:  # any failure here is the file's
        raise BookProblem(_refusal(exc)) from exc
    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except Exception as exc:
        raise BookProblem(_refusal(exc)) from exc
    by_name = {info.name: info for info in infos}
    sheets = []
    for ws in workbook.worksheets:
        info = by_name.get(ws.title) or SheetInfo(ws.title, ws.sheet_state, "")
        info.state = ws.sheet_state
        # The <dimension> a file states may be wrong (or forged to hide
        # rows); read every row there is, the scan above bounded them.
        ws.reset_dimensions()
        sheets.append((ws, info))
    return Book(workbook, sheets)


def _refusal(exc: BaseException) -> ImportProblem:
    """What to tell the user about a file openpyxl could not open: defusedxml
    refusing entities anywhere in the chain, or the error itself."""
    seen = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return ImportProblem(ENTITIES)
        seen = seen.__cause__ or seen.__context__
    text = " ".join((str(exc) or type(exc).__name__).split())
    return ImportProblem(
        UNREADABLE.format(error=text if len(text) <= 120 else text[:120] + "…")
    )


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def row_is_empty(cells: Sequence) -> bool:
    return all(is_blank(c.value) for c in cells)


def first_text(cells: Sequence) -> tuple[int, str]:
    """(0-based index, stripped text) of the first non-empty cell, or (-1, "")."""
    for index, cell in enumerate(cells):
        if not is_blank(cell.value):
            value = cell.value
            return index, value.strip() if isinstance(value, str) else str(value)
    return -1, ""


def texts(cells: Sequence) -> list[tuple[int, str]]:
    """Every non-empty cell of a row as (0-based index, stripped text)."""
    out = []
    for index, cell in enumerate(cells):
        if not is_blank(cell.value):
            value = cell.value
            out.append((index, value.strip() if isinstance(value, str) else str(value)))
    return out


class SheetStream:
    """The rows of one sheet as (1-based row number, cells), with a cap.

    Rows missing from the file come back as empty tuples; a row may be
    shorter than another (a sheet's dimension is not trusted). Only rows with
    content count towards `ROW_LIMIT`.
    """

    def __init__(self, ws, info: SheetInfo, limit: int | None = None):
        self.ws = ws
        self.info = info
        self.limit = ROW_LIMIT if limit is None else limit
        self.filled = 0
        self._rows = enumerate(ws.iter_rows(), start=1)

    def __iter__(self) -> Iterator[tuple[int, tuple]]:
        return self

    def __next__(self) -> tuple[int, tuple]:
        number, cells = next(self._rows)
        if cells and not row_is_empty(cells):
            self.filled += 1
            if self.filled > self.limit:
                raise BookProblem(
                    ImportProblem(
                        ROWS_OVER_LIMIT.format(limit=self.limit, row=number),
                        sheet=self.info.name,
                        row=number,
                    )
                )
        return number, cells

    def head(self, count: int = HEADER_SCAN_ROWS) -> list[tuple[int, tuple]]:
        out = []
        for item in self:
            out.append(item)
            if len(out) >= count:
                break
        return out


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


def label(value) -> str:
    """A header text as compared: `layouts.normalize_label` (NFKC, no
    whitespace or line breaks, aliases) and no trailing unit in brackets."""
    if value is None:
        return ""
    text = L.normalize_label(value if isinstance(value, str) else str(value))
    return L.LABEL_ALIASES.get(
        _UNIT_SUFFIX_RE.sub("", text), _UNIT_SUFFIX_RE.sub("", text)
    )


@dataclass(frozen=True)
class Slot:
    """A grid column of a tree: its leaf, where it starts, how wide it is."""

    leaf: L.Column
    col: int  # 0-based index in the sheet row
    path: str  # 项目年度预算金额·合计

    @property
    def letter(self) -> str:
        return get_column_letter(self.col + 1)


def slots(tree: Sequence[L.Column], offset: int = 0) -> list[Slot]:
    """One slot per leaf (a leaf spanning columns has one slot)."""
    paths = L.leaf_paths(tree)
    out, col = [], 0
    for leaf in L.leaves(tree):
        path = "·".join(p for p in paths[col] if p)
        out.append(Slot(leaf, offset + col, path))
        col += leaf.span
    return out


@dataclass(frozen=True)
class HeaderMatch:
    """A column tree found at (top, offset): rows are 1-based sheet rows."""

    layout: L.Layout
    tree: tuple[L.Column, ...]
    top: int  # sheet row of the first header row
    offset: int  # 0-based column of the first header column
    matched: int
    total: int
    mismatches: tuple[tuple[int, int, str, str], ...] = ()  # row, col, want, got

    @property
    def complete(self) -> bool:
        return self.matched == self.total

    @property
    def depth(self) -> int:
        return L.header_depth(self.tree)

    @property
    def last(self) -> int:
        return self.top + self.depth - 1


def candidate_trees(
    layout_key: str | None = None,
) -> list[tuple[L.Layout, tuple[L.Column, ...]]]:
    """Every column tree a table can be recognised by: the main tree of each
    layout and the 部门整体 scorecard's 指标解释 variant (the spending and
    funds sections are form blocks, not table headers)."""
    found = []
    for layout in L.LAYOUTS.values():
        if layout_key and layout.key != layout_key:
            continue
        found.append((layout, layout.columns))
        if "explained" in layout.sections:
            found.append((layout, layout.sections["explained"]))
    return found


def _cell_label(grid: list[list[str]], row: int, col: int) -> str:
    if row >= len(grid) or col >= len(grid[row]):
        return ""
    return grid[row][col]


def match_tree(
    layout: L.Layout,
    tree: tuple[L.Column, ...],
    grid: list[list[str]],
    top: int,
    offset: int,
    first_row: int,
) -> HeaderMatch:
    """Compare the declared top-left header cells with the sheet's labels."""
    cells = L.header_cells(tree)
    mismatches = []
    for cell in cells:
        want = label(cell.label)
        got = _cell_label(grid, top + cell.row, offset + cell.col)
        if got != want:
            mismatches.append(
                (first_row + top + cell.row, offset + cell.col, cell.label, got)
            )
    return HeaderMatch(
        layout=layout,
        tree=tree,
        top=first_row + top,
        offset=offset,
        matched=len(cells) - len(mismatches),
        total=len(cells),
        mismatches=tuple(mismatches),
    )


def label_grid(rows: Sequence[tuple[int, tuple]]) -> list[list[str]]:
    return [[label(c.value) for c in cells] for _, cells in rows]


def find_header(
    rows: Sequence[tuple[int, tuple]],
    trees: list[tuple[L.Layout, tuple[L.Column, ...]]],
) -> HeaderMatch | None:
    """The first complete header of one of `trees` in `rows`, or None.

    A match is confirmed by `layouts.recognise_layout` on the header as a
    reader with merges would see it, so the importer and the declaration
    cannot drift apart.
    """
    if not rows:
        return None
    grid = label_grid(rows)
    first_row = rows[0][0]
    for top in range(len(grid)):
        offset = next((i for i, v in enumerate(grid[top]) if v), None)
        if offset is None:
            continue
        for layout, tree in trees:
            if label(L.header_cells(tree)[0].label) != grid[top][offset]:
                continue
            found = match_tree(layout, tree, grid, top, offset, first_row)
            if found.complete and L.recognise_layout(_filled(tree)) is layout:
                return found
    return None


@dataclass(frozen=True)
class Diagnosis:
    """The declared header the rows come closest to, and how they differ."""

    match: HeaderMatch
    missing: tuple[str, ...]  # declared labels not found in the header rows
    unexpected: tuple[str, ...]  # labels found that the declaration lacks


def diagnose(
    rows: Sequence[tuple[int, tuple]],
    trees: list[tuple[L.Layout, tuple[L.Column, ...]]],
    threshold: float = 0.6,
) -> Diagnosis | None:
    """For a sheet without a complete header: the tree whose labels the rows
    share most (as multisets, so a deleted or moved column still counts the
    others), if it shares at least `threshold` of them."""
    from collections import Counter

    if not rows:
        return None
    grid = label_grid(rows)
    first_row = rows[0][0]
    best: tuple[float, Diagnosis] | None = None
    for layout, tree in trees:
        declared = Counter(label(c.label) for c in L.header_cells(tree))
        depth = L.header_depth(tree)
        for top in range(len(grid)):
            found = Counter(v for row in grid[top : top + depth] for v in row if v)
            shared = sum((declared & found).values())
            # Shared over all labels seen (Jaccard): a tree whose labels are a
            # subset of the sheet's (variant B inside A) does not win.
            share = shared / sum((declared | found).values())
            if share < threshold or (best is not None and share <= best[0]):
                continue
            offset = next((i for i, v in enumerate(grid[top]) if v), 0)
            match = match_tree(layout, tree, grid, top, offset, first_row)
            best = (
                share,
                Diagnosis(
                    match,
                    tuple((declared - found).elements()),
                    tuple((found - declared).elements()),
                ),
            )
    return best[1] if best else None


def _filled(tree: tuple[L.Column, ...]) -> list[list[str]]:
    """The header as a reader with merges sees it: each cell's text over its
    whole span (what `recognise_layout` expects)."""
    depth = L.header_depth(tree)
    width = L.grid_width(tree)
    grid = [[""] * width for _ in range(depth)]
    for cell in L.header_cells(tree):
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                grid[r][c] = cell.label
    return grid


@functools.lru_cache(maxsize=64)
def _first_row_labels(tree: tuple[L.Column, ...]) -> tuple[tuple[int, str], ...]:
    return tuple(
        (cell.col, label(cell.label)) for cell in L.header_cells(tree) if cell.row == 0
    )


def row_starts_header(cells: Sequence, tree: tuple[L.Column, ...], offset: int) -> bool:
    """Whether a row repeats the first header row of `tree` (a header typed
    again on every printed page)."""
    for col, want in _first_row_labels(tree):
        index = offset + col
        got = label(cells[index].value) if index < len(cells) else ""
        if got != want:
            return False
    return True
