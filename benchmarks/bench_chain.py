"""A long chain of cross-module calls: module i's ``step`` calls module i+1's, the last sleeps,
and an async FastAPI route calls module 0's. Resolution loads one module per round (the next
hop is only known once the previous body is read), so the cost of a round must not grow with
the chain.

    python benchmarks/bench_chain.py --runs 3 --sizes 1000,4000,10000
"""

from __future__ import annotations

import sys
from pathlib import Path

import shapes

ROUTE = """\
from fastapi import FastAPI

from chain import m00000

app = FastAPI()


@app.get("/")
async def route():
    m00000.step()
"""


def make_chain(tree: Path, length: int) -> None:
    package = tree / "chain"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for index in range(length):
        if index == length - 1:
            text = "import time\n\n\ndef step():\n    delay = 0.1\n    time.sleep(delay)\n"
        else:
            after = f"m{index + 1:05d}"
            # Two statements: the body is blanked in the skeleton and parsed when reached, as
            # most real bodies are (one more round per hop).
            text = (
                f"from chain import {after}\n\n\n"
                f"def step():\n    value = {index}\n    return {after}.step() + value\n"
            )
        (package / f"m{index:05d}.py").write_text(text, encoding="utf-8")
    (tree / "app.py").write_text(ROUTE, encoding="utf-8")


def main() -> int:
    args = shapes.parser(__doc__.splitlines()[0], "1000,4000,10000", "modules").parse_args()
    shapes.run(args, "chain", "modules", make_chain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
