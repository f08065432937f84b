"""API keys: every /v1 route needs one (either header), sees only its community's data; only hashes are stored."""
import hashlib
import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.main import create_app
from flows.cli import app as cli
from models.tables import ApiKey
from tests.api.crm_seed import night


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def two_communities(sessions):
    """Communities a and b; both have a member u1, only b has u2; each has one theme."""
    _, (theme_a,) = night(sessions, "a", {"u1": {"手冲爱好者": 0.5}}, theme="低因")
    _, (theme_b,) = night(sessions, "b", {"u1": {"燕麦奶党": 0.5}, "u2": {"燕麦奶党": 0.7}}, theme="燕麦")
    key = json.loads(invoke("apikey", "create", "--community", "a", "--name", "crm", "--json").stdout)["key"]
    return key, theme_a, theme_b


def v1_paths(client: TestClient, theme: int) -> list[str]:
    """Every GET route under /v1, with its path parameters filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    return [path.replace("{theme_id}", str(theme)).replace("{member_id}", "u1") + "?userid=op"
            for path, methods in paths.items() if path.startswith("/v1/") and "get" in methods]


def test_every_v1_route_needs_a_valid_key(two_communities):
    key, theme_a, _ = two_communities
    client = TestClient(create_app())
    paths = v1_paths(client, theme_a)
    assert len(paths) >= 11
    for path in paths:
        for headers in ({}, {"Authorization": "Bearer qs_wrong"}, {"X-API-Key": "qs_wrong"},
                        {"Authorization": f"Basic {key}"}, {"Authorization": "Bearer "}):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, (path, headers, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
            assert client.get(path, headers=headers).status_code == 200, (path, headers)
    assert client.get("/health").status_code == 200 and client.get("/").status_code == 200
    assert client.get(f"/themes/{theme_a}").status_code == 200  # the theme browser stays open


def test_a_key_sees_only_its_community(two_communities):
    key, theme_a, theme_b = two_communities
    client = TestClient(create_app(), headers={"X-API-Key": key})
    assert [c["name"] for c in client.get("/v1/communities").json()["data"]] == ["a"]
    assert [t["id"] for t in client.get("/v1/themes").json()["data"]] == [theme_a]
    tags = client.get("/v1/members/u1/tags").json()  # u1 is in both communities: the key's one answers
    assert tags["community"] == "a" and [t["tag"] for t in tags["tags"]] == ["手冲爱好者"]
    assert client.get("/v1/members/u1/tags", params={"community": "a"}).status_code == 200
    for path in ("/v1/members/u2/tags", f"/v1/themes/{theme_b}", f"/v1/themes/{theme_b}/trend",
                 f"/v1/themes/{theme_b}/messages"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["detail"] in ("no member 'u2' in community 'a'",
                                                                              f"no theme {theme_b}")
    assert client.get("/v1/members/nobody/tags").json()["detail"] == "no member 'nobody' in community 'a'"
    for path in ("/v1/members/u1/tags", "/v1/themes", "/v1/members"):  # naming another community is a 404
        assert client.get(path, params={"community": "b"}).status_code == 404
    assert [m["member"] for m in client.get("/v1/members").json()["data"]] == ["u1"]
    assert {c["member"] for c in client.get("/v1/changes").json()["data"]} == {"u1"}


def test_only_the_hash_is_stored_and_revoked_keys_stop_working(two_communities, sessions, database_url):
    key, _, _ = two_communities
    assert key.startswith("qs_") and len(key) >= 40
    with sessions() as session:
        rows = session.scalars(select(ApiKey)).all()
        assert [r.key_hash for r in rows] == [hashlib.sha256(key.encode()).hexdigest()]
        values = [str(v) for r in rows for v in vars(r).values()]
    assert not any(key in v or key[10:] in v for v in values)
    if database_url.startswith("sqlite:///"):  # nor anywhere in the database file
        files = [Path(database_url.removeprefix("sqlite:///") + suffix) for suffix in ("", "-wal")]
        assert not any(key[10:].encode() in f.read_bytes() for f in files if f.exists())

    listed = json.loads(invoke("apikey", "list", "--json").stdout)
    assert [(k["id"], k["community"], k["prefix"], k["name"], k["revoked_at"]) for k in listed] == [
        (rows[0].id, "a", key[:10], "crm", None)]
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {key}"})
    client.app.state.keys.seconds = 0.2  # how long a live key is remembered (5 s by default)
    assert client.get("/v1/communities").status_code == 200
    assert "revoked" in invoke("apikey", "revoke", str(rows[0].id)).stdout
    time.sleep(0.3)
    assert client.get("/v1/communities").status_code == 401
    assert TestClient(create_app()).get("/v1/communities", headers={"X-API-Key": key}).status_code == 401
    assert json.loads(invoke("apikey", "list", "--json").stdout)[0]["revoked_at"] is not None


def test_apikey_commands_fail_in_one_line(database_url):
    missing = CliRunner().invoke(cli, ["apikey", "create", "--community", "nope"])
    assert missing.exit_code == 1 and missing.output == "error: no community named 'nope'\n"
    unknown = CliRunner().invoke(cli, ["apikey", "revoke", "42"])
    assert unknown.exit_code == 1 and unknown.output == "error: no API key 42\n"
