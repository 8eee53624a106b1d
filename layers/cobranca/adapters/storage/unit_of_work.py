"""Atomic writes with their audit entries: business items and the hash chain move together.

A unit of work collects the writes of one business step and the changes they represent, then
commits them in DynamoDB transactions that also append the audit entries and advance the
tenant's chain head under a condition. If another writer advanced the head first, the commit
re-reads it and tries again, so the chain never forks and never loses an entry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from cobranca.adapters.storage import keys
from cobranca.adapters.storage.table import (
    TRANSACTION_LIMIT,
    ConditionFailed,
    Put,
    Table,
    TransactionConflict,
    Update,
    Write,
    table,
)
from cobranca.domain.audit import GENESIS, Change, link

HEAD = "HEAD"
MAX_ATTEMPTS = 8


@dataclass
class ChainHead:
    """Where the tenant's audit chain stands."""

    seq: int
    hash: str


@dataclass
class Step:
    """Writes that must land together, and the changes they record in the audit log."""

    writes: list[Write] = field(default_factory=list)
    changes: list[tuple[Change, str | None]] = field(default_factory=list)
    tag: object = None

    def size(self) -> int:
        return len(self.writes) + len(self.changes)


@dataclass
class CommitResult:
    """What a commit did: transactions used, and the steps whose own conditions failed."""

    transactions: int = 0
    rejected: list[Step] = field(default_factory=list)

    @property
    def rejected_tags(self) -> list[object]:
        return [step.tag for step in self.rejected]


class UnitOfWork:
    """Collects steps for one tenant and commits them, packing several per transaction."""

    def __init__(self, tenant_id: str, store: Table | None = None) -> None:
        self.tenant_id = tenant_id
        self.store = store or table()
        self.steps: list[Step] = []
        self._head: ChainHead | None = None

    def add(
        self,
        writes: Sequence[Write],
        changes: Sequence[Change] = (),
        *,
        receivable_id: str | None = None,
        tag: object = None,
    ) -> None:
        """Add one step: its writes commit together with one audit entry per change."""
        step = Step(list(writes), [(change, receivable_id) for change in changes], tag)
        if step.size() + 1 > TRANSACTION_LIMIT:
            raise ValueError(f"a step of {step.size()} items cannot fit one transaction")
        self.steps.append(step)

    def read_head(self) -> ChainHead:
        item = self.store.get(keys.audit(self.tenant_id), HEAD)
        if item is None:
            return ChainHead(0, GENESIS)
        return ChainHead(int(item["seq"]), str(item["hash"]))

    def commit(self) -> CommitResult:
        """Commit every step, packed greedily into transactions of at most 100 items.

        A step whose own condition fails (a stale version, a duplicate event) is left out and
        reported in ``rejected``; the other steps of its transaction are committed without it.
        """
        result = CommitResult()
        batch: list[Step] = []
        for step in self.steps:
            if sum(item.size() for item in batch) + step.size() + 1 > TRANSACTION_LIMIT:
                self._commit_batch(batch, result)
                batch = []
            batch.append(step)
        if batch:
            self._commit_batch(batch, result)
        self.steps = []
        return result

    def _commit_batch(self, batch: list[Step], result: CommitResult) -> None:
        pending = list(batch)
        for attempt in range(MAX_ATTEMPTS * 4):
            if not pending:
                return
            head = self._head or self.read_head()
            writes, owners, new_head = self._with_audit(pending, head)
            try:
                self.store.transact(writes)
            except TransactionConflict:
                self._head = None
                _pause(attempt)
                continue
            except ConditionFailed as failure:
                failed = failure.failed_indexes()
                business = {
                    owner for owner in (owners[index] for index in failed) if owner is not None
                }
                if business:
                    # Drop the steps whose own conditions failed; retry the rest.
                    result.rejected.extend(pending[index] for index in sorted(business))
                    pending = [step for i, step in enumerate(pending) if i not in business]
                    self._head = None
                    continue
                # Only the chain failed: another writer advanced it. Re-read and retry.
                self._head = None
                _pause(attempt)
                continue
            self._head = new_head
            result.transactions += 1
            return
        raise TransactionConflict("audit chain head stayed contended; giving up for now")

    def _with_audit(
        self, batch: list[Step], head: ChainHead
    ) -> tuple[list[Write], list[int | None], ChainHead]:
        """The transaction's writes, the step owning each (None for the chain), the new head."""
        writes: list[Write] = []
        owners: list[int | None] = []
        seq, previous = head.seq, head.hash
        for position, step in enumerate(batch):
            writes.extend(step.writes)
            owners.extend([position] * len(step.writes))
            for change, receivable_id in step.changes:
                seq += 1
                body = change.body()
                digest = link(previous, seq, body)
                entry = {
                    "pk": keys.audit(self.tenant_id),
                    "sk": f"{seq:012d}",
                    "seq": seq,
                    "hash": digest,
                    "prev_hash": previous,
                    "type": "audit",
                    **body,
                }
                if receivable_id:
                    entry["gsi2pk"] = keys.audit_of_receivable(self.tenant_id, receivable_id)
                    entry["gsi2sk"] = f"{seq:012d}"
                writes.append(Put(entry, condition="attribute_not_exists(pk)"))
                owners.append(None)
                previous = digest
        if seq == head.seq:
            return writes, owners, head
        if head.seq == 0:
            writes.append(
                Put(
                    {"pk": keys.audit(self.tenant_id), "sk": HEAD, "seq": seq, "hash": previous},
                    condition="attribute_not_exists(pk)",
                )
            )
        else:
            writes.append(
                Update(
                    {"pk": keys.audit(self.tenant_id), "sk": HEAD},
                    "SET seq = :seq, #hash = :hash",
                    condition="seq = :previous",
                    names={"#hash": "hash"},
                    values={":seq": seq, ":hash": previous, ":previous": head.seq},
                )
            )
        owners.append(None)
        return writes, owners, ChainHead(seq, previous)


def _pause(attempt: int) -> None:
    time.sleep(min(1.0, 0.02 * 2 ** min(attempt, 6)) * random.uniform(0.5, 1.0))  # noqa: S311
