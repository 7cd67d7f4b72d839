"""The admin's Excel import of the official tables (部门年度自评 › 导入 Excel).

The same upload → preview → confirm as the filler's page, with the steps of
`publishing.import_flow`, under the admin's permission model: the user needs
both ``projects.add_evaluation`` and ``projects.change_evaluation`` (else 403)
and imports only into departments they may see (`department_list`; a
superuser sees all). A department chosen outside that scope is a 404, as
everywhere, and is audit-logged.

Department and year may be left to the workbook, as ``import_table`` does:
the department is the one named by its 部门名称 line, and when no department
has that name it is created on confirm (`NewDepartment`), but only for a
user who may add departments. A name that belongs to a department outside
the user's scope is refused with the same words as a name nobody has, so the
page does not tell which departments exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import Department
from departments.selectors import department_list
from departments.services import audit_log
from projects.models import Evaluation
from publishing import import_flow
from publishing.import_flow import IMPORTED, NOT_FOUND, TOKEN_INVALID, ImportForm
from publishing.importer import (
    ImportProblem,
    ImportResult,
    NewDepartment,
    derived_code,
    derived_region,
)

IMPORT_TITLE = "导入 Excel（官方表样）"
PREVIEW_TITLE = "导入预览"
NO_PERMISSION = "您没有导入部门年度自评的权限（需要“添加”和“修改”部门年度自评的权限）。"
NO_DEPARTMENT_NAME = (
    "表格中没有部门名称（“部门名称（盖章）：…”一行），请在“部门”中选择。"
)
NOT_YOURS = "您可管理的部门中没有“{name}”，请在“部门”中选择。"
NEW_DEPARTMENT = "部门“{name}”不存在，确认后将新建（编码 {code}，所属地区 {region}）。"
TOKEN_SALT = "publishing.admin_import"
ADD_DEPARTMENT = "departments.add_department"


class AdminImportForm(ImportForm):
    department = forms.ModelChoiceField(
        label="部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="按表格中的部门名称",
        help_text="留空则按表格中“部门名称（盖章）”一行；没有该部门时新建"
        "（需要添加部门的权限）。",
    )
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="留空则按表格标题中的年度；填写时须与标题一致。",
    )
    field_order = ["file", "department", "year", "layout"]

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = departments
        field.label_from_instance = lambda d: f"{d.name}（{d.code}）"


class NoTarget(Exception):
    """No department to import into; `problems` say why."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__("；".join(str(p) for p in problems))


def import_target(
    *,
    user,
    result: ImportResult,
    chosen: Department | None,
    departments,
) -> tuple[Department | NewDepartment, list[str]]:
    """The department to import into (the chosen one, else the one the
    workbook names, within `departments`) and what the page should say about
    it; raises NoTarget."""
    if chosen is not None:
        return chosen, []
    if not result.ok:
        raise NoTarget([])  # the workbook's own problems say enough
    name = result.department_name
    if not name:
        raise NoTarget([ImportProblem(NO_DEPARTMENT_NAME)])
    found = Department.objects.filter(name=name).first()
    if found is not None and departments.filter(pk=found.pk).exists():
        return found, []
    if found is not None or not user.has_perm(ADD_DEPARTMENT):
        raise NoTarget([ImportProblem(NOT_YOURS.format(name=name))])
    notice = NEW_DEPARTMENT.format(
        name=name, code=derived_code(name), region=derived_region(name)
    )
    return NewDepartment(name=name), [notice]


class EvaluationImportAdmin:
    """ModelAdmin mixin for Evaluation: the import pages and their button."""

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "import/",
                wrap(require_http_methods(["GET", "POST"])(self.import_view)),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/confirm/",
                wrap(require_POST(self.import_confirm_view)),
                name="{}_{}_import_confirm".format(*info),
            ),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    def changelist_view(self, request, extra_context=None):
        if self.has_import_permission(request):
            extra_context = {**(extra_context or {}), "import_url": self._url("import")}
        return super().changelist_view(request, extra_context)

    # --- the pages -----------------------------------------------------------

    def _allowed_departments(self, request: HttpRequest):
        if not self.has_import_permission(request):
            audit_log(
                action="denied:import",
                request=request,
                success=False,
                detail=request.path,
            )
            raise PermissionDenied(NO_PERMISSION)
        return department_list(user=request.user)

    def _not_found(self, request: HttpRequest, detail: str):
        audit_log(action="denied:view", request=request, success=False, detail=detail)
        raise Http404(NOT_FOUND)

    def _render(self, request, template: str, context: dict, status: int = 200):
        return TemplateResponse(
            request,
            f"publishing/admin_import_{template}.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": IMPORT_TITLE,
                "import_title": IMPORT_TITLE,
                "changelist_url": self._url("changelist"),
                "restart_url": self._url("import"),
                "confirm_url": self._url("import_confirm"),
                **import_flow.help_context(),
                **context,
            },
            status=status,
        )

    def _refused(self, request, result, year, problems, status=200):
        previewed = import_flow.refused(
            request, result=result, department=None, year=year, problems=problems
        )
        return self._preview_page(request, previewed, None, year, status=status)

    def _preview_page(self, request, previewed, department, year, status=200):
        shown = previewed.preview
        year = shown.year or year or previewed.result.year
        name = department.name if department is not None else ""
        title = PREVIEW_TITLE
        if year and name:
            title = f"{PREVIEW_TITLE}：{year}年度 {name}"
        return self._render(
            request,
            "preview",
            {
                "title": title,
                "preview": shown,
                "result": previewed.result,
                "notices": previewed.notices,
                "token": previewed.token,
            },
            status=status,
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        departments = self._allowed_departments(request)
        if request.method != "POST":
            form = AdminImportForm(departments=departments)
            return self._render(request, "form", {"form": form})
        chosen = request.POST.get("department", "")
        if chosen.isdigit() and not departments.filter(pk=chosen).exists():
            self._not_found(request, f"import department={chosen}")
        form = AdminImportForm(request.POST, request.FILES, departments=departments)
        if not form.is_valid():
            status = 413 if form.too_large else 200
            return self._render(request, "form", {"form": form}, status=status)
        content, result = form.read()
        chosen = form.cleaned_data["department"]
        year = form.cleaned_data["year"]
        try:
            department, notices = import_target(
                user=request.user, result=result, chosen=chosen, departments=departments
            )
        except NoTarget as exc:
            return self._refused(request, result, year, exc.problems)
        previewed = import_flow.preview_upload(
            request,
            content=content,
            result=result,
            department=department,
            year=year,
            salt=TOKEN_SALT,
            layout=form.cleaned_data["layout"],
            target={"department": chosen.pk if chosen else None, "year": year},
            notices=notices,
        )
        return self._preview_page(request, previewed, department, year)

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        departments = self._allowed_departments(request)
        signed = import_flow.signed_upload(request, salt=TOKEN_SALT)
        if signed is None:
            form = AdminImportForm(departments=departments)
            return self._render(request, "form", {"form": form, "error": TOKEN_INVALID})
        chosen, year = signed.payload.get("department"), signed.payload.get("year")
        if chosen is not None:
            # Still in scope? Memberships may have changed since the preview.
            pk, chosen = chosen, departments.filter(pk=chosen).first()
            if chosen is None:
                self._not_found(request, f"import department={pk}")
        result = signed.result
        try:
            department, _ = import_target(
                user=request.user, result=result, chosen=chosen, departments=departments
            )
        except NoTarget as exc:
            return self._refused(request, result, year, exc.problems, status=409)
        done = import_flow.confirm_upload(
            request, result=result, department=department, year=year
        )
        if not isinstance(done, Evaluation):
            previewed = import_flow.Previewed(result=result, preview=done)
            return self._preview_page(request, previewed, department, year, 409)
        messages.success(
            request, IMPORTED.format(table=result.layout_name, evaluation=done)
        )
        return redirect(self._url("change", done.pk))
