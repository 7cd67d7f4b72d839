"""Published tables of approved evaluations: provably what was approved.

Every export of an approved evaluation checks its current content against the
approve snapshot; the files of an approval are rendered once and then served
byte for byte; the approval's SHA-256 is in the files' metadata.
"""

import io
import shutil
import subprocess
import zipfile
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from departments.models import AuditEvent, Membership
from projects import services, workflow
from projects.models import BudgetProject, Evaluation, EvaluationSnapshot
from projects.snapshots import content_hash, evaluation_content
from publishing import published
from tests import factories

pytestmark = pytest.mark.django_db

CODE, YEAR = "440307-JYZX", 2021


def url(fmt="xlsx", layout="project_selfeval", code=CODE, year=YEAR):
    return reverse("publishing:table_download", args=[code, year, layout, fmt])


def get(client, *args, **kwargs) -> tuple[int, bytes]:
    response = client.get(url(*args, **kwargs))
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content)
    return response.status_code, response.content


@pytest.fixture
def seed_000():
    return Evaluation.objects.get(department__code=CODE, year=YEAR)


@pytest.fixture
def approved(seed_000, filler_a, reviewer) -> Evaluation:
    """Seed 000 submitted by its filler and approved by the reviewer."""
    for action, actor in (("submit", filler_a), ("approve", reviewer)):
        workflow.evaluation_transition(evaluation=seed_000, action=action, actor=actor)
    seed_000.refresh_from_db()
    return seed_000


def approval(evaluation) -> EvaluationSnapshot:
    return evaluation.snapshots.filter(kind="approved").latest("created_at", "pk")


def tamper(evaluation) -> None:
    """Change an amount behind the services' back, as raw SQL would."""
    updated = BudgetProject.objects.filter(
        evaluation=evaluation, name="扶持就业"
    ).update(actual_general=F("actual_general") + Decimal("1.00"))
    assert updated == 1


def stored_files(settings) -> list:
    return sorted(p for p in settings.PUBLISHED_FILES_ROOT.rglob("*") if p.is_file())


def workbook_sha(content: bytes) -> str:
    props = load_workbook(io.BytesIO(content)).properties
    return props.identifier


# --- downloads of an approved table -------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_approved_table_is_rendered_once_and_served_byte_identical(
    client, filler_a, approved, settings, fmt
):
    client.force_login(filler_a)
    status, first = get(client, fmt)
    assert status == 200
    assert len(stored_files(settings)) == 1
    with mock.patch.object(
        published, "render", side_effect=AssertionError("rendered again")
    ) as renderer:
        status, second = get(client, fmt)
    assert status == 200
    assert second == first
    renderer.assert_not_called()


def test_export_audit_row_names_the_file_hash_and_the_approval(
    client, filler_a, approved
):
    client.force_login(filler_a)
    _, content = get(client)
    row = AuditEvent.objects.get(action="export:xlsx", user=filler_a)
    assert published.file_digest(content) in row.detail
    assert approval(approved).sha256 in row.detail


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils missing")
def test_pdf_metadata_carries_the_approval_hash(client, filler_a, approved):
    client.force_login(filler_a)
    _, pdf = get(client, "pdf")
    info = subprocess.run(
        ["pdfinfo", "-custom", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    sha = approval(approved).sha256
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert fields["ApprovedSHA256"].strip() == sha
    assert fields["Keywords"].strip() == f"审定版本SHA-256:{sha}"


def test_xlsx_properties_carry_the_approval_hash(client, filler_a, approved):
    client.force_login(filler_a)
    _, content = get(client, "xlsx")
    book = load_workbook(io.BytesIO(content))
    sha = approval(approved).sha256
    assert book.properties.identifier == sha
    assert book.properties.keywords == f"审定版本SHA-256:{sha}"
    assert book.custom_doc_props["ApprovedSHA256"].value == sha


def test_approved_download_query_count_does_not_grow_with_projects(client, admin_user):
    """The check hashes every project and indicator, in a fixed number of
    queries: seed 001 (19 projects) costs what seed 000 (2 projects) does."""
    counts = []
    for code, year in ((CODE, YEAR), ("440307-RSJ-BJ", 2020)):
        evaluation = Evaluation.objects.get(department__code=code, year=year)
        _mark_approved(evaluation, admin_user)
        client.force_login(admin_user)
        with CaptureQueriesContext(connection) as queries:
            status, _ = get(client, code=code, year=year)
        assert status == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _mark_approved(evaluation, actor) -> None:
    """Approved with its snapshot, without the submission checks (seed 001
    has findings that would stop a submit)."""
    Evaluation.objects.filter(pk=evaluation.pk).update(status="approved")
    evaluation.refresh_from_db()
    content = evaluation_content(evaluation)
    EvaluationSnapshot.objects.create(
        evaluation=evaluation,
        kind="approved",
        content=content,
        sha256=content_hash(content),
        created_by=actor,
    )


# --- tampering ----------------------------------------------------------------------


def test_tampered_approved_table_is_refused_even_when_already_stored(
    client, filler_a, approved, settings
):
    client.force_login(filler_a)
    assert get(client)[0] == 200  # rendered and stored
    tamper(approved)
    response = client.get(url())
    assert response.status_code == 409
    assert published.TAMPERED in response.content.decode()
    # Both hashes are on the page and in the audit row.
    approved_sha = approval(approved).sha256
    current_sha = content_hash(evaluation_content(approved))
    assert approved_sha != current_sha
    row = AuditEvent.objects.get(action="denied:export", user=filler_a)
    assert row.success is False
    assert row.department == approved.department
    assert approved_sha in row.detail and current_sha in row.detail
    page = response.content.decode()
    assert approved_sha in page and current_sha in page
    assert AuditEvent.objects.filter(action="export:xlsx").count() == 1


def test_tampered_published_table_is_refused_too(client, approved, reviewer):
    workflow.evaluation_transition(
        evaluation=approved, action="publish", actor=reviewer
    )
    tamper(approved)
    client.force_login(reviewer)
    assert client.get(url("pdf")).status_code == 409


def test_approved_evaluation_without_an_approve_snapshot_is_refused(
    client, seed_000, filler_a
):
    Evaluation.objects.filter(pk=seed_000.pk).update(status="approved")
    client.force_login(filler_a)
    response = client.get(url())
    assert response.status_code == 409
    assert published.NO_SNAPSHOT in response.content.decode()
    assert AuditEvent.objects.filter(action="denied:export", success=False).exists()


def test_export_table_command_refuses_a_tampered_evaluation(approved, tmp_path):
    tamper(approved)
    for fmt in ("pdf", "xlsx", "json"):
        out = tmp_path / f"t.{fmt}"
        with pytest.raises(CommandError, match=published.TAMPERED) as refused:
            call_command(
                "export_table",
                "--layout=project_selfeval",
                f"--department={CODE}",
                f"--year={YEAR}",
                f"--format={fmt}",
                f"--output={out}",
            )
        assert refused.value.returncode == 1  # manage.py exits 1
        assert not out.exists()
    rows = AuditEvent.objects.filter(action="denied:export", success=False)
    assert rows.count() == 3
    assert {r.username for r in rows} == {"manage.py export_table"}


@pytest.mark.parametrize("as_zip", [False, True])
def test_export_batch_refuses_the_whole_year_and_writes_nothing(
    approved, tmp_path, as_zip
):
    tamper(approved)
    args = ["--year=2021", f"--output={tmp_path}", "--format=xlsx"]
    with pytest.raises(CommandError, match=published.TAMPERED) as refused:
        call_command("export_batch", *args, *(["--zip"] if as_zip else []))
    assert str(approved) in str(refused.value)
    assert list(tmp_path.iterdir()) == []
    assert AuditEvent.objects.filter(
        action="denied:export", username="manage.py export_batch"
    ).exists()


def test_export_batch_serves_the_stored_files_of_an_approved_evaluation(
    client, filler_a, approved, tmp_path
):
    client.force_login(filler_a)
    _, downloaded = get(client)
    with mock.patch.object(published, "render", wraps=published.render) as renderer:
        call_command("export_batch", "--year=2021", f"--output={tmp_path}", "--zip")
    (archive,) = tmp_path.iterdir()
    with zipfile.ZipFile(archive) as z:
        name = "2021年度深圳市龙岗区劳动就业服务中心部门预算项目绩效自评表.xlsx"
        assert z.read(name) == downloaded
    # The other departments are drafts, rendered now; seed 000's xlsx was not.
    rendered = [
        (c.args[0].pk, c.args[1]["layout"], c.args[2]) for c in renderer.mock_calls
    ]
    assert (approved.pk, "project_selfeval", "xlsx") not in rendered


def test_export_table_json_of_an_approved_evaluation_names_its_approval(
    approved, tmp_path
):
    import json

    out = tmp_path / "t.json"
    call_command(
        "export_table",
        "--layout=project_selfeval",
        f"--department={CODE}",
        f"--year={YEAR}",
        f"--output={out}",
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["approval"]["sha256"] == approval(approved).sha256


# --- reopen and approve again -----------------------------------------------------


def test_reopen_edit_and_reapprove_gives_a_new_hash_and_new_files(
    client, approved, filler_a, reviewer, admin_user, settings
):
    client.force_login(filler_a)
    _, old_xlsx = get(client, "xlsx")
    old_sha = approval(approved).sha256
    workflow.evaluation_transition(
        evaluation=approved, action="reopen", actor=admin_user, comment="更正实际支出"
    )
    project = approved.projects.get(name="扶持就业")
    project.actual_general += Decimal("1.00")
    services.budget_project_save(project=project)
    for action, actor in (("submit", filler_a), ("approve", reviewer)):
        workflow.evaluation_transition(evaluation=approved, action=action, actor=actor)
    new_sha = approval(approved).sha256
    assert new_sha != old_sha
    status, new_xlsx = get(client, "xlsx")
    assert status == 200
    assert new_xlsx != old_xlsx
    assert workbook_sha(old_xlsx) == old_sha
    assert workbook_sha(new_xlsx) == new_sha
    # The file of the first approval is kept; the new one is stored beside it.
    files = stored_files(settings)
    assert len(files) == 2
    assert any(new_sha in str(p) for p in files)


def test_reopened_evaluation_exports_as_a_draft_again(
    client, approved, filler_a, admin_user, settings
):
    workflow.evaluation_transition(
        evaluation=approved, action="reopen", actor=admin_user, comment="更正"
    )
    tamper(approved)  # a draft may change: no check, no stored file
    client.force_login(filler_a)
    status, content = get(client)
    assert status == 200
    assert workbook_sha(content) is None
    assert stored_files(settings) == []


# --- drafts ---------------------------------------------------------------------------


def test_draft_export_is_rendered_each_time_and_not_checked(
    client, seed_000, filler_a, settings
):
    tamper(seed_000)
    client.force_login(filler_a)
    with mock.patch.object(published, "render", wraps=published.render) as renderer:
        for _ in range(2):
            status, content = get(client)
            assert status == 200
    assert renderer.call_count == 2
    assert renderer.call_args.kwargs.get("approved_sha256") is None
    assert workbook_sha(content) is None
    assert stored_files(settings) == []
    assert not AuditEvent.objects.filter(action="denied:export").exists()


def test_no_seed_is_approved_without_its_approve_snapshot():
    """seed_demo loads the published tables as drafts (they are approved
    through the workflow, which writes the snapshot), so every approved
    evaluation can prove what it publishes."""
    assert Evaluation.objects.exists()
    assert not (
        Evaluation.objects.filter(status__in=["approved", "published"])
        .exclude(snapshots__kind="approved")
        .exists()
    )


# --- the approval on the page -------------------------------------------------------


def test_download_buttons_show_the_approval_hash_and_time(approved, reviewer):
    snapshot = approval(approved)
    html = render_to_string(
        "publishing/_download_buttons.html", {"evaluation": approved}
    )
    assert "审定版本 SHA-256：" in html
    assert snapshot.sha256[:12] in html
    assert f'title="{snapshot.sha256}"' in html
    from django.utils import timezone

    assert timezone.localtime(snapshot.created_at).strftime("%Y-%m-%d %H:%M") in html
    assert str(reviewer) in html


def test_download_buttons_of_a_draft_show_no_approval(seed_000):
    html = render_to_string(
        "publishing/_download_buttons.html", {"evaluation": seed_000}
    )
    assert "审定版本" not in html


def test_evaluation_page_and_admin_show_the_approval_hash(client, approved, admin_user):
    sha = approval(approved).sha256
    client.force_login(admin_user)
    page = client.get(reverse("projects:evaluation", args=[CODE, YEAR]))
    assert sha[:12] in page.content.decode()
    admin = client.get(reverse("admin:projects_evaluation_change", args=[approved.pk]))
    assert sha[:12] in admin.content.decode()


# --- the store ----------------------------------------------------------------------


def test_store_keeps_the_first_file_when_two_renders_race(tmp_path):
    target = tmp_path / "a" / "t.xlsx"
    assert published._store(target, b"first") == b"first"
    # A second render finishing later returns the stored bytes, not its own.
    assert published._store(target, b"second") == b"first"
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["t.xlsx"]  # no temp left


def test_a_seal_uploaded_later_gives_a_new_stored_file(approved):
    snapshot = approval(approved)
    with_seal = published.cache_path(approved, snapshot, "project_selfeval", "pdf")
    approved.department.seal = ""
    without = published.cache_path(approved, snapshot, "project_selfeval", "pdf")
    assert with_seal != without
    assert without.name == f"project_selfeval-{published.NO_SEAL}.pdf"


def test_a_filler_of_another_department_still_gets_404_not_the_stored_file(
    client, approved, filler_a, department_b
):
    client.force_login(filler_a)
    assert get(client)[0] == 200
    user = factories.UserFactory(username="filler-b2", is_staff=True)
    Membership.objects.create(
        user=user, department=department_b, role=Membership.Role.FILLER
    )
    client.force_login(user)
    assert client.get(url()).status_code == 404
