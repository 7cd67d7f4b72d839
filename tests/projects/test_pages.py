"""List pages: what they show, and that their query count does not grow with
the number of departments."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_home_shows_rates_scores_and_grades(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("projects:home"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "深圳市龙岗区劳动就业服务中心" in content
    assert "98.37%" in content  # seed 000 total rate
    assert "92.25" in content and "优" in content  # seed 004 score and grade


def test_filler_home_says_what_is_missing(client, filler_a, department_a):
    client.force_login(filler_a)
    content = client.get(reverse("projects:home")).content.decode()
    assert "可提交" in content
    assert "广州市番禺区" not in content


def test_reviewer_home_query_count_does_not_grow_with_departments(client):
    reviewer = factories.UserFactory(username="region-reviewer")
    Membership.objects.create(user=reviewer, region="测试市测试区", role="reviewer")
    client.force_login(reviewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("projects:home")).status_code == 200
        return len(ctx.captured_queries)

    evaluation = factories.EvaluationFactory()
    factories.BudgetProjectFactory(evaluation=evaluation)
    one = count()
    for _ in range(15):
        other = factories.EvaluationFactory()
        factories.BudgetProjectFactory(evaluation=other)
    many = count()
    assert many == one
