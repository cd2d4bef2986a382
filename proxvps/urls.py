"""URL routes: the staff admin site, the REST API and the client area."""

from django.contrib import admin
from django.urls import include, path

from proxvps.api.v1 import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("proxvps.web.urls")),
]

handler400 = "proxvps.api.errors.bad_request"
handler404 = "proxvps.api.errors.page_not_found"
handler500 = "proxvps.api.errors.server_error"
