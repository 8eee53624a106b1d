"""A real Tryton ERP for the local hub and the tests: seeded on SQLite, served on 127.0.0.1.

- :mod:`.seed` builds a database with trytond's own API (batch creates, one post) in its own
  process: ``python -m cobranca_local.tryton.seed --data-dir DIR``;
- :mod:`.cache` keeps one seeded folder per :class:`SeedSpec` under the temp dir and hands out
  working copies (a server always runs on a copy);
- :mod:`.server` starts ``trytond`` on a free port of 127.0.0.1 and stops it.

The demo company (``SeedSpec()``: 25 customers, 60 invoices in BRL, open, paid, partly paid and
in three installments) is what ``make run`` and the ERP tests use::

    folder = working_copy(seeded_database(SeedSpec()), Path(tmp) / "tryton")
    with TrytonServer(folder) as server:
        server.url  # http://127.0.0.1:<port>, database "tryton", login admin / admin
"""

from cobranca_local.tryton.cache import seed_summary, seeded_database, working_copy
from cobranca_local.tryton.seed import ADMIN_LOGIN, ADMIN_PASSWORD, SeedSpec
from cobranca_local.tryton.server import TrytonServer, TrytonServerError

__all__ = [
    "ADMIN_LOGIN",
    "ADMIN_PASSWORD",
    "SeedSpec",
    "TrytonServer",
    "TrytonServerError",
    "seed_summary",
    "seeded_database",
    "working_copy",
]
