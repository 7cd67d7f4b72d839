"""The five published tables, loaded as data, give back every printed figure.

Expected figures are typed here from ../shared/seeds (not read from our own
fixtures), so a transcription or scoring error shows up as a failure.
"""

from decimal import Decimal

import pytest

from departments.models import Department
from projects.models import BudgetProject, Evaluation, TargetIndicator
from projects.selectors import evaluation_get
from publishing.exports import export_data
from publishing.seeding import seed_all

pytestmark = pytest.mark.django_db


def export(code: str, year: int, layout: str) -> dict:
    department = Department.objects.get(code=code)
    evaluation = evaluation_get(user=None, department=department, year=year)
    return export_data(evaluation, layout)


def by_name(data: dict) -> dict:
    return {p["name"]: p for p in data["projects"]}


# --- seed 000: 2021 深圳市龙岗区劳动就业服务中心 -----------------------------


def test_seed_000_every_row_and_the_total_come_out_as_printed():
    data = export("440307-JYZX", 2021, "project_selfeval")
    rows = by_name(data)
    printed = {
        "扶持就业": ("10470.27", "10301.19", "98.39"),
        "就业服务管理": ("2.88", "1.91", "66.32"),
        "贫困劳动力服务": ("50.00", "49.16", "98.32"),
        "其他一般管理事务": ("474.92", "466.42", "98.21"),
    }
    assert list(rows) == list(printed)
    for name, (budget, actual, rate) in printed.items():
        assert rows[name]["budget"] == {
            "total": budget,
            "general": budget,
            "fund": "0.00",
            "non_fiscal": "0.00",
        }
        assert rows[name]["actual"]["total"] == actual
        assert rows[name]["actual"]["general"] == actual
        assert rows[name]["execution_rate"] == rate
    assert data["totals"] == {
        "budget": {
            "total": "10998.07",
            "general": "10998.07",
            "fund": "0.00",
            "non_fiscal": "0.00",
        },
        "actual": {
            "total": "10818.68",
            "general": "10818.68",
            "fund": "0.00",
            "non_fiscal": "0.00",
        },
        "execution_rate": "98.37",
    }
    assert data["title"] == "2021年度深圳市龙岗区劳动就业服务中心部门预算项目绩效自评表"
    assert data["checks"] == []


def test_seed_000_numbered_lists_become_separate_indicators_when_clean():
    rows = by_name(export("440307-JYZX", 2021, "project_selfeval"))
    quantity = [i for i in rows["扶持就业"]["indicators"] if i["level2_code"] == "11"]
    # 14 targets against 13 completions: not a clean pair, kept as one indicator.
    assert len(quantity) == 1
    assert quantity[0]["annual_value"].startswith("1.灵活就业补贴发放率100%")
    social = [i for i in rows["扶持就业"]["indicators"] if i["level2_code"] == "22"]
    # 2 targets and 2 completions: two indicators, paired item by item.
    assert [i["annual_value"][:2] for i in social] == ["1.", "2."]
    assert social[0]["operator"] == "≥"
    assert social[0]["target_number"] == "1500"
    assert social[1]["operator"] == "≤"
    assert "4875人" in social[0]["actual_value"]


def test_seed_000_categories_printed_not_applicable_have_no_indicator():
    rows = by_name(export("440307-JYZX", 2021, "project_selfeval"))
    codes = {i["level2_code"] for i in rows["就业服务管理"]["indicators"]}
    assert "21" not in codes  # 经济效益指标: 不适用
    assert "23" not in codes  # 生态效益指标: 不适用
    assert {"11", "12", "13", "22", "31"} <= codes


# --- seed 001: 2020 深圳市龙岗区人力资源局（本级）, budget in one column ---------


def test_seed_001_amounts_rates_and_column_totals_match_the_print():
    data = export("440307-RSJ-BJ", 2020, "project_selfeval")
    rows = by_name(data)
    assert len(rows) == 19
    assert data["variant"] == "B"
    expected = {
        "其他一般管理事务": ("565.37", "558.23", "98.74"),
        "办公楼修缮": ("15.00", "14.49", "96.60"),
        "办公设备购置": ("54.61", "47.32", "86.65"),
        "人才引进": ("24314.66", "24314.66", "100.00"),
        "高层次人才服务": ("32905.50", "32896.28", "99.97"),
        "国家人力资源产业园运营补贴资金": ("70.00", "29.93", "42.76"),
        "职业技能提升行动资金": ("38787.89", "25807.29", "66.53"),
    }
    for name, (budget, actual, rate) in expected.items():
        assert rows[name]["budget"]["total"] == budget
        # The 2020 layout prints the budget as one column: no source split.
        assert rows[name]["budget"]["general"] is None
        assert rows[name]["actual"]["total"] == actual
        assert rows[name]["execution_rate"] == rate
    assert data["totals"]["budget"]["total"] == "98795.64"
    assert data["totals"]["actual"] == {
        "total": "85726.53",
        "general": "59889.31",
        "fund": "0.00",
        "non_fiscal": "25837.22",
    }
    assert data["checks"] == []


def test_seed_001_total_rate_leaves_out_the_projects_the_note_excludes():
    data = export("440307-RSJ-BJ", 2020, "project_selfeval")
    excluded = [
        p["name"] for p in data["projects"] if p["excluded_from_execution_rate"]
    ]
    assert excluded == ["国家人力资源产业园运营补贴资金", "职业技能提升行动资金"]
    # (85726.53 − 29.93 − 25807.29) / (98795.64 − 70 − 38787.89) = 99.92%,
    # against 86.77% if the city's funds were counted.
    assert data["totals"]["execution_rate"] == "99.92"
    assert len(data["notes"]) == 2
    assert data["notes"][0].startswith("2020年度预算项目“人才引进”结转至下年度2000万")


# --- seed 002: 2021 深圳市龙岗区职业训练中心, a zero-budget project -------------


def test_seed_002_rates_and_the_zero_budget_project():
    data = export("440307-ZXZX", 2021, "project_selfeval")
    rates = {p["name"]: p["execution_rate"] for p in data["projects"]}
    assert rates == {
        "设备购置": "98.41",
        "修缮维护": "98.59",
        "学校管理": "99.01",
        "职业技能提升": "89.15",
        "社区教育": "93.71",
        "技能人才评价": "95.01",
        "教师慰问奖励": None,  # zero budget: 不适用, never a division error
        "其他一般管理事务": "84.66",
        "南粤家政示范基地": "80.67",
    }
    assert data["totals"]["budget"]["total"] == "2301.63"
    assert data["totals"]["actual"]["total"] == "2114.35"
    assert data["totals"]["execution_rate"] == "91.86"
    # The table printed "XX部门" in its title; ours is generated.
    assert data["title"] == "2021年度深圳市龙岗区职业训练中心部门预算项目绩效自评表"
    # 0.00% printed for a zero budget says 不适用 too: not a finding.
    assert data["checks"] == []


# --- seed 003: 2025 广州市番禺区劳动就业服务管理中心 项目支出绩效目标表 -----------


def test_seed_003_totals_and_all_79_coded_indicators():
    data = export("440113-JYZX", 2025, "target")
    assert data["totals"] == {
        "total": "22356.47",
        "fiscal": "22356.47",
        "special_account": None,
        "other": None,
    }
    assert len(data["projects"]) == 12
    assert sum(len(p["indicators"]) for p in data["projects"]) == 79
    assert TargetIndicator.objects.filter(project__evaluation__year=2025).count() == 79
    first = data["projects"][0]
    assert first["name"] == "其他就业补助支出（市区共担区级部分）"
    assert first["total"] == "10951.18"
    assert first["indicators"][0] == {
        "seq": 1,
        "level1_code": "1",
        "level2_code": "11",
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "一次性创业资助人数",
        "period_value": "一次性创业资助人数",
        "annual_value": "≥300人次。".rstrip("。"),
    }
    assert "<p>" not in first["goal"]
    assert first["indicators_text"].startswith(
        "1、1-产出指标；11-数量指标；一次性创业资助人数；"
        "实施周期指标值：一次性创业资助人数；年度指标值：≥300人次。2、"
    )
    assert data["checks"] == []


# --- seed 004: 2021 广州市番禺区人力资源和社会保障局 部门整体支出绩效自评表 --------


def test_seed_004_weights_of_every_block():
    data = export("440113-RSJ", 2021, "department_selfeval")
    level1 = {}
    level2 = {}
    for item in data["items"]:
        level1[item["level1"]] = item["level1_weight"]
        level2[(item["level1"], item["level2"])] = item["level2_weight"]
    assert level1 == {"管理效能": "45.00", "履职效能": "50.00", "加减分项": "5.00"}
    assert data["total_weight"] == "100.00"
    management = {k[1]: v for k, v in level2.items() if k[0] == "管理效能"}
    assert management == {
        "资金管理": "16.00",
        "采购管理": "2.00",
        "信息公开管理": "4.00",
        "资产管理": "4.00",
        "成本管理": "4.00",
        "绩效管理": "15.00",
    }
    tasks = [v for k, v in level2.items() if k[0] == "履职效能"]
    assert len(tasks) == 10
    assert sum(Decimal(v) for v in tasks) == Decimal(50)
    assert tasks[0] == "11.50"


def test_seed_004_scores_total_grade_and_rates():
    data = export("440113-RSJ", 2021, "department_selfeval")
    scores = {i["name"]: i["score"] for i in data["items"]}
    assert scores["预算完成率"] == "1.48"
    assert scores["财政拨款收入预决算差异率"] == "1.50"
    assert scores["工作受表彰或批评"] == "0.00"
    # The printed 总分 is 93.25; the surviving rows add up to 92.25 (a row of
    # 任务2 was lost in the published text). The engine computes what is there.
    assert data["total_score"] == "92.25"
    assert data["grade"] == "优"
    assert data["spending_scale"]["rate"] == {
        "fiscal": "97.50",
        "other": "97.23",
        "basic": "95.69",
        "project": "97.77",
        "district": "97.02",
        "transfer": "99.94",
    }
    assert data["spending_scale"]["budget"]["fiscal"] == "59787.13"
    assert data["spending_scale"]["actual"]["transfer"] == "9908.32"


def test_seed_004_checks_find_the_two_real_inconsistencies_and_nothing_else():
    data = export("440113-RSJ", 2021, "department_selfeval")
    found = {(c["code"], c["printed"], c["computed"]) for c in data["checks"]}
    assert found == {
        ("weights", "6.00", "5.00"),  # 任务2 printed 6 over rows worth 5
        ("total_score", "93.25", "92.25"),
    }
    weights = next(c for c in data["checks"] if c["code"] == "weights")
    assert "任务2" in weights["message"]


def test_seed_004_budget_completion_item_follows_the_configured_rule():
    """1.48 = 2 × (97.4 − 90) / 10 with the rate truncated to 97.4% (§7.5)."""
    from projects.models import Evaluation as Ev
    from scoring.checks import scorecard_checks
    from scoring.models import ScoringRuleSet

    evaluation = Ev.objects.get(department__code="440113-RSJ", year=2021)
    scorecard = evaluation.scorecard
    items = list(scorecard.items.all())
    assert not [f for f in scorecard_checks(scorecard, items) if f.code == "auto_score"]
    rules = ScoringRuleSet(
        region="x", budget_completion_truncate_places=None
    ).to_rules()
    auto = [
        f for f in scorecard_checks(scorecard, items, rules) if f.code == "auto_score"
    ]
    assert [(f.printed, f.computed) for f in auto] == [("1.48", "1.50")]


def test_seed_demo_is_idempotent_and_replace_reloads():
    before = BudgetProject.objects.count()
    report = seed_all(with_users=True)
    assert report.loaded == []
    assert len(report.skipped) == 5
    assert BudgetProject.objects.count() == before
    report = seed_all(with_users=False, replace=True)
    assert len(report.loaded) == 5
    assert BudgetProject.objects.count() == before
    assert Evaluation.objects.count() == 5
