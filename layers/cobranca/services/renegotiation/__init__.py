"""Renegotiation (acordo): the state machine's tasks, the portal's decisions, the agreement
monitor, the collector's worklist and the operator's view.

Modules: :mod:`.tasks` (one function per state, each idempotent because Step Functions
retries), :mod:`.portal` (what the customer's signed link can do), :mod:`.starter` (executions
with deterministic names), :mod:`.monitor` (broken and completed agreements, promises),
:mod:`.worklist` (ranking, notes, promises), :mod:`.reports` (executions, offers, rates),
:mod:`.store` (how offers, agreements and cases are stored), :mod:`.messages` (e-mails),
:mod:`.errors` (the error names the ASL matches) and :mod:`.faults` (failure injection for
sandbox tenants).
"""
