from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.home, name="home"),
    path("review/", views.review_queue, name="review_queue"),
    path("e/<str:code>/<int:year>/", views.evaluation_detail, name="evaluation"),
    path("e/<str:code>/<int:year>/action/", views.evaluation_action, name="action"),
    path("e/<str:code>/<int:year>/explain/", views.evaluation_explain, name="explain"),
    path("e/<str:code>/<int:year>/history/", views.evaluation_history, name="history"),
    path(
        "e/<str:code>/<int:year>/projects/new/", views.project_edit, name="project_new"
    ),
    path(
        "e/<str:code>/<int:year>/projects/new/preview/",
        views.project_preview,
        name="project_new_preview",
    ),
    path(
        "e/<str:code>/<int:year>/projects/<int:pk>/",
        views.project_edit,
        name="project_edit",
    ),
    path(
        "e/<str:code>/<int:year>/projects/<int:pk>/preview/",
        views.project_preview,
        name="project_preview",
    ),
]
