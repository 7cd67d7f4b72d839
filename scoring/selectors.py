"""Reads for scoring: the rules in force for a region."""

from scoring import calculations as calc
from scoring.models import ScoringRuleSet


def rules_for_region(region: str) -> calc.ScoringRules:
    """The region's rule set, or the defaults when the region has none."""
    rule_set = ScoringRuleSet.objects.filter(region=region).first()
    return rule_set.to_rules() if rule_set else calc.DEFAULT_RULES
