"""Errors raised by renegotiation tasks. A task's error class name is the error name the state
machine's Retry and Catch match, so these names are part of the ASL contract."""

from __future__ import annotations


class TransientError(Exception):
    """A fault that a retry may clear (contention, throttling, a network blip): retried."""


class InjectedFault(Exception):
    """A failure injected on purpose in a sandbox tenant (tests, game days): caught."""


class NothingToOffer(Exception):
    """No receivable or no plan is left to offer (paid meanwhile, or the rules exclude all)."""


class CaseBusy(Exception):
    """Another renegotiation holds this customer (one flow per customer at a time)."""


class NoContactChannel(Exception):
    """The customer has no consented, valid channel to receive the offer."""


class OfferStale(Exception):
    """The receivables changed since the offer was made (a payment, a cancellation)."""


class OfferNotAccepted(Exception):
    """An agreement step ran for an offer that is not accepted."""
