"""Admin entry for evaluations, budget projects and target tables.

Saves go through the services; derived figures (合计, 执行率, computed scores)
and the consistency findings are shown read-only and recomputed on every view,
so they are always those of the saved figures.
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportMixin

from departments.admin import DepartmentScopedAdmin, region_filter
from projects import services
from projects.models import (
    BudgetProject,
    Evaluation,
    Indicator,
    IndicatorCategory,
    TargetIndicator,
    TargetProject,
)
from projects.resources import BudgetProjectResource, IndicatorResource
from publishing.import_admin import EvaluationImportAdmin
from scoring.checks import evaluation_checks

NOT_APPLICABLE = "不适用"


def percent(value) -> str:
    return NOT_APPLICABLE if value is None else f"{value}%"


def findings_html(findings) -> str:
    # Classes, not style attributes: the CSP refuses inline styles
    # (static/css/admin.css).
    if not findings:
        return format_html('<span class="findings-ok">{}</span>', "核对无误")
    return format_html(
        '<ul class="findings-list">{}</ul>',
        format_html_join("", "<li>{}</li>", ((f.message,) for f in findings)),
    )


@admin.register(IndicatorCategory)
class IndicatorCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "printed_label", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]


class BudgetProjectInline(admin.TabularInline):
    model = BudgetProject
    extra = 0
    fields = ["seq", "name", "budget_total_display", "actual_total_display", "rate"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="预算合计")
    def budget_total_display(self, obj):
        return obj.budget_total

    @admin.display(description="执行合计")
    def actual_total_display(self, obj):
        return obj.actual_total

    @admin.display(description="预算支出执行率")
    def rate(self, obj):
        return percent(obj.execution_rate)


@admin.register(Evaluation)
class EvaluationAdmin(EvaluationImportAdmin, DepartmentScopedAdmin):
    """Evaluations, plus the Excel import of an official table (the
    "导入 Excel（官方表样）" button on the list, `publishing.import_admin`)."""

    department_path = "department"
    list_display = ["__str__", "department", "year", "status", "project_count"]
    list_filter = [
        "year",
        "status",
        region_filter("department__region"),
        ("department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["department__name", "department__code"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    # The status moves only through the workflow (submit/return/approve).
    readonly_fields = ["status", "version", "findings", "downloads"]
    fields = [
        "department",
        "year",
        "status",
        "version",
        "budget_by_source",
        "unit_column_label",
        "attachment_label",
        "title_printed",
        "notes",
        "findings",
        "downloads",
        "source_file",
    ]
    inlines = [BudgetProjectInline]

    def evaluation_of(self, obj):
        return obj

    @admin.display(description="项目数")
    def project_count(self, obj):
        return obj.projects.count()

    @admin.display(description="一致性核对")
    def findings(self, obj):
        return findings_html(evaluation_checks(obj)) if obj.pk else "—"

    @admin.display(description="导出")
    def downloads(self, obj):
        """PDF/Excel links of the official tables (publishing)."""
        if not obj.pk:
            return "—"
        return render_to_string(
            "publishing/_download_buttons.html", {"evaluation": obj}
        )

    def save_model(self, request, obj, form, change):
        services.evaluation_save(evaluation=obj)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = [
        "level1",
        "level2",
        "name",
        "annual_value",
        "actual_value",
        "operator",
        "target_number",
        "unit",
        "actual_number",
        "weight",
        "score",
        "computed",
        "completion_level",
        "deviation_reason",
        "order",
    ]
    readonly_fields = ["computed"]

    def get_queryset(self, request):
        # Grouped by 一级/二级 as the tables print them.
        return (
            super()
            .get_queryset(request)
            .select_related("level1", "level2")
            .order_by("level1__order", "level2__order", "order", "pk")
        )

    @admin.display(description="按规则计分")
    def computed(self, obj):
        value = obj.computed_score if obj.pk else None
        return "—" if value is None else value


@admin.register(BudgetProject)
class BudgetProjectAdmin(ImportExportMixin, DepartmentScopedAdmin):
    resource_classes = [BudgetProjectResource]
    department_path = "evaluation__department"
    list_display = [
        "name",
        "department",
        "year",
        "budget_total_display",
        "actual_total_display",
        "rate",
        "excluded_from_execution_rate",
    ]
    list_filter = [
        "evaluation__year",
        region_filter("evaluation__department__region"),
        ("evaluation__department", admin.RelatedOnlyFieldListFilter),
        "excluded_from_execution_rate",
    ]
    search_fields = ["name", "code", "evaluation__department__name"]
    list_select_related = ["evaluation__department"]
    autocomplete_fields = ["evaluation"]
    readonly_fields = [
        "budget_total_display",
        "actual_total_display",
        "rate",
        "printed",
    ]
    fieldsets = [
        (None, {"fields": ["evaluation", "seq", "code", "name", "unit_name"]}),
        (
            "全年预算数（万元）",
            {
                "fields": [
                    "budget_general",
                    "budget_fund",
                    "budget_special",
                    "budget_other",
                    "budget_total_unsplit",
                    "budget_total_display",
                ]
            },
        ),
        (
            "全年执行数（万元）",
            {
                "fields": [
                    "actual_general",
                    "actual_fund",
                    "actual_special",
                    "actual_other",
                    "actual_total_display",
                    "rate",
                    "printed",
                ]
            },
        ),
        (
            "年初预算数（万元）",
            {
                "classes": ["collapse"],
                "fields": [
                    "initial_general",
                    "initial_fund",
                    "initial_special",
                    "initial_other",
                ],
            },
        ),
        (
            "执行率考核",
            {"fields": ["excluded_from_execution_rate", "exclusion_note"]},
        ),
        (
            "绩效目标与完成情况",
            {
                "fields": [
                    "annual_goal",
                    "period_goal",
                    "completion",
                    "problems",
                    "rectification",
                    "remark",
                ]
            },
        ),
    ]
    inlines = [IndicatorInline]

    def evaluation_of(self, obj):
        return obj.evaluation

    @admin.display(description="所属部门")
    def department(self, obj):
        return obj.evaluation.department

    @admin.display(description="年度", ordering="evaluation__year")
    def year(self, obj):
        return obj.evaluation.year

    @admin.display(description="预算合计")
    def budget_total_display(self, obj):
        return obj.budget_total

    @admin.display(description="执行合计")
    def actual_total_display(self, obj):
        return obj.actual_total

    @admin.display(description="预算支出执行率")
    def rate(self, obj):
        return percent(obj.execution_rate)

    @admin.display(description="原表所印")
    def printed(self, obj):
        shown = obj.published or {}
        if not shown:
            return "—"
        return (
            f"预算合计 {shown.get('budget_total') or '—'}；"
            f"执行合计 {shown.get('actual_total') or '—'}；"
            f"执行率 {shown.get('execution_rate') or '—'}"
        )

    def save_model(self, request, obj, form, change):
        services.budget_project_save(project=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Indicator:
            return super().save_formset(request, form, formset, change)
        for indicator in formset.save(commit=False):
            services.indicator_save(indicator=indicator)
        for indicator in formset.deleted_objects:
            services.indicator_delete(indicator=indicator)


class TargetIndicatorInline(admin.TabularInline):
    model = TargetIndicator
    extra = 0
    fields = ["seq", "level1", "level2", "name", "period_value", "annual_value"]


@admin.register(TargetProject)
class TargetProjectAdmin(DepartmentScopedAdmin):
    department_path = "evaluation__department"
    list_display = ["name", "fund_user", "year", "total_display", "fiscal"]
    list_filter = [
        "evaluation__year",
        ("evaluation__department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "fund_user"]
    list_select_related = ["evaluation"]
    autocomplete_fields = ["evaluation"]
    readonly_fields = ["total_display"]
    fields = [
        "evaluation",
        "seq",
        "name",
        "fund_user",
        "fiscal",
        "special_account",
        "other",
        "total_display",
        "goal",
    ]
    inlines = [TargetIndicatorInline]

    @admin.display(description="年度")
    def year(self, obj):
        return obj.evaluation.year

    def evaluation_of(self, obj):
        return obj.evaluation

    @admin.display(description="总计")
    def total_display(self, obj):
        return obj.total

    def save_model(self, request, obj, form, change):
        services.target_project_save(project=obj)

    def save_formset(self, request, form, formset, change):
        for indicator in formset.save(commit=False):
            services.target_indicator_save(indicator=indicator)
        for indicator in formset.deleted_objects:
            indicator.delete()


@admin.register(Indicator)
class IndicatorAdmin(ImportExportMixin, DepartmentScopedAdmin):
    """Indicators as a flat list, for bulk import/export; edit them on the
    project page."""

    resource_classes = [IndicatorResource]
    department_path = "project__evaluation__department"
    list_display = ["project", "level1", "level2", "name", "annual_value", "weight"]
    list_filter = ["project__evaluation__year", "level1", "level2"]
    search_fields = ["name", "annual_value", "project__name"]
    list_select_related = ["project", "level1", "level2"]
    autocomplete_fields = ["project"]

    def evaluation_of(self, obj):
        return obj.project.evaluation

    def save_model(self, request, obj, form, change):
        services.indicator_save(indicator=obj)
