"""`manage.py export_table`: the JSON scripts rely on, and its errors."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(tmp_path, *args) -> dict:
    out = tmp_path / "out.json"
    call_command("export_table", *args, "--format", "json", "--output", str(out))
    return json.loads(out.read_text(encoding="utf-8"))


def test_export_by_department_code(tmp_path):
    data = run(
        tmp_path,
        "--layout=project_selfeval",
        "--department=440307-JYZX",
        "--year=2021",
    )
    assert data["projects"][0]["budget"]["total"] == "10470.27"
    assert data["projects"][0]["execution_rate"] == "98.39"
    assert set(data["projects"][0]) >= {
        "name",
        "budget",
        "actual",
        "execution_rate",
        "indicators",
    }
    assert data["totals"]["execution_rate"] == "98.37"
    assert data["checks"] == []


def test_export_by_department_full_name(tmp_path):
    data = run(
        tmp_path,
        "--layout=department_selfeval",
        "--department=广州市番禺区人力资源和社会保障局",
        "--year=2021",
    )
    assert data["total_score"] == "92.25"
    assert data["grade"] == "优"
    assert {"level1", "level2", "name", "weight", "score"} <= set(data["items"][0])
    assert len(data["checks"]) == 2


def test_export_target_layout(tmp_path):
    data = run(tmp_path, "--layout=target", "--department=440113-JYZX", "--year=2025")
    indicator = data["projects"][0]["indicators"][0]
    assert {
        "level1_code",
        "level2_code",
        "name",
        "period_value",
        "annual_value",
    } <= set(indicator)
    assert {"total", "fiscal", "special_account", "other"} <= set(data["projects"][0])
    assert data["totals"]["total"] == "22356.47"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--department=不存在的部门", "--year=2021"], "找不到部门“不存在的部门”"),
        (["--department=440307-JYZX", "--year=2019"], "没有 2019 年度的自评数据"),
    ],
)
def test_unknown_department_or_year_is_a_clear_error(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(tmp_path, "--layout=project_selfeval", *args)


def test_a_layout_the_evaluation_does_not_have_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="没有部门整体支出绩效自评表的数据"):
        run(
            tmp_path,
            "--layout=department_selfeval",
            "--department=440307-JYZX",
            "--year=2021",
        )


def test_command_exits_with_status_1_on_error():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "export_table",
            "--layout=target",
            "--department=nobody",
            "--year=2021",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "找不到部门" in result.stderr
