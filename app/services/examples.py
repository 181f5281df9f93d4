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

EXAMPLE_DATASET_NAME = "Kabupaten Bekasi (contoh)"
# the example scenarios the service shows under their Indonesian names (Bahasa Indonesia is the
# pages' default); the contract's example keeps its English name in its file, word for word
EXAMPLE_NAMES = {"contract_example": "Bekasi 2026: 3% dana desa ditambah Rp1,5 miliar dari APBD"}


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
            name=EXAMPLE_DATASET_NAME,
            source_filename=BEKASI_VILLAGES.name,
        )
        assert dataset.id is not None
        for slug, path in bekasi_scenarios().items():
            scenario = scenarios.read_scenario(path)
            scenario = scenarios.check_scenario_fits(scenario, table)
            if slug in EXAMPLE_NAMES:
                scenario = scenario.model_copy(update={"name": EXAMPLE_NAMES[slug]})
            add_scenario(session, dataset.id, scenario, slug=slug)
        session.commit()
        log.info("loaded the Kabupaten Bekasi example as dataset %s", dataset.id)
        return True
