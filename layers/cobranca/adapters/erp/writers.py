"""Write-back to the ERP: payments and status changes recorded in the hub, recorded there too.

Every writer is idempotent on the message's ``ref`` (unique per fact): it first looks in the ERP
for the ref it wrote last time, and writes only when it finds none, so a redelivered or
replayed message never records a payment twice.

- **Tryton**: a payment is booked with the ``account.invoice.pay`` wizard; the move's
  description carries ``[cobranca:<ref>]``, which is what the check searches for. The amount is
  capped at the invoice's amount to pay (money the ERP already recorded by other means is not
  booked again); an invoice with nothing left to pay is acknowledged as such. A status change or
  an agreement becomes a note on the invoice (``ir.note``) carrying the same marker: stock
  Tryton has no collection status of its own.
- **ERPNext**: a submitted ``Payment Entry`` (``POST /api/resource/Payment Entry``) referencing
  the Sales Invoice, its ``reference_no`` being the ref; status and agreement become a
  ``Comment`` on the invoice.
- **Bling v3**: ``POST /contas/receber/{id}/baixar`` with ``historico`` carrying the marker; the
  check reads the conta's borderôs (``GET /borderos/{id}``). Bling has no place for a status
  note: status and agreement are acknowledged as unsupported.
- **Omie**: ``LancarRecebimento`` with ``codigo_baixa_integracao`` set to the ref, the key Omie
  itself keeps per baixa; a fault saying the baixa exists is a duplicate. Status and agreement
  are unsupported.
- **Odoo** (JSON-2): the ``account.payment.register`` wizard on the invoice with the ref as the
  payment's memo, checked with ``account.payment`` ``search``; status and agreement become a
  ``message_post`` on the move.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import httpx

from cobranca.adapters.erp.pull import rest_config
from cobranca.adapters.erp.rest import RestClient, RestError
from cobranca.adapters.erp.tryton import TrytonClient
from cobranca.adapters.storage.records import ReceivableRecord
from cobranca.domain.money import money
from cobranca.model.tenants import Tenant


class Writer(Protocol):
    """What the write-back consumer needs from an ERP."""

    def payment(self, record: ReceivableRecord, ref: str, payload: dict[str, Any]) -> str: ...

    def note(
        self, record: ReceivableRecord, ref: str, kind: str, payload: dict[str, Any]
    ) -> str: ...

    def close(self) -> None: ...


class WriterNotConfigured(LookupError):
    """The tenant's ERP cannot be written to (no connection or no writer for its preset)."""


def marker(ref: str) -> str:
    """The text the hub leaves in the ERP to recognise its own write."""
    return f"[cobranca:{ref}]"


def _note_text(kind: str, ref: str, payload: dict[str, Any]) -> str:
    details = ", ".join(f"{key}={value}" for key, value in sorted(payload.items()))
    return f"{marker(ref)} {kind}: {details}"


def _amount(payload: dict[str, Any]) -> Decimal:
    """What settles the receivable in the ERP: the principal when the hub sends it apart.

    A late payment carries multa and juros; booked against the invoice they would lower its
    balance below what the customer still owes on other installments.
    """
    # Maintenance: the multa and juros stay income in the hub only; booking them as revenue
    # in each ERP needs a per-tenant account mapping.
    return money(str(payload.get("principal") or payload["amount"]))


def _paid_on(payload: dict[str, Any]) -> date:
    return date.fromisoformat(str(payload["paid_on"])[:10])


class TrytonWriter:
    """Write-back to Tryton over JSON-RPC."""

    def __init__(self, client: TrytonClient) -> None:
        self.client = client

    def payment(self, record: ReceivableRecord, ref: str, payload: dict[str, Any]) -> str:
        invoice_id = int(record.receivable.erp_id)
        # Maintenance: checking then paying is two calls, not one transaction; the FIFO group
        # keeps one consumer per receivable, so only a message whose visibility expired in the
        # middle of a slow wizard could race its own redelivery.
        if self.client.find_payment(invoice_id, marker(ref)):
            return "duplicate"
        invoice = self.client.invoice(invoice_id, ["state", "amount_to_pay"])
        to_pay = Decimal(invoice.get("amount_to_pay") or 0)
        if invoice.get("state") != "posted" or to_pay <= 0:
            return "nothing_to_pay"
        amount = min(_amount(payload), to_pay)
        method = str(payload.get("method") or "other")
        self.client.pay_invoice(
            invoice_id,
            amount,
            _paid_on(payload),
            f"Recebimento {method} {marker(ref)}",
            self.client.payment_method(),
        )
        return "written"

    def note(self, record: ReceivableRecord, ref: str, kind: str, payload: dict[str, Any]) -> str:
        invoice_id = int(record.receivable.erp_id)
        if self.client.find_note(invoice_id, marker(ref)):
            return "duplicate"
        self.client.add_note(invoice_id, _note_text(kind, ref, payload))
        return "written"

    def close(self) -> None:
        self.client.logout()
        self.client.close()


class ErpNextWriter:
    """Write-back to ERPNext through its REST resources."""

    def __init__(self, client: RestClient, options: dict[str, Any]) -> None:
        self.client = client
        self.options = options

    def payment(self, record: ReceivableRecord, ref: str, payload: dict[str, Any]) -> str:
        found = self.client.request(
            "GET",
            "/api/resource/Payment Entry",
            params={
                "filters": f'[["reference_no", "=", "{ref}"], ["docstatus", "!=", 2]]',
                "fields": '["name"]',
            },
        ).json()
        if found.get("data"):
            return "duplicate"
        receivable = record.receivable
        invoice = self.client.request(
            "GET", f"/api/resource/Sales Invoice/{receivable.erp_id}"
        ).json()["data"]
        outstanding = money(str(invoice.get("outstanding_amount") or "0"))
        if invoice.get("docstatus") != 1 or outstanding <= 0:
            return "nothing_to_pay"
        amount = min(_amount(payload), outstanding)
        paid_on = _paid_on(payload).isoformat()
        entry = {
            "doctype": "Payment Entry",
            "payment_type": "Receive",
            "party_type": "Customer",
            "party": invoice.get("customer"),
            "company": invoice.get("company"),
            "posting_date": paid_on,
            "paid_amount": str(amount),
            "received_amount": str(amount),
            "reference_no": ref,
            "reference_date": paid_on,
            "mode_of_payment": self.options.get("mode_of_payment"),
            "paid_to": self.options.get("paid_to"),
            "remarks": f"Recebimento registrado pelo hub de cobrança {marker(ref)}",
            "references": [
                {
                    "reference_doctype": "Sales Invoice",
                    "reference_name": receivable.erp_id,
                    "allocated_amount": str(amount),
                }
            ],
            "docstatus": 1,
        }
        self.client.request(
            "POST",
            "/api/resource/Payment Entry",
            json={key: value for key, value in entry.items() if value is not None},
        )
        return "written"

    def note(self, record: ReceivableRecord, ref: str, kind: str, payload: dict[str, Any]) -> str:
        name = record.receivable.erp_id
        found = self.client.request(
            "GET",
            "/api/resource/Comment",
            params={
                "filters": (
                    f'[["reference_doctype", "=", "Sales Invoice"], '
                    f'["reference_name", "=", "{name}"], '
                    f'["content", "like", "%{marker(ref)}%"]]'
                ),
                "fields": '["name"]',
            },
        ).json()
        if found.get("data"):
            return "duplicate"
        self.client.request(
            "POST",
            "/api/resource/Comment",
            json={
                "comment_type": "Comment",
                "reference_doctype": "Sales Invoice",
                "reference_name": name,
                "content": _note_text(kind, ref, payload),
            },
        )
        return "written"

    def close(self) -> None:
        self.client.close()


class BlingWriter:
    """Write-back to Bling v3 (contas a receber)."""

    def __init__(self, client: RestClient, options: dict[str, Any]) -> None:
        self.client = client
        self.options = options

    def payment(self, record: ReceivableRecord, ref: str, payload: dict[str, Any]) -> str:
        conta_id = record.receivable.erp_id
        conta = self.client.request("GET", f"/contas/receber/{conta_id}").json()["data"]
        for bordero_id in conta.get("borderos") or []:
            bordero = self.client.request("GET", f"/borderos/{bordero_id}").json().get("data", {})
            if marker(ref) in str(bordero.get("historico") or ""):
                return "duplicate"
        balance = money(str(conta.get("saldo", conta.get("valor", "0"))))
        if conta.get("situacao") not in (1, 3) or balance <= 0:
            return "nothing_to_pay"
        amount = min(_amount(payload), balance)
        self.client.request(
            "POST",
            f"/contas/receber/{conta_id}/baixar",
            json={
                "data": _paid_on(payload).isoformat(),
                "usarDataVencimento": False,
                "portador": {"id": int(self.options["portador_id"])},
                "categoria": {"id": int(self.options["categoria_id"])},
                "historico": f"Recebimento pelo hub de cobrança {marker(ref)}",
                "valorRecebido": float(amount),
            },
        )
        return "written"

    def note(self, record: ReceivableRecord, ref: str, kind: str, payload: dict[str, Any]) -> str:
        return "unsupported"

    def close(self) -> None:
        self.client.close()


class OmieWriter:
    """Write-back to Omie (financas/contareceber)."""

    path = "/api/v1/financas/contareceber/"

    def __init__(self, client: RestClient, options: dict[str, Any]) -> None:
        self.client = client
        self.options = options

    def payment(self, record: ReceivableRecord, ref: str, payload: dict[str, Any]) -> str:
        body = {
            "call": "LancarRecebimento",
            "app_key": self.client.secrets.get("app_key"),
            "app_secret": self.client.secrets.get("app_secret"),
            "param": [
                {
                    "codigo_lancamento": int(record.receivable.erp_id),
                    "codigo_baixa_integracao": ref,
                    "codigo_conta_corrente": int(self.options["codigo_conta_corrente"]),
                    "valor": float(_amount(payload)),
                    "data": _paid_on(payload).strftime("%d/%m/%Y"),
                    "observacao": f"Recebimento pelo hub de cobrança {marker(ref)}",
                }
            ],
        }
        try:
            self.client.request("POST", self.path, json=body)
        except RestError as error:
            # Omie answers a fault when the integration key of a baixa already exists.
            # Maintenance: the fault's wording is matched as published examples show it; only
            # the local fake has been exercised, so a real account should confirm it.
            text = error.body.lower()
            if ref.lower() in text or "já cadastrad" in text or "ja cadastrad" in text:
                return "duplicate"
            raise
        return "written"

    def note(self, record: ReceivableRecord, ref: str, kind: str, payload: dict[str, Any]) -> str:
        return "unsupported"

    def close(self) -> None:
        self.client.close()


class OdooWriter:
    """Write-back to Odoo through the JSON-2 API."""

    def __init__(self, client: RestClient, options: dict[str, Any]) -> None:
        self.client = client
        self.options = options

    def _call(self, model: str, method: str, **arguments: Any) -> Any:
        return self.client.request("POST", f"/json/2/{model}/{method}", json=arguments).json()

    def payment(self, record: ReceivableRecord, ref: str, payload: dict[str, Any]) -> str:
        move_id = int(record.receivable.erp_id)
        # Maintenance: ``memo`` is the payment's reference field from Odoo 18 on (``ref``
        # before); the JSON-2 API this preset speaks exists from Odoo 19, so ``memo`` holds.
        if self._call("account.payment", "search", domain=[["memo", "=", ref]]):
            return "duplicate"
        moves = self._call(
            "account.move", "read", ids=[move_id], fields=["state", "amount_residual"]
        )
        residual = money(str(moves[0].get("amount_residual") or "0")) if moves else money("0")
        if not moves or moves[0].get("state") != "posted" or residual <= 0:
            return "nothing_to_pay"
        context = {"active_model": "account.move", "active_ids": [move_id]}
        values: dict[str, Any] = {
            "amount": float(min(_amount(payload), residual)),
            "payment_date": _paid_on(payload).isoformat(),
            "communication": ref,
        }
        if self.options.get("journal_id"):
            values["journal_id"] = int(self.options["journal_id"])
        created = self._call(
            "account.payment.register", "create", vals_list=[values], context=context
        )
        self._call(
            "account.payment.register", "action_create_payments", ids=created, context=context
        )
        return "written"

    def note(self, record: ReceivableRecord, ref: str, kind: str, payload: dict[str, Any]) -> str:
        move_id = int(record.receivable.erp_id)
        found = self._call(
            "mail.message",
            "search",
            domain=[
                ["model", "=", "account.move"],
                ["res_id", "=", move_id],
                ["body", "ilike", marker(ref)],
            ],
        )
        if found:
            return "duplicate"
        self._call(
            "account.move", "message_post", ids=[move_id], body=_note_text(kind, ref, payload)
        )
        return "written"

    def close(self) -> None:
        self.client.close()


REST_WRITERS: dict[str, Callable[[RestClient, dict[str, Any]], Writer]] = {
    "erpnext": ErpNextWriter,
    "bling": BlingWriter,
    "omie": OmieWriter,
    "odoo": OdooWriter,
}


def writer_for(
    tenant: Tenant, erp_secrets: dict[str, Any], *, transport: httpx.BaseTransport | None = None
) -> Writer:
    """The writer of a tenant's ERP connection."""
    connection = tenant.erp
    if not connection.base_url:
        raise WriterNotConfigured(f"tenant {tenant.tenant_id} has no ERP base_url")
    options = dict(erp_secrets.get("options") or {})
    if connection.kind == "tryton":
        return TrytonWriter(
            TrytonClient(
                connection.base_url,
                connection.database or "tryton",
                str(erp_secrets.get("login") or "admin"),
                str(erp_secrets.get("password") or ""),
                transport=transport,
            )
        )
    if connection.kind == "rest" and connection.preset:
        config = rest_config(connection.preset)
        factory = REST_WRITERS.get(config.writeback or "")
        if factory is None:
            raise WriterNotConfigured(f"preset {connection.preset!r} has no write-back")
        client = RestClient(connection.base_url, config, erp_secrets, transport=transport)
        writer: Writer = factory(client, options)
        return writer
    raise WriterNotConfigured(
        f"tenant {tenant.tenant_id} ({connection.kind}) has no ERP to write back to"
    )
