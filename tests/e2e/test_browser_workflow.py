"""A filler and a reviewer take one evaluation through the whole workflow in a
real browser: fill in, live figures, submit, return, fix, resubmit, approve,
frozen, stamped PDF."""

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from departments.models import Department, Membership
from projects.models import Evaluation
from publishing.seals import seal_ensure_demo
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup_evaluation(transactional_db):
    parent = Department.objects.create(
        code="E2E-ZG", name="测试市测试区人力资源局", region="测试市测试区"
    )
    unit = Department.objects.create(
        code="E2E-DW",
        name="测试市测试区就业服务中心",
        region="测试市测试区",
        parent=parent,
    )
    evaluation = Evaluation.objects.create(department=unit, year=2024)
    filler = factories.UserFactory(username="e2e-filler", full_name="张填报")
    reviewer = factories.UserFactory(username="e2e-reviewer", full_name="李审核")
    Membership.objects.create(user=filler, department=unit, role="filler")
    Membership.objects.create(user=reviewer, department=parent, role="reviewer")
    seal_ensure_demo(unit)  # the department's red seal, as an admin uploads it
    return evaluation


def fill_indicator(
    page,
    index: int,
    level2: str,
    name: str,
    target: str,
    actual: str,
    weight: str,
    score: str,
) -> None:
    prefix = f"#id_indicators-{index}-"
    page.select_option(prefix + "level2", label=level2)
    page.fill(prefix + "name", name)
    page.fill(prefix + "annual_value", target)
    page.fill(prefix + "actual_value", actual)
    page.fill(prefix + "weight", weight)
    page.fill(prefix + "score", score)


def pdf_images(pdf: bytes) -> list[str]:
    listing = subprocess.run(
        ["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [row.split()[2] for row in listing.splitlines()[2:]]


def test_fill_submit_return_fix_approve_and_freeze(new_page, setup_evaluation):
    evaluation = setup_evaluation
    url = f"/e/{evaluation.department.code}/{evaluation.year}/"
    password = factories.PASSWORD

    # --- the filler fills in a project with three indicators -------------------
    filler = new_page("e2e-filler", password)
    expect(filler.get_by_text("测试市测试区就业服务中心")).to_be_visible()
    filler.goto(url)
    filler.click("text=新增项目")
    filler.fill("#id_name", "职业技能培训")
    filler.fill("#id_budget_general", "120")
    filler.fill("#id_actual_general", "114")
    # The rate is recomputed while typing, before anything is saved.
    expect(filler.locator("#execution-rate")).to_have_text("95.00%")
    expect(filler.locator("#budget-total")).to_have_text("120.00")
    filler.fill("#id_annual_goal", "全年培训 100 人以上，就业率不低于 90%。")
    filler.fill("#id_completion", "培训 120 人，就业率 85%。")
    filler.click("#add-indicator")
    filler.click("#add-indicator")
    fill_indicator(
        filler, 0, "产出指标 › 数量指标", "培训人数", "≥100人", "120人", "50", "50"
    )
    fill_indicator(
        filler,
        1,
        "效益指标 › 社会效益指标",
        "培训后就业率",
        "≥90%",
        "85%",
        "30",
        "28.33",
    )
    fill_indicator(
        filler,
        2,
        "满意度指标 › 服务对象满意度指标",
        "学员满意度",
        "≥95%",
        "99%",
        "10",
        "10",
    )
    # 85 / 90 × 30 = 28.33 by the rules, shown next to the entered score.
    expect(filler.locator("#score-indicators-1")).to_have_text("28.33")
    expect(filler.locator("#score-indicators-0")).to_have_text("50.00")
    filler.click("button:has-text('保存')")
    expect(filler.get_by_text("已保存项目“职业技能培训”")).to_be_visible()
    expect(filler.locator("#total-rate")).to_have_text("95.00%")
    filler.click("form.action-submit button")
    expect(filler.locator("#status")).to_have_text("已提交")

    # --- the reviewer returns it with a comment on the project -----------------
    reviewer = new_page("e2e-reviewer", password)
    reviewer.click("text=待审核")
    reviewer.get_by_role("link", name="审核", exact=True).click()
    project_comment = reviewer.locator("textarea[name^='comment-project-']")
    project_comment.fill("就业率未达标，请补充偏差原因。")
    reviewer.fill("#review-comment", "请完善后重新提交。")
    reviewer.click("button[value=return]")
    expect(reviewer.locator("#status")).to_have_text("已退回")

    # --- the filler sees the comment, fixes the figures and resubmits ----------
    filler.goto(url)
    expect(filler.locator("#status")).to_have_text("已退回")
    expect(filler.get_by_text("就业率未达标，请补充偏差原因。").first).to_be_visible()
    filler.click("#projects >> text=编辑")
    filler.fill("#id_actual_general", "118")
    expect(filler.locator("#execution-rate")).to_have_text("98.33%")
    filler.fill("#id_indicators-1-deviation_reason", "受疫情影响，部分学员延后就业。")
    filler.click("button:has-text('保存')")
    expect(filler.locator("#total-rate")).to_have_text("98.33%")
    filler.click("form.action-submit button")
    expect(filler.locator("#status")).to_have_text("已提交")

    # --- the reviewer approves -------------------------------------------------
    reviewer.goto(url)
    reviewer.click("button[value=approve]")
    expect(reviewer.locator("#status")).to_have_text("已审核")

    # --- the approved evaluation is frozen for the filler ----------------------
    filler.goto(url)
    expect(filler.locator("#status")).to_have_text("已审核")
    expect(filler.locator("#projects >> text=编辑")).to_have_count(0)
    project = evaluation.projects.get()
    filler.goto(f"{url}projects/{project.pk}/")
    expect(filler.get_by_text(re.compile("数据已冻结"))).to_be_visible()
    project.refresh_from_db()
    assert project.actual_total == 118

    # --- the stamped PDF downloads from the page --------------------------------
    filler.goto(url)
    with filler.expect_download() as info:
        filler.locator(".table-downloads a", has_text="PDF").first.click()
    download = info.value
    assert download.suggested_filename == (
        "2024年度测试市测试区就业服务中心部门预算项目绩效自评表.pdf"
    )
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf_images(pdf) == ["image", "smask"]  # the seal, with transparency

    # --- history shows the workflow and the change between versions ------------
    filler.goto(f"{url}history/")
    expect(filler.get_by_text("已提交 → 已退回")).to_be_visible()
    expect(filler.get_by_text("projects[职业技能培训].actual_general")).to_be_visible()
