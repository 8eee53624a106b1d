"""The template's functions, loaded from their folders and invoked in-process.

Each invocation gets a Lambda-like context and the same event shape AWS would send, so the code
under test is exactly the code that runs in Lambda.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from cobranca_local.template import ACCOUNT_ID, REGION, Function, Template

PER_FUNCTION = frozenset({"POWERTOOLS_SERVICE_NAME"})


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class FunctionError(Exception):
    """A handler raised: carries the error name Step Functions matches in Retry and Catch."""

    def __init__(self, error_type: str, message: str, stack: list[str]) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.stack = stack

    def payload(self) -> dict[str, Any]:
        """The body Lambda returns for an unhandled error."""
        return {
            "errorType": self.error_type,
            "errorMessage": self.message,
            "stackTrace": self.stack,
        }


@dataclass
class Invocation:
    """A record of one invocation, kept for tests and the operator's local view."""

    function: str
    source: str
    request_id: str
    error: str | None
    seconds: float


class Functions:
    """Registry of the template's functions; imports each handler module once, lazily."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.by_name: dict[str, Function] = {}
        self.by_logical_id: dict[str, Function] = {}
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._lock = threading.RLock()
        self.history: list[Invocation] = []
        for function in template.functions():
            self.by_name[function.name] = function
            self.by_logical_id[function.logical_id] = function

    def environment(self) -> dict[str, str]:
        """The union of the functions' resolved environments.

        All functions share this process, so one environment serves them all; a variable set
        differently by two functions keeps the first value (the template avoids that).
        """
        merged: dict[str, str] = {}
        for function in self.by_name.values():
            resolved = self.template.resolve(function.environment)
            for key, value in resolved.items():
                # Each function names its service; in one process the logs name the function
                # (function_name, from the invocation context) instead.
                if value is not None and key not in PER_FUNCTION:
                    merged.setdefault(key, str(value))
        return merged

    def find(self, name_or_arn: str) -> Function:
        """Look a function up by name, ARN (with or without qualifier) or logical id."""
        name = name_or_arn
        if name.startswith("arn:"):
            name = name.split(":function:", 1)[1].split(":", 1)[0]
        function = self.by_name.get(name) or self.by_logical_id.get(name)
        if function is None:
            raise KeyError(f"no function named {name_or_arn!r} in the template")
        return function

    def handler(self, function: Function) -> Callable[[Any, Any], Any]:
        """Import the function's module from its folder (once) and return its handler."""
        with self._lock:
            if function.name not in self._handlers:
                module_file, _, attribute = function.handler.rpartition(".")
                path = function.code_dir / f"{module_file.replace('.', '/')}.py"
                module = _load_module(f"cobranca_fn_{function.logical_id}", path)
                self._handlers[function.name] = getattr(module, attribute)
            return self._handlers[function.name]

    def invoke(self, name_or_arn: str, event: Any, source: str = "direct") -> Any:
        """Run the handler with ``event``; a raised exception becomes :class:`FunctionError`."""
        function = self.find(name_or_arn)
        handler = self.handler(function)
        context = LambdaContext(function_name=function.name, timeout_seconds=function.timeout)
        started = time.monotonic()
        error: str | None = None
        try:
            return handler(event, context)
        except Exception as raised:
            error = type(raised).__name__
            stack = traceback.format_exception(raised)
            raise FunctionError(error, str(raised), stack) from raised
        finally:
            self.history.append(
                Invocation(
                    function=function.name,
                    source=source,
                    request_id=context.aws_request_id,
                    error=error,
                    seconds=time.monotonic() - started,
                )
            )

    def invocations(self, function: str | None = None) -> list[Invocation]:
        """Invocations so far, optionally of one function (by name or logical id)."""
        if function is None:
            return list(self.history)
        target = self.find(function).name
        return [item for item in self.history if item.function == target]


def _load_module(module_name: str, path: os.PathLike[str] | str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler module from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
