"""The operator dashboard renders in a real browser with its KPIs and charts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cobranca.model.customers import Customer
from cobranca.model.receivables import Receivable
from cobranca.services import links
from cobranca.services.ingest import Incoming, Ingestor
from cobranca_local.hub import LocalHub

from tests.support.browser import browser_page, screenshot
from tests.support.hub import make_tenant, running_hub

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        running.scheduler.jump_to(datetime(2026, 12, 4, 15, 0, tzinfo=UTC))
        tenant, _ = make_tenant("painel")
        incoming = Incoming(
            customers=[
                (Customer(customer_id="c", name="Cliente", document="529.982.247-25"), None)
            ],
            receivables=[
                (
                    Receivable(
                        erp_id=str(n),
                        number=f"F{n}",
                        customer_id="c",
                        issue_date="2026-08-01",
                        due_date=due,
                        amount=amount,
                    ),
                    None,
                )
                for n, (due, amount) in enumerate(
                    [
                        ("2026-12-20", "1200.00"),
                        ("2026-11-20", "350.50"),
                        ("2026-10-01", "800.00"),
                        ("2026-08-30", "99.90"),
                    ],
                    start=1,
                )
            ],
        )
        Ingestor(tenant, actor="test").ingest(incoming, queue_charges=False)
        yield running


def test_dashboard_shows_kpis_and_charts(hub: LocalHub) -> None:
    token = links.sign("dashboard", "painel", "painel", ttl=timedelta(hours=1))

    with browser_page() as page:
        page.goto(f"{hub.url}/dashboard/{token}")
        pending = page.locator('[data-kpi="pending_amount"]').inner_text()
        overdue = page.locator('[data-kpi="overdue_amount"]').inner_text()
        bars = page.locator("section[aria-labelledby=aging-title] svg rect").count()
        title = page.title()
        shot = screenshot(page, "dashboard")

    assert title == "Cobrança — painel de painel"
    assert pending == "R$ 2.450,40"
    assert overdue == "R$ 1.250,40"
    assert bars == 5
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
