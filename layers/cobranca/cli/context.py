"""Which hub a command talks to: the environment's, or the local hub that is running.

`cobranca local` (and `make run`) write ``.local/hub.json`` with the emulator endpoint and the
functions' environment; commands that read or change hub data load it when the environment
does not already name a table, so `cobranca report aurora summary` just works next to a running
local hub. With AWS settings in the environment the same commands act on a deployed stack.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

STATE_FILE = Path(".local") / "hub.json"


def state_path() -> Path:
    return Path(os.environ.get("COBRANCA_LOCAL_STATE", STATE_FILE))


def write_state(state: dict[str, Any]) -> Path:
    """Record a running local hub for other commands (called by `cobranca local`)."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    return path


def clear_state() -> None:
    state_path().unlink(missing_ok=True)


def attach() -> dict[str, Any] | None:
    """Point this process at the running local hub unless the environment names a table."""
    if os.environ.get("TABLE_NAME"):
        return None
    path = state_path()
    if not path.is_file():
        raise SystemExit(
            "no hub to talk to: start one with `cobranca local` (or `make run`), "
            "or set TABLE_NAME and AWS settings for a deployed stack"
        )
    try:
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        environment = {str(key): str(value) for key, value in state["environment"].items()}
        api = str(state["api"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SystemExit(
            f"{path} is not a hub record this version understands: "
            "delete it and start the hub again with `cobranca local` (or `make run`)"
        ) from None
    os.environ.update(environment)
    from cobranca.platform.lifecycle import reset_process_state

    reset_process_state()
    _adopt_clock(api, path)
    return state


def _adopt_clock(api: str, path: Path) -> None:
    """Read the hub's simulated clock, so "today" here is the hub's today (time travel)."""
    from datetime import UTC, datetime

    import httpx

    from cobranca.platform import clock

    try:
        response = httpx.get(f"{api}/_local/clock", timeout=5)
        response.raise_for_status()
        hub_now = datetime.fromisoformat(str(response.json()["now"]))
        if hub_now.tzinfo is None:
            raise ValueError("naive time")
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        raise SystemExit(
            f"the local hub recorded in {path} does not answer at {api}: "
            "start it again with `cobranca local` (or `make run`)"
        ) from None
    clock.set_offset(hub_now - datetime.now(UTC))
