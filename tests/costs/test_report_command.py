from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from costs.models import LEGACY_PROFILE_LABEL
from profiles.services import profile_delete
from tests.costs.utils import record_in


def run(*args: str) -> tuple[list[dict[str, str]], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("costs_report", *args, stdout=out, stderr=err)
    return list(csv.DictReader(io.StringIO(out.getvalue()))), err.getvalue()


@pytest.fixture
def ledger(cast: Any) -> Any:
    with freeze_time("2025-01-15 12:00"):
        record_in(cast.store_a, "0.10", units={"characters": 100})
        record_in(cast.store_a, "0.20", provider="gemini", model="gemini-2.5-flash", units={"input_tokens": 50})
        record_in(cast.store_b, "1.00", units={"characters": 1000})
    with freeze_time("2025-02-01 00:00"):
        record_in(cast.store_a, "0.40", units={"characters": 400})
        record_in(cast.bob_store, "2.00", units={"characters": 7})
    return cast


def test_it_writes_costs_by_profile_and_month_across_profiles(ledger: Any) -> None:
    rows, summary = run()

    assert [(r["month"], r["profile"], r["owner"], r["entries"], r["total_usd"]) for r in rows] == [
        ("2025-01", "Store A", "alice", "2", "0.300000"),
        ("2025-01", "Store B", "alice", "1", "1.000000"),
        ("2025-02", "Bob's store", "bob", "1", "2.000000"),
        ("2025-02", "Store A", "alice", "1", "0.400000"),
    ]
    assert rows[0]["profile_id"] == str(ledger.store_a.pk)
    assert (rows[0]["characters"], rows[0]["input_tokens"], rows[0]["frames"]) == ("100", "50", "0")
    assert summary.strip() == "4 row(s), 5 entries, $3.700000 USD"


def test_deleted_profiles_entries_stay_in_the_legacy_bucket(ledger: Any) -> None:
    profile_delete(profile=ledger.store_b)

    rows, _ = run()

    legacy = [r for r in rows if r["profile"] == LEGACY_PROFILE_LABEL]
    assert [(r["month"], r["profile_id"], r["owner"], r["total_usd"]) for r in legacy] == [
        ("2025-01", "", "", "1.000000")
    ]
    only_legacy, _ = run("--profile", "legacy")
    assert only_legacy == legacy


def test_it_filters_by_profile_and_period(ledger: Any) -> None:
    rows, _ = run("--profile", str(ledger.store_a.pk), "--since", "2025-02-01")
    assert [(r["month"], r["profile"], r["total_usd"]) for r in rows] == [("2025-02", "Store A", "0.400000")]
    rows, _ = run("--until", "2025-01-31")
    assert {r["month"] for r in rows} == {"2025-01"}
    rows, _ = run("--since", "2025-01-15T12:00:01Z", "--until", "2025-01-31T23:59:59Z")
    assert rows == []


def test_it_splits_by_provider_on_request(ledger: Any) -> None:
    rows, _ = run("--profile", str(ledger.store_a.pk), "--until", "2025-01-31", "--by-provider")
    assert [(r["provider"], r["total_usd"]) for r in rows] == [("elevenlabs", "0.100000"), ("gemini", "0.200000")]


def test_it_writes_to_a_file(ledger: Any, tmp_path: Path) -> None:
    target = tmp_path / "costs.csv"
    out = io.StringIO()
    call_command("costs_report", "--output", str(target), stdout=out)
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 4
    assert out.getvalue().strip() == f"wrote 4 row(s), 5 entries, $3.700000 USD to {target}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "store-a"], "profile id"),
        (["--profile", "00000000-0000-0000-0000-000000000000"], "no profile"),
        (["--since", "last week"], "bad period"),
        (["--since", "2025-02-01", "--until", "2025-01-01"], "bad period"),
        (["--output", "/nonexistent-dir/costs.csv"], "cannot write"),
    ],
)
def test_it_refuses_bad_arguments(ledger: Any, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
