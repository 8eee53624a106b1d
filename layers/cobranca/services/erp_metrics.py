"""Metrics of the ERP integration that carry their own dimension (a kind, an outcome).

The process's ``metrics`` singleton shares one dimension set per flush, so a count by kind goes
out as its own EMF document; Powertools' ``POWERTOOLS_METRICS_DISABLED`` switches these off
like the rest (tests, the CLI). Names, all in the ``Cobranca`` namespace:

- ``ErpWebhookEvents`` (``outcome``: accepted, duplicate, rejected);
- ``ErpSyncFailures`` (``kind``: erp_unavailable, erp_error, configuration, mapping, ingest,
  busy, internal);
- ``ErpWritebacks`` (``outcome``: written, duplicate, nothing_to_pay, unsupported,
  no_erp_api, retry, poison);
- ``ErpReconcileDivergences`` (``kind``: missing_in_hub, missing_in_erp, amount, due_date,
  status).
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from cobranca.platform.observability import NAMESPACE


def count(name: str, value: float, dimension: str, label: str) -> None:
    """Emit ``name`` = ``value`` with one dimension ``dimension`` = ``label``."""
    if is_metrics_disabled():
        return
    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name=dimension, value=label)
