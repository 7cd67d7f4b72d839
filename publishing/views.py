"""Downloads of the official tables: /tables/<部门编码>/<年度>/<layout>.<pdf|xlsx>.

The evaluation is read only through the user-scoped selector, so a user who
may not see the department gets a 404, exactly as for a department that does
not exist. The file name is the table's Chinese title (RFC 5987
``filename*=utf-8''…``, which Django's FileResponse writes).

An approved evaluation is served from the file of its approval
(`publishing.published`), after its current content was checked against the
approve snapshot. A mismatch answers 409 Conflict: the request is valid and
the server works as designed, but the resource's current state contradicts
its approved version; retrying cannot help, an administrator must look. A 500
would say the server is broken and show Django's generic page instead of the
reason; the refusal is audited and logged at ERROR for the operators anyway.
"""

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from departments.services import audit_log
from projects.selectors import evaluation_get, evaluation_list
from publishing.exports import ExportError, export_data
from publishing.layouts import LAYOUT_KEYS, layout_for
from publishing.published import (
    ExportRefused,
    file_digest,
    table_bytes,
    verify_export,
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
NOT_FOUND = "没有找到该表格，或您无权查看该部门的数据。"


@require_GET
@login_required
def table_download(request, code: str, year: str, layout: str, fmt: str):
    if layout not in LAYOUT_KEYS or fmt not in CONTENT_TYPES:
        raise Http404(NOT_FOUND)
    visible = (
        evaluation_list(user=request.user)
        .filter(department__code=code, year=int(year))
        .first()
    )
    if visible is None:
        audit_log(
            action="denied:download",
            request=request,
            success=False,
            detail=f"{code}/{year}/{layout}.{fmt}",
        )
        raise Http404(NOT_FOUND)
    # The same scoped selector again, now with every table prefetched.
    evaluation = evaluation_get(
        user=request.user, department=visible.department, year=visible.year
    )
    if evaluation is None:
        raise Http404(NOT_FOUND)
    try:
        data = export_data(evaluation, layout)
    except ExportError as exc:
        raise Http404(str(exc)) from exc
    # Checked after the tables were read, so what is rendered was read no
    # later than the content that matched the approval.
    try:
        snapshot = verify_export(evaluation, what=f"{layout}.{fmt}", request=request)
    except ExportRefused as exc:
        return render(
            request,
            "publishing/export_refused.html",
            {"evaluation": evaluation, "refusal": exc},
            status=409,
        )
    content = table_bytes(evaluation, data, fmt, snapshot)
    # Exports are audited (security plan §3: export/print); the file's own
    # hash says exactly which bytes were handed out.
    detail = f"{evaluation} {layout} 文件 SHA-256={file_digest(content)}"
    if snapshot is not None:
        detail += f" 审定版本 SHA-256={snapshot.sha256}"
    audit_log(
        action=f"export:{fmt}",
        request=request,
        department=evaluation.department,
        detail=detail,
    )
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=layout_for(data).filename(data, fmt),
        content_type=CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response
