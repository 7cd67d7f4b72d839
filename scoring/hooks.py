"""What scoring adds to the workflow: the scorecard in snapshots, and the
submission problems only the scoring rules can see."""

from projects.models import Evaluation
from projects.snapshots import plain_fields
from scoring.checks import evaluation_checks
from scoring.models import Scorecard


def scorecard_content(evaluation: Evaluation) -> dict | None:
    scorecard = Scorecard.objects.filter(evaluation=evaluation).first()
    if scorecard is None:
        return None
    return {
        **plain_fields(scorecard, {"id", "evaluation", "published"}),
        "items": [
            {
                **plain_fields(item, {"id", "scorecard", "parent"}),
                "parent": item.parent_id,
            }
            for item in scorecard.items.order_by("order")
        ],
    }


def submission_problems(evaluation: Evaluation) -> list[str]:
    problems: list[str] = []
    scorecard = Scorecard.objects.filter(evaluation=evaluation).first()
    if scorecard is not None:
        for item in scorecard.items.filter(level=3, score__isnull=True):
            problems.append(f"整体自评指标“{item.name}”未评分。")
    findings = evaluation_checks(evaluation)
    if findings and not evaluation.findings_explanation.strip():
        problems.append(
            f"一致性核对发现 {len(findings)} 处差异，请在“核对差异说明”中逐条说明原因"
            "或修正数据："
        )
        problems += [f"　{f.message}" for f in findings]
    return problems
