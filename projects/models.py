"""The department-year self-evaluation and what it holds.

An `Evaluation` is the unit of review: one department, one fiscal year. It holds
the budget projects with their three-tier indicators (部门预算项目绩效自评表 and
the national 项目支出绩效自评表), the target declaration (项目支出绩效目标表) and,
in `scoring`, the department-wide scorecard (部门整体支出绩效自评表).

Totals (合计) and rates are never stored as typed figures: they are derived
from the parts. What a published table printed is kept separately
(`published_totals`, `printed_execution_rate`) so the consistency checks can
compare the print with the recomputation.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from departments.models import Department
from projects.fields import SCORE, money_field, money_range_constraint
from scoring import calculations as calc

SOURCES = ("general", "fund", "special", "other")
SOURCE_LABELS = {
    "general": "一般公共预算",
    "fund": "政府性基金",
    "special": "财政专户拨款",
    "other": "其他资金（非财政资金）",
}


def _sum_known(values) -> Decimal | None:
    """Σ of the published parts; None when no part was published."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal("0.00")) if known else None


class IndicatorCategory(models.Model):
    """一级/二级 indicator codes, kept as data so a new framework is a new row."""

    code = models.CharField("编码", max_length=8, unique=True)
    name = models.CharField("名称", max_length=50)
    printed_label = models.CharField(
        "目标表简称", max_length=50, blank=True, help_text="如 003 表所印“21-经济效益”"
    )
    level = models.PositiveSmallIntegerField("级次", choices=[(1, "一级"), (2, "二级")])
    parent = models.ForeignKey(
        "self",
        verbose_name="上级指标",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "指标分类编码"
        verbose_name_plural = "指标分类编码"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code}-{self.name}"

    @property
    def label(self) -> str:
        """The label the target table prints (`21-经济效益`)."""
        return self.printed_label or self.name


class Evaluation(models.Model):
    """A department's self-evaluation for one fiscal year (the unit of review)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已审核"
        PUBLISHED = "published", "已公开"

    department = models.ForeignKey(
        Department,
        verbose_name="部门",
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    budget_by_source = models.BooleanField(
        "预算数按资金来源列示",
        default=True,
        help_text="2021 版按资金来源分列项目年度预算金额；2020 版只列合计数。",
    )
    unit_column_label = models.CharField(
        "第二列表头",
        max_length=10,
        default="部门名称",
        help_text="部门名称 或 单位名称",
    )
    attachment_label = models.CharField("附件标注", max_length=20, blank=True)
    title_printed = models.CharField("公开表格所印标题", max_length=200, blank=True)
    notes = models.TextField("备注", blank=True, help_text="每行一条，导出时编号。")
    published_totals = models.JSONField(
        "公开表格所印合计",
        default=dict,
        blank=True,
        help_text="原表所印的合计行与执行率，仅用于一致性核对，不参与计算。",
    )
    source_file = models.CharField("数据来源", max_length=100, blank=True)
    findings_explanation = models.TextField(
        "核对差异说明",
        blank=True,
        help_text="一致性核对发现差异时，提交前须说明原因。",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "部门年度绩效自评"
        verbose_name_plural = "部门年度绩效自评"
        ordering = ["-year", "department__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year"], name="uniq_evaluation_department_year"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100),
                name="evaluation_year_range",
                violation_error_message="年度须在 2000 至 2100 之间。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度 {self.department.name}"

    @property
    def note_lines(self) -> list[str]:
        return [line for line in self.notes.splitlines() if line.strip()]

    @property
    def is_editable(self) -> bool:
        """Figures can change only while a draft or returned to the filler."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_approved(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.PUBLISHED)


class BudgetProject(models.Model):
    """A budget project with its amounts by funding source (万元)."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="部门年度自评",
        on_delete=models.CASCADE,
        related_name="projects",
    )
    seq = models.PositiveIntegerField("序号")
    code = models.CharField("项目编码", max_length=40, blank=True)
    name = models.CharField("项目名称", max_length=200)
    unit_name = models.CharField(
        "单位名称（表内所印）",
        max_length=100,
        blank=True,
        help_text="表格第二列所印名称",
    )
    # 年初预算数 (only the national layout prints it)
    initial_general = money_field("年初预算数·一般公共预算", null=True, blank=True)
    initial_fund = money_field("年初预算数·政府性基金", null=True, blank=True)
    initial_special = money_field("年初预算数·财政专户拨款", null=True, blank=True)
    initial_other = money_field("年初预算数·其他资金", null=True, blank=True)
    # 全年预算数 (adjusted budget, the base of the execution rate)
    budget_general = money_field("全年预算数·一般公共预算", null=True, blank=True)
    budget_fund = money_field("全年预算数·政府性基金", null=True, blank=True)
    budget_special = money_field("全年预算数·财政专户拨款", null=True, blank=True)
    budget_other = money_field("全年预算数·非财政资金", null=True, blank=True)
    budget_total_unsplit = money_field(
        "全年预算数（未分资金来源）",
        null=True,
        blank=True,
        help_text="仅当表格不按资金来源列示预算数时填写（2020 版）。",
    )
    # 全年执行数
    actual_general = money_field("全年执行数·一般公共预算", null=True, blank=True)
    actual_fund = money_field("全年执行数·政府性基金", null=True, blank=True)
    actual_special = money_field("全年执行数·财政专户拨款", null=True, blank=True)
    actual_other = money_field("全年执行数·非财政资金", null=True, blank=True)

    excluded_from_execution_rate = models.BooleanField(
        "不纳入预算支出执行率考核", default=False
    )
    exclusion_note = models.TextField("不纳入考核说明", blank=True)
    annual_goal = models.TextField("年初绩效目标/年度总体目标", blank=True)
    period_goal = models.TextField("实施周期目标", blank=True)
    completion = models.TextField("绩效目标整体完成情况", blank=True)
    problems = models.TextField("项目执行中存在的问题", blank=True)
    rectification = models.TextField("整改情况", blank=True)
    remark = models.TextField("备注", blank=True)
    published = models.JSONField(
        "公开表格所印数据",
        default=dict,
        blank=True,
        help_text="原表所印的预算合计、执行合计与执行率，仅用于一致性核对。",
    )
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "预算项目"
        verbose_name_plural = "预算项目"
        ordering = ["evaluation", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "name"], name="uniq_project_name_per_evaluation"
            ),
            *[
                money_range_constraint(f"{kind}_{src}", f"project_{kind}_{src}_range")
                for kind in ("initial", "budget", "actual")
                for src in SOURCES
            ],
            money_range_constraint(
                "budget_total_unsplit", "project_budget_unsplit_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def amount(self, kind: str, source: str) -> Decimal | None:
        return getattr(self, f"{kind}_{source}")

    @property
    def initial_total(self) -> Decimal | None:
        return _sum_known(self.amount("initial", s) for s in SOURCES)

    @property
    def budget_total(self) -> Decimal | None:
        if self.budget_total_unsplit is not None:
            return self.budget_total_unsplit
        return _sum_known(self.amount("budget", s) for s in SOURCES)

    @property
    def actual_total(self) -> Decimal | None:
        return _sum_known(self.amount("actual", s) for s in SOURCES)

    @property
    def budget_non_fiscal(self) -> Decimal | None:
        return _sum_known([self.budget_special, self.budget_other])

    @property
    def actual_non_fiscal(self) -> Decimal | None:
        return _sum_known([self.actual_special, self.actual_other])

    @property
    def execution_rate(self) -> Decimal | None:
        """预算支出执行率 in %, or None (不适用) for a zero budget."""
        return calc.execution_rate(budget=self.budget_total, actual=self.actual_total)


class Indicator(models.Model):
    """A 三级 performance indicator of a budget project."""

    class CompletionLevel(models.TextChoices):
        ACHIEVED = "achieved", "达成年度指标"
        PARTIAL = "partial", "部分达成年度指标并具有一定效果"
        NOT_ACHIEVED = "not_achieved", "未达成年度指标且效果较差"

    project = models.ForeignKey(
        BudgetProject,
        verbose_name="预算项目",
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    level1 = models.ForeignKey(
        IndicatorCategory,
        verbose_name="一级指标",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    level2 = models.ForeignKey(
        IndicatorCategory,
        verbose_name="二级指标",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    name = models.CharField("三级指标", max_length=200, blank=True)
    annual_value = models.TextField("年度指标值", blank=True)
    period_value = models.TextField("实施周期指标值", blank=True)
    actual_value = models.TextField("实际完成值/完成情况", blank=True)
    # The parsed target, kept so a filler can correct what the parser read.
    operator = models.CharField(
        "指标性质",
        max_length=4,
        choices=[(op.value, op.value) for op in calc.Operator],
        default=calc.Operator.QUALITATIVE.value,
    )
    target_number = models.DecimalField(
        "指标值（数值）", max_digits=18, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField("度量单位", max_length=20, blank=True)
    actual_number = models.DecimalField(
        "实际完成值（数值）", max_digits=18, decimal_places=4, null=True, blank=True
    )
    weight = models.DecimalField("分值", **SCORE, null=True, blank=True)
    score = models.DecimalField("得分", **SCORE, null=True, blank=True)
    completion_level = models.CharField(
        "完成程度", max_length=16, choices=CompletionLevel.choices, blank=True
    )
    deviation_reason = models.TextField("偏差原因分析及改进措施", blank=True)
    order = models.PositiveIntegerField("排序", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["project", "level1__order", "level2__order", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__isnull=True) | models.Q(weight__gte=0),
                name="indicator_weight_not_negative",
                violation_error_message="分值不能为负数。",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | (
                    models.Q(score__gte=0)
                    & (
                        models.Q(weight__isnull=True)
                        | models.Q(score__lte=models.F("weight"))
                    )
                ),
                name="indicator_score_within_weight",
                violation_error_message="得分须在 0 与分值之间。",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.annual_value[:40]

    def clean(self) -> None:
        _check_level2_belongs(self)

    @property
    def parsed_target(self) -> calc.ParsedValue:
        return calc.ParsedValue(
            operator=calc.Operator(self.operator),
            number=self.target_number,
            unit=self.unit,
            text=self.annual_value,
        )

    @property
    def computed_score(self) -> Decimal | None:
        """The score the rules give (None for 定性 or unweighted indicators)."""
        if self.weight is None or self.actual_number is None:
            return None
        return calc.quantitative_score(
            target=self.parsed_target, actual=self.actual_number, weight=self.weight
        )


def _check_level2_belongs(indicator) -> None:
    """二级 must sit under the chosen 一级 (a 22-社会效益 under 1-产出 is a typo)."""
    if (
        indicator.level1_id
        and indicator.level2_id
        and indicator.level2.parent_id != indicator.level1_id
    ):
        raise ValidationError(
            {
                "level2": f"二级指标“{indicator.level2}”不属于一级指标"
                f"“{indicator.level1}”。"
            }
        )


class TargetProject(models.Model):
    """A project row of the 项目支出绩效目标表 (target declaration)."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="部门年度自评",
        on_delete=models.CASCADE,
        related_name="target_projects",
    )
    seq = models.PositiveIntegerField("序号")
    name = models.CharField("项目名称", max_length=200)
    fund_user = models.CharField("资金使用单位", max_length=100)
    fiscal = money_field("财政拨款", null=True, blank=True)
    special_account = money_field("财政专户拨款", null=True, blank=True)
    other = money_field("其他资金", null=True, blank=True)
    goal = models.TextField("绩效目标", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "绩效目标表项目"
        verbose_name_plural = "绩效目标表项目"
        ordering = ["evaluation", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "name"], name="uniq_target_project_name"
            ),
            money_range_constraint("fiscal", "target_fiscal_range"),
            money_range_constraint("special_account", "target_special_range"),
            money_range_constraint("other", "target_other_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total(self) -> Decimal | None:
        """总计 = 财政拨款 + 财政专户拨款 + 其他资金."""
        return _sum_known([self.fiscal, self.special_account, self.other])


class TargetIndicator(models.Model):
    """A coded indicator of the target table (`1-产出指标；11-数量指标；…`)."""

    project = models.ForeignKey(
        TargetProject,
        verbose_name="项目",
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    seq = models.PositiveIntegerField("序号")
    level1 = models.ForeignKey(
        IndicatorCategory,
        verbose_name="一级指标",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    level2 = models.ForeignKey(
        IndicatorCategory,
        verbose_name="二级指标",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    name = models.CharField("三级指标", max_length=200)
    period_value = models.TextField("实施周期指标值", blank=True)
    annual_value = models.TextField("年度指标值", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "绩效目标表指标"
        verbose_name_plural = "绩效目标表指标"
        ordering = ["project", "seq"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_level2_belongs(self)


class EvaluationEvent(models.Model):
    """One workflow move (submit, return, approve, publish, reopen)."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="部门年度自评",
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField("操作", max_length=16)
    from_status = models.CharField("原状态", max_length=16)
    to_status = models.CharField("新状态", max_length=16)
    actor = models.ForeignKey(
        "departments.User",
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Copied so the log still says who when the user is deleted.
    actor_name = models.CharField("操作人姓名", max_length=150)
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "流转记录"
        verbose_name_plural = "流转记录"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.from_status}→{self.to_status}"

    @property
    def from_label(self) -> str:
        return Evaluation.Status(self.from_status).label

    @property
    def to_label(self) -> str:
        return Evaluation.Status(self.to_status).label


class ReviewComment(models.Model):
    """A reviewer's remark, on the evaluation or on one project/indicator."""

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="部门年度自评",
        on_delete=models.CASCADE,
        related_name="comments",
    )
    event = models.ForeignKey(
        EvaluationEvent,
        verbose_name="流转记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    project = models.ForeignKey(
        BudgetProject,
        verbose_name="项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author = models.ForeignKey(
        "departments.User",
        verbose_name="审核人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField("审核人姓名", max_length=150)
    text = models.TextField("意见")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class EvaluationSnapshot(models.Model):
    """The evaluation's figures frozen at submit and at approval.

    Canonical JSON (decimals as strings) and its SHA-256: the published PDF and
    Excel of an approved evaluation can be proven to be what was approved.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "提交版本"
        APPROVED = "approved", "审核通过版本"

    evaluation = models.ForeignKey(
        Evaluation,
        verbose_name="部门年度自评",
        on_delete=models.PROTECT,
        related_name="snapshots",
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    content = models.JSONField("内容")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_by = models.ForeignKey(
        "departments.User",
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "版本快照"
        verbose_name_plural = "版本快照"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.get_kind_display()} {self.sha256[:12]}"
