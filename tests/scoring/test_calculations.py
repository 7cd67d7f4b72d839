"""Unit tests for the pure scoring engine, checked against the seed tables.

Figures come from ../shared/seeds (published tables, 万元 and %). No database.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.calculations import (
    CENT,
    DEFAULT_RULES,
    HUNDRED,
    Direction,
    Operator,
    ParsedValue,
    QualitativeLevel,
    ScoringRules,
    adjustment_in_range,
    budget_completion_score,
    carryover_score,
    direction_of,
    execution_rate,
    execution_score,
    grade,
    needs_deviation_explanation,
    parse_indicator_value,
    project_total,
    q2,
    qualitative_band,
    qualitative_score_in_band,
    quantitative_score,
    scorecard_total,
    suggested_qualitative_score,
    to_decimal,
    total_execution_rate,
)

D = Decimal
# No example database: the test run must not write files into the repository.
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def target(text: str) -> ParsedValue:
    return parse_indicator_value(text)


# --------------------------------------------------------------------------
# q2 and to_decimal
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.665", "2.67"),
        ("98.385", "98.39"),
        ("42.757", "42.76"),
        ("2.675", "2.68"),  # banker's rounding would give 2.68 too; 2.665 -> 2.66
        ("0.005", "0.01"),
        ("-2.665", "-2.67"),  # half up = away from zero, as 四舍五入 on magnitudes
        ("1.004", "1.00"),
    ],
)
def test_q2_rounds_half_up_to_cents(value: str, expected: str) -> None:
    result = q2(D(value))
    assert result == D(expected)
    assert result.as_tuple().exponent == -2


def test_q2_differs_from_python_default_bankers_rounding() -> None:
    assert round(D("2.665"), 2) == D("2.66")  # the trap q2 exists to avoid
    assert q2(D("2.665")) == D("2.67")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10,470.27", D("10470.27")),
        ("98.39%", D("98.39")),
        (" 0 ", D(0)),
        ("0.00", D(0)),
        ("24314.66", D("24314.66")),
        ("1,000,000", D(1000000)),
        ("-5", D(-5)),
        ("\uff19\uff18.39\uff05", D("98.39")),  # full-width digits and percent
        (42, D(42)),
        (D("1.50"), D("1.50")),
    ],
)
def test_to_decimal_reads_printed_figures(
    raw: str | int | Decimal, expected: Decimal
) -> None:
    assert to_decimal(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "不适用", "—"])
def test_to_decimal_returns_none_for_empty_and_not_applicable(
    raw: str | None,
) -> None:
    assert to_decimal(raw) is None


@pytest.mark.parametrize(
    "raw", ["完成", "abc", "1e5", "NaN", "Infinity", "1,2", "12.3.4", ".", "%", "5万"]
)
def test_to_decimal_rejects_non_numeric_text(raw: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        to_decimal(raw)


@pytest.mark.parametrize("raw", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_to_decimal_rejects_non_finite_decimals(raw: Decimal) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_decimal(raw)


@pytest.mark.parametrize("raw", [1.5, float("nan"), float("inf"), True])
def test_to_decimal_refuses_floats_and_bools(raw: object) -> None:
    with pytest.raises(TypeError):
        to_decimal(raw)  # type: ignore[arg-type]


@PROPERTY
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_to_decimal_round_trips_thousands_separated_amounts(amount: Decimal) -> None:
    assert to_decimal(f"{amount:,.2f}") == amount


# --------------------------------------------------------------------------
# Operators and target parsing (§6.3)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "direction"),
    [
        (Operator.GE, Direction.POSITIVE),
        (Operator.GT, Direction.POSITIVE),
        (Operator.EQ, Direction.EQUAL),
        (Operator.LE, Direction.REVERSE),
        (Operator.LT, Direction.REVERSE),
        (Operator.QUALITATIVE, Direction.QUALITATIVE),
    ],
)
def test_direction_of_maps_operator_to_scoring_direction(
    op: Operator, direction: Direction
) -> None:
    assert direction_of(op) is direction


@pytest.mark.parametrize(
    ("text", "operator", "number", "unit"),
    [
        # seed 000
        ("≥1500人", Operator.GE, "1500", "人"),
        ("≤3%", Operator.LE, "3", "%"),
        ("服务对象满意度≥95%", Operator.GE, "95", "%"),
        ("服务对象\n满意度≥\n95%", Operator.GE, "95", "%"),  # wrapped by extraction
        ("培训人数≥100人", Operator.GE, "100", "人"),
        ("跟踪服务贫困劳动力不少于1000人次", Operator.GE, "1000", "人次"),
        # seed 001
        ("满意度≥90%", Operator.GE, "90", "%"),
        ("相关办公设备使用人满意度高\uff0c满意度>95%", Operator.GT, "95", "%"),
        ("接受法律援助对象满意度不低于90%。", Operator.GE, "90", "%"),
        ("仲裁、调解案件结案满意度达90%以上", Operator.GE, "90", "%"),
        # seed 003
        ("≥3万人次", Operator.GE, "3", "万人次"),
        ("100%按文件标准", Operator.EQ, "100", "%"),
        # seed 004
        ("不低于98.00%", Operator.GE, "98.00", "%"),
        ("2期", Operator.EQ, "2", "期"),
        ("100%", Operator.EQ, "100", "%"),
        ("本区高校毕业生首次就业率\uff1e90%", Operator.GT, "90", "%"),  # full-width >
        ("\uff1e2.5万人次", Operator.GT, "2.5", "万人次"),
        ("劳动仲裁人均办案数达50件/年以上", Operator.GE, "50", "件/年"),
        ("16500家", Operator.EQ, "16500", "家"),
        ("0", Operator.EQ, "0", ""),
        # other spellings named in the spec
        ("=100%", Operator.EQ, "100", "%"),
        ("\uff1d100%", Operator.EQ, "100", "%"),
        ("\uff1c5%", Operator.LT, "5", "%"),
        ("<5%", Operator.LT, "5", "%"),
        (">=90%", Operator.GE, "90", "%"),
        ("<=3%", Operator.LE, "3", "%"),
        ("不高于5%", Operator.LE, "5", "%"),
        ("不超过10个工作日", Operator.LE, "10", "个工作日"),
        ("1000人次以上", Operator.GE, "1000", "人次"),
        ("5%以下", Operator.LE, "5", "%"),
        ("1,500人", Operator.EQ, "1500", "人"),
    ],
)
def test_parse_indicator_value_reads_operator_number_and_unit(
    text: str, operator: Operator, number: str, unit: str
) -> None:
    parsed = parse_indicator_value(text)
    assert parsed.operator is operator
    assert parsed.number == D(number)
    assert parsed.unit == unit
    assert parsed.text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "完成当年市下达任务",  # seed 003
        "按时完成",
        "完成",
        "不适用",
        "",
        # numbered lists (seed 000 row 1): several numbers -> not one target
        "1.促进户籍失业人员实现就业≥1500人\uff1b2.全区登记失业率≤3%。",
        "1. 招考工作满意度≥90%\uff1b 2. 投诉有效处置反馈率100%。",
        # a number inside a sentence or a deadline is not a target figure
        "2021年底之前完成两次培训。",
        "12月底前完成",
        "2021年",
        "1.完成",
    ],
)
def test_parse_indicator_value_falls_back_to_qualitative(text: str) -> None:
    parsed = parse_indicator_value(text)
    assert parsed.operator is Operator.QUALITATIVE
    assert parsed.number is None
    assert parsed.unit == ""


@PROPERTY
@given(st.text(max_size=40))
def test_parse_indicator_value_never_raises_on_arbitrary_text(text: str) -> None:
    parsed = parse_indicator_value(text)
    assert (parsed.number is None) == (parsed.operator is Operator.QUALITATIVE)


# --------------------------------------------------------------------------
# 预算执行率 (§2.3, §6.2)
# --------------------------------------------------------------------------

# (budget, actual, printed rate) from seed 000 (2021, 劳动就业服务中心).
SEED_000_ROWS = [
    ("10,470.27", "10,301.19", "98.39"),
    ("2.88", "1.91", "66.32"),
    ("50.00", "49.16", "98.32"),
    ("474.92", "466.42", "98.21"),
]

# (budget, actual, printed rate, excluded) from seed 001 (2020, 人力资源局本级).
# Rows 18 and 19 are "市下达至我局自有账户资金" whose spending is
# "不纳入预算支出执行考核" (备注 2).
SEED_001_ROWS = [
    ("565.37", "558.23", "98.74", False),
    ("15", "14.49", "96.6", False),
    ("54.61", "47.32", "86.65", False),
    ("28", "27.87", "99.54", False),
    ("54.5", "53.74", "98.61", False),
    ("124.5", "124.44", "99.95", False),
    ("130", "129.91", "99.93", False),
    ("35.77", "35.43", "99.05", False),
    ("24314.66", "24314.66", "100", False),
    ("482.01", "472.4", "98.01", False),
    ("314.5", "311.71", "99.11", False),
    ("14", "12.9", "92.14", False),
    ("24.21", "22.97", "94.88", False),
    ("32905.5", "32896.28", "99.97", False),
    ("50.9", "49.09", "96.44", False),
    ("822.1", "815.75", "99.23", False),
    ("2.12", "2.12", "100", False),
    ("70", "29.93", "42.76", True),
    ("38787.89", "25807.29", "66.53", True),
]

# (budget, actual, printed rate) from seed 002 (2021, 职业训练中心), rows 1-6, 8, 9.
SEED_002_ROWS = [
    ("7.57", "7.45", "98.41"),
    ("30.43", "30.00", "98.59"),
    ("882.83", "874.10", "99.01"),
    ("107.20", "95.57", "89.15"),
    ("210.35", "197.11", "93.71"),
    ("207.25", "196.91", "95.01"),
    ("568.00", "480.87", "84.66"),
    ("288.00", "232.34", "80.67"),
]

# seed 004 年度部门整体支出规模: 完成率 per column.
SEED_004_SCALE = [
    ("59787.13", "58290.02", "97.50"),  # 财政拨款
    ("1509.62", "1467.73", "97.23"),  # 其他资金
    ("8365.42", "8004.69", "95.69"),  # 基本支出
    ("52931.33", "51753.06", "97.77"),  # 项目支出
    ("51382.93", "49849.43", "97.02"),  # 区本级支出
    ("9913.82", "9908.32", "99.94"),  # 转移支付区
]


@pytest.mark.parametrize(
    ("budget", "actual", "printed"),
    SEED_000_ROWS + [row[:3] for row in SEED_001_ROWS] + SEED_002_ROWS + SEED_004_SCALE,
)
def test_execution_rate_reproduces_printed_seed_rates(
    budget: str, actual: str, printed: str
) -> None:
    rate = execution_rate(budget=to_decimal(budget), actual=to_decimal(actual))
    assert rate == D(printed)
    assert rate is not None
    assert rate.as_tuple().exponent == -2


def test_execution_rate_of_zero_budget_is_not_applicable() -> None:
    # seed 002 row 7 (教师慰问奖励): budget 0.00, actual 0.00.
    assert execution_rate(budget=D("0.00"), actual=D("0.00")) is None


@pytest.mark.parametrize(
    ("budget", "actual"), [(None, D(5)), (D(0), D(5)), (D(10), None)]
)
def test_execution_rate_is_none_without_a_usable_budget_or_actual(
    budget: Decimal | None, actual: Decimal | None
) -> None:
    assert execution_rate(budget=budget, actual=actual) is None


@pytest.mark.parametrize(
    ("budget", "actual", "expected"),
    [
        ("200", "196.77", "98.39"),  # exactly 98.385 -> up
        ("1000", "26.65", "2.67"),  # exactly 2.665 -> up
        ("1000", "26.64", "2.66"),
    ],
)
def test_execution_rate_rounds_exact_halves_up(
    budget: str, actual: str, expected: str
) -> None:
    assert execution_rate(budget=D(budget), actual=D(actual)) == D(expected)


def test_execution_rate_above_budget_is_reported_uncapped() -> None:
    assert execution_rate(budget=D(100), actual=D("112.5")) == D("112.50")


def test_total_execution_rate_of_seed_000_uses_column_sums() -> None:
    rows = [(to_decimal(b), to_decimal(a), False) for b, a, _ in SEED_000_ROWS]
    assert total_execution_rate(rows) == D("98.37")  # 10,818.68 / 10,998.07


def test_total_execution_rate_leaves_excluded_rows_out() -> None:
    rows = [(D(b), D(a), excluded) for b, a, _, excluded in SEED_001_ROWS]
    assert sum(b for b, _, _ in rows) == D("98795.64")  # printed 合计
    assert sum(a for _, a, _ in rows) == D("85726.53")
    # 59,889.31 / 59,937.75; with the excluded rows it would be 86.77.
    assert total_execution_rate(rows) == D("99.92")
    everything = [(b, a, False) for b, a, _ in rows]
    assert total_execution_rate(everything) == D("86.77")


def test_total_execution_rate_is_none_when_budget_sum_is_zero() -> None:
    assert total_execution_rate([(D(0), D(0), False), (D(5), D(5), True)]) is None
    assert total_execution_rate([]) is None


@pytest.mark.parametrize(
    ("rate", "weight", "expected"),
    [
        ("98.37", "10", "9.84"),
        ("98.385", "10", "9.84"),  # 9.8385 -> 9.84
        ("66.32", "10", "6.63"),
        ("100", "10", "10.00"),
        ("112.50", "10", "10.00"),  # spending above budget never exceeds w
        ("0", "10", "0.00"),
        ("-5", "10", "0.00"),
    ],
)
def test_execution_score_is_weight_times_capped_rate(
    rate: str, weight: str, expected: str
) -> None:
    assert execution_score(rate=D(rate), weight=D(weight)) == D(expected)


def test_execution_score_is_none_when_rate_not_applicable() -> None:
    assert execution_score(rate=None, weight=D(10)) is None


# --------------------------------------------------------------------------
# Quantitative indicators (§6.3)
# --------------------------------------------------------------------------

LINEAR = DEFAULT_RULES
RATIO = ScoringRules(reverse_rule="ratio")


@pytest.mark.parametrize(
    ("target_text", "actual", "weight", "expected"),
    [
        ("≥1500人", "4875", "10", "10.00"),  # seed 000: 4875 people, achieved
        ("≥1500人", "1500", "10", "10.00"),
        ("≥1500人", "1200", "10", "8.00"),
        ("≥1500人", "1000", "3", "2.00"),
        ("≥3", "2", "1", "0.67"),  # 0.666… -> 0.67
        ("满意度>95%", "95", "10", "10.00"),  # X ≥ A counts as achieved (§6.3)
        ("≥0", "0", "5", "5.00"),  # zero target is always met
        ("≥1500人", "-20", "10", "0.00"),  # negative actual counts as 0
        ("=100%", "100", "5", "5.00"),
        ("=100%", "90", "5", "4.50"),
        ("=100%", "120", "5", "5.00"),  # A > 0 is scored as positive
    ],
)
def test_quantitative_score_positive_and_equal_targets(
    target_text: str, actual: str, weight: str, expected: str
) -> None:
    score = quantitative_score(
        target=target(target_text), actual=D(actual), weight=D(weight)
    )
    assert score == D(expected)


@pytest.mark.parametrize(
    ("actual", "expected"), [("0", "2.00"), ("-1", "2.00"), ("0.01", "0.00")]
)
def test_quantitative_score_equal_zero_target_is_all_or_nothing(
    actual: str, expected: str
) -> None:
    # seed 004: 欠薪应急周转金使用率 0 / 0 -> full 0.5; any use -> 0.
    assert quantitative_score(target=target("0"), actual=D(actual), weight=D(2)) == D(
        expected
    )


@pytest.mark.parametrize(
    ("actual", "linear", "ratio"),
    [
        ("0.43", "10.00", "10.00"),  # seed 000: 失业率 0.43% ≤ 3%
        ("3", "10.00", "10.00"),
        ("4", "6.67", "7.50"),  # linear (1 - 1/3)·10; ratio 3/4·10
        ("4.5", "5.00", "6.67"),
        ("6", "0.00", "5.00"),  # X = 2A
        ("9", "0.00", "3.33"),
        ("-1", "10.00", "10.00"),
    ],
)
def test_quantitative_score_reverse_target_under_both_rules(
    actual: str, linear: str, ratio: str
) -> None:
    goal = target("≤3%")
    assert quantitative_score(
        target=goal, actual=D(actual), weight=D(10), rules=LINEAR
    ) == D(linear)
    assert quantitative_score(
        target=goal, actual=D(actual), weight=D(10), rules=RATIO
    ) == D(ratio)


@pytest.mark.parametrize("rules", [LINEAR, RATIO])
def test_quantitative_score_reverse_zero_target_never_divides_by_zero(
    rules: ScoringRules,
) -> None:
    goal = target("≤0")
    assert quantitative_score(target=goal, actual=D(0), weight=D(4), rules=rules) == (
        D("4.00")
    )
    assert quantitative_score(target=goal, actual=D(1), weight=D(4), rules=rules) == (
        D("0.00")
    )


def test_quantitative_score_accepts_parsed_actual_values() -> None:
    # seed 004: 本区高校毕业生首次就业率 > 90% (full-width in the seed) / 93.7%
    score = quantitative_score(
        target=target("本区高校毕业生首次就业率\uff1e90%"),
        actual=parse_indicator_value("本区高校毕业生首次就业率93.7%"),
        weight=D(1),
    )
    assert score == D("1.00")
    # seed 004: 日常巡查企业数量 16500家 / 12670家 -> proportional 0.38 of 0.5
    # (the reviewer entered 0.4 by judgement; the engine offers the ratio).
    assert quantitative_score(
        target=target("16500家"),
        actual=parse_indicator_value("12670家"),
        weight=D("0.5"),
    ) == D("0.38")


def test_quantitative_score_rescales_wan_units() -> None:
    # seed 003 target ≥3万人次 against an actual printed in 人次.
    assert quantitative_score(
        target=target("≥3万人次"),
        actual=parse_indicator_value("28500人次"),
        weight=D(2),
    ) == D("1.90")


def test_quantitative_score_is_none_for_incomparable_units() -> None:
    assert (
        quantitative_score(
            target=target("≥95%"), actual=parse_indicator_value("96人"), weight=D(2)
        )
        is None
    )


@pytest.mark.parametrize(
    ("target_text", "actual"),
    [
        ("完成当年市下达任务", D(100)),  # unparseable target -> qualitative
        ("按时完成", D(1)),
        ("≥1500人", parse_indicator_value("完成")),  # actual without a number
    ],
)
def test_quantitative_score_is_none_for_qualitative_or_missing_figures(
    target_text: str, actual: ParsedValue | Decimal
) -> None:
    assert quantitative_score(
        target=target(target_text), actual=actual, weight=D(5)
    ) is (None)


def test_quantitative_score_rejects_negative_weight() -> None:
    with pytest.raises(ValueError, match="weight"):
        quantitative_score(target=target("≥1"), actual=D(1), weight=D(-1))


def test_scoring_rules_reject_unknown_reverse_rule() -> None:
    with pytest.raises(ValueError, match="reverse_rule"):
        ScoringRules(reverse_rule="stepwise")


def test_scoring_rules_reject_unsorted_grade_thresholds() -> None:
    with pytest.raises(ValueError, match="descending"):
        ScoringRules(grade_thresholds=((D(60), "中"), (D(90), "优")))


SCORED_OPERATORS = [Operator.GE, Operator.GT, Operator.EQ, Operator.LE, Operator.LT]
targets_a = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False)
actuals_x = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)
weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False)


@PROPERTY
@given(
    op=st.sampled_from(SCORED_OPERATORS),
    a=targets_a,
    x=actuals_x,
    w=weights,
    rules=st.sampled_from([LINEAR, RATIO]),
)
def test_quantitative_score_always_within_zero_and_weight(
    op: Operator, a: Decimal, x: Decimal, w: Decimal, rules: ScoringRules
) -> None:
    goal = ParsedValue(op, a, "%", f"{op}{a}%")
    score = quantitative_score(target=goal, actual=x, weight=w, rules=rules)
    assert score is not None
    assert D(0) <= score <= w
    assert score == q2(score)


@PROPERTY
@given(
    op=st.sampled_from(SCORED_OPERATORS),
    a=targets_a,
    x=actuals_x,
    w=weights,
    rules=st.sampled_from([LINEAR, RATIO]),
)
def test_quantitative_score_gives_full_marks_when_target_met(
    op: Operator, a: Decimal, x: Decimal, w: Decimal, rules: ScoringRules
) -> None:
    goal = ParsedValue(op, a, "", str(a))
    met = x <= a if direction_of(op) is Direction.REVERSE else x >= a
    if op is Operator.EQ and a == 0:
        met = x <= 0
    score = quantitative_score(target=goal, actual=x, weight=w, rules=rules)
    assert (score == q2(w)) if met else (score is not None and score <= w)


# --------------------------------------------------------------------------
# Qualitative indicators (§6.4)
# --------------------------------------------------------------------------


def test_qualitative_band_follows_the_three_levels() -> None:
    w = D(10)
    assert qualitative_band(QualitativeLevel.ACHIEVED, w) == (D(8), D(10), True)
    assert qualitative_band(QualitativeLevel.PARTIAL, w) == (D(6), D(8), False)
    assert qualitative_band(QualitativeLevel.NOT_ACHIEVED, w) == (D(0), D(6), False)


@pytest.mark.parametrize(
    ("level", "score", "inside"),
    [
        (QualitativeLevel.ACHIEVED, "10", True),
        (QualitativeLevel.ACHIEVED, "8", True),
        (QualitativeLevel.ACHIEVED, "7.99", False),
        (QualitativeLevel.ACHIEVED, "10.01", False),
        (QualitativeLevel.PARTIAL, "6", True),
        (QualitativeLevel.PARTIAL, "7.99", True),
        (QualitativeLevel.PARTIAL, "8", False),  # 0.8w belongs to 达成
        (QualitativeLevel.NOT_ACHIEVED, "0", True),
        (QualitativeLevel.NOT_ACHIEVED, "5.99", True),
        (QualitativeLevel.NOT_ACHIEVED, "6", False),
        (QualitativeLevel.NOT_ACHIEVED, "-0.01", False),
    ],
)
def test_qualitative_score_in_band_checks_band_edges(
    level: QualitativeLevel, score: str, inside: bool
) -> None:
    assert qualitative_score_in_band(level, D(score), D(10)) is inside


def test_qualitative_score_with_zero_weight_must_be_zero() -> None:
    assert qualitative_score_in_band(QualitativeLevel.NOT_ACHIEVED, D(0), D(0))
    assert not qualitative_score_in_band(QualitativeLevel.ACHIEVED, D(1), D(0))


@pytest.mark.parametrize(
    ("level", "weight", "expected"),
    [
        (QualitativeLevel.ACHIEVED, "10", "10.00"),
        (QualitativeLevel.PARTIAL, "10", "7.00"),
        (QualitativeLevel.NOT_ACHIEVED, "10", "3.00"),
        (QualitativeLevel.PARTIAL, "0.25", "0.18"),  # 0.175 -> 0.18
        (QualitativeLevel.NOT_ACHIEVED, "0.25", "0.08"),  # 0.075 -> 0.08
    ],
)
def test_suggested_qualitative_score_is_w_07w_03w(
    level: QualitativeLevel, weight: str, expected: str
) -> None:
    assert suggested_qualitative_score(level, D(weight)) == D(expected)


@PROPERTY
@given(
    level=st.sampled_from(list(QualitativeLevel)),
    w=st.decimals(min_value=D("0.1"), max_value=100, places=2, allow_nan=False),
)
def test_suggested_qualitative_score_lies_in_its_band(
    level: QualitativeLevel, w: Decimal
) -> None:
    assert qualitative_score_in_band(level, suggested_qualitative_score(level, w), w)


# --------------------------------------------------------------------------
# 偏差原因 required (§6.3, §10.2)
# --------------------------------------------------------------------------


def test_deviation_explanation_required_when_score_below_weight() -> None:
    assert needs_deviation_explanation(score=D("0.4"), weight=D("0.5"))
    assert not needs_deviation_explanation(score=D("0.5"), weight=D("0.5"))
    assert not needs_deviation_explanation(score=None, weight=D("0.5"))


@pytest.mark.parametrize(
    ("target_text", "actual", "required"),
    [
        ("≥1500人", "4875", True),  # seed 000: 3.25 times the target
        ("≥1500人", "1950", True),  # exactly 1.3 A
        ("≥1500人", "1949", False),
        ("本区高校毕业生首次就业率\uff1e90%", "93.7", False),
        ("≤3%", "0.43", False),  # reverse targets are never over-achieved
        ("≥0", "5", False),
        ("完成当年市下达任务", "5", False),
    ],
)
def test_deviation_explanation_required_for_far_over_achieved_positive_targets(
    target_text: str, actual: str, required: bool
) -> None:
    assert (
        needs_deviation_explanation(
            score=D(10), weight=D(10), target=target(target_text), actual=D(actual)
        )
        is required
    )


def test_deviation_over_achievement_ratio_is_configurable() -> None:
    rules = ScoringRules(over_achievement_ratio=D(2))
    goal = target("≥1500人")
    kwargs = {"score": D(10), "weight": D(10), "target": goal, "rules": rules}
    assert not needs_deviation_explanation(actual=D(2999), **kwargs)
    assert needs_deviation_explanation(actual=D(3000), **kwargs)


# --------------------------------------------------------------------------
# Totals and grades (§6.6, §7.3)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("100", "优"),
        ("93.25", "优"),  # seed 004 总分
        ("90", "优"),
        ("89.99", "良"),
        ("80", "良"),
        ("79.99", "中"),
        ("60", "中"),
        ("59.99", "差"),
        ("0", "差"),
        ("-5", "差"),
    ],
)
def test_grade_uses_inclusive_lower_bounds_90_80_60(total: str, expected: str) -> None:
    assert grade(D(total)) == expected


@pytest.mark.parametrize(
    ("total", "expected"),
    [("80", "优"), ("79.99", "良"), ("70", "良"), ("69.99", "中"), ("60", "中")],
)
def test_grade_with_custom_80_70_60_thresholds(total: str, expected: str) -> None:
    rules = ScoringRules(
        grade_thresholds=((D(80), "优"), (D(70), "良"), (D(60), "中"), (D(0), "差"))
    )
    assert grade(D(total), rules) == expected


def test_grade_of_missing_total_is_none() -> None:
    assert grade(None) is None


def test_project_total_sums_execution_and_indicator_scores() -> None:
    total = project_total(
        execution_score=D("9.84"),
        indicator_scores=[D(50), D("29.5"), None, D("9.005")],
    )
    assert total == D("98.35")  # 98.345 -> 98.35, None counts as 0
    assert project_total(execution_score=None, indicator_scores=[]) == D("0.00")


# seed 004 scorecard: 管理效能 three-level scores, 履职效能 scores, 加减分 0.
SEED_004_MANAGEMENT = [
    "1.48", "3", "2", "1.5", "2", "2", "3",  # 资金管理 16
    "2",  # 采购管理 2
    "2", "2",  # 信息公开管理 4
    "1", "1", "2",  # 资产管理 4
    "2", "2",  # 成本管理 4
    "3", "2", "2", "1.97", "4", "2",  # 绩效管理 15
]  # fmt: skip
SEED_004_DUTIES = [
    "1", "1", "1", "1", "1", "1", "1", "1", "0.9", "0.9", "1", "0.25", "0.25",
    "1", "1", "0.5", "0.4", "0.5", "1", "0.5",
    "1", "1", "1", "1", "1",
    "0.5", "0.5", "0.5", "0.5", "0.5", "0.5", "0.5", "0.5",
    "1", "1", "0.5", "0.5", "0.4", "0.5", "0.5", "0.5",
    "1", "1", "1", "0.5",
    "1", "1", "1", "0.4", "1", "1", "1", "1",
    "0.5", "0.5", "0.25", "0.25", "0.5",
    "0.25", "0.25", "0.25", "0.25", "0.4", "0.5", "0.5",
    "0.5", "0.5", "0.4", "0.5", "0.5", "0.5",
]  # fmt: skip


def test_scorecard_total_reproduces_seed_004_management_block() -> None:
    assert scorecard_total(D(s) for s in SEED_004_MANAGEMENT) == D("43.95")


def test_scorecard_total_exposes_the_row_lost_from_seed_004() -> None:
    # 任务2 (6 points) lists only 5 points of indicators in the extracted seed,
    # so the printed 总分 93.25 is one point above the sum of the rows we have.
    rows = [D(s) for s in [*SEED_004_MANAGEMENT, *SEED_004_DUTIES]]
    assert scorecard_total([*rows, D(0)]) == D("92.25")
    assert scorecard_total([*rows, D(0), D(1)]) == D("93.25")


def test_scorecard_total_accepts_negative_adjustments_and_none() -> None:
    assert scorecard_total([D("50.5"), None, D("-2.5")]) == D("48.00")
    assert scorecard_total([]) == D("0.00")


@pytest.mark.parametrize(
    ("score", "inside"),
    [
        ("0", True),
        ("5", True),
        ("-5", True),
        ("2.5", True),
        ("5.01", False),
        ("-5.01", False),
        ("-7.5", False),
    ],
)
def test_adjustment_in_range_allows_minus_five_to_plus_five(
    score: str, inside: bool
) -> None:
    assert adjustment_in_range(D(score)) is inside


def test_adjustment_limit_is_configurable() -> None:
    assert adjustment_in_range(D("7.5"), limit=D(10))


# --------------------------------------------------------------------------
# 管理效能 rules (§7.4, §7.5)
# --------------------------------------------------------------------------

SEED_004_BUDGET = D("61296.75")  # 全年预算数, equal in all three breakdowns
SEED_004_SPENT = D("59757.75")  # 全年执行数


def test_budget_completion_score_reproduces_seed_004() -> None:
    raw_rate = SEED_004_SPENT / SEED_004_BUDGET * HUNDRED  # 97.489…, not rounded
    assert budget_completion_score(rate=raw_rate, weight=D(2)) == D("1.48")


def test_budget_completion_score_without_truncation_gives_150() -> None:
    raw_rate = SEED_004_SPENT / SEED_004_BUDGET * HUNDRED
    rules = ScoringRules(budget_completion_truncate_places=None)
    assert budget_completion_score(rate=raw_rate, weight=D(2), rules=rules) == (
        D("1.50")
    )


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("100", "2.00"),
        ("105", "2.00"),
        ("95", "1.00"),
        ("90", "0.00"),
        ("80", "0.00"),
        ("97.59", "1.50"),  # truncated to 97.5
    ],
)
def test_budget_completion_score_is_linear_between_90_and_100(
    rate: str, expected: str
) -> None:
    assert budget_completion_score(rate=D(rate), weight=D(2)) == D(expected)


def test_budget_completion_lower_bound_is_configurable() -> None:
    rules = ScoringRules(budget_completion_lower=D(80))
    assert budget_completion_score(rate=D(90), weight=D(2), rules=rules) == D("1.00")


def test_budget_completion_score_is_none_without_rate() -> None:
    assert budget_completion_score(rate=None, weight=D(2)) is None


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("0.47", "2.00"), ("10", "2.00"), ("10.01", "0.00"), (None, None)],
)
def test_carryover_score_full_marks_up_to_ten_percent(
    rate: str | None, expected: str | None
) -> None:
    # seed 004: "本部门结余结转率为0.47%≤10%的, 得2分"
    score = carryover_score(rate=to_decimal(rate), weight=D(2))
    assert score == (None if expected is None else D(expected))


# --------------------------------------------------------------------------
# Properties of the small helpers
# --------------------------------------------------------------------------


@PROPERTY
@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False))
def test_q2_is_idempotent(value: Decimal) -> None:
    once = q2(value)
    assert q2(once) == once
    assert abs(once - value) <= CENT / 2


@PROPERTY
@given(
    budget=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
    actual=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
    w=weights,
)
def test_execution_score_never_exceeds_weight(
    budget: Decimal, actual: Decimal, w: Decimal
) -> None:
    rate = execution_rate(budget=budget, actual=actual)
    score = execution_score(rate=rate, weight=w)
    if budget == 0:
        assert rate is None
        assert score is None
    else:
        assert score is not None
        assert D(0) <= score <= w
