"""Consistency checks report each kind of disagreement, and only those."""

from decimal import Decimal

import pytest

from projects.models import BudgetProject, Evaluation
from scoring.checks import evaluation_checks, scorecard_checks

pytestmark = pytest.mark.django_db


def codes(evaluation) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.printed, f.computed) for f in evaluation_checks(evaluation)]


@pytest.fixture
def seed_000():
    return Evaluation.objects.get(department__code="440307-JYZX", year=2021)


def test_a_printed_rate_that_disagrees_is_reported(seed_000):
    project = seed_000.projects.get(name="就业服务管理")
    project.published = {**project.published, "execution_rate": "66.33"}
    project.save()
    assert codes(seed_000) == [("rate", "66.33", "66.32")]
    finding = evaluation_checks(seed_000)[0]
    assert "第 2 行“就业服务管理”" in finding.message


def test_a_source_split_that_does_not_add_up_to_its_total_is_reported(seed_000):
    project = seed_000.projects.get(name="贫困劳动力服务")
    project.published = {**project.published, "budget_total": "50.01"}
    project.save()
    assert ("split_sum", "50.01", "50.00") in codes(seed_000)


def test_a_total_row_that_is_not_the_column_sum_is_reported(seed_000):
    totals = seed_000.published_totals
    totals["actual"]["general"] = "10818.69"
    seed_000.published_totals = totals
    seed_000.save()
    assert codes(seed_000) == [("column_sum", "10818.69", "10818.68")]


def test_changing_an_amount_moves_every_derived_figure(seed_000):
    project = seed_000.projects.get(name="其他一般管理事务")
    project.actual_general = Decimal("474.92")
    project.save()
    found = codes(seed_000)
    # Its printed 合计, its printed rate, and the 合计 row now disagree.
    assert ("split_sum", "466.42", "474.92") in found
    assert ("rate", "98.21", "100.00") in found
    assert ("column_sum", "10818.68", "10827.18") in found
    assert ("rate", "98.37", "98.45") in found


def test_zero_budget_printed_with_a_nonzero_rate_is_reported():
    evaluation = Evaluation.objects.get(department__code="440307-ZXZX", year=2021)
    project = evaluation.projects.get(name="教师慰问奖励")
    assert project.execution_rate is None
    project.published = {**project.published, "execution_rate": "5.00"}
    project.save()
    assert codes(evaluation) == [("rate", "5.00", None)]


def test_score_above_weight_in_the_published_scorecard_is_reported():
    evaluation = Evaluation.objects.get(department__code="440113-RSJ", year=2021)
    scorecard = evaluation.scorecard
    items = list(scorecard.items.all())
    # The database refuses such an item; a table being read in still has it,
    # and the check is what names it.
    item = next(i for i in items if i.name == "部门预算编制情况")
    item.weight = Decimal("2.50")
    found = [
        (f.code, f.printed, f.computed) for f in scorecard_checks(scorecard, items)
    ]
    assert ("score_over_weight", "3.00", "2.50") in found
    assert ("weights", "16.00", "15.50") in found


def test_unequal_spending_breakdowns_are_reported():
    evaluation = Evaluation.objects.get(department__code="440113-RSJ", year=2021)
    scorecard = evaluation.scorecard
    scorecard.budget_basic = Decimal("8400.00")
    scorecard.save()
    messages = [f.message for f in evaluation_checks(evaluation)]
    assert any("全年预算数三种口径合计不相等" in m for m in messages)
    assert any("基本支出" in m and "完成率" in m for m in messages)


def test_target_table_unit_row_is_checked_against_its_projects():
    evaluation = Evaluation.objects.get(department__code="440113-JYZX", year=2025)
    project = evaluation.target_projects.get(name="自谋职业随军家属专项补贴")
    project.fiscal = Decimal("3.70")
    project.save()
    found = codes(evaluation)
    assert ("split_sum", "3.60", "3.70") in found
    assert ("column_sum", "22356.47", "22356.57") in found
    assert len([f for f in found if f[0] == "column_sum"]) == 4  # 合计 and unit row


def test_budget_project_total_is_derived_never_typed():
    project = BudgetProject.objects.get(name="扶持就业")
    project.budget_fund = Decimal("1.00")
    assert project.budget_total == Decimal("10471.27")
