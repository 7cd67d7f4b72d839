"""Download URLs for the official tables (PDF / Excel) and the Excel import."""

from django.urls import re_path

from publishing import import_urls, views

app_name = "publishing"
urlpatterns = [
    re_path(
        r"^(?P<code>[^/]+)/(?P<year>[0-9]{4})/(?P<layout>[a-z_]+)\.(?P<fmt>pdf|xlsx)$",
        views.table_download,
        name="table_download",
    ),
    *import_urls.urlpatterns,
]
