"""Excel import of the official tables: read, validate, preview, import.

* `read_table(content)` checks the upload (`publishing.uploads`), streams the
  workbook (`publishing.reader`), recognises the layout from its header and
  reads it into the seed-schema dict (`publishing.import_parsers`). Nothing
  touches the database; every problem names sheet, row and column.
* `import_table(result=…, department=…, year=…)` writes it in one
  transaction through the same loaders as the seed tables
  (`publishing.import_services`): all of it or nothing. A submitted or
  approved evaluation refuses with the workflow's message; a department-year
  that already holds the table is replaced only with ``replace=True``.
* `preview(…)` runs the import in a transaction that is rolled back and says
  what would be created or changed, and what the consistency checks find.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Department
from departments.services import audit_log
from projects.models import Evaluation
from projects.services import evaluation_lock_for_edit
from projects.snapshots import evaluation_content
from projects.workflow import Locked
from publishing import import_parsers as P
from publishing import import_scored, import_services
from publishing import layouts as L
from publishing import reader as R
from publishing.exports import LAYOUTS as LAYOUT_NAMES
from publishing.uploads import UploadRejected, check_workbook
from scoring.checks import Finding, evaluation_checks

ImportProblem = R.ImportProblem

UNKNOWN_LAYOUT_KEY = "未知的表格类型“{layout}”，可选：{choices}。"
WRONG_LAYOUT = "表头是“{found}”，不是指定的“{wanted}”。"
NO_HEADER = (
    "没有找到可识别的表头。支持的表格：{names}；表头须在工作表的前 {rows} 行内。"
)
HEADER_MISSING = "表头与“{name}”不符，缺少：{labels}。"
HEADER_UNEXPECTED = "表头与“{name}”不符，多出：{labels}。"
HEADER_CELL = "表头应为“{want}”，实为“{got}”（与“{name}”相比）。"
PARSERS = {
    "project_selfeval": P.parse_project_selfeval,
    "target": P.parse_target,
    "department_selfeval": import_scored.parse_department_selfeval,
    "project_selfeval_national": import_scored.parse_national,
}
EMPTY_BOOK = "工作簿是空的：没有任何工作表有内容。"
HIDDEN_TABLE = "表格在隐藏的工作表中，请在 Excel 中取消隐藏后再上传。"
HIDDEN_SKIPPED = "已跳过隐藏的工作表“{sheet}”。"
SHEET_IGNORED = "工作表“{sheet}”中没有可识别的表格，已忽略。"
SEVERAL_TABLES = "工作簿中有多个表格（工作表{sheets}），请每次导入一个表格。"
NO_YEAR = "无法从表格标题中识别年度，请指定年度。"
YEAR_MISMATCH = "表格所印年度为 {printed} 年，与要导入的 {year} 年度不一致。"
YEAR_RANGE = "年度须在 2000 至 2100 之间（{year}）。"
NO_DEPARTMENT = "表格中没有部门名称（“部门名称（盖章）：…”一行），请指定部门。"
CODE_TAKEN = "部门编码“{code}”已被“{name}”使用，请另选编码。"
NEEDS_REPLACE = (
    "{evaluation}已有“{table}”的数据；确认后将用导入的表格替换（命令行加 --replace）。"
)
FAILED = "导入失败：{message}"
CONCURRENT = "导入失败：同一部门年度的数据刚被他人保存，请刷新后重新导入。"
IMPORT_CODE_PREFIX = "IMP-"


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What a workbook holds: the seed-schema dict, or why it cannot be read."""

    sha256: str = ""
    filename: str = ""
    layout: str | None = None
    variant: str = ""
    data: dict | None = None
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.data is not None

    @property
    def layout_name(self) -> str:
        return LAYOUT_NAMES.get(self.layout or "", "")

    @property
    def year(self) -> int | None:
        return (self.data or {}).get("year")

    @property
    def department_name(self) -> str:
        return (self.data or {}).get("department_name") or ""

    @property
    def source(self) -> str:
        """What Evaluation.source_file records: the file and its SHA-256."""
        suffix = f"（SHA-256 {self.sha256[:16]}）"
        name = self.filename or "上传的工作簿"
        return name[: 100 - len(suffix)] + suffix


def read_table(
    content: bytes, *, layout: str | None = None, filename: str = ""
) -> ImportResult:
    """Read an uploaded workbook into an ImportResult (no database writes)."""
    result = ImportResult(sha256=hashlib.sha256(content).hexdigest(), filename=filename)
    if layout is not None and layout not in L.LAYOUT_KEYS:
        result.problems.append(
            ImportProblem(
                UNKNOWN_LAYOUT_KEY.format(
                    layout=layout, choices="、".join(L.LAYOUT_KEYS)
                )
            )
        )
        return result
    try:
        check_workbook(content)
    except UploadRejected as exc:
        result.problems.append(ImportProblem(str(exc)))
        return result
    try:
        book = R.open_book(content)
    except R.BookProblem as exc:
        result.problems.append(exc.problem)
        return result
    try:
        _read_book(book, result, layout)
    except R.BookProblem as exc:
        result.problems.append(exc.problem)
    finally:
        book.close()
    if result.problems:
        # Sums over the rows that could be read would only mislead.
        result.data = None
        result.warnings = []
    return result


def _read_book(book: R.Book, result: ImportResult, wanted: str | None) -> None:
    trees = R.candidate_trees()
    tables: list[tuple[str, R.HeaderMatch, dict]] = []
    hidden_tables: list[str] = []
    hidden_other: list[str] = []
    unrecognised: list[tuple[str, list]] = []
    for ws, info in book.sheets:
        stream = R.SheetStream(ws, info)
        head = stream.head()
        if not any(cells and not R.row_is_empty(cells) for _, cells in head):
            if info.hidden:
                hidden_other.append(info.name)
            elif info.raw_rows > R.HEADER_SCAN_ROWS:
                unrecognised.append((info.name, head))  # content further down
            continue
        match = R.find_header(head, trees)
        if info.hidden:
            (hidden_tables if match else hidden_other).append(info.name)
            continue
        if match is None:
            unrecognised.append((info.name, head))
            continue
        if wanted and match.layout.key != wanted:
            result.problems.append(
                ImportProblem(
                    WRONG_LAYOUT.format(
                        found=LAYOUT_NAMES[match.layout.key],
                        wanted=LAYOUT_NAMES[wanted],
                    ),
                    sheet=info.name,
                    row=match.top,
                )
            )
            continue
        ctx = P.Ctx(
            info.name, result.problems, result.warnings, result.notes, info.merges
        )
        for _ in P.check_rows(ctx, head):
            pass
        rows = itertools.chain(
            (r for r in head if r[0] > match.last), P.check_rows(ctx, stream)
        )
        data = PARSERS[match.layout.key](ctx, match, head, rows)
        tables.append((info.name, match, data))
    if not tables:
        if result.problems:
            return
        if hidden_tables:
            for name in hidden_tables:
                result.problems.append(ImportProblem(HIDDEN_TABLE, sheet=name))
        elif unrecognised:
            result.problems += _diagnose(unrecognised, wanted)
        else:
            result.problems.append(ImportProblem(EMPTY_BOOK))
        return
    for name, _head in unrecognised:
        result.notes.append(SHEET_IGNORED.format(sheet=name))
    for name in hidden_tables + hidden_other:
        result.notes.append(HIDDEN_SKIPPED.format(sheet=name))
    keys = {match.layout.key for _, match, _ in tables}
    national = keys == {"project_selfeval_national"}
    if len(tables) > 1 and not national:
        result.problems.append(
            ImportProblem(
                SEVERAL_TABLES.format(
                    sheets="、".join(f"“{name}”" for name, _, _ in tables)
                )
            )
        )
        return
    _sheet, match, data = tables[0]
    result.layout = match.layout.key
    result.variant = match.layout.variant
    result.sheets = [name for name, _, _ in tables]
    if national:
        data = _national_book(tables, result)
    result.data = {**data, "source": result.source}


def _national_book(tables: list, result: ImportResult) -> dict:
    """The sheets of a national workbook, one project each, as one table."""
    projects = []
    seen: dict[str, str] = {}
    for order, (sheet, _match, data) in enumerate(tables, start=1):
        project = data["project"]
        if project["seq"] is None:
            project["seq"] = order
        if project["name"] in seen:
            result.problems.append(
                ImportProblem(
                    P.DUPLICATE_SHEET.format(
                        name=project["name"], sheet=seen[project["name"]]
                    ),
                    sheet=sheet,
                )
            )
            continue
        seen[project["name"]] = sheet
        projects.append(project)
    first = tables[0][2]
    return {
        "layout": "project_selfeval_national",
        "year": next((d["year"] for _, _, d in tables if d["year"]), None),
        "title_printed": first["title_printed"],
        "department_name": first["department_name"],
        "projects": projects,
    }


def _diagnose(unrecognised: list, wanted: str | None) -> list[ImportProblem]:
    """Why no sheet has a header: the closest declared header and where the
    sheet departs from it, or that none comes close."""
    trees = R.candidate_trees(wanted)
    best: tuple[float, str, R.Diagnosis] | None = None
    for name, head in unrecognised:
        found = R.diagnose(head, trees)
        if found is None:
            continue
        share = found.match.matched / found.match.total
        if best is None or share > best[0]:
            best = (share, name, found)
    if best is None:
        names = "、".join(LAYOUT_NAMES[k] for k in (wanted,) if k) or "、".join(
            LAYOUT_NAMES.values()
        )
        return [
            ImportProblem(
                NO_HEADER.format(names=names, rows=R.HEADER_SCAN_ROWS),
                sheet=unrecognised[0][0],
            )
        ]
    _share, sheet, found = best
    table = LAYOUT_NAMES[found.match.layout.key]
    problems = []
    if found.missing:
        problems.append(
            ImportProblem(
                HEADER_MISSING.format(
                    name=table, labels="、".join(f"“{m}”" for m in found.missing)
                ),
                sheet=sheet,
                row=found.match.top,
            )
        )
    if found.unexpected:
        problems.append(
            ImportProblem(
                HEADER_UNEXPECTED.format(
                    name=table, labels="、".join(f"“{m}”" for m in found.unexpected)
                ),
                sheet=sheet,
                row=found.match.top,
            )
        )
    for row, col, want, got in found.match.mismatches[:3]:
        problems.append(
            ImportProblem(
                HEADER_CELL.format(want=want, got=got or "空", name=table),
                sheet=sheet,
                row=row,
                column=R.get_column_letter(col + 1),
                label=want,
            )
        )
    return problems


# --------------------------------------------------------------------------
# Importing
# --------------------------------------------------------------------------


class ImportFailed(Exception):
    """The import did not happen; nothing was saved. `problems` say why."""

    def __init__(
        self,
        problems: list[ImportProblem],
        *,
        locked: bool = False,
        needs_replace: bool = False,
    ):
        self.problems = problems
        self.locked = locked
        self.needs_replace = needs_replace
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class NewDepartment:
    """A department to create if none has this name (the command's
    ``--department`` in an empty database). Without a code, the code is
    derived from the name: see `derived_code`."""

    name: str
    code: str = ""
    region: str = ""


def derived_code(name: str) -> str:
    """``IMP-`` and the first 10 hex digits of the SHA-256 of the name,
    upper-case: the same name always gives the same code."""
    return (
        IMPORT_CODE_PREFIX
        + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10].upper()
    )


_REGION_RE = re.compile(r"^(.*?市)(.*?(?:区|县|旗))?")


def derived_region(name: str) -> str:
    """深圳市龙岗区劳动就业服务中心 → 深圳市龙岗区 (the 所属地区 a new department
    gets when none is given); a name without 市 gives 未分地区."""
    match = _REGION_RE.match(name)
    if not match:
        return "未分地区"
    return (match.group(1) + (match.group(2) or ""))[:50]


def _department(department: Department | NewDepartment) -> Department:
    if isinstance(department, Department):
        return department
    from departments.services import department_upsert

    found = Department.objects.filter(name=department.name).first()
    if found is not None:
        return found
    code = department.code or derived_code(department.name)
    taken = Department.objects.filter(code=code).first()
    if taken is not None:
        raise ImportFailed(
            [ImportProblem(CODE_TAKEN.format(code=code, name=taken.name))]
        )
    return department_upsert(
        code=code,
        name=department.name,
        region=department.region or derived_region(department.name),
    )


def _year(result: ImportResult, year: int | None) -> int:
    printed = result.year
    sheet = result.sheets[0] if result.sheets else None
    if year is None and printed is None:
        raise ImportFailed([ImportProblem(NO_YEAR, sheet=sheet)])
    if year is not None and printed is not None and year != printed:
        raise ImportFailed(
            [
                ImportProblem(
                    YEAR_MISMATCH.format(printed=printed, year=year), sheet=sheet
                )
            ]
        )
    chosen = year if year is not None else printed
    if not 2000 <= chosen <= 2100:
        raise ImportFailed([ImportProblem(YEAR_RANGE.format(year=chosen), sheet=sheet)])
    return chosen


@transaction.atomic
def import_table(
    *,
    result: ImportResult,
    department: Department | NewDepartment,
    year: int | None = None,
    replace: bool = False,
    actor=None,
) -> Evaluation:
    """Write the table of `result` for the department-year, all or nothing.

    Raises ImportFailed (nothing saved) when the result has problems, the
    year disagrees with the table, the evaluation is submitted or approved
    (the workflow's Locked message), or the table already has data and
    `replace` is not set.
    """
    if not result.ok:
        raise ImportFailed(result.problems)
    year = _year(result, year)
    department = _department(department)
    data = {**result.data, "year": year, "source": result.source}
    existing = Evaluation.objects.filter(department=department, year=year).first()
    if existing is not None:
        try:
            existing = evaluation_lock_for_edit(existing)
        except Locked as exc:
            raise ImportFailed(
                [ImportProblem(m) for m in exc.messages], locked=True
            ) from exc
        if not replace and import_services.has_table(existing, result.layout):
            raise ImportFailed(
                [
                    ImportProblem(
                        NEEDS_REPLACE.format(
                            evaluation=existing, table=result.layout_name
                        )
                    )
                ],
                needs_replace=True,
            )
    try:
        evaluation = import_services.load(
            data=data, department=department, evaluation=existing, user=actor
        )
    except ValidationError as exc:
        raise ImportFailed(
            [ImportProblem(FAILED.format(message=m)) for m in _messages(exc)]
        ) from exc
    except IntegrityError as exc:
        # Two imports of one new department-year at once: the other won.
        raise ImportFailed([ImportProblem(CONCURRENT)]) from exc
    audit_log(
        action="import",
        user=actor,
        department=department,
        detail=f"{result.layout_name} {year} {result.source}",
    )
    return evaluation


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{k}：{'；'.join(v)}" for k, v in exc.message_dict.items()]
    return list(exc.messages)


# --------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------


@dataclass
class Preview:
    """What an import would do, found by doing it and rolling it back."""

    result: ImportResult
    department_name: str = ""
    year: int | None = None
    evaluation_exists: bool = False
    replaces: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _counts(evaluation: Evaluation) -> dict[str, int]:
    from scoring.models import ScorecardItem

    counts = {
        "projects": evaluation.projects.count(),
        "indicators": sum(p.indicators.count() for p in evaluation.projects.all()),
        "target_projects": evaluation.target_projects.count(),
        "target_indicators": sum(
            p.indicators.count() for p in evaluation.target_projects.all()
        ),
        "scorecard_items": ScorecardItem.objects.filter(
            scorecard__evaluation=evaluation, level=3
        ).count(),
    }
    return {k: v for k, v in counts.items() if v}


# What a change list calls each part of the evaluation's content.
_PARTS = {
    "evaluation": ("部门年度自评", "projects.Evaluation", None),
    "projects": (
        "项目",
        "projects.BudgetProject",
        ("indicators", "projects.Indicator"),
    ),
    "target_projects": (
        "目标表项目",
        "projects.TargetProject",
        ("indicators", "projects.TargetIndicator"),
    ),
    "scorecard": ("整体自评", "scoring.Scorecard", ("items", "scoring.ScorecardItem")),
}
# Not shown as changes: where the data came from, the printed figures (the
# warnings show those), row ids.
_UNSHOWN = {"source_file", "published_totals", "parent"}


def _label(model: str, name: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(model)._meta.get_field(name).verbose_name)
    except LookupError:
        return name


def _flat(content: dict) -> dict[str, Any]:
    """{"项目“扶持就业”·全年预算数·一般公共预算": "10470.27", …}."""
    out: dict[str, Any] = {}
    for part, (title, model, child) in _PARTS.items():
        value = content.get(part)
        if not value:
            continue
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            where = f"{title}“{row['name']}”" if "name" in row else title
            for key, field_value in row.items():
                if key in _UNSHOWN:
                    continue
                if child and key == child[0]:
                    for n, item in enumerate(field_value, start=1):
                        name = f"第 {n} 项" + (
                            f"“{item['name']}”" if item.get("name") else ""
                        )
                        for k, v in item.items():
                            if k not in _UNSHOWN:
                                out[f"{where}·{name}·{_label(child[1], k)}"] = v
                else:
                    out[f"{where}·{_label(model, key)}"] = field_value
    return out


def changes_between(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    """(what, old value, new value) for every value an import changes, named
    as the pages name them."""
    a, b = _flat(old), _flat(new)
    return [
        (k, a.get(k), b.get(k))
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]


def preview(
    *,
    result: ImportResult,
    department: Department | NewDepartment,
    year: int | None = None,
    max_changes: int = 500,
) -> Preview:
    """Import inside a transaction that is always rolled back."""
    shown = Preview(result=result, problems=list(result.problems))
    if not result.ok:
        return shown
    shown.department_name = department.name
    with transaction.atomic():
        found = (
            department
            if isinstance(department, Department)
            else Department.objects.filter(name=department.name).first()
        )
        target_year = year if year is not None else result.year
        before = None
        if found is not None and target_year is not None:
            old = Evaluation.objects.filter(department=found, year=target_year).first()
            if old is not None:
                shown.evaluation_exists = True
                shown.replaces = import_services.has_table(old, result.layout)
                before = evaluation_content(old)
        try:
            evaluation = import_table(
                result=result, department=department, year=year, replace=True
            )
        except ImportFailed as exc:
            shown.problems = exc.problems
        else:
            shown.year = evaluation.year
            shown.counts = _counts(evaluation)
            shown.findings = evaluation_checks(evaluation)
            if before is not None:
                changes = changes_between(before, evaluation_content(evaluation))
                shown.changes = changes[:max_changes]
        transaction.set_rollback(True)
    return shown
