from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from departments.models import AuditEvent, Department, Membership, User
from departments.resources import DepartmentResource


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("部门", {"fields": ("full_name",)}),
    )
    list_display = ["username", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "full_name"]
    inlines = [MembershipInline]


@admin.register(Department)
class DepartmentAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [DepartmentResource]
    list_display = ["code", "name", "short_name", "parent", "region", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone: the log is append-only (等保 8.1.4.3)."""

    list_display = [
        "created_at",
        "username",
        "action",
        "success",
        "department",
        "ip_address",
    ]
    list_filter = ["action", "success"]
    search_fields = ["username", "detail"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DepartmentScopedAdmin(SimpleHistoryAdmin):
    """Lists only what the user's departments allow, like every other page.

    `department_path` is the lookup from the model to its Department. Objects
    of an evaluation that is submitted or approved are shown read-only.
    """

    department_path = "department"

    def get_queryset(self, request):
        from departments.selectors import department_list

        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(
            **{f"{self.department_path}__in": department_list(user=request.user)}
        )

    def evaluation_of(self, obj):
        return None

    def has_change_permission(self, request, obj=None) -> bool:
        evaluation = self.evaluation_of(obj) if obj is not None else None
        if evaluation is not None and not evaluation.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        evaluation = self.evaluation_of(obj) if obj is not None else None
        if evaluation is not None and not evaluation.is_editable:
            return False
        return super().has_delete_permission(request, obj)
