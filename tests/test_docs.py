"""Docs and code must not disagree (a Datasette habit): every command and setting documented,
and the Dockerfile's entry point is a real command."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

from coopfed.cli import build_parser
from coopfed.settings import SCHEMA

ROOT = Path(__file__).resolve().parents[1]


def command_paths(parser: argparse.ArgumentParser, prefix: str = "coopfed") -> list[str]:
    paths: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = command_paths(sub, f"{prefix} {name}")
                paths.extend(nested or [f"{prefix} {name}"])
    return paths


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [path for path in command_paths(build_parser()) if f"`{path}" not in readme]
    assert missing == []


def test_every_setting_is_in_the_example_config() -> None:
    example = tomllib.loads((ROOT / "config" / "coopfed.example.toml").read_text())
    documented = {(section, key) for section, values in example.items() for key in values}
    declared = {(section, key) for section, keys in SCHEMA.items() for key in keys}
    assert declared == documented


def test_every_module_is_on_the_contributing_map() -> None:
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    modules = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "coopfed").rglob("*.py")
        if path.name not in {"__init__.py", "__main__.py"}
    ]
    # A package documented as a whole (`coopfed/governance/`) covers its modules.
    packages = re.findall(r"`(coopfed/[\w/]+/)`", contributing)
    missing = [
        module
        for module in modules
        if f"`{module}`" not in contributing and not any(module.startswith(p) for p in packages)
    ]
    assert missing == []


def test_dockerfile_runs_coopfed_serve_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", dockerfile, re.MULTILINE)
    assert len(stages) >= 2, "multi-stage build"
    assert re.search(r'^ENTRYPOINT \["coopfed"\]', dockerfile, re.MULTILINE)
    assert re.search(r'^CMD \["serve"\]', dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.MULTILINE)
    assert re.search(r'^VOLUME \["/data"\]', dockerfile, re.MULTILINE)
    assert "coopfed serve" in command_paths(build_parser())
    for source in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, re.MULTILINE):
        assert (ROOT / source).exists(), source
