from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import Http404
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
    of an evaluation that is submitted or approved are shown read-only. The
    history pages of django-simple-history fetch objects on their own, so they
    are scoped here too, and reverting needs the change permission.
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

    def in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def evaluation_of(self, obj):
        return None

    def _frozen(self, obj) -> bool:
        evaluation = self.evaluation_of(obj) if obj is not None else None
        return evaluation is not None and not evaluation.is_editable

    def has_view_permission(self, request, obj=None) -> bool:
        return self.in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        if self._frozen(obj) or not self.in_scope(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if self._frozen(obj) or not self.in_scope(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def _scoped_object(self, request, object_id):
        obj = self.get_queryset(request).filter(pk=object_id).first()
        if obj is None:
            raise Http404("没有找到该对象。")
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._scoped_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self._scoped_object(request, object_id)
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied("没有修改权限，不能恢复历史版本。")
        return super().history_form_view(request, object_id, version_id, extra_context)


def region_filter(path: str):
    """A 所属地区 list filter offering only the regions the user can see."""

    class RegionFilter(admin.SimpleListFilter):
        title = "所属地区"
        parameter_name = "region"

        def lookups(self, request, model_admin):
            from departments.selectors import department_list

            regions = (
                department_list(user=request.user)
                .order_by("region")
                .values_list("region", flat=True)
                .distinct()
            )
            return [(r, r) for r in regions]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{path: self.value()})
            return queryset

    return RegionFilter
