"""HTTP conventions for every API function: one resolver factory and RFC 9457 problem details.

Bad input gets a specific answer: 400 for a body that is not JSON, 413 for an oversized body,
415 for a wrong content type, 422 naming each bad field, 404/405 for unknown routes and methods.
Guards run before any route, so a handler only ever sees a body that parsed.

"JSON" is RFC 8259 JSON: Python's parser also takes ``NaN`` and ``Infinity``, which are no JSON
values (and no amounts); an object naming the same key twice is refused because sender and
receiver may each read a different one; nesting too deep for the parser is a 400, not a crash.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from cobranca.platform.observability import logger

PROBLEM_JSON = "application/problem+json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DEFAULT_MAX_BODY = 1_048_576


class _NotJson(ValueError):
    """Text Python's json module accepts but RFC 8259 JSON does not, or an ambiguous object."""


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _NotJson(f"key {key!r} appears more than once in one object")
        found[key] = value
    return found


def strict_json(body: bytes | str) -> Any:
    """Parse RFC 8259 JSON: no NaN or Infinity, no key twice in an object (ValueError)."""
    return json.loads(
        body, parse_constant=_refuse_constant, object_pairs_hook=_refuse_duplicate_keys
    )


class Problem(Exception):
    """An error answered as RFC 9457 problem details; raise it from any route or service."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.extra = extra or {}


def problem_response(problem: Problem, instance: str | None = None) -> Response[str]:
    """Serialise a problem as ``application/problem+json``."""
    body: dict[str, Any] = {
        "type": f"https://cobranca.dev/problems/{problem.status}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = problem.errors
    body.update(problem.extra)
    return Response(
        status_code=problem.status,
        content_type=PROBLEM_JSON,
        body=json.dumps(body, ensure_ascii=False),
    )


def raw_body(app: APIGatewayRestResolver) -> bytes:
    """The request body exactly as received (signatures are computed over these bytes)."""
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body)
    return body.encode("utf-8")


def _field_errors(errors: Iterable[Any]) -> list[dict[str, Any]]:
    named = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part != "body"]
        named.append(
            {
                "field": ".".join(location) or "body",
                "message": error.get("msg", "invalid"),
                "type": error.get("type", "invalid"),
            }
        )
    return named


class HubResolver(APIGatewayRestResolver):
    """REST resolver whose body guards run before routing and validation.

    Powertools validates a body against the route's model before any user middleware runs, so
    an oversized or non-JSON body would surface as a 422; checking the raw event first gives
    the caller the precise status instead.
    """

    def __init__(
        self, *, max_body_bytes: int, content_types: tuple[str, ...], parse_json: bool
    ) -> None:
        super().__init__(enable_validation=True)
        self.max_body_bytes = max_body_bytes
        self.content_types = content_types
        self.parse_json = parse_json

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        problem = self._guard(event)
        if problem is not None:
            response = problem_response(problem, event.get("path"))
            return {
                "statusCode": response.status_code,
                "headers": {"Content-Type": PROBLEM_JSON},
                "body": response.body,
                "isBase64Encoded": False,
            }
        return super().resolve(event, context)

    def _guard(self, event: Mapping[str, Any]) -> Problem | None:
        if str(event.get("httpMethod", "")).upper() not in BODY_METHODS:
            return None

        text = event.get("body") or ""
        if event.get("isBase64Encoded"):
            try:
                body = base64.b64decode(text, validate=True)
            except ValueError:
                return Problem(400, "body is marked as base64 but is not valid base64")
        else:
            body = text.encode("utf-8")
        if len(body) > self.max_body_bytes:
            return Problem(
                413,
                f"body has {len(body)} bytes; the limit is {self.max_body_bytes}",
                title="Payload Too Large",
            )
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if body and media_type not in self.content_types:
            return Problem(
                415,
                f"content type {media_type or '(none)'!r} is not accepted; "
                f"send {' or '.join(self.content_types)}",
            )
        if self.parse_json and media_type == "application/json" and body:
            try:
                strict_json(body)
            except (json.JSONDecodeError, UnicodeDecodeError, _NotJson) as error:
                return Problem(400, f"body is not valid JSON: {error}")
            except RecursionError:
                return Problem(400, "body is not accepted: its JSON is nested too deeply")
        return None


def create_app(
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    content_types: tuple[str, ...] = ("application/json",),
    parse_json: bool = True,
) -> HubResolver:
    """A REST resolver with validation, body guards and problem-details errors.

    ``content_types`` lists the media types accepted for bodies; ``parse_json`` is off for
    routes that verify a signature over the raw body before anything reads it.
    """
    app = HubResolver(
        max_body_bytes=max_body_bytes, content_types=content_types, parse_json=parse_json
    )

    @app.exception_handler(Problem)
    def on_problem(problem: Problem) -> Response[str]:
        return problem_response(problem, app.current_event.path)

    @app.exception_handler(RequestValidationError)
    def on_invalid(error: RequestValidationError) -> Response[str]:
        fields = _field_errors(error.errors())
        if any(item["type"] == "json_invalid" for item in fields):
            return problem_response(Problem(400, "body is not valid JSON"))
        names = ", ".join(item["field"] for item in fields)
        return problem_response(
            Problem(422, f"invalid fields: {names}", errors=fields), app.current_event.path
        )

    @app.not_found
    def on_not_found(error: NotFoundError) -> Response[str]:
        event = app.current_event
        return problem_response(
            Problem(404, f"no route for {event.http_method} {event.path}"), event.path
        )

    @app.exception_handler(Exception)
    def on_unexpected(error: Exception) -> Response[str]:
        # The stack trace goes to the log with the request id; the caller only learns that
        # the failure is ours and may be retried. The route template is logged, not the path:
        # a path such as /dashboard/<token> carries a signed link, a bearer credential.
        event = app.current_event
        logger.exception(
            "unhandled error", extra={"route": event.resource, "method": event.http_method}
        )
        return problem_response(Problem(500, "internal error; retry later"))

    return app
