"""The FastAPI application: `create_app(settings)`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import errors, openapi, pages, security
from app.auth import current_principal
from app.db import make_engine
from app.jobs import make_queue
from app.migrate import upgrade
from app.routes import (
    actuals,
    comparisons,
    datasets,
    documents,
    health,
    insights,
    jobs,
    plans,
    rules,
    scenarios,
    solves,
    users,
)
from app.services.accounts import no_users_yet
from app.services.examples import load_examples_if_empty
from app.settings import Settings, get_settings

log = logging.getLogger("desaplan.app")

DESCRIPTION = """
Plan how many informal workers each village enrols in BPJS Ketenagakerjaan, in which package,
paid from dana desa, ADD or the kabupaten's APBD pool.

The planner's path: upload a village table (**datasets**), describe budgets and targets
(**scenarios**), solve a scenario version (**solves**; small ones answer at once, large ones
answer 202 with a **job**), read the **plans**, download the enrolment targets,
**compare** plans against a baseline, and upload what was enrolled (**actuals**) to see who is
behind and re-plan the months left. Errors are `application/problem+json`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade(engine)
        if settings.load_examples:
            load_examples_if_empty(engine)
        if settings.auth == "on" and no_users_yet(engine):
            log.warning(
                "No user yet: every request needs a token. Make the first admin and its token with "
                "`desaplan user create admin --role admin` then `desaplan token create admin` "
                "(same DATABASE_URL), or run a single-user laptop with DESAPLAN_AUTH=off."
            )
        # the embedded runner fails the jobs a restart cut off; the Redis queue's workers keep theirs
        runner = make_queue(engine, settings)
        app.state.runner = runner
        try:
            yield
        finally:
            runner.shutdown()
            engine.dispose()

    app = FastAPI(
        title="desaplan",
        summary="Village budget allocation planner for BPJS Ketenagakerjaan enrolment",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        # served from an installed package's assets by app.pages: no CDN
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    security.install(app, settings)
    app.include_router(health.router)
    signed_in = [Depends(current_principal)]  # the policy table of app.auth, for every route
    for router in (datasets, scenarios, solves, jobs, plans, actuals, comparisons, insights, users,
                   rules, documents):
        app.include_router(router.router, dependencies=signed_in)
    pages.install(app, dependencies=signed_in)
    openapi.install(app)
    return app
