"""Summaries that every benchmark prints the same way."""

from __future__ import annotations

import numpy as np


def percentiles(values_ms: list[float]) -> dict:
    """p50 and p95 in ms, rounded to 0.1 ms, with the sample count."""
    arr = np.asarray(values_ms, dtype=float)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1), "n": int(arr.size), "unit": "ms"}
