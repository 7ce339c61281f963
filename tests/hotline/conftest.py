"""Fixtures of the hotline tests: the access-control world (see ``staff_world.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from casework.clock import FixedClock
from casework.protection.keys import Keyring
from hotline.app import create_app
from integrations.keys.local import LocalKeyFile
from tests.conftest import RollbackDatabase
from tests.databases import TemplateDatabase
from tests.factories.staff import staff_settings
from tests.hotline.staff_world import NOW, World, build_world


@pytest.fixture(scope="module")
def world(template_db: TemplateDatabase, keys: LocalKeyFile) -> Iterator[World]:
    """The world, built once per backend per module that uses it."""
    yield from build_world(template_db.copy(), Keyring(keys))


@pytest.fixture
def world_client(world: World, keys: LocalKeyFile, tmp_path: Path) -> Iterator[TestClient]:
    with world.engine.connect() as connection:
        outer = connection.begin()
        db = RollbackDatabase(world.engine, connection)
        app = create_app(staff_settings(tmp_path), database=db, clock=FixedClock(NOW), keys=keys)
        with TestClient(app, raise_server_exceptions=False) as test_client:
            yield test_client
        outer.rollback()
