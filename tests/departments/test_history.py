"""Every admin with a 历史 button shows its history: a department's seal or
name change is recorded with who made it."""

import pytest
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from departments.models import Department

pytestmark = pytest.mark.django_db


def test_every_history_admin_is_on_a_model_with_history():
    missing = [
        model.__name__
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin) and not hasattr(model, "history")
    ]
    assert missing == []


def test_department_history_page_shows_who_changed_it(client, admin_user):
    client.force_login(admin_user)
    department = Department.objects.get(code="440307-JYZX")
    response = client.post(
        reverse("admin:departments_department_change", args=[department.pk]),
        {
            "name": department.name,
            "short_name": "就业中心",
            "code": department.code,
            "parent": department.parent_id or "",
            "region": department.region,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(
        reverse("admin:departments_department_history", args=[department.pk])
    )
    assert page.status_code == 200
    record = department.history.first()
    assert record.short_name == "就业中心"
    assert record.history_user == admin_user
    assert admin_user.username in page.content.decode()
