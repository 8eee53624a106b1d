"""ERP connectors: webhook signatures, Tryton over JSON-RPC, a generic REST client, the mapping.

The ERP is the system of record for customers and receivables. Whatever reaches the hub from it,
by webhook or by pull, is mapped per tenant (:mod:`.mapping`) into the canonical model and goes
through the one upsert path (:mod:`cobranca.services.ingest`). Payments recorded in the hub go
back through the same connectors (:mod:`cobranca.services.writeback`).
"""
