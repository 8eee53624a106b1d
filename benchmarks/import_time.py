"""Cold import time of each function's handler module, as a ratio to `import boto3`.

Each measurement is a fresh interpreter with an empty environment (a handler must import with
no settings present), timed around the import only; the median of several runs is compared
with the median of `import boto3` measured the same way in the same run.
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


def measure(target: str) -> float:
    """Median seconds to import ``target`` (a handler file, or "boto3") in a fresh process."""
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home())}
    samples = []
    for _ in range(RUNS):
        result = subprocess.run(
            [sys.executable, "-c", PROBE, target],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        )
        samples.append(float(result.stdout.strip()))
    return statistics.median(samples)


def main() -> int:
    baseline = measure("boto3")
    note(f"import boto3: {baseline * 1000:.0f} ms median of {RUNS}")
    worst = 0.0
    for app in sorted(ROOT.glob("functions/*/app.py")):
        seconds = measure(str(app))
        ratio = seconds / baseline
        worst = max(worst, ratio)
        report(f"import_time_ratio[{app.parent.name}]", ratio, "x boto3", f"<= {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
