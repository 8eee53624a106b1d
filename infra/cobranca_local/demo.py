"""The main job on real input: a demo company's collection cycle, end to end, on this machine.

`make run` (``cobranca demo``) starts the local AWS runtime from template.yaml and a real
Tryton ERP seeded with a demo company (Aurora Serviços Digitais, 25 customers, 60 invoices as of
2026-12-01), connects a tenant to it, and runs one cycle on a simulated clock that starts on
2026-12-02 08:30 in São Paulo:

1. sync: the scheduled pull reads every invoice from Tryton over JSON-RPC;
2. charges: each open receivable gets its charge, routed by payment method (boleto registered
   by CNAB at the bank, Pix cobv at the PSP, card/undefined at the Asaas gateway);
3. payments: customers pay through each real-format path (a CNAB retorno file dropped in S3,
   the PSP's Pix webhook, an Asaas callback);
4. write-back: the hub records those payments in Tryton, checked by reading Tryton back;
5. reminders: a week of the régua (e-mail, SMS, WhatsApp), checked against its dry run;
6. renegotiation: one overdue customer accepts a plan on the portal; the agreement replaces
   the old charges and Tryton records it;
7. reports: KPIs, the dashboard link, the audit chain.

With ``once`` it verifies every step and returns non-zero if any check failed; otherwise it
keeps serving the API, the portal and the dashboard on 127.0.0.1 until interrupted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

TENANT = "aurora"
WRITEBACK = ("ErpWritebackFunction",)
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
START = datetime(2026, 12, 2, 8, 30, tzinfo=SAO_PAULO)
AURORA_CNPJ = "11.222.333/0001-81"
PIX_KEY = "c8a0f0e2-1f0d-4a5e-9d1b-7a3f2c6b9e10"
ASAAS_TOKEN = "demo-asaas-webhook-token-0123456789"  # noqa: S105 - a local fake's token
OFFER_LINK = re.compile(r"https?://[^\s\"<>]+/portal/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")

# How invoices are paid, set by the tenant's field mapping from the ERP's data: companies
# pay registered boletos, people pay Pix, installment plans go to the gateway (payer chooses).
PAYMENT_METHOD = (
    "count > `1` && 'undefined' || "
    "(doc.party.identifiers[?type=='br_vat'] | [0] && 'boleto' || 'pix')"
)


@dataclass
class Check:
    """One thing the cycle verifies."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class Step:
    """A step's checks and the figures it reports."""

    title: str
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(ok), detail))
        return bool(ok)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


class Progress:
    """Human-readable progress on the terminal, with elapsed time for long steps."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._ticking = threading.Event()

    def line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @contextlib.contextmanager
    def working(self, title: str) -> Iterator[None]:
        started = time.monotonic()
        self._ticking.clear()
        interactive = self.out.isatty()

        def tick() -> None:
            while not self._ticking.wait(1.0):
                self.out.write(f"\r  … {title} ({time.monotonic() - started:.0f} s)")
                self.out.flush()

        ticker = threading.Thread(target=tick, daemon=True) if interactive else None
        if ticker:
            ticker.start()
        else:
            self.line(f"  … {title}")
        try:
            yield
        finally:
            self._ticking.set()
            if ticker:
                ticker.join()
                self.out.write("\r" + " " * (len(title) + 20) + "\r")
            self.out.flush()


class Demo:
    """Runs the cycle; each ``step_*`` method returns its :class:`Step`."""

    def __init__(self, *, port: int, workdir: Path, out: TextIO) -> None:
        self.port = port
        self.workdir = workdir
        self.progress = Progress(out)
        self.steps: list[Step] = []
        self.hub: Any = None
        self.erp: Any = None
        self.paid: dict[str, dict[str, Any]] = {}
        self.log_file: TextIO | None = None

    # ------------------------------------------------------------------ lifecycle

    def run(self, *, once: bool) -> int:
        """Run the cycle; with ``once`` stop after it, else keep serving until interrupted."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._quiet_logs()
        # A TERM (a supervisor, `kill`) stops the run like Ctrl+C, at any step: the `finally`
        # below then stops the ERP and the emulator and removes .local/hub.json.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            for title, action in self._plan():
                step = Step(title)
                started = time.monotonic()
                self.progress.line(f"▶ {title}")
                try:
                    action(step)
                except Exception as error:
                    logging.getLogger("cobranca.demo").exception("step failed")
                    step.check("step finished", False, f"{type(error).__name__}: {error}")
                step.seconds = time.monotonic() - started
                self.steps.append(step)
                self._report(step)
                if not step.ok and title.startswith(("Start", "Connect")):
                    break
            ok = all(step.ok for step in self.steps)
            self._summary(ok)
            if once:
                return 0 if ok else 1
            if self.hub is None or self.erp is None:
                # Nothing to serve: the runtime or the ERP did not start (the step says why).
                return 1
            self._serve()
            return 0 if ok else 1
        finally:
            self._stop()

    def _plan(self) -> list[tuple[str, Callable[[Step], None]]]:
        return [
            ("Start the local AWS runtime", self.step_runtime),
            ("Start the Tryton ERP", self.step_erp),
            ("Connect the demo tenant to Tryton", self.step_tenant),
            ("Sync receivables from Tryton", self.step_sync),
            ("Issue charges (boleto, Pix, gateway)", self.step_charges),
            ("Customers pay (CNAB retorno, Pix webhook, gateway callback)", self.step_payments),
            ("Write payments back to Tryton", self.step_writeback),
            ("A week of reminders (régua de cobrança)", self.step_reminders),
            ("Renegotiation accepted on the portal", self.step_renegotiation),
            ("Reports, dashboard and audit", self.step_reports),
            ("LGPD export and erasure on the cycle's data", self.step_lgpd),
        ]

    def _quiet_logs(self) -> None:
        """The hub's JSON logs go to a file; the terminal shows the cycle."""
        self.log_file = (self.workdir / "hub.log").open("a", encoding="utf-8")
        from cobranca.platform.observability import SERVICE

        for handler in logging.getLogger(SERVICE).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(self.log_file)
        from cobranca.platform.observability import MaskingFormatter

        handler = logging.StreamHandler(self.log_file)
        # Step failures quote exceptions, which may quote a payload: masked like every log line.
        handler.setFormatter(MaskingFormatter())
        logging.getLogger("cobranca.demo").addHandler(handler)

    def _stop(self) -> None:
        if self.hub is not None:
            from cobranca.cli.context import clear_state

            clear_state()
            self.hub.stop()
        if self.erp is not None:
            self.erp.stop()
        if self.log_file is not None:
            self.log_file.close()

    def _report(self, step: Step) -> None:
        mark = "✔" if step.ok else "✘"
        self.progress.line(f"  {mark} {step.title} ({step.seconds:.1f} s)")
        for name, value in step.figures.items():
            self.progress.line(f"      {name}: {value}")
        for check in step.checks:
            if not check.ok:
                self.progress.line(f"      ✘ {check.name}: {check.detail}")

    def _summary(self, ok: bool) -> None:
        passed = sum(1 for step in self.steps for check in step.checks if check.ok)
        total = sum(len(step.checks) for step in self.steps)
        verdict = "all checks held" if ok else "SOME CHECKS FAILED"
        self.progress.line(f"\nCycle finished: {passed}/{total} checks passed — {verdict}.")
        self.progress.line(f"Hub logs: {self.workdir / 'hub.log'}")

    def _serve(self) -> None:
        from cobranca.services import links

        self.hub.serve_in_background()
        dashboard = links.url_for(
            "dashboard", links.sign("dashboard", TENANT, TENANT, ttl=timedelta(hours=12))
        )
        self.progress.line(
            "\nServing on 127.0.0.1 — Ctrl+C stops.\n"
            f"  API:        {self.hub.url}\n"
            f"  Dashboard:  {dashboard}\n"
            f"  Tryton ERP: {self.erp.url}/{self.erp.database}/ (admin / admin)\n"
            "  Operator:   `cobranca report aurora summary`, `cobranca worklist aurora`,\n"
            "              `cobranca audit verify aurora`, `cobranca local advance --days 1`"
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()

    # ------------------------------------------------------------------ steps

    def step_runtime(self, step: Step) -> None:
        from cobranca.cli.context import write_state

        from cobranca_local.hub import LocalHub

        if self.port and not _port_free(self.port):
            raise RuntimeError(
                f"port {self.port} on 127.0.0.1 is taken (another `make run` or `cobranca "
                "local`?): stop it, or choose another with `cobranca demo --port N`"
            )
        with self.progress.working("starting the emulator and creating the stack"):
            self.hub = LocalHub(api_port=self.port, retry_delay_seconds=0).start()
            self.hub.scheduler.jump_to(START)
        write_state(self.hub.state())
        resources = self.hub.provisioned
        step.figures["API"] = self.hub.url
        step.figures["created from template.yaml"] = ", ".join(
            f"{len(names)} {kind}" for kind, names in resources.items()
        )
        step.figures["simulated clock"] = START.isoformat()
        step.check(
            "table, queues, bucket and state machine exist",
            bool(resources.get("tables"))
            and len(resources.get("queues", [])) >= 6
            and bool(resources.get("state_machines")),
        )

    def step_erp(self, step: Step) -> None:
        from cobranca_local.tryton.cache import seeded_database, working_copy
        from cobranca_local.tryton.seed import SeedSpec
        from cobranca_local.tryton.server import TrytonServer

        with self.progress.working("seeding the demo company in Tryton (first run only)"):
            seeded = seeded_database(SeedSpec())
        copy = self.workdir / "tryton"
        if copy.exists():
            import shutil

            shutil.rmtree(copy)
        working_copy(seeded, copy)
        with self.progress.working("starting trytond on 127.0.0.1"):
            self.erp = TrytonServer(copy).start()
        summary = json.loads((copy / "seed.json").read_text(encoding="utf-8"))
        invoices = self._tryton_invoices()
        step.figures["Tryton"] = f"{self.erp.url}/{self.erp.database}/rpc/"
        step.figures["invoices"] = len(invoices)
        step.check(
            "the seeded company answers over JSON-RPC",
            len(invoices) == 60,
            f"{len(invoices)} invoices",
        )
        step.figures["seed"] = {
            key: summary[key] for key in summary if key in {"customers", "invoices", "total_open"}
        }

    def step_tenant(self, step: Step) -> None:
        from cobranca.adapters.erp.mapping import preset_document
        from cobranca.model.tenants import Tenant
        from cobranca.services import mappings
        from cobranca.services.charging import Charging
        from cobranca.services.reminders.policies import save_policy
        from cobranca.services.tenants import create_tenant

        tenant = Tenant.model_validate(
            {
                "tenant_id": TENANT,
                "name": "Aurora Serviços Digitais Ltda.",
                "document": AURORA_CNPJ,
                "sandbox": True,
                "erp": {
                    "kind": "tryton",
                    "base_url": self.erp.url,
                    "database": self.erp.database,
                    "page_size": 50,
                },
                "charge_provider": "cnab",
                "charge_routes": {"boleto": "cnab", "pix": "pix_api", "undefined": "asaas"},
            }
        )
        fakes = self.hub.fakes
        create_tenant(
            tenant,
            {
                "erp": {"login": "admin", "password": "admin"},
                "cnab": {
                    "bank": "237",
                    "layout": "400",
                    "agencia": "1234",
                    "conta": "0012345",
                    "conta_dv": "6",
                    "carteira": "09",
                },
                "pix_api": {
                    "base_url": fakes["pix_psp"].url,
                    "client_id": "aurora",
                    "client_secret": "aurora-secret",
                    "key": PIX_KEY,
                },
                "asaas": {
                    "api_key": "aurora-asaas",
                    "webhook_token": ASAAS_TOKEN,
                    "base_url": fakes["asaas"].url,
                },
            },
        )
        charging = Charging(tenant)
        charging.provider_named("pix_api").register_webhook(
            f"{self.hub.url}/v1/callbacks/{TENANT}/pix_api"
        )
        charging.provider_named("asaas").register_webhook(
            f"{self.hub.url}/v1/callbacks/{TENANT}/asaas"
        )

        document = preset_document("tryton")
        receivable = document["events"]["receivable.upserted"]["receivable"]["fields"]
        receivable["metadata.payment_method"] = PAYMENT_METHOD
        # Aurora collects channel consent at sign-up (its ERP has no field for it).
        customer = document["events"]["receivable.upserted"]["customer"]["fields"]
        for channel in ("email", "sms", "whatsapp"):
            customer[f"consent.{channel}"] = "`true`"
        stored = mappings.save_mapping(TENANT, document, actor="demo")
        save_policy(TENANT, _reminder_policy())
        step.figures["tenant"] = f"{TENANT} (sandbox: every provider is a local fake)"
        step.figures["routes"] = "boleto → CNAB (237), Pix → API Pix PSP, undefined → Asaas"
        step.check("tenant, secrets, mapping and régua saved", stored.version >= 1)

    def step_sync(self, step: Step) -> None:
        from cobranca.adapters.storage import keys
        from cobranca.services import reports

        with self.progress.working("pulling invoices over JSON-RPC"):
            self.hub.run_schedule("Every15Minutes")
        expected = sum(len(invoice["lines_to_pay."]) for invoice in self._tryton_invoices())
        snapshots = reports.snapshots(TENANT, START.date())
        customers = list(
            self._table().query("gsi2pk = :pk", {":pk": keys.customers_list(TENANT)}, index="gsi2")
        )
        step.figures["receivables synced"] = len(snapshots)
        step.figures["customers synced"] = len(customers)
        step.check(
            "every Tryton installment is a receivable, once",
            len(snapshots) == expected,
            f"{len(snapshots)} in the hub, {expected} in Tryton",
        )
        parties = {invoice["party"] for invoice in self._tryton_invoices()}
        step.check(
            "every invoiced customer, once",
            len(customers) == len(parties),
            f"{len(customers)} in the hub, {len(parties)} in Tryton",
        )
        open_amount = sum((item.balance for item in snapshots if item.is_open), Decimal(0))
        erp_open = sum(
            Decimal(str(invoice["amount_to_pay"]))
            for invoice in self._tryton_invoices()
            if invoice["state"] == "posted"
        )
        step.figures["open balance"] = f"R$ {open_amount:,.2f}"
        step.check(
            "open balance equals Tryton's amount to pay",
            open_amount == erp_open,
            f"hub {open_amount}, Tryton {erp_open}",
        )
        again = self.hub.run_schedule("Every15Minutes")
        step.check("a second pull changes nothing", _changed(again) == 0, str(again))

    def step_charges(self, step: Step) -> None:
        with self.progress.working("charge issuer working through the queue"):
            self.hub.drain()
        records = self._records()
        open_records = [record for record in records if record.is_open]
        by_provider: dict[str, int] = {}
        for record in open_records:
            charge = record.charge or {}
            if charge.get("status") == "issued":
                by_provider[charge["provider"]] = by_provider.get(charge["provider"], 0) + 1
        issued = sum(by_provider.values())
        step.figures["charges issued"] = by_provider
        step.check(
            "every open receivable has an issued charge",
            issued == len(open_records),
            f"{issued} of {len(open_records)}",
        )
        step.check(
            "boleto, Pix and gateway charges all issued",
            all(by_provider.get(name, 0) > 0 for name in ("cnab", "pix_api", "asaas")),
            str(by_provider),
        )
        remessas = (
            self.hub.client("s3")
            .list_objects_v2(Bucket=self.hub.ref("RawBucket"), Prefix=f"remessa/{TENANT}/")
            .get("KeyCount", 0)
        )
        step.figures["remessa files in S3"] = remessas
        step.check("remessa files written", remessas >= by_provider.get("cnab", 0) > 0)

    def step_payments(self, step: Step) -> None:
        import httpx

        self.tryton_before = {invoice["id"]: invoice for invoice in self._tryton_invoices()}
        records = [record for record in self._records() if record.is_open and record.charge]
        by_provider: dict[str, list[Any]] = {}
        for record in records:
            by_provider.setdefault(str(record.charge["provider"]), []).append(record)
        today = self.hub_today()

        # Bank: a retorno file with three liquidações lands in S3.
        boletos = by_provider.get("cnab", [])[:3]
        key = self._drop_retorno(boletos, today)
        self.hub.drain(skip=WRITEBACK)
        # PSP: two payers pay their Pix; the PSP posts its webhook to the hub.
        for record in by_provider.get("pix_api", [])[:2]:
            txid = record.charge["provider_id"]
            answer = httpx.post(
                f"{self.hub.fakes['pix_psp'].url}/_fake/cobv/{txid}/pay",
                json={"paid_on": today.isoformat()},
                timeout=60,
            )
            step.check(
                f"PSP webhook accepted ({record.receivable_id})",
                answer.status_code == 200,
                answer.text[:200],
            )
        # Gateway: two payers pay at Asaas; Asaas calls the hub back.
        for record in by_provider.get("asaas", [])[:2]:
            payment = record.charge["provider_id"]
            answer = httpx.post(
                f"{self.hub.fakes['asaas'].url}/_fake/payments/{payment}/receive",
                json={
                    "paymentDate": today.isoformat(),
                    "billingType": "PIX",
                    "value": str(record.charge["amount"]),
                },
                timeout=60,
            )
            step.check(
                f"Asaas callback accepted ({record.receivable_id})",
                answer.status_code == 200,
                answer.text[:200],
            )

        paid_ids = [
            record.receivable_id
            for record in boletos
            + by_provider.get("pix_api", [])[:2]
            + by_provider.get("asaas", [])[:2]
        ]
        after = {record.receivable_id: record for record in self._records()}
        for rid in paid_ids:
            record = after[rid]
            step.check(
                f"{rid} settled",
                record.status.value == "paid" and record.balance == 0,
                f"{record.status.value} {record.balance}",
            )
            self.paid[rid] = {
                "erp_id": record.receivable.erp_id,
                "principal": record.ledger.settled,
            }
        step.figures["retorno file"] = key
        step.figures["paid"] = f"{len(paid_ids)} receivables (3 CNAB, 2 Pix, 2 gateway)"
        # The same retorno dropped again settles nothing twice.
        self._copy_retorno(key)
        self.hub.drain(skip=WRITEBACK)
        payments = self._payments(paid_ids)
        step.check(
            "each payment recorded exactly once",
            all(count == 1 for count in payments.values()),
            str(payments),
        )

    def step_writeback(self, step: Step) -> None:
        before = self.tryton_before
        queued = self._peek_writebacks()
        with self.progress.working("write-back to Tryton"):
            self.hub.drain()
        after = {invoice["id"]: invoice for invoice in self._tryton_invoices()}
        moved = 0
        for rid, info in self.paid.items():
            invoice_id = int(str(info["erp_id"]))
            dropped = Decimal(str(before[invoice_id]["amount_to_pay"])) - Decimal(
                str(after[invoice_id]["amount_to_pay"])
            )
            moved += 1 if dropped == info["principal"] else 0
            step.check(
                f"Tryton's amount to pay of {rid} dropped by the payment",
                dropped == info["principal"],
                f"{before[invoice_id]['amount_to_pay']} → {after[invoice_id]['amount_to_pay']},"
                f" paid {info['principal']}",
            )
        step.figures["write-backs queued"] = len(queued)
        step.figures["invoices updated in Tryton"] = moved
        dead = self._queue_depth("WritebackDeadLetterQueue")
        step.check("no write-back in the dead-letter queue", dead == 0, str(dead))
        replayed = self._replay_writebacks(queued)
        again = {invoice["id"]: invoice for invoice in self._tryton_invoices()}
        step.check(
            "replaying the write-backs records nothing twice",
            all(again[key]["amount_to_pay"] == after[key]["amount_to_pay"] for key in after),
            f"{replayed} replayed",
        )

    def step_reminders(self, step: Step) -> None:
        from cobranca.services.reminders.policies import dry_run

        # The planner's first run catches up on steps of the past days (once each); the week
        # compared with the dry run starts the next morning.
        self.hub.scheduler.schedules["Every15Minutes"].enabled = False
        self.hub.run_schedule("Hourly")
        self.hub.drain()
        caught_up = len(self._outbox())
        self.hub.advance(hours=24 - self._local_hour())
        self.hub.drain()
        start = self.hub_today()
        end = start + timedelta(days=6)
        planned = dry_run(TENANT, start, end)
        before = _by_channel(self._outbox())
        step.figures["catch-up on the first run"] = f"{caught_up} messages"
        with self.progress.working("seven simulated days, hour by hour"):
            for _ in range(7 * 24):
                self.hub.advance(hours=1)
                self.hub.drain()
        self.hub.scheduler.schedules["Every15Minutes"].enabled = True
        after = _by_channel(self._outbox())
        by_channel = {
            channel: after[channel] - before.get(channel, 0)
            for channel in after
            if after[channel] != before.get(channel, 0)
        }
        expected = _dry_run_totals(planned)
        step.figures["messages sent"] = by_channel
        step.figures["dry run said"] = expected
        step.check(
            "sent exactly what the dry run planned",
            by_channel == expected,
            f"sent {by_channel}, planned {expected}",
        )

    def step_renegotiation(self, step: Step) -> None:
        import httpx
        from cobranca.services.renegotiation import starter

        customer = self._overdue_customer()
        step.figures["customer"] = customer
        started = starter.start(
            TENANT,
            customer,
            origin="operator",
            requested_by="demo",
            decision_seconds=600,
            heartbeat_seconds=600,
        )
        link = self._wait_for_offer_link(customer)
        page = httpx.get(link, timeout=30)
        step.check("the portal shows the offer", page.status_code == 200, str(page.status_code))
        plans = re.findall(r'<input[^>]*name="plan"[^>]*value="([^"]+)"', page.text)
        choice = "p3" if "p3" in plans else (plans[-1] if plans else "p1")
        step.figures["plan chosen"] = choice
        accepted = httpx.post(f"{link}/accept", data={"plan": choice}, timeout=60)
        step.check(
            "the customer accepted a plan",
            accepted.status_code in (200, 303),
            str(accepted.status_code),
        )
        status = self._wait_execution(started.execution_arn)
        step.check("the agreement flow succeeded", status == "SUCCEEDED", status)
        with self.progress.working("charges for the installments and the ERP write-back"):
            self.hub.drain()
        records = [
            record for record in self._records() if record.receivable.customer_id == customer
        ]
        renegotiated = [record for record in records if record.status.value == "renegotiated"]
        installments = [
            record for record in records if record.receivable.metadata.get("agreement_id")
        ]
        step.figures["renegotiated receivables"] = len(renegotiated)
        step.figures["agreement installments"] = len(installments)
        step.check("originals replaced by the agreement", len(renegotiated) >= 1)
        step.check(
            "installments have charges",
            bool(installments)
            and all((record.charge or {}).get("status") == "issued" for record in installments),
        )
        notes = self._tryton_agreement_notes()
        step.check("Tryton records the agreement", bool(notes), f"{len(notes)} notes")

    def step_reports(self, step: Step) -> None:
        from cobranca.services import audit, reports

        today = self.hub_today()
        summary = reports.build(TENANT, "summary", today)
        aging = reports.build(TENANT, "aging", today)
        forecast = reports.build(TENANT, "forecast", today)
        step.figures["open"] = f"R$ {summary['pending_amount']:,.2f} in {summary['pending_count']}"
        step.figures["overdue"] = f"R$ {summary['overdue_amount']:,.2f}"
        step.figures["delinquency"] = (
            f"{Decimal(summary['delinquency_rate_by_value']) * 100:.1f}% by value, "
            f"{Decimal(summary['delinquency_rate_by_count']) * 100:.1f}% by count"
        )
        step.figures["DSO"] = f"{summary['dso_days']} days"
        step.figures["aging"] = {row["bucket"]: f"{row['amount']:,.2f}" for row in aging["buckets"]}
        step.figures["next week forecast"] = f"R$ {forecast['weeks'][0]['expected']:,.2f}"
        step.check(
            "aging buckets add up",
            sum(row["amount"] for row in aging["buckets"]) == summary["pending_amount"],
        )
        verification = audit.verify_chain(TENANT)
        step.figures["audit entries"] = verification.entries
        step.check("audit chain intact", verification.intact, str(verification.reason))
        import httpx
        from cobranca.services import links

        token = links.sign("dashboard", TENANT, TENANT, ttl=timedelta(hours=1))
        page = httpx.get(f"{self.hub.url}/dashboard/{token}", timeout=30)
        step.check("dashboard renders", page.status_code == 200 and "Painel" in page.text)

    def step_lgpd(self, step: Step) -> None:
        from cobranca.adapters.storage import keys
        from cobranca.services import audit, lgpd

        # The customer who paid most: an erasure request usually follows a settled relationship.
        by_customer: dict[str, list[Any]] = {}
        for record in self._records():
            by_customer.setdefault(record.receivable.customer_id, []).append(record)
        customer_id = max(
            sorted(by_customer),
            key=lambda c: sum(r.status.value == "paid" for r in by_customer[c]),
        )
        profile = self._table().get(keys.customer(TENANT, customer_id), keys.PROFILE)
        document = str(profile["profile"]["document"])
        balances = {r.receivable_id: r.balance for r in by_customer[customer_id]}

        exported = lgpd.export_subject(TENANT, document)
        held = [len(customer["receivables"]) for customer in exported["customers"]]
        step.figures["export"] = f"{sum(held)} receivables of customer {customer_id}"
        step.check("export holds every receivable of the subject", sum(held) == len(balances))
        summary = lgpd.erase_subject(TENANT, document, actor="demo")
        after = self._table().get(keys.customer(TENANT, customer_id), keys.PROFILE)
        step.check(
            "erasure anonymised the profile",
            after["profile"]["name"] == lgpd.ERASED_NAME
            and after["profile"]["document"] == summary["pseudonym"]
            and after["profile"]["emails"] == [],
        )
        kept = {
            r.receivable_id: r.balance
            for r in self._records()
            if r.receivable.customer_id == customer_id
        }
        step.check("erasure kept the financial records", kept == balances, str(kept))
        step.check("audit chain intact after erasure", audit.verify_chain(TENANT).intact)

    # ------------------------------------------------------------------ helpers

    def _local_hour(self) -> int:
        from cobranca.platform import clock

        return clock.local_now().hour

    def _peek_writebacks(self) -> list[str]:
        """Bodies of the write-backs waiting on the FIFO queue, read once without consuming.

        One receive only: every receive counts towards the redrive policy's limit.
        """
        messages = (
            self.hub.client("sqs")
            .receive_message(
                QueueUrl=self.hub.ref("WritebackQueue"),
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                WaitTimeSeconds=0,
            )
            .get("Messages", [])
        )
        return [str(message["Body"]) for message in messages]

    def _replay_writebacks(self, bodies: list[str]) -> int:
        """Deliver the same write-backs again to the handler, as a DLQ replay would."""
        records = [
            {
                "messageId": f"replay-{index}",
                "receiptHandle": f"replay-{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "replay"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:replay",
                "awsRegion": "us-east-1",
            }
            for index, body in enumerate(bodies)
        ]
        for start in range(0, len(records), 10):
            self.hub.invoke("ErpWritebackFunction", {"Records": records[start : start + 10]})
        return len(records)

    def hub_today(self) -> date:
        from cobranca.platform import clock

        return clock.today()

    def _table(self) -> Any:
        from cobranca.adapters.storage.table import table

        return table()

    def _records(self) -> list[Any]:
        from cobranca.adapters.storage import keys
        from cobranca.adapters.storage.records import ReceivableRecord
        from cobranca.services.reports import HISTORY_MONTHS, months

        today = self.hub_today()
        start = date(today.year - HISTORY_MONTHS // 12, today.month, 1)
        found = []
        for month in months(start, today + timedelta(days=400)):
            for item in self._table().query(
                "gsi3pk = :pk", {":pk": keys.due_month(TENANT, month)}, index="gsi3"
            ):
                found.append(ReceivableRecord.from_item(item))
        return found

    def _payments(self, receivable_ids: list[str]) -> dict[str, int]:
        from cobranca.adapters.storage import keys

        counts = {}
        for rid in receivable_ids:
            items = self._table().partition(keys.receivable(TENANT, rid), sk_prefix="PAYMENT#")
            counts[rid] = len(items)
        return counts

    def _tryton_invoices(self) -> list[dict[str, Any]]:
        from cobranca.adapters.erp.tryton import TrytonClient

        with TrytonClient(self.erp.url, self.erp.database, "admin", "admin") as client:
            rows: list[dict[str, Any]] = client.search_read(
                "account.invoice",
                [["type", "=", "out"]],
                ["number", "state", "party", "amount_to_pay", "lines_to_pay.maturity_date"],
            )
        return rows

    def _tryton_agreement_notes(self) -> list[Any]:
        from cobranca.adapters.erp.tryton import TrytonClient

        with TrytonClient(self.erp.url, self.erp.database, "admin", "admin") as client:
            found: list[Any] = client.search_read(
                "ir.note", [["message", "ilike", "%agreement%"]], ["message", "resource"]
            )
        return found

    def _drop_retorno(self, records: list[Any], today: date) -> str:
        """The bank's retorno: a liquidação per boleto, each with a 1.40 tarifa."""
        from cobranca.adapters.gateways.cnab_bank import CnabBank, CnabConfig
        from cobranca.adapters.secrets import tenant_secrets
        from cobranca.adapters.storage.tenants import load_tenant
        from cobranca.instruments.cnab import (
            BankEvent,
            Layout,
            Occurrence,
            Payer,
            RemessaTitle,
            write_retorno,
        )

        bank = CnabBank(load_tenant(TENANT), CnabConfig.from_secret(tenant_secrets(TENANT)["cnab"]))
        events = []
        for record in records:
            amount = Decimal(str(record.charge["amount"]))
            title = RemessaTitle(
                nosso_numero=str(record.charge["provider_id"]),
                seu_numero=record.receivable.number[-10:],
                due_date=date.fromisoformat(str(record.charge["due_date"])),
                amount=amount,
                issue_date=today,
                payer=Payer(name="PAGADOR", document="00000000191"),
            )
            events.append(
                BankEvent(
                    title,
                    Occurrence.LIQUIDACAO,
                    today,
                    amount_paid=amount,
                    bank_fee=Decimal("1.40"),
                    credited_on=today + timedelta(days=1),
                )
            )
        body = write_retorno(bank.beneficiario, events, layout=Layout.CNAB400, generated_on=today)
        key = f"retorno/{TENANT}/CB{today:%d%m}01.RET"
        self.hub.client("s3").put_object(Bucket=self.hub.ref("RawBucket"), Key=key, Body=body)
        return key

    def _copy_retorno(self, key: str) -> None:
        s3 = self.hub.client("s3")
        bucket = self.hub.ref("RawBucket")
        s3.copy_object(
            Bucket=bucket,
            Key=key.replace(".RET", "-again.RET"),
            CopySource={"Bucket": bucket, "Key": key},
        )

    def _queue_depth(self, logical_id: str) -> int:
        attributes = self.hub.client("sqs").get_queue_attributes(
            QueueUrl=self.hub.ref(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])

    def _outbox(self) -> list[dict[str, Any]]:
        from cobranca_local.fakes.mailbox import collect_outbox

        return collect_outbox(self.hub.fakes)

    def _overdue_customer(self) -> str:
        from cobranca.services.renegotiation.worklist import worklist

        ranked = worklist(TENANT)
        if not ranked:
            raise RuntimeError("no debtor on the worklist")
        return str(ranked[0]["customer_id"])

    def _wait_for_offer_link(self, customer: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.hub.drain()
            for message in reversed(self._outbox()):
                found = OFFER_LINK.search(str(message.get("text", "")))
                if found:
                    return found.group(0)
            time.sleep(0.3)
        raise RuntimeError(f"no offer e-mail reached customer {customer}")

    def _wait_execution(self, arn: str, timeout: float = 120) -> str:
        sfn = self.hub.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = str(sfn.describe_execution(executionArn=arn)["status"])
            if status != "RUNNING":
                return status
            self.hub.drain()
            time.sleep(0.3)
        return "RUNNING"


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        # As the hub's server binds: a port in TIME_WAIT after the last run is free to it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _changed(result: Any) -> int:
    """Items the scheduled sync wrote, from its answer."""
    tenants = result.get("tenants", []) if isinstance(result, dict) else []
    return sum(int(report.get("written", 0)) for report in tenants)


def _by_channel(messages: list[dict[str, Any]]) -> dict[str, int]:
    """Messages per channel (the outbox lists channels one after another, not by time)."""
    counts: dict[str, int] = {}
    for message in messages:
        counts[message["channel"]] = counts.get(message["channel"], 0) + 1
    return counts


def _dry_run_totals(planned: Any) -> dict[str, int]:
    totals: dict[str, int] = {}
    for channels in planned.counts().values():
        for channel, count in channels.items():
            totals[channel] = totals.get(channel, 0) + int(count)
    return totals


def _reminder_policy() -> dict[str, Any]:
    """A régua a finance team would start with."""
    return {
        "steps": [
            {"offset_days": -3, "channels": ["email"], "template": "lembrete"},
            {"offset_days": 0, "channels": ["email", "whatsapp"], "template": "vencimento"},
            {"offset_days": 3, "channels": ["email", "sms"], "template": "atraso"},
            {"offset_days": 10, "channels": ["whatsapp", "email"], "template": "atraso"},
        ]
    }


def main(*, once: bool, port: int, workdir: Path) -> int:
    """Entry point of `cobranca demo`: progress on the terminal, everything else in the log."""
    terminal = sys.stdout
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    # Embedded metric format lines and stray prints of the handlers go to the file.
    with (
        (workdir / "stdout.log").open("a", encoding="utf-8") as captured,
        contextlib.redirect_stdout(captured),
    ):
        demo = Demo(port=port, workdir=workdir, out=terminal)
        try:
            return demo.run(once=once)
        except KeyboardInterrupt:
            terminal.write("\nInterrupted: the ERP and the local runtime were stopped.\n")
            return 130
