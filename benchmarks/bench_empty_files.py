"""Many empty files: packages of 1,000 empty modules each. What little a run does per file
(discovery, reading, hashing, the cache) must grow linearly.

    python benchmarks/bench_empty_files.py --runs 3 --sizes 50000,100000,200000
"""

from __future__ import annotations

import sys
from pathlib import Path

import shapes

PER_PACKAGE = 1000


def make_tree(tree: Path, count: int) -> None:
    (tree / "pyproject.toml").write_text("[project]\nname = 'empty'\n", encoding="utf-8")
    for index in range(count):
        package = tree / f"pkg{index // PER_PACKAGE:04d}"
        if index % PER_PACKAGE == 0:
            package.mkdir()
            (package / "__init__.py").touch()
        (package / f"m{index % PER_PACKAGE:04d}.py").touch()


def main() -> int:
    args = shapes.parser(__doc__.splitlines()[0], "50000,100000,200000", "files").parse_args()
    shapes.run(args, "empty files", "files", make_tree)
    return 0


if __name__ == "__main__":
    sys.exit(main())
