"""Hostile report queries and dashboard links against the reports API on the local hub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import Put, table
from cobranca.model.receivables import Receivable
from cobranca.services import links
from cobranca.services.ingest import Incoming, Ingestor
from cobranca_local.hub import LocalHub

from tests.support.hub import make_tenant, operator_client, running_hub

AS_OF = "2026-03-31"
SUMMARY = "/v1/tenants/aurora/reports/summary"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        running.scheduler.jump_to(datetime(2026, 3, 31, 15, 0, tzinfo=UTC))
        tenant, _ = make_tenant("aurora")
        incoming = Incoming()
        incoming.receivables.append(
            (
                Receivable(
                    erp_id="1",
                    number="FAT/1",
                    customer_id="c1",
                    issue_date="2026-01-02",
                    due_date="2026-03-01",
                    amount="100.00",
                    erp_updated_at=datetime(2026, 3, 30, tzinfo=UTC),
                ),
                "e-r1",
            )
        )
        Ingestor(tenant, actor="test").ingest(incoming, queue_charges=False)
        # A counter row whose metric name carries markup, as a careless writer could leave it
        table().put(
            Put(
                {
                    "pk": keys.stats("aurora"),
                    "sk": "2026-03-30#sync_failed#<script>alert(1)</script>",
                    "type": "stats",
                    "count": 1,
                }
            )
        )
        yield running


@pytest.fixture(scope="module")
def client(hub: LocalHub) -> Iterator[httpx.Client]:
    with operator_client(hub) as operator:
        yield operator


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "0002-02-28"])
def test_an_as_of_at_the_calendar_edges_is_a_400_not_a_500(
    client: httpx.Client, as_of: str
) -> None:
    response = client.get(SUMMARY, params={"as_of": as_of})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "as_of must be between 1900-01-01 and 9998-12-31" in response.json()["detail"]


@pytest.mark.parametrize("as_of", ["2026-W14-2", "20260331"])
def test_as_of_is_strictly_yyyy_mm_dd(client: httpx.Client, as_of: str) -> None:
    # Python 3.11 reads ISO week dates and the basic format; 2026-W14-2 silently became 03-31
    response = client.get(SUMMARY, params={"as_of": as_of})

    assert response.status_code == 400
    assert f"as_of must be a date like 2026-12-04, got {as_of!r}" == response.json()["detail"]


@pytest.mark.parametrize("fmt", ["xml", "csv;drop", "", "html"])
def test_an_unknown_format_is_a_400(client: httpx.Client, fmt: str) -> None:
    response = client.get(SUMMARY, params={"as_of": AS_OF, "format": fmt})

    assert response.status_code == 400
    assert response.json()["detail"] == f"format must be json or csv, got {fmt!r}"


def test_format_is_read_without_case(client: httpx.Client) -> None:
    response = client.get(SUMMARY, params={"as_of": AS_OF, "format": "CSV"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "pending_amount;100.00" in response.text


def test_a_parameter_given_twice_is_a_400(client: httpx.Client) -> None:
    response = client.get(f"{SUMMARY}?as_of=2026-01-01&as_of=2027-01-01")

    assert response.status_code == 400
    assert response.json()["detail"] == "as_of is given more than once"


@pytest.mark.parametrize("tenant", ["nobody", "AURORA", "aurora-x"])
def test_a_report_of_an_unknown_tenant_is_a_404(client: httpx.Client, tenant: str) -> None:
    # It answered 200 with zeros: a typo in the tenant looked like a clean portfolio.
    response = client.get(f"/v1/tenants/{tenant}/reports/summary", params={"as_of": AS_OF})

    assert response.status_code == 404
    assert response.json()["detail"] == f"no tenant {tenant!r}"


def test_the_real_report_still_answers(client: httpx.Client) -> None:
    response = client.get(SUMMARY, params={"as_of": AS_OF})

    assert response.status_code == 200
    assert response.json()["pending_amount"] == "100.00"
    assert response.json()["overdue_amount"] == "100.00"


def test_a_signature_with_junk_characters_is_not_a_dashboard(hub: LocalHub) -> None:
    token = links.sign("dashboard", "aurora", "aurora", ttl=timedelta(hours=1))
    payload, signature = token.split(".")

    tampered = httpx.get(f"{hub.url}/dashboard/{payload}.{signature[:8]}!!{signature[8:]}")
    genuine = httpx.get(f"{hub.url}/dashboard/{token}", params={"as_of": AS_OF})

    assert tampered.status_code == 404
    assert genuine.status_code == 200


def test_a_token_with_non_ascii_is_a_404_not_a_500(hub: LocalHub) -> None:
    token = links.sign("dashboard", "aurora", "aurora", ttl=timedelta(hours=1))
    payload, signature = token.split(".")

    response = httpx.get(f"{hub.url}/dashboard/{payload}%C3%A9.{signature}")

    assert response.status_code == 404
    assert response.json()["detail"] == "no dashboard here"


def test_a_dashboard_link_at_the_calendar_edge_is_a_400(hub: LocalHub) -> None:
    token = links.sign("dashboard", "aurora", "aurora", ttl=timedelta(hours=1))

    response = httpx.get(f"{hub.url}/dashboard/{token}", params={"as_of": "9999-12-31"})

    assert response.status_code == 400


def test_a_dashboard_link_of_a_removed_tenant_is_a_404(hub: LocalHub) -> None:
    token = links.sign("dashboard", "ghost", "ghost", ttl=timedelta(hours=1))

    response = httpx.get(f"{hub.url}/dashboard/{token}", params={"as_of": AS_OF})

    assert response.status_code == 404


def test_the_dashboard_escapes_markup_from_stored_rows(hub: LocalHub) -> None:
    token = links.sign("dashboard", "aurora", "aurora", ttl=timedelta(hours=1))

    page = httpx.get(f"{hub.url}/dashboard/{token}", params={"as_of": AS_OF})

    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "sync_failed#&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
