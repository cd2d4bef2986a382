"""The client area's pages and fragments, the staff console (under /staff/), and the language switch and JavaScript
catalog they use."""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from proxvps.web import client, fragments

S = "client/services/<str:service_id>/"

urlpatterns = [
    path("client/sign-in/<str:token>/", client.sign_in, name="client-sign-in"),
    path("client/", client.home, name="client-home"),
    path("client/sign-out/", client.sign_out, name="client-sign-out"),
    path("client/jsi18n/", JavaScriptCatalog.as_view(packages=["proxvps.web"]), name="client-jsi18n"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/", include("proxvps.web.staff.urls")),
    path(S, client.service_page, name="client-service"),
    path(S + "live/status/", fragments.status, name="client-status"),
    path(S + "live/progress/", fragments.progress, name="client-progress"),
    path(S + "live/summary/", fragments.summary, name="client-summary"),
    path(S + "live/graphs/<str:timeframe>/", fragments.graph_data, name="client-graph-data"),
    path(S + "live/snapshots/", fragments.snapshot_list, name="client-snapshot-list"),
    path(S + "live/backups/", fragments.backup_list, name="client-backup-list"),
    path(S + "live/firewall/", fragments.firewall_list, name="client-firewall-list"),
    path(S + "live/iso/", fragments.iso_list, name="client-iso-list"),
    path(S + "do/power/", fragments.power, name="client-power"),
    path(S + "do/snapshots/", fragments.snapshot_create, name="client-snapshot-create"),
    path(S + "do/snapshots/<str:name>/<str:action>/", fragments.snapshot_change, name="client-snapshot-change"),
    path(S + "do/backups/", fragments.backup_create, name="client-backup-create"),
    path(S + "do/backups/schedule/", fragments.backup_schedule, name="client-backup-schedule"),
    path(S + "do/backups/<str:action>/", fragments.backup_change, name="client-backup-change"),
    path(S + "do/firewall/rules/", fragments.firewall_add, name="client-firewall-add"),
    path(S + "do/firewall/move/", fragments.firewall_move, name="client-firewall-move"),
    path(S + "do/firewall/policy/", fragments.firewall_policy, name="client-firewall-policy"),
    path(S + "do/firewall/rules/<int:position>/delete/", fragments.firewall_delete, name="client-firewall-delete"),
    path(S + "do/firewall/rules/<int:position>/edit/", fragments.firewall_edit, name="client-firewall-edit"),
    path(S + "do/iso/<str:action>/", fragments.iso_change, name="client-iso-change"),
    path(S + "do/reinstall/", fragments.reinstall, name="client-reinstall"),
    path(S + "do/password/", fragments.password, name="client-password"),
    path(S + "do/rdns/", fragments.reverse_name, name="client-reverse-name"),
    path(S + "<slug:tab>/", client.service_page, name="client-service-tab"),
]
