"""{% table_downloads evaluation as downloads %}: the PDF/Excel links of the
official tables an evaluation has, and {% approval_snapshot evaluation as
approval %}: the approval they are published from (used by
_download_buttons.html)."""

from django import template
from django.urls import reverse

from publishing.exports import LAYOUTS, available_layouts
from publishing.published import approval_snapshot as latest_approval

register = template.Library()


@register.simple_tag
def table_downloads(evaluation) -> list[dict]:
    code, year = evaluation.department.code, evaluation.year
    return [
        {
            "layout": layout,
            "name": LAYOUTS[layout],
            "pdf": reverse(
                "publishing:table_download", args=[code, year, layout, "pdf"]
            ),
            "xlsx": reverse(
                "publishing:table_download", args=[code, year, layout, "xlsx"]
            ),
        }
        for layout in available_layouts(evaluation)
    ]


@register.simple_tag
def has_seal(department) -> bool:
    from publishing.xlsx import seal_path

    return seal_path(department) is not None


@register.simple_tag
def approval_snapshot(evaluation):
    """The latest approve snapshot of an approved or published evaluation."""
    return latest_approval(evaluation)
