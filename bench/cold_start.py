"""Cold start of the Functions app: the time to import function_app in a fresh interpreter, as the host does."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import percentiles

ROOT = Path(__file__).resolve().parents[1]
_PROBE = "import time; t = time.perf_counter(); import function_app; print(time.perf_counter() - t)"


def measure(runs: int = 7) -> dict:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        times.append(float(out.strip()) * 1000)
    return percentiles(times)


if __name__ == "__main__":
    print(json.dumps({"metric": "function_app_import_ms", **measure(), "target_p95": 1500, "date": time.strftime("%Y-%m-%d")}))
