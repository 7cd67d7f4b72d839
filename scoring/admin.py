"""Admin for scoring rules and the department-wide scorecard."""

from django.contrib import admin

from departments.admin import DepartmentScopedAdmin
from projects.admin import findings_html, percent
from scoring import calculations as calc
from scoring import services
from scoring.checks import scorecard_checks, scorecard_total
from scoring.models import SPENDING_COLUMNS, Scorecard, ScorecardItem, ScoringRuleSet
from scoring.selectors import rules_for_region


@admin.register(ScoringRuleSet)
class ScoringRuleSetAdmin(admin.ModelAdmin):
    list_display = [
        "region",
        "excellent_min",
        "good_min",
        "pass_min",
        "reverse_rule",
        "budget_completion_lower",
    ]


class ScorecardItemInline(admin.TabularInline):
    model = ScorecardItem
    extra = 0
    fields = [
        "order",
        "level",
        "parent",
        "name",
        "weight",
        "explanation",
        "target",
        "actual",
        "score",
        "basis",
        "remark",
        "is_adjustment",
        "auto_rule",
    ]
    ordering = ["order"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Only this scorecard's 一级/二级 items can be a parent.
        parent_field = formset.form.base_fields["parent"]
        parent_field.queryset = (
            ScorecardItem.objects.filter(scorecard=obj, level__lt=3)
            if obj
            else ScorecardItem.objects.none()
        )
        return formset


@admin.register(Scorecard)
class ScorecardAdmin(DepartmentScopedAdmin):
    department_path = "evaluation__department"
    list_display = ["__str__", "total", "grade"]
    list_filter = [
        "evaluation__year",
        ("evaluation__department", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["evaluation__department__name"]
    list_select_related = ["evaluation__department"]
    readonly_fields = ["rates", "total", "grade", "findings"]
    fieldsets = [
        (
            "单位基本情况",
            {
                "fields": [
                    "evaluation",
                    "unit_count",
                    "overall_goal",
                    "completion",
                    "unfinished_reasons",
                ]
            },
        ),
        (
            "年度部门整体支出规模（万元）",
            {
                "fields": [
                    tuple(f"budget_{c}" for c in SPENDING_COLUMNS),
                    tuple(f"actual_{c}" for c in SPENDING_COLUMNS),
                    "rates",
                ]
            },
        ),
        ("评分", {"fields": ["total", "grade", "findings", "footnote"]}),
    ]
    inlines = [ScorecardItemInline]

    def evaluation_of(self, obj):
        return obj.evaluation

    @admin.display(description="完成率")
    def rates(self, obj):
        return "；".join(
            f"{label} {percent(obj.spending_rate(c))}"
            for c, label in SPENDING_COLUMNS.items()
        )

    @admin.display(description="总分")
    def total(self, obj):
        return scorecard_total(obj.items.all())

    @admin.display(description="等级")
    def grade(self, obj):
        rules = rules_for_region(obj.evaluation.department.region)
        return calc.grade(scorecard_total(obj.items.all()), rules)

    @admin.display(description="一致性核对")
    def findings(self, obj):
        if not obj.pk:
            return "—"
        rules = rules_for_region(obj.evaluation.department.region)
        return findings_html(scorecard_checks(obj, list(obj.items.all()), rules))

    def save_model(self, request, obj, form, change):
        services.scorecard_save(scorecard=obj)

    def save_formset(self, request, form, formset, change):
        for item in formset.save(commit=False):
            services.scorecard_item_save(item=item)
        for item in formset.deleted_objects:
            item.delete()
