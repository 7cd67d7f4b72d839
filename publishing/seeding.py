"""Load the five published seed tables, the departments and the demo users."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from departments import services as department_services
from departments.models import Department, Membership
from projects.categories import ensure_categories
from projects.models import Evaluation
from projects.seeds import load_project_selfeval, load_target
from publishing.seals import seal_ensure_demo
from scoring.models import ScoringRuleSet
from scoring.seeds import load_department_selfeval

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
LOADERS = {
    "project_selfeval": load_project_selfeval,
    "target": load_target,
    "department_selfeval": load_department_selfeval,
}


@dataclass
class SeedReport:
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    seals: list[str] = field(default_factory=list)


def read_registry(path: Path = FIXTURES / "departments.json") -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@transaction.atomic
def seed_all(
    *, with_users: bool = True, replace: bool = False, with_seals: bool = True
) -> SeedReport:
    """Idempotent: tables already in the database are left alone unless
    `replace` is set, in which case they are deleted and loaded again.
    Seed departments without a seal image get a generated demo seal."""
    registry = read_registry()
    report = SeedReport()
    ensure_categories()
    departments: dict[str, Department] = {}
    for row in registry["departments"]:
        departments[row["code"]] = department_services.department_upsert(
            code=row["code"],
            name=row["name"],
            short_name=row.get("short_name", ""),
            region=row["region"],
            parent=departments[row["parent"]] if row["parent"] else None,
        )
    if with_seals:
        # A generated demo seal (publishing.seals) for seed departments that
        # have none, so approved seed tables show the stamp.
        for department in departments.values():
            if seal_ensure_demo(department):
                report.seals.append(department.code)
    for row in registry.get("rule_sets", []):
        ScoringRuleSet.objects.get_or_create(region=row["region"])
    for table in registry["tables"]:
        data = json.loads((FIXTURES / table["file"]).read_text(encoding="utf-8"))
        department = departments[table["department"]]
        existing = Evaluation.objects.filter(department=department, year=data["year"])
        if existing.exists():
            if not replace:
                report.skipped.append(table["file"])
                continue
            existing.delete()
        LOADERS[data["layout"]](data=data, department=department)
        report.loaded.append(table["file"])
    if with_users:
        for row in registry["users"]:
            user = department_services.user_ensure(
                username=row["username"],
                password=row["password"],
                full_name=row.get("full_name", ""),
                is_staff=row.get("is_staff", False),
                is_superuser=row.get("is_superuser", False),
            )
            for m in row.get("memberships", []):
                department_services.membership_ensure(
                    user=user,
                    department=departments[m["department"]],
                    role=Membership.Role(m["role"]),
                )
            report.users.append(row)
    return report
