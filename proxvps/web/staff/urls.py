"""The staff console's routes, under /staff/."""

from django.urls import path

from proxvps.web.staff import (
    actions,
    auth,
    dashboard,
    plans,
    servers,
    service_page,
    services,
    settings_views,
    tokens,
)
from proxvps.web.staff.fleet_read import warm_clusters

S = "services/<int:pk>/"

urlpatterns = [
    path("sign-in/", auth.StaffSignIn.as_view(), name="staff-sign-in"),
    path("sign-out/", auth.StaffSignOut.as_view(), name="staff-sign-out"),
    path("", dashboard.dashboard, name="staff-dashboard"),
    path("live/clusters/", dashboard.clusters, name="staff-clusters"),
    path("live/clusters/warm/", warm_clusters, name="staff-clusters-warm"),
    path("services/", services.service_list, name="staff-services"),
    path("services/bulk/", actions.bulk, name="staff-services-bulk"),
    path(S, service_page.service_page, name="staff-service"),
    path(S + "live/status/", service_page.status, name="staff-service-status"),
    path(S + "live/log/", service_page.action_log, name="staff-service-log"),
    path(S + "live/graphs/<str:timeframe>/", service_page.graph_data, name="staff-service-graph"),
    path(S + "do/<slug:slug>/", actions.confirm, name="staff-service-action"),
    path("servers/", servers.server_list, name="staff-servers"),
    path("servers/add/", servers.server_edit, name="staff-server-add"),
    path("servers/<int:pk>/", servers.server_page, name="staff-server"),
    path("servers/<int:pk>/edit/", servers.server_edit, name="staff-server-edit"),
    path("servers/<int:pk>/test/", servers.server_test, name="staff-server-test"),
    path("servers/<int:pk>/sync/", servers.server_sync, name="staff-server-sync"),
    path("servers/<int:pk>/delete/", servers.server_delete, name="staff-server-delete"),
    path("templates/<int:pk>/", servers.template_edit, name="staff-template"),
    path("server-groups/add/", servers.group_edit, name="staff-group-add"),
    path("server-groups/<int:pk>/", servers.group_edit, name="staff-group"),
    path("plans/", plans.plan_list, name="staff-plans"),
    path("plans/add/", plans.plan_edit, name="staff-plan-add"),
    path("plans/<int:pk>/", plans.plan_edit, name="staff-plan"),
    path("plans/<int:pk>/mail/", plans.plan_mail, name="staff-plan-mail"),
    path("settings/", settings_views.settings_page, name="staff-settings"),
    path("tokens/", tokens.token_list, name="staff-tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="staff-token-revoke"),
]
