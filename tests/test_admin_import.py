"""The admin's Excel import of an official table: the button on the
evaluation list, preview then confirm, the admin's permissions and the
department scope, located problems, frozen evaluations."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from departments.models import AuditEvent, Department, Membership
from projects.models import Evaluation
from publishing import import_admin, import_flow
from publishing.importer import derived_code
from tests import factories
from tests.publishing.importing import (
    NEGATIVE_AMOUNT,
    XLSX,
    changed_workbook,
    db_dump,
    empty_database,
    expected,
    fuchi_budget_general,
    negative_workbook,
    token_of,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db

CODE, YEAR = "440307-JYZX", 2021
IMPORT = reverse("admin:projects_evaluation_import")
CONFIRM = reverse("admin:projects_evaluation_import_confirm")
CHANGELIST = reverse("admin:projects_evaluation_changelist")
EVALUATION_PERMISSIONS = ("add_evaluation", "change_evaluation", "view_evaluation")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_FILES_ROOT = None  # the default place, MEDIA_ROOT/imports
    return tmp_path


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def scoped_staff(department_a):
    """Staff of department A (填报人 there) allowed to add and change
    evaluations in the admin, and nothing else."""
    user = factories.UserFactory(username="staff-a", is_staff=True)
    Membership.objects.create(
        user=user, department=department_a, role=Membership.Role.FILLER
    )
    grant(user, *EVALUATION_PERMISSIONS)
    return user


def upload(client, content: bytes, **fields):
    file = SimpleUploadedFile("自评表.xlsx", content, content_type=XLSX)
    data = {"department": "", "year": "", "layout": "", **fields}
    return client.post(IMPORT, {"file": file, **data})


# --- the button ---------------------------------------------------------------


def test_changelist_offers_the_import_button(admin_client):
    html = admin_client.get(CHANGELIST).content.decode()

    assert f'href="{IMPORT}"' in html
    assert "导入 Excel（官方表样）" in html


def test_changelist_hides_the_button_from_staff_who_may_not_add(client, db):
    user = factories.UserFactory(username="viewer", is_staff=True)
    grant(user, "view_evaluation", "change_evaluation")
    client.force_login(user)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert IMPORT not in response.content.decode()


def test_import_page_renders_in_the_admin(admin_client, department_a):
    response = admin_client.get(IMPORT)
    html = response.content.decode()

    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    assert "预算绩效自评管理系统" in html  # the admin's site header
    assert 'enctype="multipart/form-data"' in html
    assert f'<option value="{department_a.pk}">{department_a.name}（{CODE}）' in html
    assert "按表格中的部门名称" in html
    assert "部门预算项目绩效自评表" in html  # the supported tables


# --- preview, then confirm ----------------------------------------------------


def test_superuser_previews_then_confirms_a_seed_workbook(
    admin_client, admin_user, department_a, media
):
    Evaluation.objects.filter(department=department_a, year=YEAR).delete()
    before = db_dump()

    preview = upload(admin_client, workbook_bytes("000"), department=department_a.pk)

    html = preview.content.decode()
    assert preview.status_code == 200
    assert f"导入预览：{YEAR}年度 {department_a.name}" in html
    assert "将新建" in html
    assert "项目：4 个" in html
    assert "绩效指标：22 个" in html
    assert "确认导入" in html
    assert db_dump() == before  # the preview saved nothing
    assert len(list((media / "imports").glob("*.xlsx"))) == 1

    done = admin_client.post(CONFIRM, {"token": token_of(preview)})

    evaluation = Evaluation.objects.get(department=department_a, year=YEAR)
    assert done.status_code == 302
    assert done["Location"] == reverse(
        "admin:projects_evaluation_change", args=[evaluation.pk]
    )
    names = list(evaluation.projects.order_by("seq").values_list("name", flat=True))
    assert names == expected("000")["project_names"]
    assert not list((media / "imports").glob("*.xlsx"))
    assert AuditEvent.objects.filter(
        action="import", success=True, user=admin_user, department=department_a
    ).exists()
    page = admin_client.get(done["Location"])
    assert "已导入部门预算项目绩效自评表" in page.content.decode()


def test_replacing_existing_data_waits_for_confirm(admin_client, department_a):
    preview = upload(admin_client, changed_workbook(), department=department_a.pk)

    html = preview.content.decode()
    assert "将替换已有数据" in html
    assert "项目“扶持就业”·全年预算数·一般公共预算" in html
    assert "确认替换" in html
    assert fuchi_budget_general() == "10470.27"

    admin_client.post(CONFIRM, {"token": token_of(preview)})

    assert fuchi_budget_general() == "10000.00"


def test_department_and_year_come_from_the_workbook_in_an_empty_database(
    admin_client,
):
    empty_database()
    name = expected("002")["department_name"]

    preview = upload(admin_client, workbook_bytes("002"))

    html = preview.content.decode()
    assert f"部门“{name}”不存在，确认后将新建（编码 {derived_code(name)}" in html
    assert "项目：9 个" in html
    assert not Department.objects.exists()

    admin_client.post(CONFIRM, {"token": token_of(preview)})

    department = Department.objects.get(name=name)
    assert department.code == derived_code(name)
    assert department.region == "深圳市龙岗区"
    assert Evaluation.objects.get(department=department).year == 2021


def test_workbook_named_department_in_scope_is_used(client, scoped_staff):
    client.force_login(scoped_staff)

    preview = upload(client, changed_workbook())

    assert "将替换已有数据" in preview.content.decode()
    client.post(CONFIRM, {"token": token_of(preview)})
    assert fuchi_budget_general() == "10000.00"


def test_chosen_year_must_agree_with_the_title(admin_client, department_a):
    before = db_dump()

    preview = upload(
        admin_client, workbook_bytes("000"), department=department_a.pk, year=2020
    )

    html = preview.content.decode()
    assert "表格所印年度为 2021 年，与要导入的 2020 年度不一致。" in html
    assert 'name="token"' not in html
    AuditEvent.objects.filter(action="import", success=False).delete()
    assert db_dump() == before


# --- problems -----------------------------------------------------------------


def test_bad_workbook_shows_the_located_problem_and_saves_nothing(
    admin_client, department_a, media
):
    before = db_dump()

    page = upload(admin_client, negative_workbook(), department=department_a.pk)

    html = page.content.decode()
    assert page.status_code == 200
    assert "无法导入：1 个问题（未保存任何数据）" in html
    assert NEGATIVE_AMOUNT in html
    assert 'name="token"' not in html
    assert not (media / "imports").exists()
    failed = AuditEvent.objects.filter(action="import", success=False)
    assert failed.filter(department=department_a).exists()
    failed.delete()
    assert db_dump() == before


def test_file_that_is_no_workbook_is_refused_in_chinese(admin_client):
    page = upload(admin_client, b"a,b,c\n1,2,3\n")

    assert "文件不是 Excel 工作簿（.xlsx）" in page.content.decode()
    assert 'name="token"' not in page.content.decode()


def test_file_over_the_size_limit_gets_413(admin_client, monkeypatch):
    monkeypatch.setattr(import_flow, "MAX_UPLOAD_BYTES", 1024)

    response = upload(admin_client, workbook_bytes("000"))

    assert response.status_code == 413
    assert "超过上限 0 MB" in response.content.decode()


def test_import_over_an_approved_evaluation_is_refused(admin_client, department_a):
    preview = upload(admin_client, changed_workbook(), department=department_a.pk)
    token = token_of(preview)
    Evaluation.objects.filter(department=department_a, year=YEAR).update(
        status=Evaluation.Status.APPROVED
    )
    before = db_dump()

    again = upload(admin_client, changed_workbook(), department=department_a.pk)
    refused = admin_client.post(CONFIRM, {"token": token})

    frozen = "已审核，数据已冻结，任何人都不能修改。"
    assert frozen in again.content.decode()
    assert 'name="token"' not in again.content.decode()
    assert refused.status_code == 409
    assert frozen in refused.content.decode()
    AuditEvent.objects.filter(action="import", success=False).delete()
    assert db_dump() == before
    assert fuchi_budget_general() == "10470.27"


def test_forged_or_foreign_token_imports_nothing(
    admin_client, admin_user, department_a
):
    preview = upload(admin_client, changed_workbook(), department=department_a.pk)
    token = token_of(preview)
    # The same user's token from the filler's page (another salt) does not
    # work here either.
    Membership.objects.create(
        user=admin_user, department=department_a, role=Membership.Role.FILLER
    )
    filler_preview = admin_client.post(
        reverse("publishing:table_import", kwargs={"code": CODE, "year": YEAR}),
        {"file": SimpleUploadedFile("x.xlsx", changed_workbook(), content_type=XLSX)},
    )
    before = db_dump()

    for forged in ("", token[:-2] + "xx", token_of(filler_preview)):
        response = admin_client.post(CONFIRM, {"token": forged})
        assert import_flow.TOKEN_INVALID in response.content.decode()
    assert db_dump() == before


# --- permissions and scope ----------------------------------------------------


@pytest.mark.parametrize(
    "codenames",
    [(), ("view_evaluation", "change_evaluation"), ("add_evaluation",)],
    ids=["none", "no-add", "no-change"],
)
def test_staff_without_both_permissions_gets_403(client, department_a, codenames):
    user = factories.UserFactory(username="staff", is_staff=True)
    Membership.objects.create(
        user=user, department=department_a, role=Membership.Role.FILLER
    )
    grant(user, *codenames)
    client.force_login(user)
    before = db_dump()

    assert client.get(IMPORT).status_code == 403
    assert upload(client, changed_workbook()).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action="denied:import", user=user).count() == 3
    AuditEvent.objects.filter(action="denied:import").delete()
    assert db_dump() == before


def test_anonymous_user_is_sent_to_the_admin_login(client):
    response = client.get(IMPORT)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_scoped_staff_sees_only_their_departments(client, scoped_staff, department_b):
    client.force_login(scoped_staff)

    html = client.get(IMPORT).content.decode()

    assert CODE in html
    assert f'value="{department_b.pk}"' not in html


def test_scoped_staff_cannot_import_into_another_department(
    client, scoped_staff, department_b
):
    client.force_login(scoped_staff)
    before = db_dump()

    response = upload(client, workbook_bytes("003"), department=department_b.pk)

    assert response.status_code == 404
    denied = AuditEvent.objects.filter(action="denied:view", user=scoped_staff)
    assert denied.exists()
    denied.delete()
    assert db_dump() == before


def test_workbook_naming_another_department_is_refused_for_scoped_staff(
    client, scoped_staff, media
):
    client.force_login(scoped_staff)
    before = db_dump()

    page = upload(client, workbook_bytes("003"))  # 广州市番禺区…, not theirs

    html = page.content.decode()
    name = expected("003")["department_name"]
    assert import_admin.NOT_YOURS.format(name=name) in html
    assert 'name="token"' not in html
    assert not (media / "imports").exists()
    AuditEvent.objects.filter(action="import", success=False).delete()
    assert db_dump() == before


def test_scoped_staff_may_not_create_a_department(client, scoped_staff):
    """A printed name no department has is refused like a foreign one: only
    a user who may add departments gets a new one."""
    Department.objects.filter(code="440307-ZXZX").update(name="已改名的部门")
    client.force_login(scoped_staff)

    page = upload(client, workbook_bytes("002"))

    name = expected("002")["department_name"]
    assert import_admin.NOT_YOURS.format(name=name) in page.content.decode()
    assert not Department.objects.filter(name=name).exists()


def test_confirm_after_losing_the_department_is_404(client, scoped_staff, department_a):
    client.force_login(scoped_staff)
    preview = upload(client, changed_workbook(), department=department_a.pk)
    Membership.objects.filter(user=scoped_staff).delete()

    response = client.post(CONFIRM, {"token": token_of(preview)})

    assert response.status_code == 404
    assert fuchi_budget_general() == "10470.27"


def test_upload_without_csrf_token_is_refused(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert upload(client, workbook_bytes("000")).status_code == 403
