"""Settings: file + environment, validated with messages that name the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from coopfed.settings import SettingsError, load_settings

GOOD = """
[coop]
name = "River Co-op"
handle = "river"

[server]
url = "https://river.example"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "coopfed.toml"
    path.write_text(text)
    return path


def test_loads_a_minimal_file_with_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), environ={})
    assert settings.coop.handle == "river"
    assert settings.domain == "river.example"
    assert settings.server.port == 8000
    assert settings.coop.time_zone == "UTC"
    assert settings.coop.language == "en"
    assert settings.federation.allow_private_addresses == ()
    # A relative data dir is relative to the config file, and SQLite lives in it by default.
    assert settings.server.data_dir == str((tmp_path / "data").resolve())
    assert settings.database_url.startswith("sqlite+aiosqlite:///")


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "COOPFED_DATABASE__URL": "postgresql://coop@db/coop",
        "COOPFED_FEDERATION__ALLOW_PRIVATE_ADDRESSES": "127.0.0.1, 127.0.0.2:8001",
        "COOPFED_SERVER__PORT": "9000",
        "COOPFED_FEDERATION__ALLOW_HTTP": "true",
    }
    settings = load_settings(write(tmp_path, GOOD), environ=env)
    assert settings.database_url == "postgresql+asyncpg://coop@db/coop"
    assert settings.federation.allow_private_addresses == ("127.0.0.1", "127.0.0.2:8001")
    assert settings.server.port == 9000
    assert settings.federation.allow_http is True


def test_runs_from_environment_alone(tmp_path: Path) -> None:
    env = {
        "COOPFED_CONFIG": str(tmp_path / "absent.toml"),
        "COOPFED_COOP__NAME": "Env Co-op",
        "COOPFED_COOP__HANDLE": "envcoop",
        "COOPFED_SERVER__URL": "http://127.0.0.1:8123",
    }
    settings = load_settings(environ=env)
    assert settings.coop.name == "Env Co-op"
    assert settings.domain == "127.0.0.1:8123"


@pytest.mark.parametrize(
    ("text", "env", "named"),
    [
        (GOOD.replace('"river"', '"River Co-op!"'), {}, "coop.handle"),
        (GOOD + "port = 80000\n", {}, "server.port"),
        (GOOD.replace("https://river.example", "river.example"), {}, "server.url"),
        (GOOD.replace('url = "https://river.example"', ""), {}, "server.url"),
        (GOOD + "colour = 'red'\n", {}, "server.colour"),
        (GOOD, {"COOPFED_SERVER__PORT": "eighty"}, "server.port"),
        (GOOD, {"COOPFED_DATABASE__URL": "mysql://x"}, "database.url"),
        (GOOD, {"COOPFED_FEDERATION__ALLOW_HTTP": "maybe"}, "federation.allow_http"),
        (GOOD, {"COOPFED_NOPE__THING": "1"}, "nope.thing"),
        (GOOD, {"COOPFED_COOP__TIME_ZONE": "Europe/Parsi"}, "coop.time_zone"),
        (GOOD, {"COOPFED_COOP__TIME_ZONE": "../../etc/passwd"}, "coop.time_zone"),
        (GOOD, {"COOPFED_COOP__LANGUAGE": "de"}, "coop.language"),
        (GOOD + "[extra]\n", {}, "[extra]"),
        ("[coop\n", {}, "not valid TOML"),
    ],
)
def test_bad_settings_name_the_key(
    tmp_path: Path, text: str, env: dict[str, str], named: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(write(tmp_path, text), environ=env)
    assert named in str(caught.value)


def test_missing_config_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="coopfed init"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_the_coops_language_is_en_or_fr(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), environ={"COOPFED_COOP__LANGUAGE": " FR "})
    assert settings.coop.language == "fr"
