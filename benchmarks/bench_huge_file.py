"""One huge module: blocks of ordinary code (a class with sync methods, module functions, an async
handler calling them, one of them blocking) repeated until the file has the wanted lines. Every
part of a cold run — CPython's parse, blanking, LibCST's parse, extraction, resolution — must grow
linearly with the file, in time and memory.

    python benchmarks/bench_huge_file.py --runs 3 --sizes 25000,50000,100000
"""

from __future__ import annotations

import sys
from pathlib import Path

import shapes

HEADER = '''\
"""A generated module."""

import json
import time
from dataclasses import dataclass

import requests

'''

BLOCK = """\

@dataclass
class Record{n}:
    name: str
    size: int = {n}

    def describe(self) -> str:
        text = f"{{self.name}}:{{self.size}}"
        return text.upper()

    def save(self, path: str) -> None:
        with open(path, "w") as handle:
            handle.write(json.dumps({{"name": self.name, "size": self.size}}))


def load_{n}(url: str) -> dict:
    response = requests.get(url, timeout=5)
    return response.json()


def pause_{n}(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def pure_{n}(values: list[int]) -> int:
    total = 0
    for value in values:
        total += value * {n}
    return total


async def handler_{n}(url: str) -> int:
    record = Record{n}("r", {n})
    record.describe()
    pause_{n}(0.1)
    return pure_{n}([1, 2, 3])
"""


def make_file(tree: Path, lines: int) -> None:
    parts = [HEADER]
    count = HEADER.count("\n")
    n = 0
    while count < lines:
        block = BLOCK.format(n=n)
        parts.append(block)
        count += block.count("\n")
        n += 1
    (tree / "huge.py").write_text("".join(parts), encoding="utf-8")


def main() -> int:
    args = shapes.parser(__doc__.splitlines()[0], "25000,50000,100000", "lines").parse_args()
    shapes.run(args, "huge file", "lines", make_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
