"""Precision constants shared by every money, rate and score field.

One place decides the precision so the database, the forms and the scoring code
agree. max_digits stays at 14 because SQLite keeps only 15 significant digits.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

MONEY_MAX = Decimal("9999999999.99")  # an upper bound also keeps NaN out on PG
MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 2}
SCORE = {"max_digits": 6, "decimal_places": 2}


NOT_NEGATIVE = "金额不能为负数。"
TOO_LARGE = f"金额不能超过 {MONEY_MAX} 万元。"
MONEY_VALIDATORS = [
    MinValueValidator(Decimal(0), message=NOT_NEGATIVE),
    MaxValueValidator(MONEY_MAX, message=TOO_LARGE),
]


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    """A 万元 amount with 2 decimals, never negative."""
    return models.DecimalField(
        verbose_name, **MONEY, validators=MONEY_VALIDATORS, **kwargs
    )


def money_range_constraint(field: str, name: str) -> models.CheckConstraint:
    """0 ≤ amount ≤ MONEY_MAX (NULL passes: the cell was not published)."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True})
        | (models.Q(**{f"{field}__gte": 0}) & models.Q(**{f"{field}__lte": MONEY_MAX})),
        name=name,
        violation_error_message=f"金额须在 0 与 {MONEY_MAX} 万元之间。",
    )
