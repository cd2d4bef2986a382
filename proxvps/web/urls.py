"""The client area's pages."""

from django.urls import path

from proxvps.web import client

urlpatterns = [
    path("client/sign-in/<str:token>/", client.sign_in, name="client-sign-in"),
    path("client/", client.home, name="client-home"),
    path("client/services/<str:service_id>/", client.service_page, name="client-service"),
    path("client/sign-out/", client.sign_out, name="client-sign-out"),
]
