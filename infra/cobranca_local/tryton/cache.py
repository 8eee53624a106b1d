"""Seeded Tryton databases, built once per seed spec and copied for each user.

Seeding takes tens of seconds (most of it activating the modules), so a seeded folder is kept
under the temp directory, keyed by the spec and by a digest of the seeder's source (a change to
the seeder builds a new one). Concurrent test workers wait on a file lock instead of seeding
twice. Servers never run on the cached folder itself: even a read-only client writes sessions,
so each user gets a :func:`working_copy`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cobranca_local.tryton import seed as seeder
from cobranca_local.tryton.seed import SeedSpec, write_config

DATABASE = "tryton"


def cache_root() -> Path:
    """Where seeded folders are kept between runs."""
    return Path(tempfile.gettempdir()) / "cobranca-tryton"


def _seeder_digest() -> str:
    return hashlib.sha256(Path(seeder.__file__).read_bytes()).hexdigest()[:12]


def _run_seeder(arguments: list[str]) -> str:
    command = [sys.executable, "-m", "cobranca_local.tryton.seed", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"seeding Tryton failed: {done.stderr[-2000:]}")
    return done.stdout


def _built(base: Path, name: str, build: Callable[[Path], str]) -> Path:
    """``base/name``, built by ``build`` into a scratch folder under a lock unless present."""
    folder = base / name
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / "seed.json").exists():
            return folder
        building = base / f"{name}.building"
        shutil.rmtree(building, ignore_errors=True)
        output = build(building)
        (building / "seed.json").write_text(output, encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        building.rename(folder)
        write_config(folder)
    return folder


def activated_template(root: Path | None = None) -> Path:
    """A database with the modules activated and nothing else, shared by every spec."""
    base = root or cache_root()
    base.mkdir(parents=True, exist_ok=True)

    def build(building: Path) -> str:
        output = _run_seeder(["--data-dir", str(building), "--db", "template", "--activate-only"])
        return output

    return _built(base, f"activated-{_seeder_digest()}", build)


def seeded_database(spec: SeedSpec, root: Path | None = None) -> Path:
    """The folder of a database seeded with ``spec`` (built now if not cached)."""
    base = root or cache_root()
    base.mkdir(parents=True, exist_ok=True)
    template = activated_template(base)

    def build(building: Path) -> str:
        arguments = [
            "--data-dir",
            str(building),
            "--db",
            DATABASE,
            "--customers",
            str(spec.customers),
            "--invoices",
            str(spec.invoices),
            "--seed",
            str(spec.seed),
            "--template",
            str(template),
        ]
        if not spec.payments:
            arguments.append("--no-payments")
        return _run_seeder(arguments)

    return _built(base, f"{spec.key()}-{_seeder_digest()}", build)


def seed_summary(folder: Path) -> dict[str, object]:
    """What the seeder reported for a seeded folder."""
    summary: dict[str, object] = json.loads((folder / "seed.json").read_text(encoding="utf-8"))
    return summary


def working_copy(folder: Path, destination: Path) -> Path:
    """Copy a seeded folder (database with its WAL files) and point its config at the copy."""
    destination.mkdir(parents=True, exist_ok=True)
    for item in folder.iterdir():
        if item.name.startswith(DATABASE + ".sqlite") or item.name == "seed.json":
            shutil.copy2(item, destination / item.name)
    write_config(destination)
    return destination
