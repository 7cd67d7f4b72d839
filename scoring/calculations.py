"""Pure scoring arithmetic for budget-performance self-evaluations.

Plain values in, ``Decimal`` out: no Django, no database, no floats. Every
rounding is explicit and uses ``ROUND_HALF_UP`` because the published tables
round half up (四舍五入, e.g. 98.385 -> 98.39), whereas Python's default is
banker's rounding. Section numbers (§) refer to ``domain-spec.md``.

Conventions used throughout:

* rates are percentages (``98.39`` means 98.39 %), money is 万元;
* ``None`` means "not applicable" (不适用): a zero budget, an indicator that
  cannot be scored automatically, a missing figure. Division by zero never
  raises and never turns into 0 %.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# Printed markers that mean "no figure here" in a numeric cell. "—" is what the
# CN-XM layout prints in the 分值/得分 cells of the 其中 rows (§5).
NOT_APPLICABLE_MARKERS = frozenset({"", "不适用", "—", "——", "-", "\uff0d", "/"})

# Full-width forms that PDF/Excel extraction leaves in figures and targets.
_FULL_WIDTH = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
        "\uff0e": ".",  # full-width full stop used as a decimal point
        "\uff05": "%",  # full-width percent sign
        "\uff1e": ">",  # full-width greater-than
        "\uff1c": "<",  # full-width less-than
        "\uff1d": "=",  # full-width equals
        "\u2267": "≥",  # GREATER-THAN OVER EQUAL TO, a common input-method variant
        "\u2266": "≤",  # LESS-THAN OVER EQUAL TO
        "\u2a7e": "≥",  # GREATER-THAN OR SLANTED EQUAL TO
        "\u2a7d": "≤",  # LESS-THAN OR SLANTED EQUAL TO
        "\u2212": "-",  # MINUS SIGN
    }
)

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?")


def q2(value: Decimal) -> Decimal:
    """Quantize to two decimals, rounding half up (四舍五入)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: str | int | Decimal | None) -> Decimal | None:
    """Convert a printed or stored figure to ``Decimal``.

    Accepts ``str``, ``int`` and ``Decimal``. Strings may carry surrounding
    blanks, thousands separators (``"10,470.27"``) and a trailing percent sign
    (``"98.39%"`` -> ``Decimal("98.39")``, i.e. the printed percentage, not a
    fraction). Empty cells and not-applicable markers (``"不适用"``, ``"—"``)
    give ``None``.

    Raises ``ValueError`` on any other text and on NaN/Infinity, and
    ``TypeError`` on ``float`` (floats have already lost the printed digits).
    """
    if value is None:
        return None
    # bool is an int subclass; True -> 1 would hide a caller's bug.
    if isinstance(value, bool | float):
        raise TypeError(f"to_decimal() does not accept {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return value
    if not isinstance(value, str):
        raise TypeError(f"to_decimal() does not accept {type(value).__name__}")
    return _decimal_from_text(value)


def _decimal_from_text(value: str) -> Decimal | None:
    text = "".join(value.translate(_FULL_WIDTH).split())
    if text in NOT_APPLICABLE_MARKERS:
        return None
    text = text.removesuffix("%")
    # fullmatch + "any digit" rules out "", ".", "1e5", "NaN", "1,2" and words.
    if not _PLAIN_NUMBER.fullmatch(text) or not any(c.isdigit() for c in text):
        raise ValueError(f"not a number: {value!r}")
    return Decimal(text.replace(",", ""))


# --------------------------------------------------------------------------
# Indicator targets (年度指标值) and their parsing
# --------------------------------------------------------------------------


class Operator(StrEnum):
    """Comparison in a target; pmkpi ``computesign`` 1..6 (§4)."""

    GE = "≥"
    GT = ">"
    EQ = "="
    LE = "≤"
    LT = "<"
    QUALITATIVE = "定性"


class Direction(StrEnum):
    """Indicator nature (指标性质) that selects the scoring rule (§6.3)."""

    POSITIVE = "正向"
    EQUAL = "等于"
    REVERSE = "反向"
    QUALITATIVE = "定性"


_DIRECTIONS = {
    Operator.GE: Direction.POSITIVE,
    Operator.GT: Direction.POSITIVE,
    Operator.EQ: Direction.EQUAL,
    Operator.LE: Direction.REVERSE,
    Operator.LT: Direction.REVERSE,
    Operator.QUALITATIVE: Direction.QUALITATIVE,
}


def direction_of(op: Operator) -> Direction:
    """Return the scoring direction of a comparison operator."""
    return _DIRECTIONS[op]


@dataclass(frozen=True)
class ParsedValue:
    """A target or actual value split into operator, number and unit.

    ``text`` is the original text (stripped). For a qualitative value
    ``number`` is ``None`` and ``unit`` is ``""``.
    """

    operator: Operator
    number: Decimal | None
    unit: str
    text: str


# Words and symbols that state the comparison before the number. Matched
# longest first so that "不低于" is not read as "低于" and ">=" not as ">".
_OPERATOR_WORDS: dict[str, Operator] = {
    "≥": Operator.GE,
    ">=": Operator.GE,
    "不低于": Operator.GE,
    "不少于": Operator.GE,
    "不小于": Operator.GE,
    "大于等于": Operator.GE,
    "大于或等于": Operator.GE,
    "至少": Operator.GE,
    "达到": Operator.GE,
    # "就业率达70%" / "满意度达90%以上": reaching a level is a lower bound.
    "达": Operator.GE,
    ">": Operator.GT,
    "大于": Operator.GT,
    "高于": Operator.GT,
    "超过": Operator.GT,
    "多于": Operator.GT,
    "=": Operator.EQ,
    "等于": Operator.EQ,
    "≤": Operator.LE,
    "<=": Operator.LE,
    "不高于": Operator.LE,
    "不超过": Operator.LE,
    "不大于": Operator.LE,
    "不多于": Operator.LE,
    "小于等于": Operator.LE,
    "小于或等于": Operator.LE,
    "至多": Operator.LE,
    "最多": Operator.LE,
    "<": Operator.LT,
    "小于": Operator.LT,
    "低于": Operator.LT,
    "少于": Operator.LT,
}

# Words after the number that state the comparison ("1000人次以上").
_SUFFIX_WORDS: tuple[tuple[str, Operator], ...] = (
    ("及以上", Operator.GE),
    ("以上", Operator.GE),
    ("及以下", Operator.LE),
    ("以下", Operator.LE),
    ("以内", Operator.LE),
)

_OPERATOR_PATTERN = "|".join(
    re.escape(word) for word in sorted(_OPERATOR_WORDS, key=len, reverse=True)
)

# label (no digits) · optional operator · exactly one number · rest (no digits).
# The lazy label makes the operator bind at the first place where
# "operator + number" matches, so "服务对象满意度≥95%" keeps its label.
_TARGET = re.compile(
    rf"(?P<label>\D*?)(?P<op>{_OPERATOR_PATTERN})?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<rest>\D*)"
)

# A unit is a short word ("人", "万人次", "件/年", "个工作日"). Longer trailing
# text means the number is part of a sentence and the target is not a figure.
_UNIT = re.compile(r"[A-Za-z\u4e00-\u9fff/·]{0,4}")
# Words that make "2021年底前" or "12月底" a deadline rather than a quantity.
_DEADLINE_WORDS = ("前", "后", "底", "完成")
# "2021年" next to a number in this range is a date, not a count of years.
_FIRST_YEAR, _LAST_YEAR = 1900, 2100
_TRAILING_PUNCTUATION = "。.;,、!\uff1b\uff0c\uff01"  # also full-width ;,!


def _qualitative(text: str) -> ParsedValue:
    return ParsedValue(Operator.QUALITATIVE, None, "", text)


def parse_indicator_value(text: str) -> ParsedValue:
    """Parse a target/actual text such as ``"≥1500人"`` into its parts.

    Recognised: a label before the operator (``"服务对象满意度≥95%"``),
    symbols (≥ > = ≤ <, full-width and ASCII ``>=``/``<=``), word operators
    (``不低于``/``不少于``/``达`` -> ≥, ``不高于``/``不超过`` -> ≤, ...),
    suffixes (``以上`` -> ≥, ``以下``/``以内`` -> ≤) and a bare number with a
    unit (``"2期"``, ``"100%"`` -> =). After ``%`` a remark may follow
    (``"100%按文件标准"``). Anything else - no number, several numbers (a
    numbered list), a number inside a sentence or a deadline - is
    ``QUALITATIVE`` (§6.3: "if not parseable -> qualitative").
    """
    original = text.strip()
    # Extraction wraps cells anywhere ("满意度≥\n95%"); Chinese needs no blanks.
    normalised = "".join(original.translate(_FULL_WIDTH).split())
    match = _TARGET.fullmatch(normalised)
    if match is None:
        return _qualitative(original)

    rest = match["rest"].rstrip(_TRAILING_PUNCTUATION)
    operator = _OPERATOR_WORDS[match["op"]] if match["op"] else None
    for word, suffix_operator in _SUFFIX_WORDS:
        if rest.endswith(word):
            rest = rest[: -len(word)]
            # An explicit operator before the number wins over the suffix.
            operator = operator or suffix_operator
            break

    if rest[:1] in ("%", "‰"):
        unit = rest[0]  # what follows a percentage is a remark ("按文件标准")
    elif _UNIT.fullmatch(rest) and not any(w in rest for w in _DEADLINE_WORDS):
        unit = rest
    else:
        return _qualitative(original)

    number = Decimal(match["number"].replace(",", ""))
    if (
        unit.startswith("年")
        and number == number.to_integral_value()
        and (_FIRST_YEAR <= number <= _LAST_YEAR)
    ):
        # "2021年" is a date, not a quantity of years.
        return _qualitative(original)
    return ParsedValue(operator or Operator.EQ, number, unit, original)


# --------------------------------------------------------------------------
# Per-jurisdiction settings
# --------------------------------------------------------------------------

REVERSE_RULES = ("linear", "ratio")


@dataclass(frozen=True)
class ScoringRules:
    """Scoring settings that differ between jurisdictions (§6, §7.4, §7.5).

    * ``grade_thresholds``: (lowest total, grade) from the best grade down;
      default 90/80/60 (财预[2020]10号); a deployed system uses 80/70/60.
    * ``reverse_rule``: ``"linear"`` (pmkpi selfreverseindex, 0 at 2A) or
      ``"ratio"`` (A/X * w).
    * ``over_achievement_ratio``: X ≥ ratio * A needs a deviation explanation.
    * ``budget_completion_lower``: 预算完成率 at or below this gives 0 points.
    * ``budget_completion_truncate_places``: decimals the rate is truncated
      to before scoring (unverified hypothesis, §7.5); ``None`` = keep all.
    * ``carryover_full_marks_max``: 结转结余率 at or below this gets full marks.
    * ``execution_rate_weight``: points of 预算执行率 (§6.1).
    """

    grade_thresholds: tuple[tuple[Decimal, str], ...] = (
        (Decimal(90), "优"),
        (Decimal(80), "良"),
        (Decimal(60), "中"),
        (Decimal(0), "差"),
    )
    reverse_rule: str = "linear"
    over_achievement_ratio: Decimal = Decimal("1.3")
    budget_completion_lower: Decimal = Decimal(90)
    budget_completion_truncate_places: int | None = 1
    carryover_full_marks_max: Decimal = Decimal(10)
    execution_rate_weight: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        """Reject settings that would make a rule undefined."""
        # Fail when a jurisdiction is configured, not when a table is scored.
        if self.reverse_rule not in REVERSE_RULES:
            raise ValueError(f"reverse_rule must be one of {REVERSE_RULES}")
        if not self.grade_thresholds:
            raise ValueError("grade_thresholds must not be empty")
        limits = [limit for limit, _ in self.grade_thresholds]
        if any(high <= low for high, low in pairwise(limits)):
            raise ValueError("grade_thresholds must be strictly descending")
        if not ZERO <= self.budget_completion_lower < HUNDRED:
            # 100 would make the linear 预算完成率 rule divide by zero.
            raise ValueError("budget_completion_lower must be in [0, 100)")
        places = self.budget_completion_truncate_places
        if places is not None and places < 0:
            raise ValueError("budget_completion_truncate_places must be >= 0")
        if self.over_achievement_ratio <= 0:
            raise ValueError("over_achievement_ratio must be positive")


DEFAULT_RULES = ScoringRules()


# --------------------------------------------------------------------------
# 预算执行率 (§2.3, §6.2, §7.1)
# --------------------------------------------------------------------------


def execution_rate(*, budget: Decimal | None, actual: Decimal | None) -> Decimal | None:
    """Return actual / budget * 100 as a percentage, 2 dp half up.

    ``None`` (不适用) when the budget is missing or zero, or the actual is
    missing: a zero budget is not 0 % and must not raise.
    """
    if budget is None or actual is None or budget == 0:
        return None
    # Multiply before dividing: one inexact operation, then one rounding.
    return q2(actual * HUNDRED / budget)


def total_execution_rate(
    rows: Iterable[tuple[Decimal, Decimal, bool]],
) -> Decimal | None:
    """Return Σactual / Σbudget * 100 over the rows that are not excluded.

    Each row is ``(budget, actual, excluded)``. Excluded rows are amounts that
    "不纳入预算支出执行考核" (seed 001 备注). The rate is computed from the
    sums, never averaged from the row rates (§2.3). ``None`` if Σbudget is 0.
    """
    total_budget = ZERO
    total_actual = ZERO
    for budget, actual, excluded in rows:
        if excluded:
            continue
        total_budget += budget
        total_actual += actual
    return execution_rate(budget=total_budget, actual=total_actual)


def execution_score(*, rate: Decimal | None, weight: Decimal) -> Decimal | None:
    """Return weight * min(rate, 100) / 100, 2 dp (§6.2).

    Spending above the budget never earns more than the weight (pmkpi does
    not cap; the spec does). A negative rate scores 0. ``None`` when the rate
    is not applicable.
    """
    if rate is None:
        return None
    capped = min(max(rate, ZERO), HUNDRED)
    return q2(weight * capped / HUNDRED)


# --------------------------------------------------------------------------
# Quantitative indicators (§6.3)
# --------------------------------------------------------------------------

_MAGNITUDES = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


def _comparable(
    target: ParsedValue, actual: ParsedValue | Decimal
) -> tuple[Decimal, Decimal] | None:
    """Return (A, X) on a common scale, or ``None`` if they cannot be compared.

    A bare ``Decimal`` actual is taken to be in the target's unit. Units that
    differ only by a 万/亿 prefix ("3万人次" vs "28500人次") are rescaled;
    a percentage against a different non-empty unit is incomparable.
    """
    if target.number is None:
        return None
    if isinstance(actual, Decimal):
        return target.number, actual
    if actual.number is None:
        return None
    a_number, a_unit = target.number, target.unit
    x_number, x_unit = actual.number, actual.unit
    if a_unit and x_unit and a_unit != x_unit:
        a_number, a_unit = _strip_magnitude(a_number, a_unit)
        x_number, x_unit = _strip_magnitude(x_number, x_unit)
        if "%" in (a_unit, x_unit) and a_unit != x_unit:
            return None
    return a_number, x_number


def _strip_magnitude(number: Decimal, unit: str) -> tuple[Decimal, str]:
    factor = _MAGNITUDES.get(unit[:1])
    if factor is None:
        return number, unit
    return number * factor, unit[1:]


def quantitative_score(
    *,
    target: ParsedValue,
    actual: ParsedValue | Decimal,
    weight: Decimal,
    rules: ScoringRules = DEFAULT_RULES,
) -> Decimal | None:
    """Score a quantitative indicator; A = target, X = actual, w = weight.

    * 正向 (≥ >): X ≥ A -> w, else X/A * w; A = 0 -> w.
    * 等于 (=): A = 0 -> w if X ≤ 0 else 0; A > 0 as 正向.
    * 反向 (≤ <), ``linear``: X ≤ A -> w; A < X < 2A -> (1 - (X-A)/A) * w;
      X ≥ 2A -> 0. ``ratio``: X ≤ A -> w, else A/X * w.

    Negative X counts as 0 (pmkpi). The result is 2 dp and always within
    [0, w] ("得分不能大于分值"). ``None`` when the target is qualitative, the
    actual has no number, or the units cannot be compared: the indicator is
    then scored by hand. Never raises on a zero target or actual.
    """
    if weight < 0:
        raise ValueError("weight must not be negative")
    if target.operator is Operator.QUALITATIVE or target.number is None:
        return None
    pair = _comparable(target, actual)
    if pair is None:
        return None
    a, x = pair
    x = max(x, ZERO)
    a = max(a, ZERO)  # the parser never yields a negative target; be safe

    direction = direction_of(target.operator)
    if direction is Direction.EQUAL and a == 0:
        score = weight if x <= 0 else ZERO
    elif direction in (Direction.POSITIVE, Direction.EQUAL):
        score = weight if x >= a else x * weight / a  # x < a implies a > 0
    elif x <= a:
        score = weight
    elif rules.reverse_rule == "ratio":
        score = a * weight / x  # x > a >= 0, so x > 0
    elif x >= 2 * a:
        score = ZERO
    else:
        score = (2 * a - x) * weight / a  # a < x < 2a implies a > 0
    return q2(min(max(score, ZERO), weight))


# --------------------------------------------------------------------------
# Qualitative indicators (§6.4)
# --------------------------------------------------------------------------


class QualitativeLevel(StrEnum):
    """Completion level of a qualitative indicator (财预[2020]10号)."""

    ACHIEVED = "达成年度指标"
    PARTIAL = "部分达成年度指标并具有一定效果"
    NOT_ACHIEVED = "未达成年度指标且效果较差"


_BANDS = {
    QualitativeLevel.ACHIEVED: (Decimal("0.8"), Decimal(1), True),
    QualitativeLevel.PARTIAL: (Decimal("0.6"), Decimal("0.8"), False),
    QualitativeLevel.NOT_ACHIEVED: (ZERO, Decimal("0.6"), False),
}

_SUGGESTIONS = {
    QualitativeLevel.ACHIEVED: Decimal(1),
    QualitativeLevel.PARTIAL: Decimal("0.7"),
    QualitativeLevel.NOT_ACHIEVED: Decimal("0.3"),
}


def qualitative_band(
    level: QualitativeLevel, weight: Decimal
) -> tuple[Decimal, Decimal, bool]:
    """Return (low, high, high_inclusive) of the allowed score band.

    The low end is always inclusive. Bounds are exact (not rounded) so that
    a score is validated against the band the rule states.
    """
    low, high, inclusive = _BANDS[level]
    return low * weight, high * weight, inclusive


def qualitative_score_in_band(
    level: QualitativeLevel, score: Decimal, weight: Decimal
) -> bool:
    """Return whether ``score`` lies in the band of ``level``.

    With a zero weight every band collapses to the single score 0.
    """
    if weight == 0:
        return score == 0
    low, high, inclusive = qualitative_band(level, weight)
    return low <= score <= high if inclusive else low <= score < high


def suggested_qualitative_score(level: QualitativeLevel, weight: Decimal) -> Decimal:
    """Return the default suggestion w / 0.7w / 0.3w, 2 dp (§6.4, [I])."""
    return q2(_SUGGESTIONS[level] * weight)


def needs_deviation_explanation(
    *,
    score: Decimal | None,
    weight: Decimal,
    target: ParsedValue | None = None,
    actual: Decimal | None = None,
    rules: ScoringRules = DEFAULT_RULES,
) -> bool:
    """Return whether 偏差原因分析及改进措施 must be filled in (§6.3).

    Required when the score is below the weight, and when a positive (≥ >)
    target was over-achieved by the configured ratio (X ≥ 1.3 A by default):
    full marks, but a target set too low has to be explained.
    """
    if score is not None and score < weight:
        return True
    if target is None or actual is None or target.number is None:
        return False
    if direction_of(target.operator) is not Direction.POSITIVE:
        return False
    # A zero target cannot be "over-achieved" by a ratio.
    threshold = rules.over_achievement_ratio * target.number
    return target.number > 0 and actual >= threshold


# --------------------------------------------------------------------------
# Totals and grade (§6.6, §7.3)
# --------------------------------------------------------------------------


def grade(total: Decimal | None, rules: ScoringRules = DEFAULT_RULES) -> str | None:
    """Return the grade of the first threshold with ``total >= threshold``.

    Thresholds are inclusive at the lower end ("90(含)-100分为优"). A total
    below every threshold (a negative scorecard) gets the lowest grade.
    """
    if total is None:
        return None
    for threshold, label in rules.grade_thresholds:
        if total >= threshold:
            return label
    return rules.grade_thresholds[-1][1]


def project_total(
    *, execution_score: Decimal | None, indicator_scores: Iterable[Decimal | None]
) -> Decimal:
    """Return 总分 = 执行率得分 + Σ indicator scores, 2 dp; ``None`` counts as 0."""
    total = execution_score or ZERO
    for score in indicator_scores:
        total += score or ZERO
    return q2(total)


def scorecard_total(scores: Iterable[Decimal | None]) -> Decimal:
    """Return Σ scores, 2 dp, ``None`` as 0 (department scorecard, §7.3).

    Includes 加减分 items, which may be negative.
    """
    return q2(sum((score or ZERO for score in scores), ZERO))


def adjustment_in_range(score: Decimal, limit: Decimal = Decimal(5)) -> bool:
    """Return whether a 加减分项 score lies in [-limit, +limit] (§7.3)."""
    return -limit <= score <= limit


# --------------------------------------------------------------------------
# Department-wide 管理效能 rules (§7.4, §7.5)
# --------------------------------------------------------------------------


def budget_completion_score(
    *,
    rate: Decimal | None,
    weight: Decimal,
    rules: ScoringRules = DEFAULT_RULES,
) -> Decimal | None:
    """Score 预算完成率: linear from ``lower`` % (0 points) to 100 % (w).

    UNVERIFIED hypothesis (§7.5, no rule text found): the rate is first
    truncated to ``budget_completion_truncate_places`` decimals, which is
    what reproduces seed 004 (97.489…% -> 97.4 -> 1.48 of 2). Pass the
    unrounded rate; pre-rounding to 97.50 would give 1.50.
    """
    if rate is None:
        return None
    places = rules.budget_completion_truncate_places
    if places is not None:
        rate = rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    lower = rules.budget_completion_lower
    score = weight * (rate - lower) / (HUNDRED - lower)
    return q2(min(max(score, ZERO), weight))


def carryover_score(
    *,
    rate: Decimal | None,
    weight: Decimal,
    rules: ScoringRules = DEFAULT_RULES,
) -> Decimal | None:
    """Score 结转结余率: at or below the maximum -> full marks, above -> 0.

    Seed 004: "本部门结余结转率为0.47%≤10%的, 得2分". The rule above the
    maximum is not published (§7.4 [I]); 0 until a jurisdiction states one.
    """
    if rate is None:
        return None
    return q2(weight) if rate <= rules.carryover_full_marks_max else q2(ZERO)
