"""Logger, metrics and tracer with the hub's conventions, one of each per process.

One metrics namespace for every function (the dashboard reads it), JSON logs with a correlation
id, and a formatter that masks personal data in every line before it is written. In Lambda each
function is its own process and POWERTOOLS_SERVICE_NAME names it; the local runtime runs them all
in one process and adds the function name to each line instead.
"""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from cobranca.platform.masking import mask_value

NAMESPACE = "Cobranca"
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cobranca")


def _masked_json(log: Any) -> str:
    return json.dumps(mask_value(log), default=str, ensure_ascii=False, separators=(",", ":"))


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter whose serializer masks CPF/CNPJ, e-mails and phones."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_serializer=_masked_json, **kwargs)


logger = Logger(service=SERVICE, logger_formatter=MaskingFormatter())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = Tracer(service=SERVICE)
