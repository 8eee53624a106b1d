"""Operator routes for the ERP mapping: save (validated, versioned), read, dry-run; in use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cobranca_local.hub import LocalHub

from tests.integration.erp.support import body_of, event, post, stored
from tests.support.hub import make_tenant, operator_client, running_hub

TENANT = "mapped"
FIXTURES = Path(__file__).parents[2] / "unit" / "erp" / "fixtures"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        yield running


@pytest.fixture(scope="module")
def operator(hub: LocalHub) -> Iterator[httpx.Client]:
    with operator_client(hub) as client:
        yield client


@pytest.fixture(scope="module")
def secret(hub: LocalHub) -> str:
    _, document = make_tenant(TENANT)
    return str(document["webhook_secrets"][0])


def url(path: str = "") -> str:
    return f"/v1/tenants/{TENANT}/erp/mapping{path}"


def test_a_tenant_without_a_saved_mapping_uses_the_canonical_preset(
    operator: httpx.Client, secret: str
) -> None:
    answer = operator.get(url()).json()

    assert (answer["version"], answer["source"]) == (0, "preset:canonical")


def test_save_validates_and_names_every_field(operator: httpx.Client, secret: str) -> None:
    bad = {
        "name": "x",
        "events": {
            "receivable.upserted": {"receivable": {"fields": {"erp_id": "id[", "valor": "valor"}}}
        },
    }

    response = operator.put(url(), json=bad)

    assert response.status_code == 422
    messages = " ".join(error["message"] for error in response.json()["errors"])
    assert "does not compile" in messages
    assert "receivable.valor is not a field of the canonical receivable" in messages


def test_saves_are_versioned_and_guarded(operator: httpx.Client, secret: str) -> None:
    first = operator.put(url(), json={"preset": "omie"})
    second = operator.put(url(), json={"preset": "bling"}, headers={"If-Match": "1"})
    stale = operator.put(url(), json={"preset": "odoo"}, headers={"If-Match": "1"})

    assert (first.status_code, first.json()["version"]) == (200, 1)
    assert (second.status_code, second.json()["version"]) == (200, 2)
    assert stale.status_code == 409
    assert operator.get(url()).json()["mapping"]["name"] == "bling"
    assert operator.get(url("?version=1")).json()["mapping"]["name"] == "omie"
    assert operator.get(url("?version=9")).status_code == 404


def test_dry_run_maps_a_sample_and_writes_nothing(operator: httpx.Client, secret: str) -> None:
    sample = json.loads((FIXTURES / "bling_conta_receber.json").read_text())

    answer = operator.post(
        url("/dry-run"), json={"type": "receivable.upserted", "data": sample}
    ).json()

    assert answer["valid"] is True
    assert answer["receivables"][0]["balance"] == "500.75"
    assert stored(TENANT, "12345678~1") is None
    broken = operator.post(
        url("/dry-run"), json={"type": "receivable.upserted", "data": sample | {"valor": "x"}}
    ).json()
    assert broken["valid"] is False
    assert broken["errors"][0]["field"] == "amount"


def test_the_saved_mapping_is_the_one_webhooks_use(hub: LocalHub, secret: str) -> None:
    sample = json.loads((FIXTURES / "bling_conta_receber.json").read_text())

    response = post(hub, TENANT, body_of(event("bling-1", "receivable.upserted", sample)), secret)

    assert response.json()["counts"]["accepted"] == 1
    record = stored(TENANT, "12345678~1")
    assert record is not None
    assert (record.receivable.amount, record.balance) == (Decimal("1500.75"), Decimal("500.75"))


def test_presets_are_listed(operator: httpx.Client, secret: str) -> None:
    names = [
        item["name"] for item in operator.get(f"/v1/tenants/{TENANT}/erp/presets").json()["presets"]
    ]

    assert names == ["bling", "canonical", "erpnext", "odoo", "omie", "tryton"]
