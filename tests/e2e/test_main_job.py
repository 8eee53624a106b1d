"""The main job, as `make run ONCE=1` runs it: the whole cycle holds, and no log line leaks
personal data.

The cycle runs in its own process (as the run command does), from a folder of its own with the
command's default (relative) workdir, on a free port, against the real Tryton ERP. Afterwards
the customers' CPFs, CNPJs, e-mails and phones are read back from the ERP's own database and
searched for, in every form the hub might print them, in everything the run logged.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

COBRANCA = Path(sys.executable).parent / "cobranca"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    folder = tmp_path_factory.mktemp("main-job")
    # The run command's own default workdir (`.local/run`, relative), as `make run` uses it.
    workdir = folder / ".local" / "run"
    # Only what a fresh shell has: no AWS settings, nothing from the test process.
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(folder)),
        "LANG": "C.UTF-8",
    }
    result = subprocess.run(
        [str(COBRANCA), "demo", "--once", "--port", "0"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return result, workdir


def _personal_values(database: Path) -> dict[str, set[str]]:
    """Every CPF/CNPJ, e-mail and phone of the seeded customers, as the ERP stores them."""
    with sqlite3.connect(database) as connection:
        documents = {row[0] for row in connection.execute("SELECT code FROM party_identifier")}
        contacts = connection.execute("SELECT type, value FROM party_contact_mechanism").fetchall()
    return {
        "document": documents,
        "email": {value for kind, value in contacts if kind == "email"},
        "phone": {value for kind, value in contacts if kind in {"mobile", "phone"}},
    }


def _forms(kind: str, value: str) -> set[str]:
    """The spellings a leak could take: as entered, bare digits, and E.164 for phones."""
    digits = re.sub(r"\D", "", value)
    if kind == "email":
        return {value.lower()}
    if kind == "phone":
        return {value, digits, "+" + digits, digits[2:]}
    return {value, digits}


def test_the_cycle_runs_and_every_check_holds(
    run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = run

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    summary = re.search(r"Cycle finished: (\d+)/(\d+) checks passed", result.stdout)
    assert summary is not None, result.stdout[-2000:]
    assert summary.group(1) == summary.group(2)
    assert int(summary.group(2)) >= 40
    assert "✘" not in result.stdout
    for step in ("Sync receivables", "Issue charges", "Customers pay", "Write payments back"):
        assert f"✔ {step}" in result.stdout


def test_no_log_line_carries_a_cpf_an_email_or_a_phone(
    run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, workdir = run
    values = _personal_values(workdir / "tryton" / "tryton.sqlite")
    logged = "\n".join(
        [
            (workdir / "hub.log").read_text(encoding="utf-8"),
            (workdir / "stdout.log").read_text(encoding="utf-8"),
            result.stdout,
            result.stderr,
        ]
    )

    # The search is only meaningful if there is something to search and someone to find.
    assert len(values["document"]) >= 20
    assert len(values["email"]) >= 20
    assert len(values["phone"]) >= 20
    assert logged.count("\n") > 300
    leaks = sorted(
        f"{kind}: {form}"
        for kind, found in values.items()
        for value in found
        for form in _forms(kind, value)
        if len(form) >= 8 and form in logged
    )
    assert leaks == []


def test_a_taken_port_is_named_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = subprocess.run(
            [str(COBRANCA), "demo", "--port", str(port), "--workdir", str(tmp_path)],
            env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in result.stdout
    assert "Serving on" not in result.stdout
    assert not (tmp_path / "tryton").exists()


def test_term_mid_cycle_stops_the_erp_and_the_runtime(tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    process = subprocess.Popen(
        [str(COBRANCA), "demo", "--once", "--port", "0", "--workdir", str(workdir)],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        # The ERP is up and the hub recorded: the worst moment to be killed.
        if line.startswith("▶ Connect the demo tenant"):
            process.send_signal(signal.SIGTERM)
            break
    output = "".join(seen) + process.stdout.read()
    process.wait(timeout=60)

    assert process.returncode == 130, output
    assert "Interrupted: the ERP and the local runtime were stopped." in output
    assert not (tmp_path / ".local" / "hub.json").exists()
    left = subprocess.run(
        ["pgrep", "-f", str(workdir)], capture_output=True, text=True, check=False
    )
    assert left.stdout == ""
