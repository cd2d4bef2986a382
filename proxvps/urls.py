"""URL routes: the staff admin site and the REST API."""

from django.contrib import admin
from django.urls import path

from proxvps.api.v1 import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
