"""The filler's Excel import: /tables/<部门编码>/<年度>/import/.

GET shows the upload form; POST previews the import (what would be created
or changed, and every problem with sheet, row and column); the confirm POST
imports it for real. The steps, the stored upload and the signed token are
`publishing.import_flow`'s, shared with the admin's import page.

Only a 填报人 of the department may import: a department the user cannot
see is a 404 (as everywhere), a reviewer gets a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import Department
from departments.selectors import department_list, user_can_fill
from departments.services import audit_log
from projects.models import Evaluation
from publishing import import_flow
from publishing.import_flow import IMPORTED, NOT_FOUND, TOKEN_INVALID, ImportForm

NOT_FILLER = "只有本部门的填报人可以导入数据。"
LOCKED = "{evaluation}{status}，数据已冻结，不能导入。"
TOKEN_SALT = "publishing.import"


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


def _context(department, year, **extra) -> dict:
    evaluation = Evaluation.objects.filter(department=department, year=year).first()
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
        **import_flow.help_context(),
        **extra,
    }


def _preview_page(request, department, year, previewed, status=200) -> HttpResponse:
    return render(
        request,
        "publishing/import_preview.html",
        _context(
            department,
            year,
            preview=previewed.preview,
            result=previewed.result,
            token=previewed.token,
            notices=previewed.notices,
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def table_import(request: HttpRequest, code: str, year: int) -> HttpResponse:
    department = _department(request, code, year)
    form = (
        ImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else ImportForm()
    )
    if request.method == "GET" or not form.is_valid():
        return render(
            request,
            "publishing/import_form.html",
            _context(department, year, form=form),
            status=413 if form.too_large else 200,
        )
    content, result = form.read()
    previewed = import_flow.preview_upload(
        request,
        content=content,
        result=result,
        department=department,
        year=year,
        salt=TOKEN_SALT,
        layout=form.cleaned_data["layout"],
        target={"department": department.pk, "year": year},
    )
    return _preview_page(request, department, year, previewed)


@login_required
@require_POST
def table_import_confirm(request: HttpRequest, code: str, year: int) -> HttpResponse:
    department = _department(request, code, year)
    signed = import_flow.signed_upload(
        request, salt=TOKEN_SALT, department=department.pk, year=year
    )
    if signed is None:
        return render(
            request,
            "publishing/import_form.html",
            _context(department, year, form=ImportForm(), error=TOKEN_INVALID),
        )
    result = signed.result
    done = import_flow.confirm_upload(
        request, result=result, department=department, year=year
    )
    if not isinstance(done, Evaluation):
        previewed = import_flow.Previewed(result=result, preview=done)
        return _preview_page(request, department, year, previewed, status=409)
    messages.success(
        request, IMPORTED.format(table=result.layout_name, evaluation=done)
    )
    return redirect("projects:evaluation", code=code, year=year)
