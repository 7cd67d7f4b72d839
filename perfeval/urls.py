"""URL configuration: the admin is the entry point until the fill-in pages land."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "预算绩效自评管理系统"
admin.site.site_title = "perfeval 预算绩效自评"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("tables/", include("publishing.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
