"""The /api/v1/ API object and its routers; the error shape is installed by `proxvps.api.errors`."""

from __future__ import annotations

from ninja import NinjaAPI

from proxvps.api import billing, client, client_operations, plans, pools, service_operations, services, staff, zones
from proxvps.api.docs import BundledSwagger
from proxvps.api.errors import install_error_handlers
from proxvps.api.parsing import JsonParser

api = NinjaAPI(title="proxvps", version="1", urls_namespace="api-v1", parser=JsonParser(), docs=BundledSwagger())
api.add_router("/billing/", billing.router)
api.add_router("/client/", client.router)
api.add_router("/client/", client_operations.router)
api.add_router("/staff/", staff.router)
api.add_router("/staff/", pools.router)
api.add_router("/staff/", plans.router)
api.add_router("/staff/", zones.router)
api.add_router("/services/", services.router)
api.add_router("/services/", service_operations.router)
install_error_handlers(api)
