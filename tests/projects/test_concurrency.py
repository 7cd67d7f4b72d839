"""Races between two people, with real threads and row locks (PostgreSQL).

SQLite serialises writers on the whole database, so these tests say something
only on PostgreSQL, which CI runs them on.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from projects import services, workflow
from projects.models import BudgetProject, Evaluation, EvaluationEvent
from projects.snapshots import content_hash, evaluation_content

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL (CI runs them there)",
    ),
]


def race(*calls):
    """Run the calls at the same moment in threads; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            errors[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def submitted(filler_a):
    evaluation = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    workflow.evaluation_transition(
        evaluation=evaluation, action="submit", actor=filler_a
    )
    evaluation.refresh_from_db()
    return evaluation


def test_two_approvals_exactly_one_wins(submitted, reviewer):
    version = submitted.version

    def approve():
        return workflow.evaluation_transition(
            evaluation=Evaluation.objects.get(pk=submitted.pk),
            action="approve",
            actor=reviewer,
        )

    results, errors = race(approve, approve)
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, workflow.Conflict) for e in errors) == 1
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    assert submitted.version == version + 1
    assert (
        EvaluationEvent.objects.filter(evaluation=submitted, action="approve").count()
        == 1
    )


def test_approve_and_return_racing_exactly_one_wins(submitted, reviewer):
    def move(action):
        return lambda: workflow.evaluation_transition(
            evaluation=Evaluation.objects.get(pk=submitted.pk),
            action=action,
            actor=reviewer,
            comment="意见",
        )

    results, errors = race(move("approve"), move("return"))
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, workflow.Conflict) for e in errors) == 1
    submitted.refresh_from_db()
    assert submitted.events.exclude(action="submit").count() == 1


def test_two_saves_of_the_same_project_version_exactly_one_wins(filler_a):
    project = BudgetProject.objects.get(name="就业服务管理")
    version = project.version

    def save(amount):
        def call():
            mine = BudgetProject.objects.get(pk=project.pk)
            mine.actual_general = Decimal(amount)
            return services.budget_project_save(project=mine, expected_version=version)

        return call

    results, errors = race(save("2.10"), save("2.20"))
    assert sum(r is not None for r in results) == 1
    assert sum(isinstance(e, workflow.Conflict) for e in errors) == 1
    project.refresh_from_db()
    assert project.version == version + 1
    winner = next(r for r in results if r is not None)
    assert project.actual_general == winner.actual_general


def test_submit_racing_an_edit_never_loses_the_edit(filler_a):
    evaluation = Evaluation.objects.get(department__code="440307-JYZX", year=2021)
    project = BudgetProject.objects.get(name="扶持就业", evaluation=evaluation)

    def submit():
        return workflow.evaluation_transition(
            evaluation=Evaluation.objects.get(pk=evaluation.pk),
            action="submit",
            actor=filler_a,
        )

    def edit():
        mine = BudgetProject.objects.get(pk=project.pk)
        mine.completion = mine.completion + "（补充）"
        return services.budget_project_save(project=mine)

    _results, errors = race(submit, edit)
    evaluation.refresh_from_db()
    project.refresh_from_db()
    snapshot = evaluation.snapshots.get(kind="submitted")
    # Either the edit landed first and is in what was submitted, or it was
    # refused because the evaluation was already submitted: never half.
    if errors[1] is None:
        assert project.completion.endswith("（补充）")
    else:
        assert isinstance(errors[1], workflow.Locked)
        assert not project.completion.endswith("（补充）")
    assert snapshot.sha256 == content_hash(evaluation_content(evaluation))
    assert errors[0] is None
