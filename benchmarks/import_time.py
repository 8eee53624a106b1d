"""Cold import time of each function's handler module, as a ratio to `import boto3`.

Each measurement is a fresh interpreter with an empty environment (a handler must import with
no settings present), timed around the import only; each handler import is paired with an
`import boto3` measured just before it, and the median of the pairs' ratios is reported.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from common import note, report

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("IMPORT_RUNS", "7"))
TARGET = 1.5

PROBE = """
import importlib.util, sys, time
path = sys.argv[1]
started = time.perf_counter()
if path == "boto3":
    import boto3
else:
    spec = importlib.util.spec_from_file_location("handler_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
print(time.perf_counter() - started)
"""


def _once(target: str) -> float:
    """Seconds to import ``target`` (a handler file, or "boto3") in a fresh process."""
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home())}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, target],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    return float(result.stdout.strip())


def paired_ratio(target: str) -> tuple[float, float]:
    """Median of handler/boto3 ratios, each pair measured back to back (so a machine that
    slows down or speeds up during the run moves both sides), and the median boto3 time."""
    ratios, baselines = [], []
    for _ in range(RUNS):
        baseline = _once("boto3")
        ratios.append(_once(target) / baseline)
        baselines.append(baseline)
    return statistics.median(ratios), statistics.median(baselines)


def main() -> int:
    for app in sorted(ROOT.glob("functions/*/app.py")):
        ratio, baseline = paired_ratio(str(app))
        note(f"{app.parent.name}: boto3 {baseline * 1000:.0f} ms median of {RUNS} pairs")
        report(f"import_time_ratio[{app.parent.name}]", ratio, "x boto3", f"<= {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
