"""Channel shapes: SMS in one GSM-7 segment, WhatsApp template bodies, e-mail headers,
webhook signatures and DynamoDB read sizing."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from cobranca.adapters.channels import (
    OutgoingMessage,
    PermanentFailure,
    TransientFailure,
    UnknownOutcome,
    WhatsAppTemplate,
)
from cobranca.adapters.channels import whatsapp as whatsapp_channel
from cobranca.adapters.channels.email_ses import build_mime, tag_value
from cobranca.adapters.channels.sms_sns import SEGMENT, fit_segment, gsm7_length, to_gsm7
from cobranca.services.reminders.delivery import verify_signature
from cobranca.services.reminders.planner import attribute_size, item_size
from cobranca.services.reminders.sender import render
from cobranca.services.reminders.state import EnvelopeMessage

CONTEXT: dict[str, Any] = {
    "tenant_name": "Padaria Aurora",
    "customer_name": "Maria",
    "template": "atraso",
    "items": [
        {
            "receivable_id": "NF1~1",
            "number": "NF-1",
            "description": "Pães e bolos",
            "due_date": "02/03/2026",
            "original": "R$ 200,00",
            "updated": "R$ 204,13",
            "days_late": 3,
            "linha_digitavel": "00191234540000000000000000000174913810000015000",
            "pix": "00020101021226...6304ABCD",
            "payment_url": "https://cobranca.example/pay/abc.def",
            "offer_url": None,
        }
    ],
    "count": 1,
    "total": "R$ 204,13",
    "unsubscribe_url": "https://cobranca.example/unsubscribe/xyz.uvw",
}


def test_portuguese_text_folds_into_gsm7() -> None:
    assert to_gsm7("ação é título à vista, não?") == "acao é titulo à vista, nao?"
    assert gsm7_length("{R$ 1,00}") == 11
    assert gsm7_length(to_gsm7("Olá")) == 3


def test_an_sms_never_exceeds_one_segment() -> None:
    long_text = "Padaria Aurora: 3 títulos em atraso, total atualizado R$ 1.234,56. " * 4

    fitted = fit_segment(long_text)

    assert gsm7_length(fitted) <= SEGMENT
    assert fitted.endswith("...")
    assert all(character not in fitted for character in "ãçí")


def test_the_sms_template_drops_a_link_that_would_not_fit() -> None:
    with_link = render("sms.txt.j2", CONTEXT | {"link": "https://x.example/pay/" + "a" * 160})
    without = render("sms.txt.j2", CONTEXT | {"link": None})

    assert gsm7_length(to_gsm7(with_link)) > SEGMENT
    assert without == (
        "Padaria Aurora: 1 titulo(s) em atraso, total atualizado R$ 204,13. "
        "Veja o boleto e o Pix no seu e-mail."
    )


def test_emails_carry_the_amounts_instruments_and_links() -> None:
    text = render("email.txt.j2", CONTEXT)
    html = render("email.html.j2", CONTEXT | {"customer_name": "<b>Maria</b>"})

    assert "Valor atualizado hoje: R$ 204,13 (original R$ 200,00)" in text
    assert "Linha digitável: 00191234540000000000000000000174913810000015000" in text
    assert "Pix copia e cola: 00020101021226...6304ABCD" in text
    assert "Pagar: https://cobranca.example/pay/abc.def" in text
    assert "https://cobranca.example/unsubscribe/xyz.uvw" in text
    assert "&lt;b&gt;Maria&lt;/b&gt;" in html
    assert render("subject.txt.j2", CONTEXT) == "Padaria Aurora: pagamento em atraso"


def test_the_whatsapp_parameters_follow_the_approved_template() -> None:
    parameters = json.loads(render("whatsapp.json.j2", CONTEXT))

    assert parameters == ["Maria", "1", "R$ 204,13", "https://cobranca.example/pay/abc.def"]


def test_email_mime_has_one_click_unsubscribe_headers() -> None:
    message = OutgoingMessage(
        "email",
        "maria@example.com",
        "abc-email-123",
        "aurora",
        subject="Padaria Aurora: pagamento em atraso",
        text="texto",
        html="<p>html</p>",
        unsubscribe_url="https://cobranca.example/unsubscribe/xyz",
    )

    mime = build_mime(message, "cobranca@example.com", "Padaria Aurora")

    assert mime["List-Unsubscribe"] == "<https://cobranca.example/unsubscribe/xyz>"
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mime["From"] == "Padaria Aurora <cobranca@example.com>"
    assert [part.get_content_type() for part in mime.iter_parts()] == ["text/plain", "text/html"]
    assert tag_value("aurora/loja 1") == "aurora_loja_1"


def _whatsapp_message() -> OutgoingMessage:
    return OutgoingMessage(
        "whatsapp",
        "+5511987654321",
        "abc-whatsapp-1",
        "aurora",
        whatsapp=WhatsAppTemplate("cobranca_atraso", "pt_BR", ("Maria", "1")),
    )


def test_the_whatsapp_request_body() -> None:
    body = whatsapp_channel.request_body(_whatsapp_message())

    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511987654321",
        "type": "template",
        "template": {
            "name": "cobranca_atraso",
            "language": {"code": "pt_BR"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Maria"},
                        {"type": "text", "text": "1"},
                    ],
                }
            ],
        },
        "biz_opaque_callback_data": "abc-whatsapp-1",
    }


@pytest.mark.parametrize(
    ("status", "body", "raised"),
    [
        (400, {"error": {"code": 131026, "message": "undeliverable"}}, PermanentFailure),
        (429, {"error": {"code": 130429, "message": "rate limit"}}, TransientFailure),
        (401, {"error": {"code": 190, "message": "token"}}, TransientFailure),
        (502, {}, UnknownOutcome),
    ],
)
def test_whatsapp_answers_map_to_outcomes(
    monkeypatch: pytest.MonkeyPatch, status: int, body: dict[str, Any], raised: type[Exception]
) -> None:
    monkeypatch.setattr(
        whatsapp_channel,
        "credentials",
        lambda: {"token": "t", "phone_number_id": "123"},
    )
    monkeypatch.setenv("TABLE_NAME", "t")
    monkeypatch.setenv("RAW_BUCKET", "b")
    monkeypatch.setenv("WHATSAPP_API_URL", "http://127.0.0.1:9")
    from cobranca.platform.settings import reset_settings

    reset_settings()
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    with httpx.Client(transport=transport) as client, pytest.raises(raised):
        whatsapp_channel.send_whatsapp(_whatsapp_message(), client)
    reset_settings()


def test_the_webhook_signature_is_over_the_raw_body() -> None:
    body = b'{"entry": []}'
    good = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()

    assert verify_signature(body, good, "app-secret")
    assert not verify_signature(b'{"entry":[]}', good, "app-secret")
    assert not verify_signature(body, good.removeprefix("sha256="), "app-secret")
    assert not verify_signature(body, None, "app-secret")


def test_envelope_ids_are_deterministic() -> None:
    body = {
        "tenant_id": "aurora",
        "customer_id": "c1",
        "plan_date": "2026-03-02",
        "template": "atraso",
        "items": [
            {"receivable_id": "b", "step": "D0"},
            {"receivable_id": "a", "step": "D-3"},
        ],
    }
    reordered = body | {"items": list(reversed(body["items"]))}

    first, second = EnvelopeMessage.from_json(body), EnvelopeMessage.from_json(reordered)

    assert first.envelope_id == second.envelope_id
    assert first.message_key("email", [("a", "D-3")]) != first.message_key(
        "email", [("a", "D-3"), ("b", "D0")]
    )
    assert EnvelopeMessage.from_json(first.to_json()) == first


def test_item_sizes_follow_dynamodb_rules() -> None:
    assert attribute_size({"S": "abc"}) == 3
    assert attribute_size({"N": "200.00"}) == 2
    assert attribute_size({"N": "123456"}) == 4
    assert attribute_size({"M": {"a": {"S": "x"}}}) == 3 + 1 + 1 + 1
    assert item_size({"pk": {"S": "TENANT#a"}, "n": {"N": "1"}}) == 2 + 8 + 1 + 2


def _partition(**profile: Any) -> list[dict[str, Any]]:
    from cobranca.adapters.storage import keys

    base = {
        "customer_id": "c1",
        "name": "Maria Teste",
        "document": "52998224725",
        "emails": ["maria@example.com"],
        "phones": ["+5511987654321", "+551133334444"],
        "consent": {"email": True, "sms": True, "whatsapp": True},
    }
    return [{"sk": keys.PROFILE, "profile": base | profile}]


def test_contacts_follow_consent_opt_out_and_bounces() -> None:
    from cobranca.adapters.storage import keys
    from cobranca.services.reminders.sender import contact_digest, contacts

    everything = _partition()
    assert contacts(everything) == {
        "email": "maria@example.com",
        "sms": "+5511987654321",
        "whatsapp": "+5511987654321",
    }
    landline_only = _partition(phones=["+551133334444"])
    assert set(contacts(landline_only)) == {"email"}
    no_consent = _partition(consent={"email": True, "sms": False, "whatsapp": False})
    assert set(contacts(no_consent)) == {"email"}
    opted_out = [*everything, {"sk": keys.OPT_OUT, "channels": ["email", "whatsapp"]}]
    assert set(contacts(opted_out)) == {"sms"}
    bounced = [
        *everything,
        {"sk": keys.customer_bounced("email", contact_digest("maria@example.com"))},
    ]
    assert set(contacts(bounced)) == {"sms", "whatsapp"}
    assert contacts([*everything, {"sk": keys.OPT_OUT, "channels": ["all"]}]) == {}


def test_ses_events_inside_sns_records() -> None:
    from cobranca.services.reminders.delivery import records_of_sns

    event = {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"Message": json.dumps({"eventType": "Send"})}},
            {"EventSource": "aws:sns", "Sns": {"Message": json.dumps({"eventType": "Bounce"})}},
        ]
    }

    assert [item["eventType"] for item in records_of_sns(event)] == ["Send", "Bounce"]
