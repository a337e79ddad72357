"""Assembles the v1 API from the domain routers."""

from ducha.api.accountability import router as accountability_router
from ducha.api.auth import router as auth_router
from ducha.api.base import api
from ducha.api.clues import router as clues_router
from ducha.api.documents import router as documents_router
from ducha.api.evaluation import router as evaluation_router
from ducha.api.exports import router as exports_router
from ducha.api.inspections import router as inspections_router
from ducha.api.instructions import router as instructions_router
from ducha.api.items import router as items_router
from ducha.api.jobs import router as jobs_router
from ducha.api.procedure import router as procedure_router
from ducha.api.reminders import router as reminders_router
from ducha.api.sources import router as sources_router
from ducha.api.units import router as units_router

api.add_router("", auth_router)  # API tokens: issue, list, revoke
api.add_router("", units_router)
api.add_router("", sources_router)  # before items: /items/batch/… is its own route
api.add_router("", items_router)
api.add_router("", instructions_router)
api.add_router("", procedure_router)
api.add_router("", reminders_router)
api.add_router("", inspections_router)
api.add_router("", documents_router)
api.add_router("", evaluation_router)
api.add_router("", accountability_router)
api.add_router("", clues_router)
api.add_router("", exports_router)  # the ledger's export as a background job
api.add_router("", jobs_router)  # any background job of the caller's
