"""Pull sync: each tenant's ERP changes since its watermark, through the one upsert path.

Per tenant and run:

1. take the tenant's **lease** (item ``SYNC#LEASE``, a conditional put that succeeds only when
   no lease exists or the last one expired): two pulls of one tenant never run at once, and a
   run that crashed blocks the next only until its lease expires (``expires_at``, also the
   table's TTL attribute, so dead leases disappear);
2. for each stream of the connector, read pages of records changed after the stream's
   watermark minus an **overlap** (a transaction that commits late can carry an older
   timestamp, so the last minutes are read again; unchanged records cost reads, never writes);
3. archive each page as received, map it with the tenant's mapping, and upsert in batches of
   about a thousand records (customers deduplicated, newest first);
4. only after a batch is durable, move the stream's watermark to the newest change time *the
   ERP* reported in that batch. A crash between the write and the watermark re-reads the batch
   next time: the ingest path finds every record unchanged, so nothing is written twice and
   nothing is lost. A batch with a record the ingest could not apply keeps the watermark where
   it was; records whose data cannot be mapped are counted and listed for the operator (they
   come back when the ERP changes them again).

Metrics (Powertools, namespace ``Cobranca``): ``ErpSyncLagSeconds`` (time since the start of the
tenant's last successful pull, emitted before each run), ``ErpItemsSynced`` (records mapped and
upserted), ``ErpItemsWritten`` (records that changed something), ``ErpSyncFailures`` with a
``kind`` dimension (``erp_unavailable``, ``erp_error``, ``configuration``, ``mapping``,
``ingest``, ``busy``, ``internal``),
``ErpSyncDurationSeconds``.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cobranca.adapters.archive import archive_raw
from cobranca.adapters.erp.mapping import MappingSpec, map_event
from cobranca.adapters.erp.pull import Batch, ConnectorNotConfigured, PullConnector, connector_for
from cobranca.adapters.erp.rest import RestError
from cobranca.adapters.erp.tryton import TrytonError, TrytonUnavailable
from cobranca.adapters.secrets import SecretMissing, tenant_secrets
from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import ConditionFailed, Delete, Put, Table, Update, table
from cobranca.adapters.storage.tenants import list_tenants, load_tenant
from cobranca.model.customers import Customer
from cobranca.model.tenants import Tenant
from cobranca.platform import clock
from cobranca.platform.observability import logger, metrics
from cobranca.services.erp_metrics import count
from cobranca.services.ingest import Incoming, Ingestor, IngestReport
from cobranca.services.mappings import mapping_for

LEASE = "SYNC#LEASE"
STATE = "SYNC#STATE"
REFRESH = "open-refresh"
REFRESH_EVERY = timedelta(hours=24)
PULL_KINDS = frozenset({"tryton", "rest"})
LEASE_SECONDS = 16 * 60  # longer than the function's 15-minute ceiling
OVERLAP = timedelta(minutes=5)
BATCH_RECORDS = 1000
MAX_LISTED_ERRORS = 50


class SyncBusy(RuntimeError):
    """Another pull of this tenant holds the lease."""


@dataclass
class SyncReport:
    """What one tenant's run did."""

    tenant_id: str
    outcome: str = "ok"
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: int = 0
    written: int = 0
    unchanged: int = 0
    stale: int = 0
    mapping_errors: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    seconds: float = 0.0
    refreshed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id,
            "outcome": self.outcome,
            "records": self.records,
            "written": self.written,
            "unchanged": self.unchanged,
            "stale": self.stale,
            "mapping_errors": self.mapping_errors[:MAX_LISTED_ERRORS],
            "streams": self.streams,
            "failure": self.failure,
            "refreshed": self.refreshed,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------- lease and state


class SyncStore:
    """The lease and the watermarks of one tenant, in the single table."""

    def __init__(self, tenant_id: str, store: Table | None = None) -> None:
        self.tenant_id = tenant_id
        self.store = store or table()
        self.owner = uuid.uuid4().hex

    def _key(self, name: str) -> dict[str, str]:
        return {"pk": keys.tenant(self.tenant_id), "sk": name}

    def acquire(self, seconds: int = LEASE_SECONDS) -> None:
        """Take the lease or raise :class:`SyncBusy`."""
        now = clock.now()
        item = {
            **self._key(LEASE),
            "type": "sync_lease",
            "owner": self.owner,
            "acquired_at": now,
            "expires_at": int(now.timestamp()) + seconds,
        }
        try:
            self.store.put(
                Put(
                    item,
                    condition="attribute_not_exists(pk) OR expires_at < :now",
                    values={":now": int(now.timestamp())},
                )
            )
        except ConditionFailed:
            raise SyncBusy(f"a pull of tenant {self.tenant_id} is already running") from None

    def release(self) -> None:
        try:
            self.store.delete(
                Delete(
                    self._key(LEASE),
                    condition="#owner = :me",
                    names={"#owner": "owner"},
                    values={":me": self.owner},
                )
            )
        except ConditionFailed:
            logger.warning("sync lease was taken over", extra={"tenant": self.tenant_id})

    def state(self) -> dict[str, Any]:
        item = self.store.get(keys.tenant(self.tenant_id), STATE)
        return dict(item or {})

    def save_watermark(self, stream: str, watermark: datetime) -> None:
        """Record that everything of ``stream`` up to ``watermark`` is durable in the hub."""
        self.store.update(
            Update(
                self._key(STATE),
                "SET #type = :type, #wm.#stream = :wm",
                names={"#type": "type", "#wm": "watermarks", "#stream": stream},
                values={":type": "sync_state", ":wm": watermark},
                condition="attribute_exists(watermarks)",
            )
        )

    def ensure_state(self) -> dict[str, Any]:
        """The state item, created empty on the first run."""
        state = self.state()
        if state:
            return state
        try:
            self.store.put(
                Put(
                    {**self._key(STATE), "type": "sync_state", "watermarks": {}},
                    condition="attribute_not_exists(pk)",
                )
            )
        except ConditionFailed:
            return self.state()
        return {"watermarks": {}}

    def finish(self, report: SyncReport, started_at: datetime, *, first_run: bool) -> None:
        values: dict[str, Any] = {":outcome": report.outcome, ":at": clock.now()}
        expression = "SET last_outcome = :outcome, last_run_at = :at"
        if report.outcome == "ok":
            expression += ", last_success_started_at = :started"
            values[":started"] = started_at
        if report.refreshed or (report.outcome == "ok" and first_run):
            expression += ", last_full_refresh_at = :started"
            values[":started"] = started_at
        if report.mapping_errors or report.failure:
            expression += ", last_errors = :errors"
            values[":errors"] = {
                "failure": report.failure,
                "mapping": json.dumps(report.mapping_errors[:MAX_LISTED_ERRORS], default=str),
            }
        self.store.update(Update(self._key(STATE), expression, values=values))


# ---------------------------------------------------------------------- mapping a batch


def _incoming(
    mapping: MappingSpec, batches: list[Batch], report: SyncReport
) -> tuple[Incoming, int]:
    """Map records into one ingest batch; customers deduplicated keeping the newest."""
    customers: dict[str, Customer] = {}
    incoming = Incoming()
    mapped_records = 0
    for batch in batches:
        for record in batch.records:
            mapped = map_event(mapping, batch.event, record)
            if not mapped.ok:
                report.mapping_errors.append(
                    {
                        "stream": batch.stream,
                        "record": record.get("id") or record.get("name"),
                        "errors": [error.as_dict() for error in mapped.errors],
                    }
                )
                continue
            mapped_records += 1
            for customer in mapped.customers:
                known = customers.get(customer.customer_id)
                if known is None or _moment(customer) >= _moment(known):
                    customers[customer.customer_id] = customer
            incoming.receivables.extend((item, None) for item in mapped.receivables)
            incoming.cancellations.extend((item, None) for item in mapped.cancellations)
            incoming.payments.extend((rid, item, None) for rid, item in mapped.payments)
    incoming.customers = [(customer, None) for customer in customers.values()]
    return incoming, mapped_records


def _moment(customer: Customer) -> datetime:
    return customer.erp_updated_at or datetime.min.replace(tzinfo=UTC)


def _tally(report: SyncReport, ingest: IngestReport) -> list[str]:
    rejected = []
    for item in ingest.results:
        if item.outcome == "accepted":
            report.written += 1
        elif item.outcome == "unchanged":
            report.unchanged += 1
        elif item.outcome == "stale":
            report.stale += 1
        elif item.outcome == "rejected":
            rejected.append(f"{item.kind} {item.key}: {item.reason}")
    return rejected


# ---------------------------------------------------------------------- one tenant


class _Run:
    """One tenant's pull, stream by stream."""

    def __init__(
        self,
        tenant: Tenant,
        connector: PullConnector,
        sync_store: SyncStore,
        *,
        overlap: timedelta,
        batch_records: int,
        page_size: int,
        deadline: datetime | None,
        archive: bool,
    ) -> None:
        self.tenant = tenant
        self.connector = connector
        self.sync_store = sync_store
        self.overlap = overlap
        self.batch_records = batch_records
        self.page_size = page_size
        self.deadline = deadline
        self.archive = archive
        self.mapping = mapping_for(tenant, store=sync_store.store).spec
        self.ingestor = Ingestor(tenant, actor="erp-sync", store=sync_store.store)

    def _flush(
        self,
        stream: str,
        pending: list[Batch],
        watermark: datetime | None,
        report: SyncReport,
        *,
        track: bool = True,
    ) -> datetime | None:
        incoming, mapped_records = _incoming(self.mapping, pending, report)
        records = sum(len(batch.records) for batch in pending)
        report.records += mapped_records
        metrics.add_metric(name="ErpItemsSynced", unit="Count", value=mapped_records)
        if records - mapped_records:
            _failure_metric("mapping", records - mapped_records)
        ingest = self.ingestor.ingest(incoming) if not incoming.is_empty() else IngestReport()
        rejected = _tally(report, ingest)
        metrics.add_metric(name="ErpItemsWritten", unit="Count", value=ingest.count("accepted"))
        if rejected:
            _failure_metric("ingest", len(rejected))
            raise _StopStream("; ".join(rejected[:5]))
        newest = max((batch.newest for batch in pending if batch.newest is not None), default=None)
        if track and newest is not None and (watermark is None or newest > watermark):
            self.sync_store.save_watermark(stream, newest)
            return newest
        return watermark

    def stream(self, stream: str, watermark: datetime | None, report: SyncReport) -> None:
        """Pull one stream from its watermark (minus the overlap), moving it batch by batch."""
        since = watermark - self.overlap if watermark is not None else None
        summary: dict[str, Any] = {"since": since.isoformat() if since else None}
        report.streams[stream] = summary
        pages = self.connector.changes(stream, since, self.page_size)
        watermark = self._consume(stream, pages, watermark, summary, report, track=True)
        summary["watermark"] = watermark.isoformat() if watermark else None

    def refresh(self, report: SyncReport) -> None:
        """Read every open receivable again, whatever the watermarks say.

        Some ERP changes move no timestamp (Tryton's amount to pay drops when a payment is
        submitted without its invoice being written), and some ERPs publish none at all;
        a daily full read catches them. Unchanged records cost reads only.
        """
        summary: dict[str, Any] = {"since": None}
        report.streams[REFRESH] = summary
        pages = self.connector.open_receivables(self.page_size)
        self._consume(REFRESH, pages, None, summary, report, track=False)

    def _consume(
        self,
        stream: str,
        pages: Iterator[Batch],
        watermark: datetime | None,
        summary: dict[str, Any],
        report: SyncReport,
        *,
        track: bool,
    ) -> datetime | None:
        records = 0
        pending: list[Batch] = []
        pending_records = 0
        # Read ahead a whole batch: the ERP reads the next one while this one is written.
        depth = max(2, self.batch_records // max(self.page_size, 1) + 1)
        for number, batch in enumerate(prefetched(pages, depth), 1):
            records += len(batch.records)
            summary.update(pages=number, records=records)
            if self.archive:
                archive_raw(
                    self.tenant.tenant_id,
                    f"erp-sync/{stream}",
                    json.dumps(batch.records, default=str, ensure_ascii=False).encode(),
                )
            pending.append(batch)
            pending_records += len(batch.records)
            if pending_records >= self.batch_records:
                watermark = self._flush(stream, pending, watermark, report, track=track)
                pending, pending_records = [], 0
                if self.deadline is not None and clock.now() >= self.deadline:
                    report.outcome = "partial"
                    return watermark
        if pending:
            watermark = self._flush(stream, pending, watermark, report, track=track)
        return watermark


def prefetched(pages: Iterator[Batch], depth: int = 2) -> Iterator[Batch]:
    """Read the ERP's next pages in a thread while the current batch is mapped and written.

    The ERP works in its own process, so reading ahead overlaps its time with the hub's; an
    error in the reader surfaces here, in order, after the pages read before it.
    """
    buffer: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        buffer.put(("page", page), timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(("end", None))
        except Exception as error:  # handed to the consumer, which re-raises it
            buffer.put(("error", error))

    reader = threading.Thread(target=read, name="erp-prefetch", daemon=True)
    reader.start()
    try:
        while True:
            kind, item = buffer.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=30)


class _StopStream(Exception):
    """A batch could not be applied entirely; the watermark stays for the next run."""


def _failure_metric(kind: str, how_many: int = 1) -> None:
    count("ErpSyncFailures", how_many, "kind", kind)


def _refresh_due(state: dict[str, Any], now: datetime) -> bool:
    """A full read is due a day after the last one; the first pull counts as one."""
    last = state.get("last_full_refresh_at") or state.get("last_success_started_at")
    if not last:
        return False
    return now - datetime.fromisoformat(str(last)) >= REFRESH_EVERY


def _watermark(state: dict[str, Any], stream: str) -> datetime | None:
    value = (state.get("watermarks") or {}).get(stream)
    if not value:
        return None
    return datetime.fromisoformat(str(value))


def sync_tenant(
    tenant_id: str,
    *,
    connector: PullConnector | None = None,
    connector_factory: Callable[[Tenant, dict[str, Any]], PullConnector] | None = None,
    store: Table | None = None,
    overlap: timedelta = OVERLAP,
    batch_records: int = BATCH_RECORDS,
    page_size: int | None = None,
    deadline: datetime | None = None,
    archive: bool = True,
) -> SyncReport:
    """Pull one tenant's ERP changes since its watermarks; see the module docstring."""
    store = store or table()
    started_at = clock.now()
    report = SyncReport(tenant_id)
    tenant = load_tenant(tenant_id, store=store)
    if tenant.erp.kind not in PULL_KINDS:
        report.outcome = "skipped"
        report.failure = f"the tenant's ERP connection is {tenant.erp.kind!r}, not pulled"
        return report

    sync_store = SyncStore(tenant_id, store)
    try:
        sync_store.acquire()
    except SyncBusy as busy:
        _failure_metric("busy")
        report.outcome = "busy"
        report.failure = str(busy)
        return report

    first_run = False
    try:
        state = sync_store.ensure_state()
        first_run = "last_success_started_at" not in state
        last = state.get("last_success_started_at")
        if last:
            lag = (started_at - datetime.fromisoformat(str(last))).total_seconds()
            metrics.add_metric(name="ErpSyncLagSeconds", unit="Seconds", value=lag)
        if connector is None:
            secrets = erp_secrets(tenant_id)
            connector = (connector_factory or connector_for)(tenant, secrets)
        run = _Run(
            tenant,
            connector,
            sync_store,
            overlap=overlap,
            batch_records=batch_records,
            page_size=page_size or tenant.erp.page_size,
            deadline=deadline,
            archive=archive,
        )
        try:
            for stream in connector.streams():
                run.stream(stream, _watermark(state, stream), report)
            if report.outcome == "ok" and _refresh_due(state, started_at):
                run.refresh(report)
                report.refreshed = report.outcome == "ok"
        finally:
            connector.close()
    except (TrytonUnavailable, RestError) as error:
        retryable = isinstance(error, TrytonUnavailable) or error.retryable
        kind = "erp_unavailable" if retryable else "erp_error"
        _fail(report, kind, str(error))
    except TrytonError as error:
        _fail(report, "erp_error", str(error))
    except (ConnectorNotConfigured, SecretMissing) as error:
        _fail(report, "configuration", str(error))
    except _StopStream as stop:
        _fail(report, "ingest", str(stop))
    except Exception as error:
        # Anything else is ours (the table, the archive): recorded as a failure, then raised so
        # the invocation fails and its retries and DLQ apply.
        _fail(report, "internal", type(error).__name__)
        raise
    finally:
        report.seconds = (clock.now() - started_at).total_seconds()
        try:
            sync_store.finish(report, started_at, first_run=first_run)
        finally:
            sync_store.release()

    metrics.add_metric(name="ErpSyncDurationSeconds", unit="Seconds", value=report.seconds)
    logger.info(
        "erp sync finished",
        extra={
            "tenant": tenant_id,
            "outcome": report.outcome,
            "records": report.records,
            "written": report.written,
            "unchanged": report.unchanged,
            "mapping_errors": len(report.mapping_errors),
            "seconds": round(report.seconds, 3),
        },
    )
    return report


def _fail(report: SyncReport, kind: str, detail: str) -> None:
    report.outcome = "failed"
    report.failure = f"{kind}: {detail}"
    _failure_metric(kind)
    logger.warning(
        "erp sync failed", extra={"tenant": report.tenant_id, "kind": kind, "detail": detail}
    )


def erp_secrets(tenant_id: str) -> dict[str, Any]:
    document = tenant_secrets(tenant_id)
    erp = document.get("erp")
    if not isinstance(erp, dict):
        raise SecretMissing(f"tenant {tenant_id} has no 'erp' credentials in its secret")
    return erp


def pulled_tenants(store: Table | None = None) -> Iterator[Tenant]:
    """Tenants with a pull connector (the schedule fans out over these)."""
    for tenant in list_tenants(store=store):
        if tenant.enabled and tenant.erp.kind in PULL_KINDS:
            yield tenant


def sync_all(*, store: Table | None = None, deadline: datetime | None = None) -> list[SyncReport]:
    """The scheduled run: every pulled tenant in turn."""
    reports = []
    for tenant in pulled_tenants(store=store):
        reports.append(sync_tenant(tenant.tenant_id, store=store, deadline=deadline))
    return reports


def scheduled_run(remaining_seconds: float, *, store: Table | None = None) -> dict[str, Any]:
    """What the EventBridge schedule runs: every pulled tenant, then the DLQ depth metric.

    Runs stop taking new batches a minute before the function's time is up; their watermarks
    hold, so the next run resumes where this one stopped.
    """
    from cobranca.services.replay import dead_letter_url, depth, queue_url

    deadline = clock.now() + timedelta(seconds=max(remaining_seconds - 60, 0))
    reports = sync_all(store=store, deadline=deadline)
    try:
        waiting = depth(dead_letter_url(queue_url("writeback")))
        metrics.add_metric(name="ErpWritebackDlqDepth", unit="Count", value=waiting)
    except LookupError:
        waiting = None
    return {
        "tenants": [report.as_dict() for report in reports],
        "writeback_dlq_depth": waiting,
    }
