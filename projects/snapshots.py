"""Canonical content of an evaluation, for snapshots, hashes and diffs.

Other apps add their part (the scorecard lives in `scoring`) by registering a
contributor, so this module does not import them.
"""

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.forms.models import model_to_dict

from projects.models import (
    BudgetProject,
    Evaluation,
    Indicator,
    TargetIndicator,
    TargetProject,
)

_CONTRIBUTORS: dict[str, Callable[[Evaluation], Any]] = {}
_SKIP = {"id", "evaluation", "project", "version", "published"}


def register(name: str, contributor: Callable[[Evaluation], Any]) -> None:
    _CONTRIBUTORS[name] = contributor


def plain_fields(obj, skip: set[str] = _SKIP) -> dict:
    """A model's own field values as JSON-ready plain data."""
    data = model_to_dict(obj)
    return {k: _plain(v) for k, v in sorted(data.items()) if k not in skip}


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _projects_with_indicators(projects: QuerySet, indicators: QuerySet) -> QuerySet:
    # One query for all indicators, not one per project: the exports hash the
    # content of an approved evaluation on every download.
    return projects.order_by("seq").prefetch_related(
        Prefetch("indicators", queryset=indicators.select_related("level1", "level2"))
    )


def _project_content(project) -> dict:
    return {
        **plain_fields(project),
        "indicators": [
            {
                **plain_fields(indicator),
                "level1": indicator.level1.code,
                "level2": indicator.level2.code,
            }
            for indicator in project.indicators.all()
        ],
    }


def evaluation_content(evaluation: Evaluation) -> dict:
    """Everything a published table shows, keyed by business names."""
    # Fresh querysets: never the tables an evaluation_get() prefetched.
    projects = _projects_with_indicators(
        BudgetProject.objects.filter(evaluation=evaluation), Indicator.objects.all()
    )
    target_projects = _projects_with_indicators(
        TargetProject.objects.filter(evaluation=evaluation),
        TargetIndicator.objects.all(),
    )
    content: dict[str, Any] = {
        "department": evaluation.department.code,
        "year": evaluation.year,
        "evaluation": plain_fields(
            evaluation, _SKIP | {"department", "year", "status", "submitted_at"}
        ),
        "projects": [_project_content(p) for p in projects],
        "target_projects": [_project_content(p) for p in target_projects],
    }
    for name, contributor in sorted(_CONTRIBUTORS.items()):
        content[name] = contributor(evaluation)
    return content


def canonical_json(content: dict) -> str:
    return json.dumps(
        content, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def flatten(content: Any, prefix: str = "") -> dict[str, Any]:
    """{"projects[扶持就业].budget_general": "10470.27", …} for diffs.

    List items are keyed by their name (or seq) rather than position, so an
    inserted project does not shift every later one in the diff.
    """
    out: dict[str, Any] = {}
    if isinstance(content, dict):
        for key, value in content.items():
            out |= flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(content, list):
        for index, value in enumerate(content):
            label = index + 1
            if isinstance(value, dict):
                label = value.get("name") or value.get("seq") or label
                if value.get("name") and value.get("annual_value") is not None:
                    label = f"{value.get('order', index + 1)}"
            out |= flatten(value, f"{prefix}[{label}]")
    else:
        out[prefix] = content
    return out


def diff(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    """(path, old, new) for every value that differs."""
    a, b = flatten(old), flatten(new)
    return [
        (k, a.get(k), b.get(k))
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]
