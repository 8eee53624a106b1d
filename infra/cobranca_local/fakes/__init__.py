"""Local stand-ins for the outside world, started with the hub on 127.0.0.1.

Each fake speaks the real API's shapes (WhatsApp Cloud API, gateways, API Pix...) so the hub's
adapters run unchanged; the hub points the adapters at them through environment variables.
A fake implements :class:`Fake`; :func:`default_fakes` lists the factories the hub starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Fake(Protocol):
    """A local server: ``start`` returns the environment variables that point at it."""

    name: str

    def start(self) -> dict[str, str]: ...

    def stop(self) -> None: ...


def default_fakes() -> list[Callable[[], Fake]]:
    """Factories of the fakes a LocalHub starts unless told otherwise (one line per fake)."""
    factories: list[Callable[[], Fake]] = []
    factories.append(_asaas)
    factories.append(_pix_psp)
    factories.append(_whatsapp)
    factories.append(_mailbox)
    return factories


def _asaas() -> Fake:
    from cobranca_local.fakes.asaas import AsaasFake

    return AsaasFake()


def _pix_psp() -> Fake:
    from cobranca_local.fakes.pix_psp import PixPspFake

    return PixPspFake()


def _whatsapp() -> Fake:
    from cobranca_local.fakes.whatsapp import WhatsAppSink

    return WhatsAppSink()


def _mailbox() -> Fake:
    from cobranca_local.fakes.mailbox import LocalMailbox

    return LocalMailbox()
