"""Many real files: the first N ``.py`` files of this interpreter's site-packages (then its
stdlib, when site-packages has fewer), copied with their folders so that packages and imports
stay as they are. Cost must grow linearly with the files and peak memory stay bounded.

    python benchmarks/bench_many_files.py --runs 3 --sizes 3000,6000,12000
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

import shapes

CONFIG = '[tool.asynclint]\nexclude = ["__pycache__"]\n'


def source_files() -> list[tuple[Path, Path]]:
    """(root, file) for every .py file of site-packages, then of the stdlib, in a fixed order."""
    paths = sysconfig.get_paths()
    stdlib, purelib = Path(paths["stdlib"]), Path(paths["purelib"])
    found: list[tuple[Path, Path]] = []
    for root in (purelib, stdlib):
        files = sorted(root.rglob("*.py"))
        if root == stdlib:
            files = [file for file in files if purelib not in file.parents]
        found += [(root, file) for file in files if file.is_file()]
    return found


def make_tree(tree: Path, count: int) -> None:
    files = source_files()
    if count > len(files):
        raise SystemExit(f"only {len(files)} files to copy, asked for {count}")
    (tree / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    for root, file in files[:count]:
        # Each source root gets its own folder: site-packages and the stdlib share names.
        target = tree / root.name / file.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)


def main() -> int:
    args = shapes.parser(__doc__.splitlines()[0], "3000,6000,12000", "files").parse_args()
    shapes.run(args, "many files", "files", make_tree)
    return 0


if __name__ == "__main__":
    sys.exit(main())
