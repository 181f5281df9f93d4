"""The Kabupaten Bekasi example, loaded on the first start of an empty database."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, func, select
from sqlmodel import Session

import scenarios
from app.db import startup_lock
from app.services.datasets import add_dataset
from app.services.scenarios import add_scenario
from models.tables import Dataset
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

log = logging.getLogger("desaplan.app")


def load_examples_if_empty(engine: Engine) -> bool:
    """Load the Bekasi table and its scenarios in one transaction; False when data is there."""
    with Session(engine) as session:
        startup_lock(session.connection())  # several services starting at once load it once
        if session.scalar(select(func.count()).select_from(Dataset)):
            return False
        table = scenarios.read_villages(BEKASI_VILLAGES)
        dataset = add_dataset(
            session,
            table,
            name="Kabupaten Bekasi (example)",
            source_filename=BEKASI_VILLAGES.name,
        )
        assert dataset.id is not None
        for slug, path in bekasi_scenarios().items():
            scenario = scenarios.read_scenario(path)
            scenario = scenarios.check_scenario_fits(scenario, table)
            add_scenario(session, dataset.id, scenario, slug=slug)
        session.commit()
        log.info("loaded the Kabupaten Bekasi example as dataset %s", dataset.id)
        return True
