"""Step Functions on the emulator with Lambda tasks running the real handlers in-process.

moto interprets the ASL (Retry, Catch, Wait, Map, task tokens...), but its Docker-less Lambda
only echoes the payload. Its interpreter calls Lambda through two functions of one module; this
runtime swaps them for calls into the function registry. A handler that raises becomes a Lambda
function error whose ``errorType`` is the exception's class name, which is what the ASL's Retry
and Catch blocks match on ``ErrorEquals``, just as on AWS.
"""

from __future__ import annotations

import json
from typing import Any

from cobranca_local.lambdas import FunctionError, Functions

_installed: list[Functions] = []


def _payload_object(parameters: dict[str, Any]) -> Any:
    payload = parameters.get("Payload")
    if payload in (None, b"", ""):
        return {}
    if isinstance(payload, bytes | bytearray):
        payload = payload.decode("utf-8")
    return json.loads(payload) if isinstance(payload, str) else payload


def _call(parameters: dict[str, Any]) -> tuple[bytes, str | None]:
    functions = _installed[-1]
    event = _payload_object(parameters)
    try:
        result = functions.invoke(str(parameters["FunctionName"]), event, source="stepfunctions")
    except FunctionError as error:
        return json.dumps(error.payload()).encode(), "Unhandled"
    return json.dumps(result).encode(), None


def install(functions: Functions) -> None:
    """Route the interpreter's Lambda invocations to ``functions`` (idempotent)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    _installed.append(functions)
    if getattr(lambda_eval_utils, "_cobranca_local", False):
        return

    def invoke_integration(parameters: dict[str, Any], region: str, state_credentials: Any) -> Any:
        body, error = _call(parameters)
        response: dict[str, Any] = {
            "StatusCode": 200,
            "ExecutedVersion": "$LATEST",
            "Payload": json.loads(body),
        }
        if error:
            response["FunctionError"] = error
        return response

    def exec_function(
        env: Any, parameters: dict[str, Any], region: str, account: str, credentials: Any
    ) -> None:
        body, error = _call(parameters)
        if error:
            raise lambda_eval_utils.LambdaFunctionErrorException(error, body.decode())
        env.stack.append(
            {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": json.loads(body)}
        )

    module: Any = lambda_eval_utils
    module._invoke_lambda_function = invoke_integration
    module.exec_lambda_function = exec_function
    module._cobranca_local = True


def uninstall(functions: Functions) -> None:
    """Stop routing to ``functions`` (a later runtime in the same process takes over)."""
    if functions in _installed:
        _installed.remove(functions)
