"""Downloads of the official tables: who may, what they get, and its name."""

from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.urls import reverse

from projects.models import Evaluation
from projects.selectors import evaluation_get

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(code="440307-JYZX", year=2021, layout="project_selfeval", fmt="pdf"):
    return reverse("publishing:table_download", args=[code, year, layout, fmt])


def test_url_shape():
    assert url() == "/tables/440307-JYZX/2021/project_selfeval.pdf"


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_filler_downloads_own_table_as_pdf_with_the_chinese_file_name(client, filler_a):
    client.force_login(filler_a)
    response = client.get(url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    name = "2021年度深圳市龙岗区劳动就业服务中心部门预算项目绩效自评表.pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(name)}" in disposition
    assert "no-store" in response["Cache-Control"]


def test_filler_downloads_own_table_as_excel(client, filler_a):
    client.force_login(filler_a)
    response = client.get(url(fmt="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert quote("绩效自评表.xlsx") in response["Content-Disposition"]


def test_filler_of_another_department_gets_404(client, outsider_b):
    client.force_login(outsider_b)
    for fmt in ("pdf", "xlsx"):
        assert client.get(url(fmt=fmt)).status_code == 404
    # …exactly like a department that does not exist.
    assert client.get(url(code="NO-SUCH-DEPT")).status_code == 404


def test_reviewer_sees_the_tables_of_the_units_under_the_department(client, reviewer):
    client.force_login(reviewer)
    assert client.get(url(fmt="xlsx")).status_code == 200


def test_unknown_or_missing_layout_is_404(client, filler_a):
    client.force_login(filler_a)
    assert client.get(url(layout="nonsense")).status_code == 404
    # The department has no target table for 2021.
    assert client.get(url(layout="target")).status_code == 404
    assert client.get(url(year=1999)).status_code == 404


def test_post_is_not_allowed(client, filler_a):
    client.force_login(filler_a)
    assert client.post(url()).status_code == 405


def test_query_count_does_not_grow_with_projects(
    client, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    # 19 projects with their indicators, read in a fixed number of queries.
    with django_assert_max_num_queries(20):
        response = client.get(url("440307-RSJ-BJ", 2020, fmt="xlsx"))
    assert response.status_code == 200


def test_download_buttons_list_the_layouts_the_evaluation_has():
    evaluation = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    html = render_to_string(
        "publishing/_download_buttons.html", {"evaluation": evaluation}
    )
    assert url(fmt="pdf") in html and url(fmt="xlsx") in html
    assert url(layout="project_selfeval_national") in html
    assert url(layout="target") not in html
    assert "草稿" in html  # a draft says it will carry the watermark
    scorecard = Evaluation.objects.get(department__code="440113-RSJ", year=2021)
    html = render_to_string(
        "publishing/_download_buttons.html", {"evaluation": scorecard}
    )
    assert url("440113-RSJ", 2021, "department_selfeval", "pdf") in html


def test_download_buttons_warn_when_an_approved_department_has_no_seal():
    evaluation = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    evaluation.status = "approved"
    evaluation.department.seal = ""
    html = render_to_string(
        "publishing/_download_buttons.html", {"evaluation": evaluation}
    )
    assert "尚未上传公章图片" in html


def test_admin_change_page_shows_the_download_links(client, admin_user):
    client.force_login(admin_user)
    evaluation = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    response = client.get(
        reverse("admin:projects_evaluation_change", args=[evaluation.pk])
    )
    assert response.status_code == 200
    assert url(fmt="xlsx") in response.content.decode()


# --- commands ---------------------------------------------------------------------


def test_export_table_writes_pdf_and_xlsx(tmp_path):
    for fmt, magic in (("pdf", b"%PDF-"), ("xlsx", b"PK")):
        out = tmp_path / f"t.{fmt}"
        call_command(
            "export_table",
            "--layout=target",
            "--department=440113-JYZX",
            "--year=2025",
            f"--format={fmt}",
            f"--output={out}",
        )
        assert out.read_bytes().startswith(magic)


def test_export_table_binary_formats_need_an_output_file():
    with pytest.raises(CommandError, match="--output"):
        call_command(
            "export_table",
            "--layout=target",
            "--department=440113-JYZX",
            "--year=2025",
            "--format=pdf",
        )


def test_export_batch_writes_every_department_of_the_year(tmp_path):
    call_command("export_batch", "--year=2021", f"--output={tmp_path}", "--format=xlsx")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "2021年度广州市番禺区人力资源和社会保障局部门整体支出绩效自评表.xlsx",
        "2021年度深圳市龙岗区劳动就业服务中心部门预算项目绩效自评表.xlsx",
        "2021年度深圳市龙岗区劳动就业服务中心项目支出绩效自评表.xlsx",
        "2021年度深圳市龙岗区职业训练中心部门预算项目绩效自评表.xlsx",
        "2021年度深圳市龙岗区职业训练中心项目支出绩效自评表.xlsx",
    ]


def test_export_batch_zip(tmp_path):
    import zipfile

    call_command(
        "export_batch", "--year=2025", f"--output={tmp_path}", "--zip", "--format=pdf"
    )
    (archive,) = tmp_path.iterdir()
    assert archive.name == "2025年度绩效自评表.zip"
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() == [
            "2025年度广州市番禺区劳动就业服务管理中心项目支出绩效目标表.pdf"
        ]


def test_export_batch_rejects_a_year_without_data(tmp_path):
    with pytest.raises(CommandError):
        call_command("export_batch", "--year=1999", f"--output={tmp_path}")


def test_evaluation_get_prefetch_serves_available_layouts(
    django_assert_num_queries,
):
    from departments.models import Department
    from publishing.exports import available_layouts

    department = Department.objects.get(code="440307-JYZX")
    evaluation = evaluation_get(user=None, department=department, year=2021)
    with django_assert_num_queries(1):  # only the scorecard lookup
        assert available_layouts(evaluation) == [
            "project_selfeval",
            "project_selfeval_national",
        ]
