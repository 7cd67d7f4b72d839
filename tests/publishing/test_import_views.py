"""The filler's upload page: preview, then confirm; scoping and CSRF."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from departments.models import AuditEvent
from projects.models import Evaluation
from publishing import import_flow
from tests.publishing.importing import (
    NEGATIVE_AMOUNT,
    XLSX,
    changed_workbook,
    db_dump,
    fuchi_budget_general,
    negative_workbook,
    token_of,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

CODE, YEAR = "440307-JYZX", 2021


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_FILES_ROOT = None  # the default place, MEDIA_ROOT/imports
    return tmp_path


def url(name: str = "publishing:table_import", code: str = CODE) -> str:
    return reverse(name, kwargs={"code": code, "year": YEAR})


def upload(client, content: bytes, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("自评表.xlsx", content, content_type=XLSX)
    return client.post(url(), {"file": file, **extra})


def test_filler_sees_the_link_and_the_form(client, filler_a):
    client.force_login(filler_a)
    page = client.get(reverse("projects:evaluation", args=[CODE, YEAR]))
    assert url() in page.content.decode()
    assert "导入 Excel" in page.content.decode()
    form = client.get(url())
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()


def test_preview_then_confirm_replaces_the_table(client, filler_a, media):
    client.force_login(filler_a)
    before = db_dump()
    content = changed_workbook()  # saved with a timestamp: build it once
    preview = upload(client, content)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "将替换已有数据" in html
    assert "项目“扶持就业”·全年预算数·一般公共预算" in html
    assert "确认替换" in html
    # The located warning: the printed 合计 row no longer adds up.
    assert (
        "工作表“Sheet1” 第 11 行 第 D 列（项目年度预算金额·合计）：合计行原表 10998.07"
        in html
    )
    assert db_dump() == before  # the preview saved nothing
    stored = list((media / "imports").glob("*.xlsx"))
    assert [p.name for p in stored] == [hashlib.sha256(content).hexdigest() + ".xlsx"]
    done = client.post(
        url("publishing:table_import_confirm"), {"token": token_of(preview)}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("projects:evaluation", args=[CODE, YEAR])
    assert fuchi_budget_general() == "10000.00"
    assert not list((media / "imports").glob("*.xlsx"))
    assert AuditEvent.objects.filter(action="import", success=True, user=filler_a)


def test_department_year_without_evaluation_is_created(client, filler_a):
    Evaluation.objects.filter(department__code=CODE, year=YEAR).delete()
    client.force_login(filler_a)
    preview = upload(client, workbook_bytes("000"))
    assert "将新建" in preview.content.decode()
    assert not Evaluation.objects.filter(department__code=CODE, year=YEAR).exists()
    client.post(url("publishing:table_import_confirm"), {"token": token_of(preview)})
    evaluation = Evaluation.objects.get(department__code=CODE, year=YEAR)
    assert evaluation.projects.count() == 4


def test_bad_workbook_lists_problems_and_offers_no_confirm(client, filler_a, media):
    client.force_login(filler_a)
    before = db_dump()
    page = upload(client, negative_workbook())
    html = page.content.decode()
    assert page.status_code == 200
    assert "无法导入：1 个问题（未保存任何数据）" in html
    assert NEGATIVE_AMOUNT in html
    assert 'name="token"' not in html
    assert not (media / "imports").exists()
    assert AuditEvent.objects.filter(action="import", success=False).exists()
    # Only the failed attempt was logged; the tables are untouched.
    AuditEvent.objects.filter(action="import", success=False).delete()
    assert db_dump() == before


def test_other_departments_filler_gets_404(client, outsider_b):
    client.force_login(outsider_b)
    assert client.get(url()).status_code == 404
    assert upload(client, workbook_bytes("000")).status_code == 404
    assert client.post(url("publishing:table_import_confirm")).status_code == 404


def test_reviewer_gets_403(client, reviewer):
    client.force_login(reviewer)
    assert client.get(url()).status_code == 403
    assert upload(client, workbook_bytes("000")).status_code == 403
    assert AuditEvent.objects.filter(action="denied:edit", user=reviewer).exists()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_upload_without_csrf_token_is_refused(filler_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(filler_a)
    assert upload(client, workbook_bytes("000")).status_code == 403


def test_file_over_the_size_limit_is_refused_before_reading(
    client, filler_a, monkeypatch
):
    monkeypatch.setattr(import_flow, "MAX_UPLOAD_BYTES", 1024)
    client.force_login(filler_a)
    response = upload(client, workbook_bytes("000"))
    assert response.status_code == 413
    assert "超过上限 0 MB" in response.content.decode()


def test_confirm_with_a_forged_or_foreign_token_imports_nothing(client, filler_a):
    client.force_login(filler_a)
    preview = upload(client, changed_workbook())
    token = token_of(preview)
    before = db_dump()
    for forged in ("", token[:-2] + "xx", token.replace(":", ";", 1)):
        response = client.post(
            url("publishing:table_import_confirm"), {"token": forged}
        )
        assert (
            "导入确认已失效或不属于本页面，请重新上传文件。"
            in response.content.decode()
        )
    # The same token for another year of the same department.
    other = reverse(
        "publishing:table_import_confirm", kwargs={"code": CODE, "year": 2020}
    )
    assert "导入确认已失效" in client.post(other, {"token": token}).content.decode()
    assert db_dump() == before


def test_locked_evaluation_shows_why_and_refuses(client, filler_a):
    client.force_login(filler_a)
    preview = upload(client, changed_workbook())
    token = token_of(preview)
    Evaluation.objects.filter(department__code=CODE, year=YEAR).update(
        status=Evaluation.Status.SUBMITTED
    )
    form = client.get(url())
    assert "已提交，数据已冻结，不能导入" in form.content.decode()
    assert 'type="file"' not in form.content.decode()
    before = db_dump()
    refused = client.post(url("publishing:table_import_confirm"), {"token": token})
    assert refused.status_code == 409
    assert "已提交，数据已冻结，任何人都不能修改" in refused.content.decode()
    AuditEvent.objects.filter(action="import", success=False).delete()
    assert db_dump() == before
    assert fuchi_budget_general() == "10470.27"
