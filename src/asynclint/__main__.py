"""``python -m asynclint``: the console script, run without the current folder on sys.path."""

import os
import sys

# `python -m` puts the current folder first on sys.path: run from a checked project, its
# `queue.py` or `json.py` would be imported, that is run, in place of the standard library's.
# asynclint never runs the code it checks (README, "What asynclint promises").
if not getattr(sys.flags, "safe_path", False) and sys.path[:1] in ([""], [os.getcwd()]):
    del sys.path[0]

from asynclint.cli import run

if __name__ == "__main__":
    run()
