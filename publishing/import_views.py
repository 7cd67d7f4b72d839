"""The filler's Excel import: /tables/<部门编码>/<年度>/import/.

GET shows the upload form; POST reads the workbook, imports it inside a
transaction that is rolled back and shows what would be created or changed
(and every problem, with sheet, row and column). The uploaded bytes are kept
server-side as MEDIA_ROOT/imports/<sha256>.xlsx; the preview page carries a
signed token (user, department, year, SHA-256) and the confirm POST reads
that file again and imports it for real. No path ever comes from the client.

Only a 填报人 of the department may import: a department the user cannot
see is a 404 (as everywhere), a reviewer gets a 403.
"""

import hashlib
import re
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import Department
from departments.selectors import department_list, user_can_fill
from departments.services import audit_log
from projects.models import Evaluation
from publishing.exports import LAYOUTS as LAYOUT_NAMES
from publishing.importer import ImportFailed, import_table, preview, read_table
from publishing.layouts import LAYOUT_KEYS
from publishing.uploads import MAX_UPLOAD_BYTES, TOO_LARGE

NOT_FOUND = "没有找到该部门，或您无权查看该部门的数据。"
NOT_FILLER = "只有本部门的填报人可以导入数据。"
TOKEN_INVALID = "导入确认已失效或不属于本页面，请重新上传文件。"
IMPORTED = "已导入{table}：{evaluation}。"
LOCKED = "{evaluation}{status}，数据已冻结，不能导入。"
DEPARTMENT_DIFFERS = "表格所印部门为“{printed}”，将导入到“{department}”。"
TOKEN_SALT = "publishing.import"
TOKEN_MAX_AGE = 60 * 60  # seconds between preview and confirm
STALE_AFTER = 24 * 60 * 60  # stored uploads older than this are removed
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
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


def _department(request: HttpRequest, code: str, year: int) -> Department:
    department = department_list(user=request.user).filter(code=code).first()
    if department is None or not 2000 <= year <= 2100:
        audit_log(
            action="denied:view",
            request=request,
            success=False,
            detail=f"{code}/{year}",
        )
        raise Http404(NOT_FOUND)
    if not user_can_fill(user=request.user, department=department):
        audit_log(
            action="denied:edit",  # as every filler-only page logs it
            request=request,
            success=False,
            department=department,
            detail=f"{code}/{year}",
        )
        raise PermissionDenied(NOT_FILLER)
    return department


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _store(content: bytes, sha: str) -> None:
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


def _stored(sha: str) -> bytes | None:
    if not _SHA_RE.match(sha or ""):
        return None
    path = imports_dir() / f"{sha}.xlsx"
    try:
        content = path.read_bytes()
    except OSError:
        return None
    return content if hashlib.sha256(content).hexdigest() == sha else None


def _token(request, department: Department, year: int, result, layout: str) -> str:
    return signing.dumps(
        {
            "user": request.user.pk,
            "department": department.pk,
            "year": year,
            "sha": result.sha256,
            "name": result.filename,
            "layout": layout,
        },
        salt=TOKEN_SALT,
    )


def _context(department, year, evaluation, **extra) -> dict:
    locked = evaluation is not None and not evaluation.is_editable
    return {
        "department": department,
        "year": year,
        "evaluation": evaluation,
        "locked": locked,
        "locked_message": LOCKED.format(
            evaluation=evaluation, status=evaluation.get_status_display()
        )
        if locked
        else "",
        "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
        "layout_names": [LAYOUT_NAMES[k] for k in LAYOUT_KEYS],
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def table_import(request: HttpRequest, code: str, year: int) -> HttpResponse:
    department = _department(request, code, year)
    evaluation = Evaluation.objects.filter(department=department, year=year).first()
    if request.method == "GET":
        return render(
            request,
            "publishing/import_form.html",
            _context(department, year, evaluation, form=ImportForm()),
        )
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        too_large = form.has_error("file", code="too_large")
        return render(
            request,
            "publishing/import_form.html",
            _context(department, year, evaluation, form=form),
            status=413 if too_large else 200,
        )
    upload = form.cleaned_data["file"]
    layout = form.cleaned_data["layout"] or ""
    content = upload.read()
    result = read_table(content, layout=layout or None, filename=Path(upload.name).name)
    shown = preview(result=result, department=department, year=year)
    notices = []
    if result.department_name and result.department_name != department.name:
        notices.append(
            DEPARTMENT_DIFFERS.format(
                printed=result.department_name, department=department.name
            )
        )
    token = ""
    if shown.ok:
        _store(content, result.sha256)
        token = _token(request, department, year, result, layout)
    else:
        audit_log(
            action="import",
            request=request,
            success=False,
            department=department,
            detail=f"{year} {result.source}: {len(shown.problems)} 个问题",
        )
    return render(
        request,
        "publishing/import_preview.html",
        _context(
            department,
            year,
            evaluation,
            preview=shown,
            result=result,
            token=token,
            notices=notices,
        ),
    )


@login_required
@require_POST
def table_import_confirm(request: HttpRequest, code: str, year: int) -> HttpResponse:
    department = _department(request, code, year)
    try:
        payload = signing.loads(
            request.POST.get("token", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        payload = None
    content = None
    if (
        payload
        and payload.get("user") == request.user.pk
        and payload.get("department") == department.pk
        and payload.get("year") == year
    ):
        content = _stored(payload.get("sha", ""))
    if content is None:
        evaluation = Evaluation.objects.filter(department=department, year=year).first()
        return render(
            request,
            "publishing/import_form.html",
            _context(
                department, year, evaluation, form=ImportForm(), error=TOKEN_INVALID
            ),
        )
    result = read_table(
        content, layout=payload.get("layout") or None, filename=payload.get("name", "")
    )
    try:
        evaluation = import_table(
            result=result,
            department=department,
            year=year,
            replace=True,
            actor=request.user,
        )
    except ImportFailed as exc:
        audit_log(
            action="import",
            request=request,
            success=False,
            department=department,
            detail=f"{year} {result.source}: {exc}",
        )
        evaluation = Evaluation.objects.filter(department=department, year=year).first()
        shown = preview(result=result, department=department, year=year)
        shown.problems = exc.problems
        return render(
            request,
            "publishing/import_preview.html",
            _context(department, year, evaluation, preview=shown, result=result),
            status=409,
        )
    (imports_dir() / f"{result.sha256}.xlsx").unlink(missing_ok=True)
    messages.success(
        request, IMPORTED.format(table=result.layout_name, evaluation=evaluation)
    )
    return redirect("projects:evaluation", code=code, year=year)
