from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = "评分与整体自评"

    def ready(self) -> None:
        from projects import snapshots, workflow
        from scoring import hooks

        snapshots.register("scorecard", hooks.scorecard_content)
        workflow.register_problem_hook(hooks.submission_problems)
