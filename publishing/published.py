"""Files of approved evaluations: provably what was approved, rendered once.

Before an approved (or published) evaluation is exported in any form — page
download, batch, the commands — the SHA-256 of its current canonical content
(`projects.snapshots`) is compared with that of its latest approve snapshot.
A difference means the rows changed behind the services' back (raw SQL, a
DBA, a bug, a migration): the export is refused, audited and logged, because
the department has already published that table with its seal.

A verified table is rendered once per (evaluation, approve snapshot and its
hash, layout, format, seal image) and kept on disk, so every later download
returns the same bytes without rendering again. Reopening and approving again
writes a new snapshot and therefore new files. The full hash is written into
the files' metadata, so a published file can be matched to its approval.

Drafts, submitted and returned evaluations are not checked and not cached:
they carry the 草稿 watermark and change until they are approved.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings

from departments.services import audit_log
from projects.models import Evaluation, EvaluationSnapshot
from projects.snapshots import content_hash, evaluation_content
from publishing.sheets import build

logger = logging.getLogger(__name__)

TAMPERED = (
    "该自评的数据与审定时的版本不一致（可能被绕过流程修改），已拒绝导出盖章表格，"
    "请联系管理员核查。"
)
NO_SNAPSHOT = (
    "该自评状态为已审核，但没有审定版本快照，无法证明导出内容即审定内容，"
    "已拒绝导出盖章表格，请联系管理员核查（核实后可重新打开并重新审核）。"
)
AUDIT_ACTION = "denied:export"
NO_SEAL = "noseal"


class ExportRefused(Exception):
    """An approved evaluation whose content no longer matches its approval."""

    def __init__(self, message: str, *, evaluation: Evaluation, approved, current):
        self.message = message
        self.evaluation = evaluation
        self.approved = approved  # the approve snapshot's SHA-256, or None
        self.current = current
        super().__init__(f"{evaluation}：{message}")


def approval_snapshot(evaluation: Evaluation) -> EvaluationSnapshot | None:
    """The latest approve snapshot of an approved or published evaluation.

    None for any other status: a reopened evaluation's old approval no longer
    stands for what the pages show.
    """
    if not evaluation.is_approved:
        return None
    return (
        EvaluationSnapshot.objects.filter(
            evaluation=evaluation, kind=EvaluationSnapshot.Kind.APPROVED
        )
        .select_related("created_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def verify_export(
    evaluation: Evaluation,
    *,
    what: str,
    user=None,
    request=None,
    username: str = "",
) -> EvaluationSnapshot | None:
    """The approve snapshot the evaluation's current content still matches,
    None for an evaluation that is not approved; otherwise audit the refusal
    and raise ExportRefused.

    `what` names the export in the audit row ("project_selfeval.pdf", "批量导出").
    """
    if not evaluation.is_approved:
        return None
    snapshot = approval_snapshot(evaluation)
    current = content_hash(evaluation_content(evaluation))
    if snapshot is not None and snapshot.sha256 == current:
        return snapshot
    approved = snapshot.sha256 if snapshot is not None else None
    message = TAMPERED if snapshot is not None else NO_SNAPSHOT
    detail = (
        f"integrity: {evaluation} {what} 审定版本 SHA-256={approved or '无'} "
        f"当前数据 SHA-256={current}"
    )
    # Outside any transaction of the caller's: the refusal must be kept.
    audit_log(
        action=AUDIT_ACTION,
        user=user,
        request=request,
        success=False,
        department=evaluation.department,
        detail=detail,
        username=username,
    )
    # An alert for the operators too: this is data changed behind the workflow.
    logger.error("Export refused, %s", detail)
    raise ExportRefused(
        message, evaluation=evaluation, approved=approved, current=current
    )


def render(
    evaluation: Evaluation,
    data: dict,
    fmt: str,
    *,
    approved_sha256: str | None = None,
) -> bytes:
    """The bytes of one table in `fmt` ("pdf" or "xlsx"), rendered now."""
    document = build(data)
    if fmt == "pdf":
        from publishing.pdf import render_document, seal_url

        return render_document(
            document,
            seal=seal_url(evaluation.department),
            approved_sha256=approved_sha256,
        )
    from publishing.xlsx import render_workbook, seal_path

    return render_workbook(
        document,
        seal_path=seal_path(evaluation.department),
        approved_sha256=approved_sha256,
    )


def table_bytes(
    evaluation: Evaluation,
    data: dict,
    fmt: str,
    snapshot: EvaluationSnapshot | None,
) -> bytes:
    """One table of `data` in `fmt`: rendered now for a draft (snapshot None),
    else the stored file of this approval, rendered and stored on first use.

    `snapshot` must come from `verify_export` for this evaluation.
    """
    if snapshot is None:
        return render(evaluation, data, fmt)
    path = cache_path(evaluation, snapshot, data["layout"], fmt)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    content = render(evaluation, data, fmt, approved_sha256=snapshot.sha256)
    return _store(path, content)


def cache_path(
    evaluation: Evaluation, snapshot: EvaluationSnapshot, layout: str, fmt: str
) -> Path:
    """published/<evaluation>/<snapshot>-<sha256>/<layout>-<seal>.<fmt>.

    The seal image is part of the key so that a seal uploaded after the first
    download is not missing from the published file for ever.
    """
    root = getattr(settings, "PUBLISHED_FILES_ROOT", None) or (
        Path(settings.MEDIA_ROOT) / "published"
    )
    seal = _seal_digest(evaluation.department)
    return (
        Path(root)
        / str(evaluation.pk)
        / f"{snapshot.pk}-{snapshot.sha256}"
        / f"{layout}-{seal}.{fmt}"
    )


def _seal_digest(department) -> str:
    from publishing.xlsx import seal_path

    path = seal_path(department)
    if path is None:
        return NO_SEAL
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _store(path: Path, content: bytes) -> bytes:
    """Write `content` to `path` atomically and return what `path` now holds.

    The file is written under a temporary name in the same directory and then
    hard-linked into place, which fails if it exists: of two first downloads
    racing, the first file stays and both requests return its bytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            return path.read_bytes()
        except OSError:
            # A file system without hard links: a plain atomic rename.
            os.replace(temp, path)
        return content
    finally:
        Path(temp).unlink(missing_ok=True)


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
