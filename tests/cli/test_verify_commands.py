"""`coopfed verify --receipt`: the bare hash or the whole line `coopfed vote` printed, repeatable;
anything else exits 2 before any fetch (the live checks are in tests/integration/test_verify.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coopfed.cli import build_parser, main
from coopfed.cli.support import CliError
from coopfed.cli.verify_client import local_signer, parse_receipt

HASH = "ab" * 32


def test_a_receipt_is_the_hash_or_the_line_vote_printed() -> None:
    assert parse_receipt(HASH) == HASH
    assert parse_receipt(f"counted: receipt {HASH}") == HASH
    assert parse_receipt(f"replaced: receipt {HASH}\n") == HASH
    assert parse_receipt(f"counted (bob for alice): receipt {HASH}") == HASH
    assert parse_receipt(f"  receipt {HASH.upper()} ") == HASH
    for bad in ("", HASH[:-1], f"{HASH}0", f"counted: {HASH} extra", "counted: receipt None"):
        with pytest.raises(CliError, match="not a receipt"):
            parse_receipt(bad)


def test_receipt_is_repeatable() -> None:
    args = build_parser().parse_args(
        ["verify", "http://x.test/p", "--receipt", HASH, "--receipt", f"counted: receipt {HASH}"]
    )
    assert args.receipt == [HASH, f"counted: receipt {HASH}"]
    assert build_parser().parse_args(["verify", "http://x.test/p"]).receipt == []


def test_a_bad_receipt_exits_2_with_one_line_and_fetches_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 127.0.0.1:1 refuses connections: had verify fetched first, the message would say so.
    code = main(["verify", "http://127.0.0.1:1/proposals/x", "--receipt", "counted: receipt ?"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        "coopfed: error: not a receipt: 'counted: receipt ?' "
        "(give the 64-hex hash or the line `coopfed vote` printed)"
    ]


def test_verify_signs_only_on_a_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No config here: a plain client, quietly. --unsigned: plain even on a node. A config
    named with --config that does not exist: exit 2, never a quiet fall-back to unsigned."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("COOPFED_")]:
        monkeypatch.delenv(name)
    parse = build_parser().parse_args
    assert local_signer(parse(["verify", "http://x.test/p"])) == (None, None)
    assert local_signer(parse(["verify", "http://x.test/p", "--unsigned"])) == (None, None)
    missing = str(tmp_path / "nowhere.toml")
    assert main(["verify", "http://127.0.0.1:1/proposals/x", "--config", missing]) == 2
    assert "nowhere.toml" in capsys.readouterr().err
