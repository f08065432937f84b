from pathlib import Path

import pytest
from pydantic import ValidationError

from models.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name):
    assert f"`QUNSHENG_{name.upper()}`" in README


def test_default_database_is_sqlite_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("QUNSHENG_DATABASE_URL", raising=False)
    monkeypatch.setenv("QUNSHENG_DATA_DIR", str(tmp_path))
    assert Settings().resolved_database_url == f"sqlite:///{tmp_path / 'qunsheng.db'}"


def test_bad_values_fail_fast(monkeypatch):
    monkeypatch.setenv("QUNSHENG_DATA_DIR", "")
    monkeypatch.setenv("QUNSHENG_EMBEDDER", "word2vec")
    with pytest.raises(ValidationError):
        Settings()
