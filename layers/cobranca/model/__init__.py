"""The canonical model: what the hub stores and exchanges, whatever the ERP or provider.

ERP payloads are mapped into these shapes (adapters/erp/mapping); providers' callbacks are
translated into :class:`~cobranca.model.receivables.Payment`. Amounts follow the money policy,
dates are local dates. Modules: ``customers``, ``receivables``, ``events``, ``tenants``,
``types``.

Nothing is re-exported here: importing one module must not load the others, because each
handler's cold start pays for everything it imports.
"""
