"""The README's reference parts match the program: every documented command, option and choice
exists, and the HTTP table lists exactly the routes the API serves."""
import re
from pathlib import Path

import pytest
import typer.main
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from flows.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
CLI = typer.main.get_command(app)


def section(heading: str) -> str:
    return README.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


COMMAND_LINES = [line.split("#")[0].strip() for line in section("## Command line").split("```")[1].splitlines()
                 if line.startswith("qunsheng ")]


def commands(line: str) -> list[tuple[list[str], object, list[str]]]:
    """(command path, click command, the words after the path) for each command a README line names:
    ``eval cluster|sentiment|demand`` names three."""
    found, words = [([], CLI)], line.split()[1:]
    while words and hasattr(found[0][1], "commands") and not words[0].startswith(("-", "[")):
        names = words.pop(0).split("|")
        found = [(path + [name], group.commands[name]) for path, group in found for name in names
                 if name in group.commands] or pytest.fail(f"README names an unknown command: {line}")
    return [(path, command, words) for path, command in found]


def test_the_readme_documents_commands():
    assert len(COMMAND_LINES) >= 15


@pytest.mark.parametrize("line", COMMAND_LINES)
def test_each_documented_command_option_and_choice_exists(line):
    for path, command, words in commands(line):
        assert not hasattr(command, "commands"), f"README line names a group, not a command: {line}"
        options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        help_lines = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400"}).stdout.splitlines()
        for i, word in enumerate(words):
            for option in re.findall(r"--[a-z][a-z-]*", word):
                assert option in options, f"{line}: `{' '.join(path)}` has no option {option}"
                choices = words[i + 1].strip("[]") if i + 1 < len(words) else ""
                if "|" in choices:  # each documented choice is named in the option's help
                    described = " ".join(h for h in help_lines if re.search(rf"{option}\b", h))
                    assert set(choices.split("|")) <= set(re.findall(r"\w+", described)), f"{line}: {option}"


def route(path: str) -> str:
    return re.sub(r"\{\w+\}", "{}", path)


def documented_routes() -> set[str]:
    table = section("## HTTP API").strip().split("\n\n")[0]
    return {route(re.sub(r"\?.*", "", path)) for path in re.findall(r"^\| `GET (\S+?)`", table, re.M)}


def test_the_http_table_lists_exactly_the_served_routes(database_url):
    api = create_app()
    pages = {"/", "/docs", "/themes.csv", "/themes/{}", "/themes/{}/messages.csv"}  # served, outside the OpenAPI schema
    assert documented_routes() == {route(path) for path in api.openapi()["paths"]} | pages
    client = TestClient(api)
    assert [client.get(path.replace("{}", "1")).status_code for path in sorted(pages)] == [200, 200, 200, 404, 404]  # no theme 1
