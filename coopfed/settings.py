"""Node settings: a TOML file plus `COOPFED_<SECTION>__<KEY>` environment overrides.

Every setting is declared once in `SCHEMA`; loading validates types and values and names the bad key
in the error, so an operator sees `database.url: …` rather than a traceback.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_PATH = Path("coopfed.toml")
ENV_PREFIX = "COOPFED_"
HANDLE_RE = re.compile(r"^[a-z0-9_]{1,30}$")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it."""


@dataclass(frozen=True)
class CoopSettings:
    name: str
    handle: str
    summary: str = ""
    time_zone: str = "UTC"  # an IANA zone ("Europe/Paris"): how pages show dates and times
    language: str = "en"  # pages' language when neither the member nor the browser says (en|fr)


@dataclass(frozen=True)
class ServerSettings:
    url: str
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: str = "data"
    trusted_proxies: tuple[str, ...] = ()
    workers: int = 1
    body_read_timeout: float = 10.0  # seconds for a whole request body; then 408


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = ""


@dataclass(frozen=True)
class FederationSettings:
    allow_private_addresses: tuple[str, ...] = ()
    allow_http: bool = False
    manually_approves_followers: bool = False
    max_body_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class WorkerSettings:
    in_process: bool = True
    poll_interval: float = 0.5
    delivery_concurrency: int = 32
    per_host_concurrency: int = 8
    retry_time_scale: float = 1.0
    delivery_lease_seconds: float = 90.0
    inbox_lease_seconds: float = 120.0  # a killed worker's inbox items wait this long


@dataclass(frozen=True)
class WebSettings:
    session_days: int = 14
    login_max_failures: int = 5
    login_window_minutes: int = 15
    apply_max_per_window: int = 5
    apply_window_minutes: int = 60
    # One-time links that set a password (issue 15): an invitation lasts a week (a new member
    # may not read mail every day), a reset an hour (whoever asks is at the screen now).
    invite_valid_days: int = 7
    reset_valid_minutes: int = 60
    # Reset requests per client address and per address asked for, within login_window_minutes.
    reset_max_per_window: int = 5


@dataclass(frozen=True)
class EmailSettings:
    # No smtp_host (the demo's default): each message is written as an .eml file under
    # `<data_dir>/mail/` instead, so nothing is lost and an admin can read it on /admin/mail.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # none | starttls | tls
    smtp_username: str = ""
    smtp_password: str = ""
    from_address: str = ""  # "" = noreply@<the public URL's host>
    # Backoff between attempts of one message: base * attempts², capped at an hour; tests
    # shrink it to see a server outage through in seconds.
    retry_base_seconds: float = 30.0


@dataclass(frozen=True)
class LoggingSettings:
    format: str = "text"  # text | json


@dataclass(frozen=True)
class MetricsSettings:
    allow: tuple[str, ...] = ("127.0.0.1", "::1")  # addresses or networks that may read /metrics
    # Where every process of the node counts (prometheus-client's multiprocess mode), relative
    # to data_dir; "" = `<data_dir>/metrics` for `serve --workers N>1`, joined by `coopfed
    # worker` when that directory exists; a single web process otherwise counts in memory.
    multiprocess_dir: str = ""


@dataclass(frozen=True)
class Settings:
    coop: CoopSettings
    server: ServerSettings
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    web: WebSettings = field(default_factory=WebSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    source: str = "<defaults>"

    @property
    def base_url(self) -> str:
        return self.server.url.rstrip("/")

    @property
    def data_path(self) -> Path:
        return Path(self.server.data_dir)

    @property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite+aiosqlite:///{(self.data_path / 'coopfed.db').as_posix()}"

    @property
    def mail_from(self) -> str:
        host = urlsplit(self.base_url).hostname or "localhost"
        return self.email.from_address or f"noreply@{host}"

    @property
    def domain(self) -> str:
        """host[:port] of the public URL, as used in `acct:` handles."""
        return urlsplit(self.base_url).netloc.lower()


# --- value parsers: raw TOML/env value in, typed value out, or ValueError


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be an integer")
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"-?\d+", value):
            raise ValueError(f"must be an integer, got {value!r}")
        return int(value)
    if not isinstance(value, int):
        raise ValueError("must be an integer")
    return value


def _positive_int(value: Any) -> int:
    number = _int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _port(value: Any) -> int:
    number = _int(value)
    if not 1 <= number <= 65535:
        raise ValueError("must be a port number between 1 and 65535")
    return number


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number, got {value!r}") from None
    if number <= 0:
        raise ValueError("must be greater than 0")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"must be true or false, got {value!r}")


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # environment: comma-separated
        return tuple(item.strip() for item in value.split(",") if item.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError("must be a list of strings")


def _networks(value: Any) -> tuple[str, ...]:
    """Addresses or networks (`10.0.0.0/8`), checked here so a typo fails at start-up."""
    items = _str_list(value)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return items


def _time_zone(value: Any) -> str:
    """An IANA time zone name, checked against the zone database so a typo fails at start-up."""
    name = _str(value).strip()
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ValueError(f"{value!r} is not a time zone name (such as Europe/Paris)") from None
    return name


LANGUAGES = ("en", "fr")


def _language(value: Any) -> str:
    """One of the languages the site's pages are translated into."""
    text = _str(value).strip().lower()
    if text not in LANGUAGES:
        raise ValueError(f"must be one of {', '.join(LANGUAGES)}, got {value!r}")
    return text


def _log_format(value: Any) -> str:
    text = _str(value).strip().lower()
    if text not in {"text", "json"}:
        raise ValueError(f"must be text or json, got {value!r}")
    return text


def _smtp_security(value: Any) -> str:
    text = _str(value).strip().lower()
    if text not in {"none", "starttls", "tls"}:
        raise ValueError(f"must be none, starttls or tls, got {value!r}")
    return text


def _email_address(value: Any) -> str:
    text = _str(value).strip()
    if text and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", text):
        raise ValueError(f"{text!r} is not an e-mail address such as coop@example.org")
    return text


def _handle(value: Any) -> str:
    handle = _str(value)
    if not HANDLE_RE.fullmatch(handle):
        raise ValueError(
            f"{handle!r} is not a valid handle (1-30 characters: lowercase letters, digits, _)"
        )
    return handle


def _public_url(value: Any) -> str:
    url = _str(value).strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"{url!r} must be an absolute http(s) URL such as https://coop.example")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ValueError(f"{url!r} must not have a path, query or fragment")
    return url.rstrip("/")


def _database_url(value: Any) -> str:
    url = _str(value).strip()
    if url and not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        if url.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + url.split("://", 1)[1]
        if url.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + url.split("://", 1)[1]
        raise ValueError(
            f"{url!r} is not supported: use sqlite+aiosqlite:///PATH or postgresql://USER@HOST/DB"
        )
    return url


Parser = Callable[[Any], Any]

# section -> key -> (parser, required)
SCHEMA: dict[str, dict[str, tuple[Parser, bool]]] = {
    "coop": {
        "name": (_str, True),
        "handle": (_handle, True),
        "summary": (_str, False),
        "time_zone": (_time_zone, False),
        "language": (_language, False),
    },
    "server": {
        "url": (_public_url, True),
        "host": (_str, False),
        "port": (_port, False),
        "data_dir": (_str, False),
        "trusted_proxies": (_str_list, False),
        "workers": (_positive_int, False),
        "body_read_timeout": (_float, False),
    },
    "database": {"url": (_database_url, False)},
    "federation": {
        "allow_private_addresses": (_str_list, False),
        "allow_http": (_bool, False),
        "manually_approves_followers": (_bool, False),
        "max_body_bytes": (_positive_int, False),
    },
    "worker": {
        "in_process": (_bool, False),
        "poll_interval": (_float, False),
        "delivery_concurrency": (_positive_int, False),
        "per_host_concurrency": (_positive_int, False),
        "retry_time_scale": (_float, False),
        "delivery_lease_seconds": (_float, False),
        "inbox_lease_seconds": (_float, False),
    },
    "web": {
        "session_days": (_positive_int, False),
        "login_max_failures": (_positive_int, False),
        "login_window_minutes": (_positive_int, False),
        "apply_max_per_window": (_positive_int, False),
        "apply_window_minutes": (_positive_int, False),
        "invite_valid_days": (_positive_int, False),
        "reset_valid_minutes": (_positive_int, False),
        "reset_max_per_window": (_positive_int, False),
    },
    "metrics": {"allow": (_networks, False), "multiprocess_dir": (_str, False)},
    "email": {
        "smtp_host": (_str, False),
        "smtp_port": (_port, False),
        "smtp_security": (_smtp_security, False),
        "smtp_username": (_str, False),
        "smtp_password": (_str, False),
        "from_address": (_email_address, False),
        "retry_base_seconds": (_float, False),
    },
    "logging": {"format": (_log_format, False)},
}

SECTION_TYPES: dict[str, type] = {
    "coop": CoopSettings,
    "server": ServerSettings,
    "database": DatabaseSettings,
    "federation": FederationSettings,
    "worker": WorkerSettings,
    "web": WebSettings,
    "metrics": MetricsSettings,
    "email": EmailSettings,
    "logging": LoggingSettings,
}


def config_path(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(explicit or env.get("COOPFED_CONFIG") or DEFAULT_CONFIG_PATH)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror}") from None


def env_overrides(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """`COOPFED_SERVER__URL=…` → {"server": {"url": "…"}}; unknown names are errors."""
    overrides: dict[str, dict[str, str]] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        if section not in SCHEMA or key not in SCHEMA[section]:
            raise SettingsError(f"{name}: unknown setting {section}.{key}")
        overrides.setdefault(section, {})[key] = value
    return overrides


def build_settings(raw: Mapping[str, Any], source: str = "<memory>") -> Settings:
    sections: dict[str, Any] = {}
    for section, value in raw.items():
        if section not in SCHEMA:
            raise SettingsError(f"{source}: unknown section [{section}]")
        if not isinstance(value, dict):
            raise SettingsError(f"{source}: [{section}] must be a table")
    for section, keys in SCHEMA.items():
        given = raw.get(section, {})
        values: dict[str, Any] = {}
        for key in given:
            if key not in keys:
                raise SettingsError(f"{source}: unknown setting {section}.{key}")
        for key, (parse, required) in keys.items():
            if key not in given:
                if required:
                    raise SettingsError(f"{source}: missing setting {section}.{key}")
                continue
            try:
                values[key] = parse(given[key])
            except ValueError as exc:
                raise SettingsError(f"{source}: {section}.{key}: {exc}") from None
        sections[section] = SECTION_TYPES[section](**values)
    return Settings(**sections, source=source)


def merge(base: Mapping[str, Any], overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        key: dict(value) if isinstance(value, dict) else value for key, value in base.items()
    }
    for section, values in overrides.items():
        target = merged.setdefault(section, {})
        if isinstance(target, dict):
            target.update(values)
    return merged


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load from the config file (if it exists) and the environment; raise SettingsError."""
    env = os.environ if environ is None else environ
    file = config_path(str(path) if path else None, env)
    raw: dict[str, Any] = read_toml(file) if file.exists() else {}
    if not file.exists() and not any(k.startswith(ENV_PREFIX) and "__" in k for k in env):
        raise SettingsError(
            f"{file}: no config file (run `coopfed init` first, or pass --config / COOPFED_CONFIG)"
        )
    source = str(file) if file.exists() else "environment"
    settings = build_settings(merge(raw, env_overrides(env)), source)
    return resolve_relative_paths(settings, file.parent if file.exists() else Path.cwd())


def resolve_relative_paths(settings: Settings, base: Path) -> Settings:
    """A relative data_dir is relative to the config file, so commands work from any directory."""
    data_dir = Path(settings.server.data_dir)
    if data_dir.is_absolute():
        return settings
    server = replace(settings.server, data_dir=str((base / data_dir).resolve()))
    return replace(settings, server=server)
