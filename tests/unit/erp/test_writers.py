"""Write-back to the REST presets' documented endpoints, idempotent on the hub's ref."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cobranca.adapters.erp.pull import rest_config
from cobranca.adapters.erp.rest import RestClient, RestError
from cobranca.adapters.erp.writers import (
    BlingWriter,
    ErpNextWriter,
    OdooWriter,
    OmieWriter,
    marker,
    writer_for,
)
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.domain.receivables import open_receivable
from cobranca.model.receivables import Receivable
from cobranca.model.tenants import Tenant

PAYMENT = {"amount": "150.00", "paid_on": "2026-12-02", "method": "pix", "payment_id": "pay-1"}


def record(erp_id: str, amount: str = "300.00") -> ReceivableRecord:
    receivable = Receivable(
        erp_id=erp_id,
        number=erp_id,
        customer_id="C1",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 1),
        amount=Decimal(amount),
    )
    return ReceivableRecord("t", receivable, open_receivable(Decimal(amount)))


def rest(preset: str, handler: Any, secrets: dict[str, Any] | None = None) -> RestClient:
    return RestClient(
        "http://erp.test",
        rest_config(preset),
        secrets
        or {
            "token": "t",
            "api_key": "k",
            "api_secret": "s",
            "app_key": "ak",
            "app_secret": "as",
            "database": "db",
        },
        transport=httpx.MockTransport(handler),
        sleep=lambda seconds: None,
    )


class FakeErpNext:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "token k:s"
        path = request.url.path
        if path == "/api/resource/Payment Entry" and request.method == "GET":
            filters = json.loads(request.url.params["filters"])
            ref = filters[0][2]
            found = [{"name": e["name"]} for e in self.entries if e["reference_no"] == ref]
            return httpx.Response(200, json={"data": found})
        if path == "/api/resource/Payment Entry":
            entry = json.loads(request.content) | {"name": f"PE-{len(self.entries) + 1}"}
            self.entries.append(entry)
            return httpx.Response(200, json={"data": entry})
        if path.startswith("/api/resource/Sales Invoice/"):
            return httpx.Response(
                200,
                json={
                    "data": {
                        "name": path.rsplit("/", 1)[1],
                        "docstatus": 1,
                        "customer": "CUST-1",
                        "company": "Aurora",
                        "outstanding_amount": 300.0,
                    }
                },
            )
        if path == "/api/resource/Comment" and request.method == "GET":
            text = request.url.params["filters"]
            found = [c for c in self.comments if marker("ag-1") in c["content"] and "ag-1" in text]
            return httpx.Response(200, json={"data": found})
        if path == "/api/resource/Comment":
            self.comments.append(json.loads(request.content))
            return httpx.Response(200, json={"data": {}})
        return httpx.Response(404)


def test_erpnext_payment_entry_is_created_once() -> None:
    fake = FakeErpNext()
    writer = ErpNextWriter(rest("erpnext", fake), {"mode_of_payment": "Pix", "paid_to": "Banco"})

    first = writer.payment(record("ACC-SINV-1"), "pay-1", PAYMENT)
    again = writer.payment(record("ACC-SINV-1"), "pay-1", PAYMENT)

    assert (first, again) == ("written", "duplicate")
    (entry,) = fake.entries
    assert entry["payment_type"] == "Receive"
    assert (entry["party"], entry["paid_amount"], entry["reference_no"]) == (
        "CUST-1",
        "150.00",
        "pay-1",
    )
    assert entry["references"] == [
        {
            "reference_doctype": "Sales Invoice",
            "reference_name": "ACC-SINV-1",
            "allocated_amount": "150.00",
        }
    ]
    assert entry["docstatus"] == 1
    assert writer.note(record("ACC-SINV-1"), "ag-1", "agreement", {"id": 1}) == "written"
    assert writer.note(record("ACC-SINV-1"), "ag-1", "agreement", {"id": 1}) == "duplicate"


class FakeBling:
    def __init__(self) -> None:
        self.borderos: dict[int, dict[str, Any]] = {}
        self.saldo = Decimal("300.00")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer t"
        path = request.url.path
        if path == "/contas/receber/555" and request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "data": {
                        "id": 555,
                        "situacao": 1 if self.saldo == 300 else 3,
                        "valor": 300.0,
                        "saldo": float(self.saldo),
                        "borderos": list(self.borderos),
                    }
                },
            )
        if path.startswith("/borderos/"):
            return httpx.Response(200, json={"data": self.borderos[int(path.rsplit("/", 1)[1])]})
        if path == "/contas/receber/555/baixar":
            body = json.loads(request.content)
            bordero_id = 9000 + len(self.borderos)
            self.borderos[bordero_id] = {"id": bordero_id, "historico": body["historico"]}
            self.saldo -= Decimal(str(body["valorRecebido"]))
            return httpx.Response(200, json={"bordero": {"id": bordero_id}})
        return httpx.Response(404)


def test_bling_baixa_is_posted_once() -> None:
    fake = FakeBling()
    writer = BlingWriter(rest("bling", fake), {"portador_id": 14, "categoria_id": 22})

    assert writer.payment(record("555"), "pay-1", PAYMENT) == "written"
    assert writer.payment(record("555"), "pay-1", PAYMENT) == "duplicate"
    assert fake.saldo == Decimal("150.00")
    (bordero,) = fake.borderos.values()
    assert marker("pay-1") in bordero["historico"]
    assert writer.note(record("555"), "s-1", "status", {}) == "unsupported"


class FakeOmie:
    def __init__(self) -> None:
        self.baixas: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        assert (body["app_key"], body["app_secret"]) == ("ak", "as")
        assert body["call"] == "LancarRecebimento"
        (param,) = body["param"]
        if param["codigo_baixa_integracao"] in self.baixas:
            return httpx.Response(
                500,
                json={
                    "faultstring": f"ERROR: Baixa com código de integração "
                    f"[{param['codigo_baixa_integracao']}] já cadastrada!",
                    "faultcode": "SOAP-ENV:Client-102",
                },
            )
        self.baixas[param["codigo_baixa_integracao"]] = param
        return httpx.Response(
            200, json={"codigo_lancamento": param["codigo_lancamento"], "codigo_status": "0"}
        )


def test_omie_lancar_recebimento_keyed_by_integration_code() -> None:
    fake = FakeOmie()
    writer = OmieWriter(rest("omie", fake), {"codigo_conta_corrente": 2103553430})

    assert writer.payment(record("3784804194"), "pay-1", PAYMENT) == "written"
    assert writer.payment(record("3784804194"), "pay-1", PAYMENT) == "duplicate"
    (baixa,) = fake.baixas.values()
    assert baixa["codigo_lancamento"] == 3784804194
    assert (baixa["valor"], baixa["data"]) == (150.0, "02/12/2026")


def test_omie_other_faults_are_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"faultstring": "Conta corrente inexistente"})

    writer = OmieWriter(rest("omie", refuse), {"codigo_conta_corrente": 1})
    with pytest.raises(RestError) as failure:
        writer.payment(record("1"), "pay-2", PAYMENT)
    assert failure.value.retryable is False


class FakeOdoo:
    def __init__(self) -> None:
        self.payments: list[dict[str, Any]] = []
        self.wizards: dict[int, dict[str, Any]] = {}
        self.residual = Decimal("300.00")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "bearer t"
        assert request.headers["X-Odoo-Database"] == "db"
        model, method = request.url.path.removeprefix("/json/2/").split("/")
        body = json.loads(request.content)
        if (model, method) == ("account.payment", "search"):
            ref = body["domain"][0][2]
            return httpx.Response(200, json=[p["id"] for p in self.payments if p["memo"] == ref])
        if (model, method) == ("account.move", "read"):
            return httpx.Response(
                200,
                json=[
                    {
                        "id": body["ids"][0],
                        "state": "posted",
                        "amount_residual": float(self.residual),
                    }
                ],
            )
        if (model, method) == ("account.payment.register", "create"):
            assert body["context"] == {"active_model": "account.move", "active_ids": [5123]}
            wizard_id = len(self.wizards) + 1
            self.wizards[wizard_id] = body["vals_list"][0]
            return httpx.Response(200, json=[wizard_id])
        if (model, method) == ("account.payment.register", "action_create_payments"):
            values = self.wizards[body["ids"][0]]
            self.payments.append({"id": len(self.payments) + 1, "memo": values["communication"]})
            self.residual -= Decimal(str(values["amount"]))
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"name": "werkzeug.exceptions.NotFound"})


def test_odoo_register_payment_wizard_once() -> None:
    fake = FakeOdoo()
    writer = OdooWriter(rest("odoo", fake), {})

    assert writer.payment(record("5123"), "pay-1", PAYMENT) == "written"
    assert writer.payment(record("5123"), "pay-1", PAYMENT) == "duplicate"
    assert fake.residual == Decimal("150.00")
    assert fake.wizards[1]["payment_date"] == "2026-12-02"


def test_writer_for_picks_the_presets_writer() -> None:
    tenant = Tenant.model_validate(
        {
            "tenant_id": "acme",
            "name": "Acme",
            "document": "11.222.333/0001-81",
            "erp": {"kind": "rest", "base_url": "http://erp.test", "preset": "bling"},
        }
    )

    assert isinstance(writer_for(tenant, {"token": "t"}), BlingWriter)
