"""The FastAPI application: `create_app(settings)`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import errors
from app.db import make_engine
from app.jobs import JobRunner
from app.migrate import upgrade
from app.routes import comparisons, datasets, health, insights, jobs, plans, scenarios, solves
from app.services.examples import load_examples_if_empty
from app.services.jobs import fail_interrupted
from app.settings import Settings, get_settings

log = logging.getLogger("desaplan.app")

DESCRIPTION = """
Plan how many informal workers each village enrols in BPJS Ketenagakerjaan, in which package,
paid from dana desa, ADD or the kabupaten's APBD pool.

The planner's path: upload a village table (**datasets**), describe budgets and targets
(**scenarios**), solve a scenario version (**solves**; small ones answer at once, large ones
answer 202 with a **job**), read the **plans**, download the enrolment targets, and
**compare** plans against a baseline. Errors are `application/problem+json`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade(engine)
        failed = fail_interrupted(engine)
        if failed:
            log.warning("marked %d job(s) cut off by a restart as failed", failed)
        if settings.load_examples:
            load_examples_if_empty(engine)
        runner = JobRunner(engine, settings)
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
    )
    app.state.settings = settings
    app.state.engine = engine
    app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    for router in (health, datasets, scenarios, solves, jobs, plans, comparisons, insights):
        app.include_router(router.router)
    return app
