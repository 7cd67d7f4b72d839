"""Flat lists for bulk maintenance in the admin (django-import-export).

Rows are matched on business keys (department code, year, project name), not
database ids; every save goes through the services, so a frozen evaluation
refuses an import like any other edit; money is read with explicit checks
(NaN, Infinity and 1e400 are refused) and rounded half-up; text that looks like a
formula is escaped on export.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from departments.models import Department
from departments.resources import EscapingResource
from projects import services
from projects.models import BudgetProject, Evaluation, Indicator, IndicatorCategory
from scoring.calculations import q2


class MoneyWidget(widgets.DecimalWidget):
    """万元 with 2 decimals; refuses NaN, infinities and absurd magnitudes."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation as exc:
            raise ValueError(f"“{value}”不是数字。") from exc
        if not number.is_finite():
            raise ValueError(f"“{value}”不是有限的数字。")
        if abs(number) > Decimal("9999999999.99"):
            raise ValueError(f"“{value}”超出金额范围。")
        return q2(number)


class _EvaluationRowMixin:
    """Finds (or makes) the evaluation named by department_code + year."""

    def evaluation_for(self, row) -> Evaluation:
        code, year = row.get("department_code"), row.get("year")
        department = Department.objects.filter(code=code).first()
        if department is None:
            raise ValidationError(f"未知的部门编码：{code}。")
        try:
            year = int(year)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"年度“{year}”不是有效的年份。") from exc
        evaluation = Evaluation.objects.filter(department=department, year=year).first()
        return evaluation or services.evaluation_create(
            department=department, year=year
        )


class BudgetProjectResource(_EvaluationRowMixin, EscapingResource):
    department_code = fields.Field(
        column_name="department_code",
        attribute="evaluation__department__code",
        readonly=True,
    )
    year = fields.Field(column_name="year", attribute="evaluation__year", readonly=True)

    class Meta:
        model = BudgetProject
        import_id_fields = ("department_code", "year", "name")
        fields = (
            "department_code",
            "year",
            "seq",
            "code",
            "name",
            "budget_general",
            "budget_fund",
            "budget_special",
            "budget_other",
            "budget_total_unsplit",
            "actual_general",
            "actual_fund",
            "actual_special",
            "actual_other",
            "excluded_from_execution_rate",
            "exclusion_note",
            "annual_goal",
            "completion",
            "problems",
            "rectification",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if f.get_internal_type() == "DecimalField":
            return MoneyWidget
        return super().widget_from_django_field(f, default)

    def get_instance(self, instance_loader, row):
        evaluation = self.evaluation_for(row)
        return BudgetProject.objects.filter(
            evaluation=evaluation, name=row.get("name")
        ).first()

    def init_instance(self, row=None):
        return BudgetProject(evaluation=self.evaluation_for(row))

    def do_instance_save(self, instance, is_create):
        services.budget_project_save(project=instance)


class IndicatorResource(_EvaluationRowMixin, EscapingResource):
    department_code = fields.Field(
        column_name="department_code",
        attribute="project__evaluation__department__code",
        readonly=True,
    )
    year = fields.Field(
        column_name="year", attribute="project__evaluation__year", readonly=True
    )
    project = fields.Field(
        column_name="project", attribute="project__name", readonly=True
    )
    level2 = fields.Field(
        column_name="level2_code",
        attribute="level2",
        widget=widgets.ForeignKeyWidget(IndicatorCategory, field="code"),
    )

    class Meta:
        model = Indicator
        import_id_fields = ("department_code", "year", "project", "order")
        fields = (
            "department_code",
            "year",
            "project",
            "order",
            "level2",
            "name",
            "annual_value",
            "actual_value",
            "weight",
            "score",
            "deviation_reason",
        )
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def _project(self, row) -> BudgetProject:
        evaluation = self.evaluation_for(row)
        project = BudgetProject.objects.filter(
            evaluation=evaluation, name=row.get("project")
        ).first()
        if project is None:
            raise ValidationError(f"未知的项目：{row.get('project')}。")
        return project

    def get_instance(self, instance_loader, row):
        return Indicator.objects.filter(
            project=self._project(row), order=row.get("order")
        ).first()

    def init_instance(self, row=None):
        return Indicator(project=self._project(row))

    def before_save_instance(self, instance, row, **kwargs):
        if instance.level2_id:
            instance.level1 = instance.level2.parent

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        if instance.level2_id and not instance.level1_id:
            instance.level1 = instance.level2.parent
        return super().validate_instance(instance, import_validation_errors, **kwargs)

    def do_instance_save(self, instance, is_create):
        services.indicator_save(indicator=instance, reparse=True)
