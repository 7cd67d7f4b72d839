"""Departments as a flat list (django-import-export), matched on their code."""

from import_export import fields, resources, widgets

from departments.models import Department

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


def escape_formula(value):
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class EscapingResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))


class DepartmentResource(EscapingResource):
    parent = fields.Field(
        attribute="parent",
        column_name="parent_code",
        widget=widgets.ForeignKeyWidget(Department, field="code"),
    )

    class Meta:
        model = Department
        import_id_fields = ("code",)
        fields = ("code", "name", "short_name", "region", "parent", "is_active")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
