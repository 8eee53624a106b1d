"""Run every benchmark script and print its figures; `make bench` calls this.

Each script runs in its own interpreter (so one's imports and caches do not colour another's)
and prints lines of the form `name: value unit (target <= N)`. The handlers under test keep
logging as they do in Lambda; those lines go to .local/bench.log, not the terminal.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = {"run_all.py", "common.py"}
LAST = "cost_model.py"  # reads the figures the other scripts printed
FIGURES = HERE.parent / ".local" / "bench-figures.json"
LOG = HERE.parent / ".local" / "bench.log"
LINE = re.compile(
    r"^(?P<name>[^:]+): (?P<value>[-0-9_.]+) (?P<unit>.*?) \(target (?P<target>.*)\)$"
)


def main() -> int:
    scripts = sorted(
        path for path in HERE.glob("*.py") if path.name not in SKIP and path.name != LAST
    )
    scripts.append(HERE / LAST)
    failed = []
    figures: dict[str, float] = {}
    LOG.parent.mkdir(exist_ok=True)
    log = LOG.open("w", encoding="utf-8")
    for script in scripts:
        started = time.monotonic()
        print(f"# {script.name}", file=sys.stderr, flush=True)
        result = subprocess.run(
            [sys.executable, str(script)], cwd=HERE, check=False, capture_output=True, text=True
        )
        sys.stderr.write(result.stderr)
        for line in result.stdout.splitlines():
            match = LINE.match(line)
            if not match:
                log.write(line + "\n")
                continue
            print(line, flush=True)
            figures[match["name"]] = float(match["value"].replace("_", ""))
        FIGURES.write_text(json.dumps(figures, indent=2), encoding="utf-8")
        elapsed = time.monotonic() - started
        print(f"# {script.name} done in {elapsed:.0f} s", file=sys.stderr, flush=True)
        if result.returncode != 0:
            failed.append(script.name)
    log.close()
    print(f"# handler logs: {LOG.relative_to(HERE.parent)}", file=sys.stderr)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
