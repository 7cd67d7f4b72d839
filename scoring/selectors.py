"""Reads for scoring: the rules in force for a region."""

from scoring import calculations as calc
from scoring.models import ScoringRuleSet


def rules_for_region(region: str) -> calc.ScoringRules:
    """The region's rule set, or the defaults when the region has none."""
    rule_set = ScoringRuleSet.objects.filter(region=region).first()
    return rule_set.to_rules() if rule_set else calc.DEFAULT_RULES


def evaluation_summary(evaluation) -> dict:
    """The figures a list page shows for one evaluation: rate, score, grade."""
    from decimal import Decimal

    from scoring.checks import evaluation_checks, scorecard_total
    from scoring.models import Scorecard

    projects = list(evaluation.projects.all())
    rate = calc.total_execution_rate(
        (
            p.budget_total or Decimal(0),
            p.actual_total or Decimal(0),
            p.excluded_from_execution_rate,
        )
        for p in projects
    )
    scorecard = Scorecard.objects.filter(evaluation=evaluation).first()
    total = grade = None
    if scorecard is not None:
        rules = rules_for_region(evaluation.department.region)
        total = scorecard_total(scorecard.items.all())
        grade = calc.grade(total, rules)
        if rate is None:
            rate = scorecard.overall_completion_rate
    return {
        "execution_rate": rate,
        "total_score": total,
        "grade": grade,
        "findings": evaluation_checks(evaluation),
    }


def evaluation_summaries(evaluations) -> dict[int, dict]:
    """Rate, score and grade of many evaluations in a fixed number of queries.

    List pages use this; the findings (which need every table) are left to the
    detail page.
    """
    from decimal import Decimal

    from django.db.models import Prefetch

    from projects.models import BudgetProject
    from scoring.models import Scorecard, ScorecardItem, ScoringRuleSet

    ids = [e.pk for e in evaluations]
    projects: dict[int, list] = {pk: [] for pk in ids}
    for p in BudgetProject.objects.filter(evaluation_id__in=ids):
        projects[p.evaluation_id].append(p)
    scorecards = {
        s.evaluation_id: s
        for s in Scorecard.objects.filter(evaluation_id__in=ids).prefetch_related(
            Prefetch("items", queryset=ScorecardItem.objects.filter(level=3))
        )
    }
    rule_sets = {r.region: r.to_rules() for r in ScoringRuleSet.objects.all()}
    from scoring.checks import scorecard_total

    out = {}
    for evaluation in evaluations:
        rows = projects[evaluation.pk]
        rate = calc.total_execution_rate(
            (
                p.budget_total or Decimal(0),
                p.actual_total or Decimal(0),
                p.excluded_from_execution_rate,
            )
            for p in rows
        )
        total = grade = None
        scorecard = scorecards.get(evaluation.pk)
        if scorecard is not None:
            total = scorecard_total(scorecard.items.all())
            rules = rule_sets.get(evaluation.department.region, calc.DEFAULT_RULES)
            grade = calc.grade(total, rules)
            if rate is None:
                rate = scorecard.overall_completion_rate
        out[evaluation.pk] = {
            "execution_rate": rate,
            "total_score": total,
            "grade": grade,
            "project_count": len(rows),
        }
    return out
