"""Logger, metrics and tracer with the hub's conventions, one of each per process.

One metrics namespace for every function (the dashboard reads it), JSON logs with a correlation
id, and a formatter that masks personal data in every line before it is written. In Lambda each
function is its own process and POWERTOOLS_SERVICE_NAME names it; the local runtime runs them all
in one process and adds the function name to each line instead.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from cobranca.platform.masking import mask_value

# One namespace per stage (template.yaml sets it), so two stages in one account never mix.
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Cobranca")
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "cobranca")


def _masked_json(log: Any) -> str:
    return json.dumps(mask_value(log), default=str, ensure_ascii=False, separators=(",", ":"))


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter whose serializer masks CPF/CNPJ, e-mails and phones."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(json_serializer=_masked_json, **kwargs)


if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

Handler = TypeVar("Handler", bound=Callable[..., Any])


class LazyTracer:
    """Powertools Tracer built on first use rather than at import.

    Building a Tracer imports the X-Ray SDK, which imports botocore: several hundred
    milliseconds of every cold start spent before the handler module finishes importing. The
    decorators here wrap at import time and build the real Tracer when the first invocation
    arrives, so the import stays light and traces are still captured.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self._tracer: Tracer | None = None

    @property
    def real(self) -> Tracer:
        if self._tracer is None:
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self.service)
        return self._tracer

    def capture_lambda_handler(self, handler: Handler) -> Handler:
        """Trace the handler (cold start annotation, response and exception metadata)."""
        traced: list[Callable[..., Any]] = []

        @functools.wraps(handler)
        def wrapper(event: Any, context: Any) -> Any:
            if not traced:
                traced.append(self.real.capture_lambda_handler(handler))
            return traced[0](event, context)

        return wrapper  # type: ignore[return-value]

    def capture_method(self, method: Handler) -> Handler:
        """Trace a function as a subsegment."""
        traced: list[Callable[..., Any]] = []

        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not traced:
                traced.append(self.real.capture_method(method))
            return traced[0](*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def put_annotation(self, key: str, value: str | bool) -> None:
        self.real.put_annotation(key=key, value=value)


logger = Logger(service=SERVICE, logger_formatter=MaskingFormatter())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
tracer = LazyTracer(service=SERVICE)
