"""A customer accepts a renegotiation plan in a real (headless) browser, on a phone-sized
screen, using the keyboard; the acceptance completes the Step Functions execution."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from cobranca_local.hub import LocalHub

from tests.integration.renegotiation import helpers as h
from tests.support.browser import browser_page, screenshot
from tests.support.hub import running_hub

pytestmark = pytest.mark.browser
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with running_hub() as running:
        h.prepare(running)
        yield running


def test_customer_chooses_a_plan_and_accepts_in_the_browser(hub: LocalHub) -> None:
    # GIVEN an offer sent by e-mail to a customer 65 and 34 days late
    h.seed("web")
    started = h.start("web")
    link = h.wait_for_link("web")

    with browser_page(width=390, height=844) as page:
        # WHEN the customer opens the link on a phone
        page.goto(link)

        # THEN the page is in Portuguese, shows the debt broken down and the plans
        assert page.locator("html").get_attribute("lang") == "pt-BR"
        assert page.get_by_role("heading", level=1).inner_text() == "Proposta de acordo"
        composition = page.get_by_role("table", name="Composição").inner_text()
        for part in ("Multa", "R$ 16,00", "Juros", "R$ 14,23", "R$ 830,23"):
            assert part in composition
        radios = page.get_by_role("radio")
        assert radios.count() == 5
        assert page.get_by_role("radio", name=re.compile(r"À vista: R\$ 800,00")).is_checked()
        offer_shot = screenshot(page, "portal-offer")

        # WHEN they move to the 3x plan with the keyboard and accept
        radios.first.focus()
        page.keyboard.press("ArrowDown")
        three = page.get_by_role("radio", name=re.compile(r"3x de R\$ 282,59"))
        assert three.is_checked()
        page.get_by_role("button", name="Aceitar proposta").click()
        page.get_by_role("heading", name="Proposta aceita").wait_for()

        # THEN the execution completes and the page reports the agreement in force
        result = h.wait_execution(hub, started.execution_arn)
        page.reload()
        page.get_by_text("está em vigor").wait_for()
        accepted_shot = screenshot(page, "portal-accepted")

    assert result["status"] == "SUCCEEDED"
    (agreement,) = h.agreements("web")
    assert [row["amount"] for row in agreement.installments] == ["282.59", "282.59", "282.58"]
    for shot in (offer_shot, accepted_shot):
        assert shot.is_file()
        assert shot.read_bytes()[:8] == PNG
