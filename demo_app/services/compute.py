"""CPU-bound work from the tutorial (about 0.3 s of pure Python)."""

from __future__ import annotations


def cpu_bound_task(x: int) -> int:
    result = 0
    for i in range(10_000_000):
        result += i
    return result + x
