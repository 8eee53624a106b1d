"""The local hub: emulator, API, queues, schedules, S3 events and Step Functions, together.

``LocalHub(template).start()`` gives a working copy of the deployed stack on 127.0.0.1 with no
AWS account: everything is created from the template and every handler is the real one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from cobranca.platform import clock
from cobranca.platform.lifecycle import reset_process_state

from cobranca_local import stepfunctions
from cobranca_local.apigw import ApiServer
from cobranca_local.emulator import LOCAL_CREDENTIALS, Emulator, Provisioner
from cobranca_local.fakes import Fake, default_fakes
from cobranca_local.lambdas import FunctionError, Functions
from cobranca_local.s3events import S3Notifications
from cobranca_local.schedules import Scheduler
from cobranca_local.sqs import SqsMappings
from cobranca_local.template import Template

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = REPOSITORY / "template.yaml"


class LocalHub:
    """Everything the template declares, running in this process on 127.0.0.1."""

    def __init__(
        self,
        template_path: Path = DEFAULT_TEMPLATE,
        *,
        api_port: int = 3000,
        aws_port: int = 0,
        background: bool = False,
        retry_delay_seconds: int = 0,
        parameters: dict[str, str] | None = None,
        environment: dict[str, str] | None = None,
        fakes: list[Callable[[], Fake]] | None = None,
    ) -> None:
        self.template = Template.load(template_path, overrides=parameters)
        self.emulator = Emulator(aws_port)
        self.api_port = api_port
        self.background = background
        self.retry_delay_seconds = retry_delay_seconds
        self.extra_environment = environment or {}
        self.fake_factories = list(default_fakes() if fakes is None else fakes)
        self.fakes: dict[str, Fake] = {}
        self._saved_environment: dict[str, str] | None = None
        self.functions: Functions
        self.api: ApiServer
        self.queues: SqsMappings
        self.scheduler: Scheduler
        self.s3_events: S3Notifications
        self.state_machines: dict[str, str] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalHub:
        """Start the emulator, create the resources, and begin serving."""
        self._saved_environment = dict(os.environ)
        endpoint = self.emulator.start()
        os.environ.update(LOCAL_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

        provisioner = Provisioner(self.emulator, self.template)
        provisioner.provision()
        self.functions = Functions(self.template)
        self.state_machines = provisioner.create_state_machines()
        self.provisioned = provisioner.created

        self.api = ApiServer(self.functions, port=self.api_port, control=self.control)
        os.environ.update(self.functions.environment())
        os.environ["PUBLIC_BASE_URL"] = self.api.url
        for factory in self.fake_factories:
            fake = factory()
            os.environ.update(fake.start())
            self.fakes[fake.name] = fake
        os.environ.update(self.extra_environment)
        reset_process_state()

        stepfunctions.install(self.functions)
        self.queues = SqsMappings(
            self.functions, self.emulator.client("sqs"), self.retry_delay_seconds
        )
        self.s3_events = S3Notifications(self.functions, self.emulator.client("s3"))
        self.scheduler = Scheduler(self.functions)
        self.api.start()
        if self.background:
            self.queues.start()
            self.s3_events.start()
            self.scheduler.start()
        return self

    def serve_in_background(self) -> None:
        """Switch a hub driven step by step to serving: pollers, S3 events, a ticking clock."""
        if self.background:
            return
        self.background = True
        self.queues.start()
        self.s3_events.start()
        self.scheduler.start()

    def stop(self) -> None:
        """Stop serving and restore the process environment and clock."""
        if self.background:
            self.queues.stop()
            self.s3_events.stop()
            self.scheduler.stop()
        self.api.stop()
        for fake in self.fakes.values():
            fake.stop()
        stepfunctions.uninstall(self.functions)
        self.emulator.stop()
        clock.set_offset(timedelta(0))
        if self._saved_environment is not None:
            os.environ.clear()
            os.environ.update(self._saved_environment)
        reset_process_state()

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ conveniences

    @property
    def url(self) -> str:
        """Base URL of the API routes."""
        return self.api.url

    def client(self, service: str) -> Any:
        """A boto3 client on the emulator."""
        return self.emulator.client(service)

    def ref(self, logical_id: str) -> Any:
        """What ``!Ref`` gives for a resource (table name, queue URL, state machine ARN...)."""
        return self.template.refs[logical_id]

    def invoke(self, function: str, event: Any) -> Any:
        """Invoke a function directly (by logical id or name)."""
        return self.functions.invoke(function, event)

    def run_schedule(self, name: str) -> Any:
        """Fire one schedule now."""
        return self.scheduler.run(name)

    def advance(self, **delta: float) -> list[tuple[str, Any]]:
        """Move the clock forward (``days=1``, ``hours=3``...), firing schedules on the way."""
        return self.scheduler.advance(timedelta(**delta))

    def drain(self, skip: tuple[str, ...] = ()) -> int:
        """Deliver S3 events and queue messages until nothing is left to do.

        ``skip`` names functions (logical ids) whose queues are left alone for now.
        """
        names = frozenset(self.functions.find(name).name for name in skip)
        total = 0
        while True:
            moved = self.s3_events.pump()
            moved += self.queues.pump(skip=names) if not self.background else 0
            if self.background:
                self.queues.wait_idle()
            total += moved
            if moved == 0:
                return total

    def state(self) -> dict[str, Any]:
        """What other processes need to reach this hub (see cobranca.cli.context)."""
        names = (
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "AWS_EC2_METADATA_DISABLED",
        )
        environment = {name: os.environ[name] for name in names if name in os.environ}
        environment.update(self.functions.environment())
        environment["PUBLIC_BASE_URL"] = self.api.url
        for fake in self.fakes.values():
            environment.update(getattr(fake, "environment", {}))
        return {
            "api": self.api.url,
            "aws_endpoint": self.emulator.endpoint,
            "environment": environment,
        }

    # ------------------------------------------------------------------ control API

    def control(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """``/_local/...`` routes: the local operator's handles on the clock and schedules."""
        try:
            arguments = json.loads(body) if body else {}
            if path == "/_local/clock" and method == "GET":
                return 200, {"now": clock.now().isoformat(), "local": clock.local_now().isoformat()}
            if path == "/_local/clock/advance" and method == "POST":
                fired = self.scheduler.advance(timedelta(**arguments))
                return 200, {
                    "now": clock.now().isoformat(),
                    "fired": [{"schedule": name, "at": at.isoformat()} for name, at in fired],
                }
            if path.startswith("/_local/schedules/") and method == "POST":
                name = path.rsplit("/", 1)[-1]
                return 200, {"schedule": name, "result": self.scheduler.run(name)}
            if path == "/_local/schedules" and method == "GET":
                return 200, {
                    name: {"function": item.function, "expression": item.expression}
                    for name, item in self.scheduler.schedules.items()
                }
            if path == "/_local/drain" and method == "POST":
                return 200, {"delivered": self.drain()}
            if path == "/_local/resources" and method == "GET":
                return 200, {"resources": self.provisioned, "endpoint": self.emulator.endpoint}
            if path == "/_local/outbox" and method == "GET":
                from cobranca_local.fakes.mailbox import collect_outbox

                channels = query.get("channel") or []
                messages = collect_outbox(self.fakes, channels[0] if channels else None)
                return 200, {"messages": messages}
        except (KeyError, TypeError, ValueError, FunctionError) as error:
            return 400, {"error": str(error)}
        return 404, {"error": f"no local control route {method} {path}"}
