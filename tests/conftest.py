"""Shared fixtures: a real store on SQLite and on the PostgreSQL server, the sample data."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
POSTGRES_ADMIN_URL = os.environ.get("QUNSHENG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# Runtime output (Prefect's home, the default SQLite file) goes to a temporary folder; set
# here, at import, because importing flows/ reads it. Tests never reach a model hub.
DATA_DIR = Path(tempfile.mkdtemp(prefix="qunsheng-test-"))
os.environ["QUNSHENG_DATA_DIR"] = str(DATA_DIR)
os.environ["PREFECT_HOME"] = str(DATA_DIR / "prefect")
os.environ["QUNSHENG_EMBEDDER"] = "lsa"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session", autouse=True)
def remove_data_dir():
    yield
    shutil.rmtree(DATA_DIR, ignore_errors=True)


def postgres_database():
    """Create a fresh PostgreSQL database on the local server; returns (url, drop)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"qunsheng_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        from models.db import _stores

        for url in [u for u in _stores if name in u]:
            _stores.pop(url).kw["bind"].dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch):
    """A migrated-on-first-use, empty store of each kind, set as QUNSHENG_DATABASE_URL."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'store.db'}", lambda: None
    else:
        url, drop = postgres_database()
    monkeypatch.setenv("QUNSHENG_DATABASE_URL", url)
    yield url
    drop()


@pytest.fixture
def sessions(database_url):
    from models.db import open_store

    return open_store(database_url)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A real, tiny sentence-transformers model saved to disk (built in about a second)."""
    from tests.tiny_model import build_tiny_sentence_transformer

    return build_tiny_sentence_transformer(tmp_path_factory.mktemp("models") / "tiny-zh")


def api_client(community: str, app=None):
    """A TestClient of the HTTP app (on QUNSHENG_DATABASE_URL's store) sending a new API key of the
    community (created when missing) in ``Authorization: Bearer``."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from models import store

    app = app or create_app()
    with app.state.sessions.begin() as session:
        _, key = store.create_api_key(session, store.community_by_name(session, community, create=True))
    return TestClient(app, headers={"Authorization": f"Bearer {key}"})
