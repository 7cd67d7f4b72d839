"""Writes through the services: parsing, validation, Chinese errors."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.cells import pair_numbered, split_numbered
from projects.indicator_codes import CodedIndicator
from tests import factories

pytestmark = pytest.mark.django_db


def test_indicator_create_parses_the_printed_target():
    project = factories.BudgetProjectFactory()
    indicator = services.indicator_create(
        project=project,
        level2_code="11",
        annual_value="培训人数≥100人",
        actual_value="开展一期培训，共120人参加",
    )
    assert indicator.level1.code == "1"
    assert (indicator.operator, indicator.target_number, indicator.unit) == (
        "≥",
        Decimal(100),
        "人",
    )
    assert indicator.computed_score is None  # no weight: descriptive table


def test_weighted_indicator_is_scored_by_the_rules():
    indicator = factories.IndicatorFactory(weight=Decimal(10))
    services.indicator_save(indicator=indicator, reparse=True)
    assert indicator.actual_number == Decimal(120)
    assert indicator.computed_score == Decimal("10.00")
    indicator.actual_value = "80人"
    services.indicator_save(indicator=indicator)
    assert indicator.computed_score == Decimal("8.00")


def test_unknown_indicator_code_is_refused_in_chinese():
    project = factories.BudgetProjectFactory()
    with pytest.raises(ValidationError, match="未知的指标编码：99"):
        services.indicator_create(project=project, level2_code="99")


def test_negative_amount_is_refused_and_nothing_saved():
    evaluation = factories.EvaluationFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.budget_project_create(
            evaluation=evaluation,
            seq=1,
            name="负数项目",
            budget_general=Decimal("-1.00"),
        )
    assert "金额不能为负数" in str(excinfo.value)
    assert not evaluation.projects.exists()


def test_score_above_weight_is_refused():
    indicator = factories.IndicatorFactory(weight=Decimal(5))
    indicator.score = Decimal(6)
    with pytest.raises(ValidationError, match="得分须在 0 与分值之间"):
        services.indicator_save(indicator=indicator)


def test_second_evaluation_for_the_same_department_year_is_refused():
    evaluation = factories.EvaluationFactory()
    with pytest.raises(ValidationError, match="2024 年度的自评已存在"):
        services.evaluation_create(department=evaluation.department, year=2024)


def test_target_indicator_with_a_level2_outside_its_level1_is_refused():
    evaluation = factories.EvaluationFactory()
    bad = CodedIndicator(
        seq=1,
        level1_code="1",
        level1_name="产出指标",
        level2_code="22",
        level2_name="社会效益",
        name="促进就业人数",
        period_value="",
        annual_value="",
    )
    with pytest.raises(ValidationError, match="二级指标 22 不属于一级指标 1"):
        services.target_project_create(
            evaluation=evaluation,
            seq=1,
            name="项目",
            fund_user="单位",
            fiscal=Decimal(1),
            special_account=None,
            other=None,
            goal="",
            indicators=[bad],
        )
    assert not evaluation.target_projects.exists()


def test_split_numbered_needs_consecutive_numbers_on_every_line():
    assert split_numbered("1.甲；\n2.乙。") == ["1.甲；", "2.乙。"]
    assert split_numbered("1.甲\n3.乙") is None
    assert split_numbered("完成") is None
    assert split_numbered("1.甲\n说明") is None


def test_pair_numbered_keeps_an_unclean_pair_whole():
    assert pair_numbered("1.甲\n2.乙", "1.丙\n2.丁") == [
        ("1.甲", "1.丙"),
        ("2.乙", "2.丁"),
    ]
    assert pair_numbered("1.甲\n2.乙", "完成") == [("1.甲\n2.乙", "完成")]
