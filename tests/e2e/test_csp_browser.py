"""The Content-Security-Policy in a real browser: a filler, a reviewer and an
administrator go through the pages they use, including the live recomputation
of the project form and the admin's scripts (select all, autocomplete, inline
rows, the export field picker), and Chromium reports no violation."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from departments.models import Department, Membership
from projects import workflow
from projects.models import Evaluation
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

CODE, YEAR = "440307-JYZX", 2021
EVALUATION_URL = f"/e/{CODE}/{YEAR}/"
WORKBOOK = Path(__file__).parents[1] / "workbooks/seed_000_longgang_jiuye_2021.xlsx"

# Runs in every document before the page's own scripts; the event is what
# the browser fires for each blocked script, style, handler, frame or form.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(
    [e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample]
      .join(" ")
  );
});
"""


class Watched:
    """A logged-in page whose CSP violations, CSP console errors and document
    responses without the policy are collected across navigations."""

    def __init__(self, browser, base_url: str):
        self.violations: list[str] = []
        self.unprotected: list[str] = []
        self.context = browser.new_context(base_url=base_url, locale="zh-CN")
        self.context.expose_function(
            "__cspViolation", lambda text: self.violations.append(self._here(text))
        )
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _here(self, text: str) -> str:
        return f"{self.page.url}: {text}"

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.violations.append(self._here(message.text))

    def _response(self, response) -> None:
        if response.request.resource_type != "document":
            return
        policy = response.headers.get("content-security-policy", "")
        if "default-src 'self'" not in policy or "'unsafe-inline'" in policy:
            self.unprotected.append(f"{response.status} {response.url}: {policy!r}")

    def goto(self, url: str):
        response = self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        return response

    def login(self, login_url: str, username: str) -> None:
        self.goto(login_url)
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", factories.PASSWORD)
        self.page.click("[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self) -> None:
        # Violation events are queued tasks: let the last ones arrive.
        self.page.wait_for_timeout(300)
        assert self.violations == []
        assert self.unprotected == []


@pytest.fixture
def watched(browser, live_server):
    opened: list[Watched] = []

    def make() -> Watched:
        opened.append(Watched(browser, live_server.url))
        return opened[-1]

    yield make
    for w in opened:
        w.context.close()


@pytest.fixture
def actors(transactional_db):
    unit = Department.objects.get(code=CODE)
    filler = factories.UserFactory(username="csp-filler")
    reviewer = factories.UserFactory(username="csp-reviewer")
    Membership.objects.create(user=filler, department=unit, role="filler")
    Membership.objects.create(user=reviewer, department=unit.parent, role="reviewer")
    admin = factories.UserFactory(
        username="csp-admin", is_staff=True, is_superuser=True
    )
    return filler, reviewer, admin


def test_filler_and_reviewer_pages_raise_no_csp_violation(watched, actors):
    filler_user, _, _ = actors

    filler = watched()
    filler.login("/accounts/login/", "csp-filler")
    page = filler.page
    expect(page.get_by_text("我的自评")).to_be_visible()  # the home page
    filler.goto(EVALUATION_URL)
    expect(page.locator("#status")).to_have_text("草稿")

    # The project form: live recomputation posts the form to the preview
    # endpoint (connect-src) and writes the answer into the page.
    page.locator("#projects a", has_text="编辑").first.click()
    page.wait_for_load_state("networkidle")
    for field, value in zip(
        ("general", "fund", "special", "other"), ("1", "2", "3", "4"), strict=True
    ):
        page.fill(f"#id_actual_{field}", value)
    expect(page.locator("#actual-total")).to_have_text("10.00")
    rows = page.locator("#indicators tbody tr").count()
    page.click("#add-indicator")
    expect(page.locator("#indicators tbody tr")).to_have_count(rows + 1)

    filler.goto(f"{EVALUATION_URL}history/")
    # The Excel import: upload page, then its preview.
    filler.goto(f"/tables/{CODE}/{YEAR}/import/")
    page.set_input_files("input[type=file]", str(WORKBOOK))
    page.click("#import-form [type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("导入")
    response = filler.goto("/no-such-page/")
    assert response.status == 404
    filler.assert_clean()

    # --- the reviewer reviews the submitted evaluation -------------------------
    evaluation = Evaluation.objects.get(department__code=CODE, year=YEAR)
    workflow.evaluation_transition(
        evaluation=evaluation, action="submit", actor=filler_user
    )
    reviewer = watched()
    reviewer.login("/accounts/login/", "csp-reviewer")
    page = reviewer.page
    page.click("text=待审核")
    page.get_by_role("link", name="审核", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.fill("#review-comment", "请补充偏差原因。")
    page.click("button[value=return]")
    expect(page.locator("#status")).to_have_text("已退回")
    reviewer.assert_clean()


def test_admin_pages_and_their_scripts_raise_no_csp_violation(watched, actors):
    admin = watched()
    admin.login("/admin/login/?next=/admin/", "csp-admin")
    page = admin.page
    expect(page.locator("#site-name")).to_contain_text("预算绩效自评管理系统")

    # Changelist: the action checkboxes (actions.js).
    admin.goto("/admin/projects/budgetproject/")
    page.check("#action-toggle")
    expect(page.locator(".action-counter")).to_contain_text("选中了")
    page.select_option("select[name=action]", index=1)

    # Change form: the select2 autocomplete and an inline row (inlines.js).
    page.locator("#result_list tbody th a").first.click()
    page.wait_for_load_state("networkidle")
    page.click(".field-evaluation .select2-selection")
    page.keyboard.type(CODE)
    expect(page.locator(".select2-results__option").first).to_contain_text(
        f"{YEAR}年度"
    )
    page.keyboard.press("Escape")
    rows = page.locator(".inline-related tbody tr.form-row").count()
    page.locator(".add-row a").first.click()
    expect(page.locator(".inline-related tbody tr.form-row")).to_have_count(rows + 1)
    history = page.url.replace("/change/", "/history/")
    admin.goto(history)

    # The export page's "select all" box, bound by a static file.
    admin.goto("/admin/projects/budgetproject/export/")
    fields = ".selectable-field-export-row input[type=checkbox]"
    total = page.locator(fields).count()
    assert total > 1
    page.uncheck("input.select-toggle")
    expect(page.locator(f"{fields}:checked")).to_have_count(0)
    page.check("input.select-toggle")
    expect(page.locator(f"{fields}:checked")).to_have_count(total)
    admin.goto("/admin/projects/budgetproject/import/")

    # The findings of a table, coloured by the admin stylesheet, not inline.
    evaluation = Evaluation.objects.get(department__code=CODE, year=YEAR)
    admin.goto(f"/admin/projects/evaluation/{evaluation.pk}/change/")
    shown = page.locator(".field-findings .findings-ok, .field-findings ul")
    assert shown.count() == 1
    admin.goto("/admin/projects/evaluation/")
    admin.goto(f"/admin/scoring/scorecard/?q={CODE}")
    admin.assert_clean()
