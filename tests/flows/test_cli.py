"""CLI behaviour a user meets first: empty stores, bad settings, unknown names — one line each."""
import json

import pytest
from typer.testing import CliRunner

from flows.cli import app


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_read_commands_on_an_empty_store(database_url):
    assert json.loads(invoke("themes", "--json").stdout) == []
    assert "no themes yet" in invoke("themes").stdout
    missing = invoke("member", "wxid_nobody")
    assert missing.exit_code == 1 and missing.output == "error: no member 'wxid_nobody'\n"
    unknown = invoke("themes", "--community", "nope")
    assert unknown.exit_code == 1 and unknown.output == "error: no community named 'nope'\n"


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("QUNSHENG_EMBEDDER", "bogus", "error: bad setting QUNSHENG_EMBEDDER: Input should be 'auto', 'lsa', 'st' or 'e5'"),
    ("QUNSHENG_EMBEDDING_BACKEND", "tensorrt", "error: bad setting QUNSHENG_EMBEDDING_BACKEND: Input should be 'torch' or"),
    ("QUNSHENG_EMBEDDING_BATCH_SIZE", "0", "error: bad setting QUNSHENG_EMBEDDING_BATCH_SIZE: Input should be greater"),
    ("QUNSHENG_DATABASE_URL", "foo://bar", "error: bad QUNSHENG_DATABASE_URL: Can't load plugin: sqlalchemy.dialects:foo"),
    ("QUNSHENG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/x", "error: cannot open the database:"),
])
def test_bad_settings_fail_in_one_line(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    for command in (["themes"], ["run"], ["serve"]):
        result = invoke(*command)
        assert result.exit_code == 1 and result.output.startswith(message), result.output
        assert len(result.output.splitlines()) == 1
