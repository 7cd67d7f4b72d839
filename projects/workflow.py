"""The review workflow: one transition table, checked in one service.

草稿 → 已提交 → 已审核 → 已公开, and 已提交 → 已退回 → (edited) → 已提交; an admin
may reopen with a reason. Every move writes an EvaluationEvent in the same
transaction; submit and approve also freeze a snapshot with its SHA-256.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from departments.models import User
from departments.selectors import user_can_fill, user_can_review
from departments.services import audit_log
from projects import snapshots
from projects.models import (
    BudgetProject,
    Evaluation,
    EvaluationEvent,
    EvaluationSnapshot,
    Indicator,
    ReviewComment,
)

S = Evaluation.Status

FILLER, REVIEWER, ADMIN = "filler", "reviewer", "admin"
EXECUTION_WEIGHT = Decimal(10)

NOT_ALLOWED = "您无权对“{evaluation}”执行“{action}”。"
WRONG_STATE = "“{evaluation}”当前为{status}，不能{action}。"
STALE = "“{evaluation}”已被他人修改，请刷新页面后重试。"
COMMENT_REQUIRED = "请填写{action}意见。"
LOCKED = "“{evaluation}”{status}，数据已冻结，任何人都不能修改。"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    role: str
    needs_comment: bool = False


TRANSITIONS = {
    t.action: t
    for t in (
        Transition(
            "submit", "提交", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, FILLER
        ),
        Transition(
            "return", "退回", frozenset({S.SUBMITTED}), S.RETURNED, REVIEWER, True
        ),
        Transition(
            "approve", "审核通过", frozenset({S.SUBMITTED}), S.APPROVED, REVIEWER
        ),
        Transition("publish", "公开", frozenset({S.APPROVED}), S.PUBLISHED, REVIEWER),
        Transition(
            "reopen",
            "重新打开",
            frozenset({S.SUBMITTED, S.RETURNED, S.APPROVED, S.PUBLISHED}),
            S.DRAFT,
            ADMIN,
            True,
        ),
    )
}


class WorkflowError(Exception):
    """A move that cannot happen; `messages` are shown to the user as they are."""

    def __init__(self, messages: str | Iterable[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


class NotAllowed(WorkflowError):
    pass


class Conflict(WorkflowError):
    pass


class Locked(WorkflowError):
    pass


# Other apps add submission checks (the scorecard lives in `scoring`).
_PROBLEM_HOOKS: list[Callable[[Evaluation], list[str]]] = []


def register_problem_hook(hook: Callable[[Evaluation], list[str]]) -> None:
    if hook not in _PROBLEM_HOOKS:
        _PROBLEM_HOOKS.append(hook)


def has_role(user: User, evaluation: Evaluation, role: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if role == ADMIN:
        return user.is_superuser
    if role == FILLER:
        return user_can_fill(user=user, department=evaluation.department)
    return user_can_review(user=user, department=evaluation.department)


def allowed_transitions(evaluation: Evaluation, user: User) -> list[Transition]:
    return [
        t
        for t in TRANSITIONS.values()
        if evaluation.status in t.sources and has_role(user, evaluation, t.role)
    ]


def submission_problems(evaluation: Evaluation) -> list[str]:
    """Everything that stops a submission, in Chinese, all at once."""
    problems: list[str] = []
    projects = list(evaluation.projects.prefetch_related("indicators"))
    # `scorecard` is the reverse side of scoring's one-to-one: no import needed.
    has_scorecard = hasattr(evaluation, "scorecard")
    if not projects and not evaluation.target_projects.exists() and not has_scorecard:
        problems.append("还没有填报任何项目或表格。")
    for p in projects:
        where = f"项目“{p.name}”"
        if p.budget_total is None:
            problems.append(f"{where}：未填写预算数。")
        if p.actual_total is None:
            problems.append(f"{where}：未填写实际支出数。")
        if not p.annual_goal.strip():
            problems.append(f"{where}：未填写年初绩效目标。")
        if not p.completion.strip():
            problems.append(f"{where}：未填写绩效目标整体完成情况。")
        indicators = list(p.indicators.all())
        if not indicators:
            problems.append(f"{where}：没有绩效指标。")
        problems += _indicator_problems(where, indicators)
    for hook in _PROBLEM_HOOKS:
        problems += hook(evaluation)
    return problems


def _n(value: Decimal) -> str:
    """80.00 → 80, 28.50 → 28.5: how a person writes a score in a sentence."""
    return format(value.normalize(), "f")


def _indicator_problems(where: str, indicators: list[Indicator]) -> list[str]:
    problems = []
    weighted = [i for i in indicators if i.weight is not None]
    for i in indicators:
        name = i.name or i.annual_value[:20]
        if not (i.annual_value.strip() or i.name.strip()):
            problems.append(f"{where}：有指标未填写年度指标值。")
        if i.weight is not None and i.score is None:
            problems.append(f"{where}：指标“{name}”未评分。")
        if i.weight is not None and i.score is not None and i.score > i.weight:
            problems.append(
                f"{where}：指标“{name}”得分 {_n(i.score)} 超过分值 {_n(i.weight)}。"
            )
    if weighted:
        total = sum((i.weight for i in weighted), Decimal(0)) + EXECUTION_WEIGHT
        if total != Decimal(100):
            problems.append(
                f"{where}：指标分值合计 {_n(total - EXECUTION_WEIGHT)}，"
                f"加预算执行率 {_n(EXECUTION_WEIGHT)} 分"
                f"共 {_n(total)} 分，应为 100 分。"
            )
    return problems


def _snapshot(evaluation: Evaluation, kind: str, actor: User) -> EvaluationSnapshot:
    content = snapshots.evaluation_content(evaluation)
    return EvaluationSnapshot.objects.create(
        evaluation=evaluation,
        kind=kind,
        content=content,
        sha256=snapshots.content_hash(content),
        created_by=actor,
    )


def evaluation_transition(
    *,
    evaluation: Evaluation,
    action: str,
    actor: User,
    comment: str = "",
    item_comments: Iterable[tuple[BudgetProject | None, Indicator | None, str]] = (),
    expected_version: int | None = None,
    ip_address: str | None = None,
) -> Evaluation:
    """Move the evaluation along the workflow, or raise a WorkflowError.

    The row is locked (PostgreSQL) and the status/version compared again in
    the UPDATE itself, so of two racing moves exactly one wins.
    """
    transition = TRANSITIONS[action]
    if not has_role(actor, evaluation, transition.role):
        # Logged outside the transaction so the refusal is kept (等保 审计).
        audit_log(
            action=f"denied:{action}",
            user=actor,
            success=False,
            department=evaluation.department,
            detail=str(evaluation),
            ip_address=ip_address,
        )
        raise NotAllowed(
            NOT_ALLOWED.format(evaluation=evaluation, action=transition.label)
        )
    with transaction.atomic():
        current = _move(
            evaluation, transition, actor, comment, item_comments, expected_version
        )
        audit_log(
            action=action,
            user=actor,
            department=current.department,
            detail=str(current),
            ip_address=ip_address,
        )
    evaluation.status, evaluation.version = current.status, current.version
    return current


def _move(evaluation, transition, actor, comment, item_comments, expected_version):
    action = transition.action
    current = (
        Evaluation.objects.select_for_update()
        .select_related("department")
        .get(pk=evaluation.pk)
    )
    label = transition.label
    if current.status not in transition.sources:
        raise Conflict(
            WRONG_STATE.format(
                evaluation=current, status=current.get_status_display(), action=label
            )
        )
    if expected_version is not None and expected_version != current.version:
        raise Conflict(STALE.format(evaluation=current))
    if transition.needs_comment and not comment.strip():
        raise WorkflowError(COMMENT_REQUIRED.format(action=label))
    if action == "submit":
        problems = submission_problems(current)
        if problems:
            raise WorkflowError(problems)

    previous = current.status
    changes = {"status": transition.target, "version": F("version") + 1}
    if action == "submit":
        changes["submitted_at"] = timezone.now()
    updated = Evaluation.objects.filter(
        pk=current.pk, status=current.status, version=current.version
    ).update(**changes)
    if updated != 1:
        raise Conflict(STALE.format(evaluation=current))
    current.refresh_from_db()

    event = EvaluationEvent.objects.create(
        evaluation=current,
        action=action,
        from_status=previous,
        to_status=transition.target,
        actor=actor,
        actor_name=str(actor),
        comment=comment.strip(),
    )
    for project, indicator, text in item_comments:
        if text.strip():
            ReviewComment.objects.create(
                evaluation=current,
                event=event,
                project=project,
                indicator=indicator,
                author=actor,
                author_name=str(actor),
                text=text.strip(),
            )
    if action == "submit":
        _snapshot(current, EvaluationSnapshot.Kind.SUBMITTED, actor)
    elif action == "approve":
        _snapshot(current, EvaluationSnapshot.Kind.APPROVED, actor)
    return current
