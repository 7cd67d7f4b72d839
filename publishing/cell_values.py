"""Cell values as the importer reads them: amounts, rates, scores, text.

Each function takes an openpyxl cell (read-only mode: ``value``,
``data_type``, ``number_format``) and returns the value its column holds, or
raises `CellProblem` with a Chinese message (the caller adds sheet, row and
column). Formulas, dates, Excel error values and booleans are never a number.
Pure: no database, no Django.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from projects.fields import MONEY_MAX

FORMULA = (
    "是公式“{formula}”，不是数值；导入只读取数值，请在 Excel 中复制这些单元格，"
    "再“选择性粘贴 → 数值”后重新上传。"
)
DATE = "是日期（{date}），不是{what}；请把单元格格式改为“数值”或“常规”后重新填写。"
ERROR_VALUE = "是 Excel 错误值 {value}，请改正后再上传。"
NOT_NUMBER = "“{value}”不是数字。"
NEGATIVE = "金额不能为负数（{value}）。"
TOO_MANY_DECIMALS = "{what} {value} 超过两位小数。"
TOO_LARGE = f"金额 {{value}} 超过上限 {MONEY_MAX} 万元。"
NOT_INTEGER = "“{value}”不是整数序号。"
BOOLEAN = "是逻辑值 {value}，不是{what}。"

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Cells that mean "no figure here" (domain-spec §2.3, the national form's —).
BLANKS = frozenset({"", "不适用", "—", "——", "-", "－", "/", "／", "无"})
_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[+-]?\.\d+$")
SPACE_RE = re.compile(r"\s+")


class CellProblem(ValueError):
    """A cell that cannot become the value its column holds."""


def _excel_decimal(number: float | int) -> Decimal:
    """A float as Excel shows it: 15 significant digits, so binary noise
    (10470.270000000001) disappears and a typed 12.345 stays 12.345."""
    if isinstance(number, int):
        return Decimal(number)
    return Decimal(format(number, ".15g"))


def _formula_text(value) -> str:
    text = value if isinstance(value, str) else getattr(value, "text", str(value))
    return text if len(text) <= 40 else text[:40] + "…"


def _common_refusals(cell, what: str) -> None:
    """Formulas, dates, error values and booleans are never a number."""
    kind = getattr(cell, "data_type", "n")
    value = cell.value
    if kind == "f":
        raise CellProblem(FORMULA.format(formula=_formula_text(value)))
    if kind == "e":
        raise CellProblem(ERROR_VALUE.format(value=value))
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem(DATE.format(date=_date_text(value), what=what))
    if isinstance(value, bool):
        raise CellProblem(BOOLEAN.format(value="TRUE" if value else "FALSE", what=what))


def _date_text(value) -> str:
    if isinstance(value, dt.datetime) and not (value.hour or value.minute):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _parse_text_number(text: str) -> Decimal:
    """``10,470.27``, full-width digits; raises CellProblem otherwise."""
    plain = SPACE_RE.sub("", unicodedata.normalize("NFKC", text))
    if not _NUMBER_RE.match(plain):
        raise CellProblem(NOT_NUMBER.format(value=shorten(text)))
    try:
        return Decimal(plain.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits none
        raise CellProblem(NOT_NUMBER.format(value=shorten(text))) from exc


def shorten(text: str, limit: int = 30) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _two_places(number: Decimal, what: str) -> Decimal:
    if number.as_tuple().exponent < -2 and number != number.quantize(CENT):
        raise CellProblem(TOO_MANY_DECIMALS.format(what=what, value=number))
    return number.quantize(CENT)


def _blank_text(value) -> bool:
    return isinstance(value, str) and value.strip() in BLANKS


def money(cell) -> Decimal | None:
    """An amount in 万元: non-negative, at most 2 decimals, ≤ MONEY_MAX.

    Numbers as typed, or text with thousands separators (``10,470.27``);
    empty, 不适用 and — are None.
    """
    value = cell.value
    if value is None or _blank_text(value):
        return None
    _common_refusals(cell, "金额")
    if isinstance(value, str):
        number = _parse_text_number(value.replace("万元", ""))
    else:
        number = _excel_decimal(value)
    if number < 0:
        raise CellProblem(NEGATIVE.format(value=number))
    number = _two_places(number, "金额")
    if number > MONEY_MAX:
        raise CellProblem(TOO_LARGE.format(value=number))
    return number


def rate(cell) -> Decimal | None:
    """A printed percentage as a number of per cent (98.39).

    ``"98.39%"`` and ``"98.39"`` as text, 0.9839 in a cell formatted as a
    percentage, 98.39 in a General cell (seed 001 prints rates without %).
    Rounded half up to the 2 decimals a rate is printed with.
    """
    value = cell.value
    if value is None or _blank_text(value):
        return None
    _common_refusals(cell, "执行率")
    if isinstance(value, str):
        text = value.strip().rstrip("%").rstrip("％")
        number = _parse_text_number(text)
    else:
        number = _excel_decimal(value)
        if "%" in (getattr(cell, "number_format", "") or ""):
            number *= HUNDRED
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def score(cell, *, what: str = "分值") -> Decimal | None:
    """A weight or score: a number with at most 2 decimals (may be negative:
    加减分项 scores are −5…+5; the model checks the range)."""
    value = cell.value
    if value is None or _blank_text(value):
        return None
    _common_refusals(cell, what)
    if isinstance(value, str):
        number = _parse_text_number(value.replace("分", ""))
    else:
        number = _excel_decimal(value)
    return _two_places(number, what)


def integer(cell) -> int | None:
    value = cell.value
    if value is None or _blank_text(value):
        return None
    _common_refusals(cell, "序号")
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise CellProblem(NOT_INTEGER.format(value=shorten(text)))
        return int(text)
    number = _excel_decimal(value)
    if number != number.to_integral_value() or number < 0:
        raise CellProblem(NOT_INTEGER.format(value=number))
    return int(number)


def clean_text(value: str) -> str:
    """Line breaks as ``\\n`` (Excel writes ``_x000D_`` for a CR), trimmed."""
    return (
        value.replace("_x000D_", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    )


def text(cell) -> str:
    """A text cell; a number typed in it becomes its shortest printed form."""
    value = cell.value
    if value is None:
        return ""
    if getattr(cell, "data_type", "n") == "f":
        raise CellProblem(FORMULA.format(formula=_formula_text(value)))
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime | dt.date):
        return _date_text(value)
    if isinstance(value, int | float):
        return format(_excel_decimal(value).normalize(), "f")
    return clean_text(str(value))
