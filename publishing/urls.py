"""Download URLs for the official tables (PDF / Excel)."""

app_name = "publishing"
urlpatterns: list = []
