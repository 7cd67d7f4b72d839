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
