"""The review workflow: who may move an evaluation where, and what it freezes."""

from decimal import Decimal

import pytest

from departments.models import AuditEvent, Department, Membership
from projects import services, workflow
from projects.models import Evaluation, EvaluationEvent, EvaluationSnapshot
from projects.snapshots import content_hash, evaluation_content
from scoring import services as scoring_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_000():
    return Evaluation.objects.get(department__code="440307-JYZX", year=2021)


def move(evaluation, action, actor, comment=""):
    return workflow.evaluation_transition(
        evaluation=evaluation, action=action, actor=actor, comment=comment
    )


def test_filler_submits_and_an_event_and_snapshot_are_written(seed_000, filler_a):
    move(seed_000, "submit", filler_a)
    seed_000.refresh_from_db()
    assert seed_000.status == "submitted"
    assert seed_000.submitted_at is not None
    event = EvaluationEvent.objects.get(evaluation=seed_000)
    assert (event.action, event.from_status, event.to_status) == (
        "submit",
        "draft",
        "submitted",
    )
    assert event.actor_name == str(filler_a)
    snapshot = EvaluationSnapshot.objects.get(evaluation=seed_000)
    assert snapshot.kind == "submitted"
    assert snapshot.sha256 == content_hash(evaluation_content(seed_000))
    assert AuditEvent.objects.filter(action="submit", user=filler_a).exists()


@pytest.mark.parametrize("action", ["return", "approve", "publish"])
def test_a_filler_cannot_review(seed_000, filler_a, action):
    move(seed_000, "submit", filler_a)
    with pytest.raises(workflow.NotAllowed):
        move(seed_000, action, filler_a, comment="x")
    seed_000.refresh_from_db()
    assert seed_000.status == "submitted"


def test_a_reviewer_cannot_submit(seed_000, reviewer):
    with pytest.raises(workflow.NotAllowed):
        move(seed_000, "submit", reviewer)


def test_outsider_cannot_touch_another_department(seed_000, outsider_b):
    with pytest.raises(workflow.NotAllowed):
        move(seed_000, "submit", outsider_b)
    assert AuditEvent.objects.filter(action="denied:submit", success=False).exists()


def test_return_needs_a_comment(seed_000, filler_a, reviewer):
    move(seed_000, "submit", filler_a)
    with pytest.raises(workflow.WorkflowError, match="请填写退回意见"):
        move(seed_000, "return", reviewer)
    move(seed_000, "return", reviewer, comment="请补充偏差原因")
    seed_000.refresh_from_db()
    assert seed_000.status == "returned"
    assert seed_000.events.last().comment == "请补充偏差原因"


def test_returned_evaluation_can_be_edited_and_resubmitted(
    seed_000, filler_a, reviewer
):
    move(seed_000, "submit", filler_a)
    move(seed_000, "return", reviewer, comment="改")
    project = seed_000.projects.get(name="就业服务管理")
    project.actual_general = Decimal("2.00")
    services.budget_project_save(project=project)
    move(seed_000, "submit", filler_a)
    move(seed_000, "approve", reviewer)
    seed_000.refresh_from_db()
    assert seed_000.status == "approved"
    assert [e.action for e in seed_000.events.all()] == [
        "submit",
        "return",
        "submit",
        "approve",
    ]


def test_approved_evaluation_is_frozen_through_every_service(
    seed_000, filler_a, reviewer, admin_user
):
    move(seed_000, "submit", filler_a)
    move(seed_000, "approve", reviewer)
    approved = EvaluationSnapshot.objects.get(evaluation=seed_000, kind="approved")
    project = seed_000.projects.get(name="扶持就业")
    indicator = project.indicators.first()
    project.actual_general = Decimal(1)
    with pytest.raises(workflow.Locked, match="数据已冻结"):
        services.budget_project_save(project=project)
    with pytest.raises(workflow.Locked):
        services.indicator_save(indicator=indicator)
    with pytest.raises(workflow.Locked):
        services.indicator_delete(indicator=indicator)
    with pytest.raises(workflow.Locked):
        services.budget_project_create(evaluation=seed_000, seq=9, name="新项目")
    with pytest.raises(workflow.Locked):
        services.evaluation_explain_findings(evaluation=seed_000, text="x")
    seed_000.refresh_from_db()
    assert approved.sha256 == content_hash(evaluation_content(seed_000))


def test_approved_scorecard_is_frozen_too(reviewer, admin_user):
    evaluation = Evaluation.objects.get(department__code="440113-RSJ", year=2021)
    Evaluation.objects.filter(pk=evaluation.pk).update(status="approved")
    item = evaluation.scorecard.items.filter(level=3).first()
    item.score = Decimal(0)
    with pytest.raises(workflow.Locked):
        scoring_services.scorecard_item_save(item=item)


def test_only_an_admin_reopens_and_only_with_a_reason(
    seed_000, filler_a, reviewer, admin_user
):
    move(seed_000, "submit", filler_a)
    move(seed_000, "approve", reviewer)
    with pytest.raises(workflow.NotAllowed):
        move(seed_000, "reopen", reviewer, comment="x")
    with pytest.raises(workflow.WorkflowError, match="请填写重新打开意见"):
        move(seed_000, "reopen", admin_user)
    move(seed_000, "reopen", admin_user, comment="审计发现预算数有误")
    seed_000.refresh_from_db()
    assert seed_000.status == "draft"
    assert seed_000.events.last().comment == "审计发现预算数有误"


def test_publish_only_after_approval(seed_000, filler_a, reviewer):
    move(seed_000, "submit", filler_a)
    with pytest.raises(workflow.Conflict, match="当前为已提交，不能公开"):
        move(seed_000, "publish", reviewer)
    move(seed_000, "approve", reviewer)
    move(seed_000, "publish", reviewer)
    seed_000.refresh_from_db()
    assert seed_000.status == "published"


def test_stale_version_is_a_conflict(seed_000, filler_a):
    with pytest.raises(workflow.Conflict, match="已被他人修改"):
        workflow.evaluation_transition(
            evaluation=seed_000,
            action="submit",
            actor=filler_a,
            expected_version=seed_000.version + 5,
        )


def test_reviewer_of_a_parent_reviews_its_units_but_not_other_regions(
    seed_000, reviewer
):
    panyu = Evaluation.objects.get(department__code="440113-JYZX", year=2025)
    assert workflow.has_role(reviewer, seed_000, workflow.REVIEWER)
    assert not workflow.has_role(reviewer, panyu, workflow.REVIEWER)


def test_region_reviewer_reviews_every_department_of_the_region():
    user = factories.UserFactory(username="finance-bureau")
    Membership.objects.create(user=user, region="广州市番禺区", role="reviewer")
    panyu = Evaluation.objects.get(department__code="440113-RSJ", year=2021)
    longgang = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    assert workflow.has_role(user, panyu, workflow.REVIEWER)
    assert not workflow.has_role(user, longgang, workflow.REVIEWER)


# --- what stops a submission -------------------------------------------------


def new_evaluation_with_filler():
    department = factories.DepartmentFactory()
    evaluation = factories.EvaluationFactory(department=department)
    filler = factories.UserFactory()
    Membership.objects.create(user=filler, department=department, role="filler")
    return evaluation, filler


def test_submit_lists_every_problem_in_chinese():
    evaluation, filler = new_evaluation_with_filler()
    project = factories.BudgetProjectFactory(evaluation=evaluation, name="空项目")
    factories.IndicatorFactory(project=project, weight=Decimal(50), score=None)
    with pytest.raises(workflow.WorkflowError) as excinfo:
        move(evaluation, "submit", filler)
    messages = excinfo.value.messages
    assert "项目“空项目”：未填写年初绩效目标。" in messages
    assert "项目“空项目”：未填写绩效目标整体完成情况。" in messages
    assert "项目“空项目”：指标“培训人数”未评分。" in messages
    assert any("应为 100 分" in m for m in messages)
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"


def test_submit_rejects_weights_not_summing_to_100():
    evaluation, filler = new_evaluation_with_filler()
    project = factories.BudgetProjectFactory(
        evaluation=evaluation, annual_goal="目标", completion="完成"
    )
    factories.IndicatorFactory(project=project, weight=Decimal(50), score=Decimal(50))
    factories.IndicatorFactory(project=project, weight=Decimal(30), score=Decimal(30))
    with pytest.raises(workflow.WorkflowError) as excinfo:
        move(evaluation, "submit", filler)
    assert excinfo.value.messages == [
        f"项目“{project.name}”：指标分值合计 80，"
        "加预算执行率 10 分共 90 分，应为 100 分。"
    ]
    factories.IndicatorFactory(project=project, weight=Decimal(10), score=Decimal(9))
    move(evaluation, "submit", filler)


def test_empty_evaluation_cannot_be_submitted():
    evaluation, filler = new_evaluation_with_filler()
    with pytest.raises(workflow.WorkflowError, match="还没有填报任何项目或表格"):
        move(evaluation, "submit", filler)


def test_unexplained_check_findings_stop_submission_until_explained():
    evaluation = Evaluation.objects.get(department__code="440113-RSJ", year=2021)
    filler = factories.UserFactory()
    Membership.objects.create(
        user=filler, department=Department.objects.get(code="440113-RSJ"), role="filler"
    )
    with pytest.raises(workflow.WorkflowError) as excinfo:
        move(evaluation, "submit", filler)
    text = "\n".join(excinfo.value.messages)
    assert "一致性核对发现 2 处差异" in text
    assert "原表总分 93.25" in text
    services.evaluation_explain_findings(
        evaluation=evaluation, text="原表任务2一行在公开文本中缺失，已向主管部门说明。"
    )
    evaluation.refresh_from_db()
    move(evaluation, "submit", filler)
    evaluation.refresh_from_db()
    assert evaluation.status == "submitted"


def test_concurrent_project_edits_the_later_save_is_refused(seed_000):
    project = seed_000.projects.get(name="就业服务管理")
    first = type(project).objects.get(pk=project.pk)
    second = type(project).objects.get(pk=project.pk)
    version = project.version
    first.actual_general = Decimal("2.00")
    services.budget_project_save(project=first, expected_version=version)
    second.actual_general = Decimal("2.50")
    with pytest.raises(workflow.Conflict, match="已被他人修改"):
        services.budget_project_save(project=second, expected_version=version)
    project.refresh_from_db()
    assert project.actual_general == Decimal("2.00")
    assert project.version == version + 1
