"""The Excel import pages, included by publishing.urls under /tables/."""

from django.urls import path

from publishing import import_views

urlpatterns = [
    path(
        "<str:code>/<int:year>/import/",
        import_views.table_import,
        name="table_import",
    ),
    path(
        "<str:code>/<int:year>/import/confirm/",
        import_views.table_import_confirm,
        name="table_import_confirm",
    ),
]
