"""Pull connectors: each tenant's ERP as streams of changed records, page by page.

A stream is one kind of record (Tryton invoices; a REST preset's ``streams``), pulled in pages of
records changed after a watermark. Each record carries the time the ERP last changed it
(``changed_at``), from which the sync takes its next watermark: the ERP's own clock, never the
hub's. Records are handed over as plain JSON, archived as such, and mapped by the tenant's
mapping like a webhook's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
import jmespath

from cobranca.adapters.erp.mapping import plain, preset_document
from cobranca.adapters.erp.rest import RestClient, RestConfig, StreamConfig
from cobranca.adapters.erp.tryton import TrytonClient, normalise
from cobranca.model.tenants import Tenant


@dataclass
class Batch:
    """One page of a stream: records and when the ERP last changed each (None if unknown)."""

    stream: str
    event: str
    records: list[dict[str, Any]]
    changed_at: list[datetime | None] = field(default_factory=list)

    @property
    def newest(self) -> datetime | None:
        known = [moment for moment in self.changed_at if moment is not None]
        return max(known) if known else None


class PullConnector(Protocol):
    """What the sync and the reconciliation need from an ERP."""

    kind: str

    def streams(self) -> list[str]: ...

    def changes(self, stream: str, since: datetime | None, page_size: int) -> Iterator[Batch]: ...

    def open_receivables(self, page_size: int) -> Iterator[Batch]: ...

    def close(self) -> None: ...


class ConnectorNotConfigured(LookupError):
    """The tenant's ERP connection or credentials are incomplete."""


def _utc(moment: Any) -> datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class TrytonPull:
    """Tryton invoices over JSON-RPC (the stream ``invoices``)."""

    kind = "tryton"

    def __init__(self, client: TrytonClient) -> None:
        self.client = client

    def streams(self) -> list[str]:
        return ["invoices"]

    def _batch(self, rows: list[dict[str, Any]]) -> Batch:
        records = [normalise(row) for row in rows]
        changed = [_utc(row.get("write_date") or row.get("create_date")) for row in rows]
        return Batch("invoices", "receivable.upserted", records, changed)

    def changes(self, stream: str, since: datetime | None, page_size: int) -> Iterator[Batch]:
        # Tryton stores naive UTC datetimes; the watermark is compared in the same terms.
        naive = since.astimezone(UTC).replace(tzinfo=None) if since is not None else None
        for rows in self.client.changed_invoices(naive, page_size=page_size):
            yield self._batch(rows)

    def open_receivables(self, page_size: int) -> Iterator[Batch]:
        for rows in self.client.open_invoices(page_size=page_size):
            yield self._batch(rows)

    def close(self) -> None:
        self.client.logout()
        self.client.close()


class RestPull:
    """A REST preset's streams through the generic client."""

    kind = "rest"

    def __init__(self, client: RestClient) -> None:
        self.client = client
        self.config = client.config

    def streams(self) -> list[str]:
        return [stream.name for stream in self.config.streams]

    def _stream(self, name: str) -> StreamConfig:
        for stream in self.config.streams:
            if stream.name == name:
                return stream
        raise KeyError(name)

    @staticmethod
    def _changed_at(stream: StreamConfig, record: dict[str, Any]) -> datetime | None:
        if stream.changed_at is None:
            return None
        raw = jmespath.search(stream.changed_at, record)
        if not raw:
            return None
        text = str(raw)
        try:
            if stream.changed_at_format == "iso":
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                moment = datetime.strptime(text, stream.changed_at_format)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(stream.changed_at_timezone))
        return moment.astimezone(UTC)

    def _batches(
        self, stream: StreamConfig, since: datetime | None, page_size: int
    ) -> Iterator[Batch]:
        for page in self.client.pages(stream, since, page_size=page_size):
            records = [plain(record) for record in page.records]
            changed = [self._changed_at(stream, record) for record in records]
            yield Batch(stream.name, stream.event, records, changed)

    def changes(self, stream: str, since: datetime | None, page_size: int) -> Iterator[Batch]:
        config = self._stream(stream)
        yield from self._batches(config, since, min(page_size, config.pagination.size))

    def open_receivables(self, page_size: int) -> Iterator[Batch]:
        stream = self.config.open_stream
        if stream is None:
            raise ConnectorNotConfigured("this preset cannot list open receivables")
        yield from self._batches(stream, None, min(page_size, stream.pagination.size))

    def close(self) -> None:
        self.client.close()


def rest_config(preset: str) -> RestConfig:
    """The ``rest`` section of a preset."""
    document = preset_document(preset)
    if "rest" not in document:
        raise ConnectorNotConfigured(f"preset {preset!r} has no REST connector")
    return RestConfig.model_validate(document["rest"])


def connector_for(
    tenant: Tenant,
    erp_secrets: dict[str, Any],
    *,
    transport: httpx.BaseTransport | None = None,
) -> PullConnector:
    """The pull connector a tenant's ERP connection describes."""
    connection = tenant.erp
    if not connection.base_url:
        raise ConnectorNotConfigured(f"tenant {tenant.tenant_id} has no ERP base_url")
    if connection.kind == "tryton":
        client = TrytonClient(
            connection.base_url,
            connection.database or "tryton",
            str(erp_secrets.get("login") or "admin"),
            str(erp_secrets.get("password") or ""),
            transport=transport,
        )
        return TrytonPull(client)
    if connection.kind == "rest":
        if not connection.preset:
            raise ConnectorNotConfigured(f"tenant {tenant.tenant_id} has no REST preset")
        rest = RestClient(
            connection.base_url, rest_config(connection.preset), erp_secrets, transport=transport
        )
        return RestPull(rest)
    raise ConnectorNotConfigured(f"tenant {tenant.tenant_id} is not pulled ({connection.kind})")
