"""A superuser imports an official table through the admin in a real browser:
the button on the evaluation list, the upload form, the preview, confirm.

Set PERFEVAL_SCREENSHOTS to a folder to keep a screenshot of each page."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.publishing.importing import (
    NEGATIVE_AMOUNT,
    changed_workbook,
    fuchi_budget_general,
    negative_workbook,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _shoot(page, name: str) -> None:
    folder = os.environ.get("PERFEVAL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _write(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_superuser_imports_a_table_in_the_admin(new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    factories.UserFactory(username="e2e-root", is_staff=True, is_superuser=True)
    changed = _write(tmp_path, "自评表.xlsx", changed_workbook())
    broken = _write(tmp_path, "有错的自评表.xlsx", negative_workbook())
    page = new_page("e2e-root", factories.PASSWORD)
    errors: list[str] = []  # a refused inline style or script shows up here
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto("/admin/projects/evaluation/")
    _shoot(page, "admin-evaluation-changelist")
    page.click("#import-link")
    expect(page.locator("#content h1")).to_have_text("导入 Excel（官方表样）")
    _shoot(page, "admin-import-form")

    page.set_input_files("#id_file", broken)
    page.click("#import-form input[type=submit]")
    expect(page.locator("#import-problems")).to_contain_text(NEGATIVE_AMOUNT)
    expect(page.locator("#import-confirm")).to_have_count(0)
    _shoot(page, "admin-import-problems")

    page.click("#import-problems a")  # 重新上传
    page.select_option(
        "#id_department", label="深圳市龙岗区劳动就业服务中心（440307-JYZX）"
    )
    page.set_input_files("#id_file", changed)
    page.click("#import-form input[type=submit]")
    expect(page.locator("#import-summary h2")).to_have_text("将替换已有数据")
    expect(page.locator("#import-changes")).to_contain_text(
        "项目“扶持就业”·全年预算数·一般公共预算"
    )
    _shoot(page, "admin-import-preview")

    page.click("#import-confirm button[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text(
        "已导入部门预算项目绩效自评表：2021年度"
    )
    _shoot(page, "admin-import-done")
    assert fuchi_budget_general() == "10000.00"
    assert errors == []
