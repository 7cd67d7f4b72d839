from django.apps import AppConfig


class PublishingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publishing"
    verbose_name = "表格导出"

    def ready(self):
        from django.core import checks

        from publishing.checks import check_pdf_fonts

        checks.register(check_pdf_fonts)
