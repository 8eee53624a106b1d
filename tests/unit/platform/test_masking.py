"""Personal data never reaches a log line: keys, free text, nested structures."""

from __future__ import annotations

import io
import json
import logging

import pytest
from cobranca.platform.masking import MASK, mask_text, mask_value
from cobranca.platform.observability import MaskingFormatter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cliente 529.982.247-25 pagou", f"cliente {MASK} pagou"),
        ("cpf 52998224725", f"cpf {MASK}"),
        ("empresa 11.222.333/0001-81", f"empresa {MASK}"),
        ("cnpj alfanumérico 12.ABC.345/01DE-35", f"cnpj alfanumérico {MASK}"),
        ("escreva para joao.silva@example.com hoje", f"escreva para {MASK} hoje"),
        ("ligue +55 11 98765-4321", f"ligue {MASK}"),
        ("ligue (11) 98765-4321", f"ligue {MASK}"),
        ("whats 11987654321", f"whats {MASK}"),
    ],
)
def test_free_text_is_swept_for_documents_emails_and_phones(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "valor 1754.46 vencido em 2026-11-05",
        "receivable FAT/2026/00027~2 with nosso numero 00012345",
        "ABRACADABRA sem digitos",
    ],
)
def test_business_values_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_personal_keys_are_masked_whatever_their_shape() -> None:
    record = {
        "tenant": "aurora",
        "customer": {"name": "João Carvalho", "document": "x", "emails": ["a@b.co"]},
        "amount": "150.00",
        "payer_name": "",
    }

    masked = mask_value(record)

    assert masked == {
        "tenant": "aurora",
        "customer": {"name": MASK, "document": MASK, "emails": MASK},
        "amount": "150.00",
        "payer_name": "",
    }


def test_formatter_masks_the_whole_log_line() -> None:
    # GIVEN a logger using the hub's formatter
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter())
    log = logging.getLogger("masking-test")
    log.handlers = [handler]
    log.setLevel(logging.INFO)

    # WHEN a line carries personal data in the message and in extra keys
    log.info(
        "payment from 529.982.247-25 (joao@example.com)",
        extra={"phone": "+5511987654321", "receivable_id": "27~1"},
    )

    # THEN none of it is written, and ids stay readable
    line = json.loads(stream.getvalue())
    assert "529.982.247-25" not in stream.getvalue()
    assert "joao@example.com" not in stream.getvalue()
    assert "987654321" not in stream.getvalue()
    assert line["message"] == f"payment from {MASK} ({MASK})"
    assert line["phone"] == MASK
    assert line["receivable_id"] == "27~1"


@pytest.mark.parametrize(
    "request_id",
    [
        "fe1dc7e0-4b12-3456-8c97-bde9c7fb1234",
        "ed99d516-f4a0-4b0f-8b84-529982247250",
        "11987654-3210-4898-b555-119876543210",
    ],
)
def test_request_ids_stay_whole_while_the_text_around_them_is_masked(request_id: str) -> None:
    text = f"request {request_id} for 529.982.247-25, call 11 98765-4321"

    assert mask_text(text) == f"request {request_id} for {MASK}, call {MASK}"
    assert mask_text(request_id) == request_id


def test_an_email_whose_local_part_holds_a_uuid_is_still_masked() -> None:
    email = "joao.silva+3f2a9c1e-1b2c-4d5e-8f90-123456789abc@gmail.com"

    assert mask_text(f"bounce from {email}") == f"bounce from {MASK}"
