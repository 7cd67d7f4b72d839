"""Helpers for the text that fills a table cell."""

import re

_NUMBERED = re.compile(r"^\s*(\d+)\s*[.．、]")


def split_numbered(text: str) -> list[str] | None:
    """The items of a cell written as a numbered list, one item per line.

    Returns None unless every non-empty line starts with the next number
    (1., 2., …): a cell that only mentions numbers is not a list.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    for expected, line in enumerate(lines, start=1):
        match = _NUMBERED.match(line)
        if not match or int(match.group(1)) != expected:
            return None
    return lines


def strip_item_number(text: str) -> str:
    """`1.促进就业≥1500人；` → `促进就业≥1500人；` (the list number is no value)."""
    return _NUMBERED.sub("", text, count=1).strip()


def pair_numbered(target: str, actual: str) -> list[tuple[str, str]]:
    """Split a 年度指标内容 / 完成情况 pair into indicators where the list is clean.

    Clean means both cells are numbered lists of the same length, so item i of
    the target answers item i of the completion. Anything else stays one
    indicator holding both cells whole, so nothing is guessed and re-joining the
    parts gives back the published cells.
    """
    targets, actuals = split_numbered(target), split_numbered(actual)
    if targets and actuals and len(targets) == len(actuals):
        return list(zip(targets, actuals, strict=True))
    return [(target, actual)]
