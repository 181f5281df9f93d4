"""The FastAPI application: `create_app(settings)`, the one place that wires the routes, the pages,
the queue backend and the job runner."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from app.db import make_engine
from app.jobs.runner import LocalJobs
from app.migrate import upgrade
from app.pages import install as pages
from app.queue.embedded import EmbeddedRunner
from app.queue.interface import JobQueue
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
from app.web import openapi, security
from app.web import problems as errors
from app.web.auth import current_principal

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


def make_queue(engine: Engine, settings: Settings) -> JobQueue:
    """The queue backend the settings ask for, handed what runs a job: the embedded runner gets
    this process's job runner; the Redis queue the job function its workers run."""
    if settings.queue_url:
        # both need `desaplan[queue]` (rq, redis)
        from app.jobs.worker import perform
        from app.queue.redis_queue import RedisQueue

        return RedisQueue(engine, settings, perform)
    return EmbeddedRunner(engine, settings, LocalJobs(engine, settings))


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
    errors.install(app)
    security.install(app, settings)
    app.include_router(health.router)
    signed_in = [Depends(current_principal)]  # the policy table of app.web.auth, for every route
    for router in (
        datasets,
        scenarios,
        solves,
        jobs,
        plans,
        actuals,
        comparisons,
        insights,
        users,
        rules,
        documents,
    ):
        app.include_router(router.router, dependencies=signed_in)
    pages.install(app, dependencies=signed_in)
    openapi.install(app)
    return app
