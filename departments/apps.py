from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "departments"
    verbose_name = "部门与用户"

    def ready(self) -> None:
        from django.apps import apps

        from departments import signals  # noqa: F401  (connects the receivers)

        # django-axes ships no Chinese translation; its admin pages would be the
        # only English ones. Name its models here rather than fork its locale.
        if apps.is_installed("axes"):
            from axes.models import AccessAttempt, AccessFailureLog, AccessLog

            apps.get_app_config("axes").verbose_name = "登录保护"
            for model, name in (
                (AccessAttempt, "登录失败锁定"),
                (AccessLog, "登录记录"),
                (AccessFailureLog, "登录失败明细"),
            ):
                model._meta.verbose_name = name
                model._meta.verbose_name_plural = name
