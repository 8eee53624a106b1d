"""`cobranca sync` and `cobranca reconcile` against the real Tryton, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from cobranca.adapters.storage.tenants import load_tenant
from cobranca.cli.main import main
from cobranca.model.receivables import Receivable
from cobranca.services.ingest import Incoming, Ingestor
from cobranca_local.hub import LocalHub
from cobranca_local.tryton.server import TrytonServer

from tests.support.hub import make_tenant, running_hub

pytestmark = pytest.mark.erp

TENANT = "aurora-audit"


@pytest.fixture(scope="module")
def hub(shared_tryton: TrytonServer) -> Iterator[LocalHub]:
    with running_hub() as running:
        make_tenant(
            TENANT,
            {"erp": {"login": "admin", "password": "admin"}},
            erp={"kind": "tryton", "base_url": shared_tryton.url, "database": "tryton"},
        )
        yield running


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    status = main(list(argv))
    return status, json.loads(capsys.readouterr().out)


def test_sync_then_reconcile_agree(hub: LocalHub, capsys: pytest.CaptureFixture[str]) -> None:
    status, synced = cli(capsys, "sync", TENANT)
    assert (status, synced["outcome"], synced["records"]) == (0, "ok", 60)

    status, audit = cli(capsys, "reconcile", TENANT)

    assert status == 0
    assert audit["consistent"] is True
    assert audit["erp_open"] == audit["hub_open"] > 0
    assert audit["counts"] == {
        "missing_in_hub": 0,
        "missing_in_erp": 0,
        "amount": 0,
        "due_date": 0,
        "status": 0,
    }


def test_a_receivable_only_the_hub_holds_is_reported(
    hub: LocalHub, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the hub holds an open receivable the ERP never had
    ghost = Receivable(
        erp_id="9999",
        number="FAT/2026/09999",
        customer_id="1",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 20),
        amount=Decimal("321.00"),
    )
    Ingestor(load_tenant(TENANT), actor="test").ingest(
        Incoming(receivables=[(ghost, None)]), queue_charges=False
    )

    status, audit = cli(capsys, "reconcile", TENANT, "--write-report")

    assert status == 1
    assert audit["counts"]["missing_in_erp"] == 1
    assert audit["divergences"] == [
        {
            "kind": "missing_in_erp",
            "receivable_id": "9999~1",
            "erp": None,
            "hub": {"balance": "321.00"},
        }
    ]
    assert audit["report"].startswith(f"exports/{TENANT}/reconcile/")


def test_the_nightly_schedule_audits_every_pulled_tenant(hub: LocalHub) -> None:
    name = next(
        name
        for name, schedule in hub.scheduler.schedules.items()
        if schedule.function.endswith("reconcile")
    )

    result = hub.run_schedule(name)

    (audit,) = [item for item in result["tenants"] if item["tenant"] == TENANT]
    assert audit["counts"]["missing_in_erp"] == 1
    assert audit["report"].startswith(f"exports/{TENANT}/reconcile/")
