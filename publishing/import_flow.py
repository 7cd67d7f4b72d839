"""Upload → preview → confirm: the steps every Excel import page shares.

The filler's page (`publishing.import_views`) and the admin's
(`publishing.import_admin`) differ only in who may import where. What happens
to the upload is the same: the workbook is read and imported inside a
transaction that is rolled back (`publishing.importer.preview`); if that
works, the bytes are kept server-side as MEDIA_ROOT/imports/<sha256>.xlsx and
the preview page carries a signed token (user, SHA-256, layout and the page's
target); the confirm POST reads that file again and imports it for real,
replacing what the department-year already holds. No path ever comes from the
client, and a token only works for the user, the page (salt) and the target it
was made for.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.core import signing
from django.http import HttpRequest

from departments.models import Department
from departments.services import audit_log
from projects.models import Evaluation
from publishing.exports import LAYOUTS as LAYOUT_NAMES
from publishing.importer import (
    ImportFailed,
    ImportProblem,
    ImportResult,
    NewDepartment,
    Preview,
    import_table,
    preview,
    read_table,
)
from publishing.layouts import LAYOUT_KEYS
from publishing.uploads import MAX_UPLOAD_BYTES, TOO_LARGE

NOT_FOUND = "没有找到该部门，或您无权查看该部门的数据。"
TOKEN_INVALID = "导入确认已失效或不属于本页面，请重新上传文件。"
IMPORTED = "已导入{table}：{evaluation}。"
DEPARTMENT_DIFFERS = "表格所印部门为“{printed}”，将导入到“{department}”。"
TOKEN_MAX_AGE = 60 * 60  # seconds between preview and confirm
STALE_AFTER = 24 * 60 * 60  # stored uploads older than this are removed
XLSX_TYPES = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_TYPES}),
    )
    layout = forms.ChoiceField(
        label="表格类型",
        required=False,
        choices=[("", "按表头自动识别")] + [(k, LAYOUT_NAMES[k]) for k in LAYOUT_KEYS],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Django has no cap on file uploads: check before reading a byte.
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                TOO_LARGE.format(
                    size=upload.size / 1024 / 1024,
                    limit=MAX_UPLOAD_BYTES // 1024 // 1024,
                ),
                code="too_large",
            )
        return upload

    @property
    def too_large(self) -> bool:
        """The refusal a page answers with 413 rather than 200."""
        return self.has_error("file", code="too_large")

    def read(self) -> tuple[bytes, ImportResult]:
        """The uploaded bytes and what they hold (call after is_valid())."""
        upload = self.cleaned_data["file"]
        content = upload.read()
        result = read_table(
            content,
            layout=self.cleaned_data["layout"] or None,
            filename=Path(upload.name).name,
        )
        return content, result


def help_context() -> dict:
    """What `publishing/_import_help.html` shows next to any upload form."""
    return {
        "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
        "layout_names": [LAYOUT_NAMES[k] for k in LAYOUT_KEYS],
    }


# --------------------------------------------------------------------------
# The stored upload
# --------------------------------------------------------------------------


def imports_dir() -> Path:
    """Where uploads wait for their confirmation (IMPORT_FILES_ROOT, by
    default MEDIA_ROOT/imports)."""
    root = getattr(settings, "IMPORT_FILES_ROOT", None)
    return Path(root) if root else Path(settings.MEDIA_ROOT) / "imports"


def store_upload(content: bytes, sha: str) -> None:
    folder = imports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STALE_AFTER
    for old in folder.glob("*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    (folder / f"{sha}.xlsx").write_bytes(content)


def stored_upload(sha: str) -> bytes | None:
    """The stored bytes of this SHA-256, if they are still there and intact."""
    if not _SHA_RE.match(sha or ""):
        return None
    try:
        content = (imports_dir() / f"{sha}.xlsx").read_bytes()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha else None


def discard_upload(sha: str) -> None:
    if _SHA_RE.match(sha or ""):
        (imports_dir() / f"{sha}.xlsx").unlink(missing_ok=True)


# --------------------------------------------------------------------------
# Preview and confirm
# --------------------------------------------------------------------------


@dataclass
class Previewed:
    """What the preview page shows, and the token of its confirm form ("" when
    there is nothing to confirm)."""

    result: ImportResult
    preview: Preview
    notices: list[str] = field(default_factory=list)
    token: str = ""


def _logged_department(department) -> Department | None:
    return department if isinstance(department, Department) else None


def _log_failure(request, *, department, year, result, detail: str) -> None:
    audit_log(
        action="import",
        request=request,
        success=False,
        department=_logged_department(department),
        detail=f"{year or result.year or ''} {result.source}: {detail}",
    )


def _failed(request, shown: Preview, *, department, year, notices) -> Previewed:
    _log_failure(
        request,
        department=department,
        year=year,
        result=shown.result,
        detail=f"{len(shown.problems)} 个问题",
    )
    return Previewed(result=shown.result, preview=shown, notices=notices)


def refused(
    request: HttpRequest,
    *,
    result: ImportResult,
    department: Department | NewDepartment | None,
    year: int | None,
    problems: list[ImportProblem],
) -> Previewed:
    """A preview that cannot be made: the workbook's problems and the page's
    own (e.g. no department could be chosen), audit-logged."""
    shown = Preview(result=result, problems=[*result.problems, *problems])
    return _failed(request, shown, department=department, year=year, notices=[])


def preview_upload(
    request: HttpRequest,
    *,
    content: bytes,
    result: ImportResult,
    department: Department | NewDepartment,
    year: int | None,
    salt: str,
    layout: str = "",
    target: dict | None = None,
    notices: list[str] | None = None,
) -> Previewed:
    """Preview the import of `result` into the department-year.

    A failed preview is audit-logged; a good one stores the upload and signs
    a token carrying `target`, for the confirm step to check against what it
    is asked to do.
    """
    notices = list(notices or [])
    if result.department_name and result.department_name != department.name:
        notices.append(
            DEPARTMENT_DIFFERS.format(
                printed=result.department_name, department=department.name
            )
        )
    shown = preview(result=result, department=department, year=year)
    if not shown.ok:
        return _failed(
            request, shown, department=department, year=year, notices=notices
        )
    store_upload(content, result.sha256)
    token = signing.dumps(
        {
            "user": request.user.pk,
            "sha": result.sha256,
            "name": result.filename,
            "layout": layout,
            **(target or {}),
        },
        salt=salt,
    )
    return Previewed(result=result, preview=shown, notices=notices, token=token)


@dataclass
class Signed:
    """A confirm POST whose token checked out: its payload and the workbook."""

    payload: dict
    result: ImportResult


def signed_upload(request: HttpRequest, *, salt: str, **expected) -> Signed | None:
    """The upload the POSTed token names, read again, or None when the token is
    forged, expired, another user's or another target's (`expected` items must
    equal the payload's), or the stored file is gone."""
    try:
        payload = signing.loads(
            request.POST.get("token", ""), salt=salt, max_age=TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("user") != request.user.pk:
        return None
    if any(payload.get(key) != value for key, value in expected.items()):
        return None
    content = stored_upload(payload.get("sha", ""))
    if content is None:
        return None
    result = read_table(
        content, layout=payload.get("layout") or None, filename=payload.get("name", "")
    )
    return Signed(payload=payload, result=result)


def confirm_upload(
    request: HttpRequest,
    *,
    result: ImportResult,
    department: Department | NewDepartment,
    year: int | None,
) -> Evaluation | Preview:
    """Import for real, replacing what the department-year holds.

    Returns the evaluation, or (nothing saved, failure audit-logged) the
    preview to show again with the reasons, e.g. the workflow's message for
    an evaluation submitted since the preview.
    """
    try:
        evaluation = import_table(
            result=result,
            department=department,
            year=year,
            replace=True,
            actor=request.user,
        )
    except ImportFailed as exc:
        _log_failure(
            request, department=department, year=year, result=result, detail=str(exc)
        )
        shown = preview(result=result, department=department, year=year)
        shown.problems = exc.problems
        return shown
    discard_upload(result.sha256)
    return evaluation
