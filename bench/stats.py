"""Small statistics helpers shared by the in-process runs and the load generator."""

import math
import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p90 of 30 samples is the 27th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, p90, p99, mean, min and max of some samples (NaN when there are none)."""
    if not samples:
        return dict.fromkeys(("median", "p90", "p99", "mean", "min", "max"), math.nan)
    return {
        "median": statistics.median(samples),
        "p90": percentile(samples, 0.90),
        "p99": percentile(samples, 0.99),
        "mean": statistics.fmean(samples),
        "min": min(samples),
        "max": max(samples),
    }
