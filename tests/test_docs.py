"""Docs and code must not disagree (a Datasette habit): every command and setting documented,
and the Dockerfile's entry point is a real command."""

from __future__ import annotations

import argparse
import json
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


# --- docs/, CONTRIBUTING.md and FEDERATION.md name real things ---------------------------------

DOCS = ROOT / "docs"
# A module or package in backticks: `coopfed/federation/inbox.py`, `coopfed/inbound/`.
CODE_PATH = re.compile(r"`(coopfed/[\w./-]*?(?:\.py|/))`")
TEST_FILE = re.compile(r"`(tests/[\w./-]+\.py)`")
# A ```json fence (not ```jsonc) and its body, up to the closing fence at the same indent.
JSON_BLOCK = re.compile(
    r"^(?P<indent>[ ]*)```json\n(?P<body>.*?)^(?P=indent)```", re.DOTALL | re.MULTILINE
)
# Citations of the specifications: "docs/governance.md, rule 9", "docs/threats.md SIG-3".
GOVERNANCE_CITE = re.compile(r"docs/governance\.md,? (rule|definition|example) (D?\d+(?:\.\d+)?)")
THREATS_CITE = re.compile(r"docs/threats\.md,? ([A-Z]+-\d+)")


def doc_pages() -> list[Path]:
    pages = sorted(DOCS.glob("*.md"))
    assert {"README.md", "architecture.md", "governance.md", "threats.md", "protocol.md"} <= {
        page.name for page in pages
    }
    return pages


def code_path_exists(path: str) -> bool:
    target = ROOT / path
    return target.is_dir() if path.endswith("/") else target.is_file()


def test_every_module_and_package_named_in_the_docs_exists() -> None:
    pages = [*doc_pages(), ROOT / "CONTRIBUTING.md", ROOT / "FEDERATION.md"]
    named = [(page, path) for page in pages for path in CODE_PATH.findall(page.read_text())]
    assert len(named) > 100  # the pattern still finds them: CONTRIBUTING.md names every module
    missing = [
        f"{page.relative_to(ROOT)}: {path}" for page, path in named if not code_path_exists(path)
    ]
    assert missing == []


def test_every_json_example_in_federation_md_parses() -> None:
    text = (ROOT / "FEDERATION.md").read_text()
    blocks = list(JSON_BLOCK.finditer(text))
    assert len(blocks) >= 10
    broken = []
    for block in blocks:
        try:
            json.loads(block["body"])
        except json.JSONDecodeError as error:
            line = text.count("\n", 0, block.start()) + 1
            broken.append(f"FEDERATION.md line {line}: {error}")
    assert broken == []


def test_every_test_file_named_in_the_docs_exists() -> None:
    assert len(TEST_FILE.findall((DOCS / "threats.md").read_text())) > 30
    named = [(page, path) for page in doc_pages() for path in TEST_FILE.findall(page.read_text())]
    missing = [f"docs/{page.name}: {path}" for page, path in named if not (ROOT / path).is_file()]
    assert missing == []


def test_the_docs_index_lists_every_page_and_the_readme_links_it() -> None:
    index = (DOCS / "README.md").read_text()
    pages = [page.name for page in doc_pages() if page.name != "README.md"]
    assert [name for name in pages if f"]({name})" not in index] == []
    assert "](docs/)" in (ROOT / "README.md").read_text()


def citing_files() -> list[Path]:
    """Where the specifications are cited: code, tests, benchmarks and every document."""
    sources = [
        path for name in ("coopfed", "tests", "bench") for path in (ROOT / name).rglob("*.py")
    ]
    roots = [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "FEDERATION.md")]
    return [*sources, *doc_pages(), *roots]


def governance_has(kind: str, number: str, governance: str) -> bool:
    """Rules and definitions have anchors (`<a id="rule-9">`, `<a id="d5">`), examples bold
    numbers (`**10.3**`)."""
    if kind == "example":
        return f"**{number}**" in governance
    anchor = f"rule-{number}" if kind == "rule" else number.lower()
    return f'<a id="{anchor}"></a>' in governance


def test_citations_of_the_specifications_name_rules_that_exist() -> None:
    governance = (DOCS / "governance.md").read_text()
    threats = (DOCS / "threats.md").read_text()
    cited: list[tuple[Path, str, bool]] = []
    for path in citing_files():
        text = path.read_text()
        cited += [
            (path, f"docs/governance.md {kind} {number}", governance_has(kind, number, governance))
            for kind, number in GOVERNANCE_CITE.findall(text)
        ]
        cited += [
            (path, f"docs/threats.md {threat}", f"**{threat}**" in threats)
            for threat in THREATS_CITE.findall(text)
        ]
    assert len(cited) > 10
    assert [f"{path.relative_to(ROOT)}: {what}" for path, what, found in cited if not found] == []


def test_the_dependency_table_in_docs_is_the_one_the_layering_test_enforces() -> None:
    from tests.test_layering import ALLOWED, CORE

    text = (DOCS / "architecture.md").read_text()
    rows = re.findall(r"^\| ((?:`\w+`(?:, )?)+) \| (.*) \|$", text, re.MULTILINE)
    documented: dict[str, set[str]] = {}
    for layers, allowed in rows:
        names = set(re.findall(r"`(\w+)`", allowed))
        names |= CORE if "the core" in allowed else set()
        for layer in re.findall(r"`(\w+)`", layers):
            documented[layer] = {"*"} if allowed == "anything" else names
    assert documented == ALLOWED
