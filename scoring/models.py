"""Per-jurisdiction scoring rules and the department-wide scorecard."""

from decimal import Decimal

from django.db import models
from simple_history.models import HistoricalRecords

from projects.fields import SCORE, money_field, money_range_constraint
from projects.models import Evaluation
from scoring import calculations as calc


class ScoringRuleSet(models.Model):
    """A jurisdiction's scoring settings (财政局 rules differ by region)."""

    class ReverseRule(models.TextChoices):
        LINEAR = "linear", "线性扣分（X≥2A 得 0 分）"
        RATIO = "ratio", "指标值/实际值 × 分值"

    region = models.CharField("适用地区", max_length=50, unique=True)
    excellent_min = models.DecimalField("“优”下限", **SCORE, default=Decimal(90))
    good_min = models.DecimalField("“良”下限", **SCORE, default=Decimal(80))
    pass_min = models.DecimalField("“中”下限", **SCORE, default=Decimal(60))
    reverse_rule = models.CharField(
        "反向指标计分", max_length=8, choices=ReverseRule.choices, default="linear"
    )
    over_achievement_ratio = models.DecimalField(
        "超额完成须说明的倍数", max_digits=4, decimal_places=2, default=Decimal("1.3")
    )
    budget_completion_lower = models.DecimalField(
        "预算完成率零分线（%）", **SCORE, default=Decimal(90)
    )
    budget_completion_truncate_places = models.PositiveSmallIntegerField(
        "预算完成率截取小数位",
        null=True,
        blank=True,
        default=1,
        help_text="计分前完成率截取的小数位，空为不截取（据 004 表推断）。",
    )
    carryover_full_marks_max = models.DecimalField(
        "结转结余率满分上限（%）", **SCORE, default=Decimal(10)
    )
    execution_rate_weight = models.DecimalField(
        "预算执行率分值", **SCORE, default=Decimal(10)
    )

    class Meta:
        verbose_name = "评分规则"
        verbose_name_plural = "评分规则"

    def __str__(self) -> str:
        return self.region

    def to_rules(self) -> calc.ScoringRules:
        return calc.ScoringRules(
            grade_thresholds=(
                (self.excellent_min, "优"),
                (self.good_min, "良"),
                (self.pass_min, "中"),
                (Decimal(0), "差"),
            ),
            reverse_rule=self.reverse_rule,
            over_achievement_ratio=self.over_achievement_ratio,
            budget_completion_lower=self.budget_completion_lower,
            budget_completion_truncate_places=self.budget_completion_truncate_places,
            carryover_full_marks_max=self.carryover_full_marks_max,
            execution_rate_weight=self.execution_rate_weight,
        )


SPENDING_COLUMNS = {
    "fiscal": "财政拨款",
    "other": "其他资金",
    "basic": "基本支出",
    "project": "项目支出",
    "district": "区本级支出",
    "transfer": "转移支付区",
}
SPENDING_GROUPS = {
    "按资金来源": ("fiscal", "other"),
    "按资金结构": ("basic", "project"),
    "按预算级次": ("district", "transfer"),
}


class Scorecard(models.Model):
    """部门整体支出绩效自评表: basic info, spending scale and the scored tree."""

    evaluation = models.OneToOneField(
        Evaluation,
        verbose_name="部门年度自评",
        on_delete=models.CASCADE,
        related_name="scorecard",
    )
    unit_count = models.PositiveIntegerField("单位数", default=1)
    overall_goal = models.TextField("年度整体绩效目标", blank=True)
    completion = models.TextField("整体绩效目标完成情况", blank=True)
    unfinished_reasons = models.TextField("未能完成原因", blank=True)
    budget_fiscal = money_field("全年预算数·财政拨款", default=Decimal("0.00"))
    budget_other = money_field("全年预算数·其他资金", default=Decimal("0.00"))
    budget_basic = money_field("全年预算数·基本支出", default=Decimal("0.00"))
    budget_project = money_field("全年预算数·项目支出", default=Decimal("0.00"))
    budget_district = money_field("全年预算数·区本级支出", default=Decimal("0.00"))
    budget_transfer = money_field("全年预算数·转移支付区", default=Decimal("0.00"))
    actual_fiscal = money_field("全年执行数·财政拨款", default=Decimal("0.00"))
    actual_other = money_field("全年执行数·其他资金", default=Decimal("0.00"))
    actual_basic = money_field("全年执行数·基本支出", default=Decimal("0.00"))
    actual_project = money_field("全年执行数·项目支出", default=Decimal("0.00"))
    actual_district = money_field("全年执行数·区本级支出", default=Decimal("0.00"))
    actual_transfer = money_field("全年执行数·转移支付区", default=Decimal("0.00"))
    footnote = models.TextField("表注", blank=True)
    published = models.JSONField(
        "公开表格所印数据",
        default=dict,
        blank=True,
        help_text="原表所印完成率、总分，仅用于一致性核对。",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "部门整体支出绩效自评"
        verbose_name_plural = "部门整体支出绩效自评"
        constraints = [
            money_range_constraint(f"{kind}_{col}", f"scorecard_{kind}_{col}_range")
            for kind in ("budget", "actual")
            for col in SPENDING_COLUMNS
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} 部门整体支出绩效自评"

    def spending_rate(self, column: str) -> Decimal | None:
        return calc.execution_rate(
            budget=getattr(self, f"budget_{column}"),
            actual=getattr(self, f"actual_{column}"),
        )

    def group_total(self, kind: str, group: str) -> Decimal:
        return sum(
            (getattr(self, f"{kind}_{col}") for col in SPENDING_GROUPS[group]),
            Decimal("0.00"),
        )

    @property
    def budget_total(self) -> Decimal:
        return self.group_total("budget", "按资金来源")

    @property
    def actual_total(self) -> Decimal:
        return self.group_total("actual", "按资金来源")

    @property
    def overall_completion_rate(self) -> Decimal | None:
        """预算完成率 from the unrounded totals (§7.5 scores on this)."""
        return calc.execution_rate(budget=self.budget_total, actual=self.actual_total)


class ScorecardItem(models.Model):
    """A node of the scored tree: 一级 → 二级 → 三级 (scores on 三级 only)."""

    class AutoRule(models.TextChoices):
        MANUAL = "manual", "人工评分"
        BUDGET_COMPLETION = "budget_completion", "预算完成率公式"
        CARRYOVER = "carryover", "结转结余率公式"

    scorecard = models.ForeignKey(
        Scorecard,
        verbose_name="整体自评",
        on_delete=models.CASCADE,
        related_name="items",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级指标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(
        "级次", choices=[(1, "一级"), (2, "二级"), (3, "三级")]
    )
    name = models.CharField("指标名称", max_length=200)
    weight = models.DecimalField("分值", **SCORE)
    explanation = models.TextField("指标解释", blank=True)
    target = models.TextField("年度指标值", blank=True)
    actual = models.TextField("实际完成指标值", blank=True)
    score = models.DecimalField("得分/自评分", **SCORE, null=True, blank=True)
    basis = models.TextField("评分依据、未达标原因、改进措施", blank=True)
    remark = models.TextField("备注", blank=True)
    is_adjustment = models.BooleanField(
        "加减分项", default=False, help_text="加减分项得分可为负，范围 ±分值。"
    )
    auto_rule = models.CharField(
        "计分方式", max_length=20, choices=AutoRule.choices, default=AutoRule.MANUAL
    )
    order = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "整体自评指标"
        verbose_name_plural = "整体自评指标"
        ordering = ["scorecard", "order"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=0),
                name="scorecard_item_weight_not_negative",
                violation_error_message="分值不能为负数。",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | (
                    models.Q(score__lte=models.F("weight"))
                    & (
                        models.Q(score__gte=0)
                        | (
                            models.Q(is_adjustment=True)
                            & models.Q(score__gte=-models.F("weight"))
                        )
                    )
                ),
                name="scorecard_item_score_within_weight",
                violation_error_message="得分须在 0 与分值之间（加减分项为 ±分值）。",
            ),
        ]

    def __str__(self) -> str:
        return self.name
