"""AL240: filesystem calls (os, os.path, pathlib, shutil, glob, data files)."""

from asynclint.models import Severity
from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL240",
        name="blocking-filesystem-call-in-async-function",
        summary="A filesystem call (os, os.path, pathlib, shutil, data files) blocks the loop",
        what_it_does=(
            "Reports calls that touch the filesystem: `os.stat/listdir/scandir/walk/mkdir/"
            "remove/rename/...`, `os.path.exists/isfile/isdir/getsize/getmtime/realpath/...`, "
            "the I/O methods of `pathlib.Path` objects (`read_text`, `write_bytes`, `exists`, "
            "`iterdir`, `glob`, `mkdir`, `unlink`, ...), `shutil` copies, moves and deletions, "
            "`glob.glob`, `tempfile.mkstemp/mkdtemp`, and loaders/writers of data files "
            "(`pandas.read_csv`, `DataFrame.to_parquet`, `numpy.load`, `h5py.File`, "
            "`xarray.open_dataset`, ...). Pure path arithmetic such as `Path.name`, "
            '`Path.with_suffix`, `path / "child"` or `Path.parent` is not reported. '
            + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Each of these is a system call that can wait on the disk; "
            "recursive ones (`shutil.rmtree`, `os.walk`, `rglob`) and data loaders can take "
            "seconds."
        ),
        example=(
            "from pathlib import Path\n"
            "\n"
            "from fastapi import FastAPI, HTTPException\n"
            "\n"
            "app = FastAPI()\n"
            'REPORTS = Path("/srv/reports")\n'
            "\n"
            "\n"
            '@app.get("/reports/{name}")\n'
            "async def report(name: str) -> str:\n"
            '    path = REPORTS / f"{name}.txt"\n'
            "    if not path.exists():\n"
            "        raise HTTPException(status_code=404)\n"
            "    return path.read_text()\n"
        ),
        use_instead=(
            "import anyio\n"
            "from fastapi import FastAPI, HTTPException\n"
            "\n"
            "app = FastAPI()\n"
            'REPORTS = anyio.Path("/srv/reports")\n'
            "\n"
            "\n"
            '@app.get("/reports/{name}")\n'
            "async def report(name: str) -> str:\n"
            '    path = REPORTS / f"{name}.txt"\n'
            "    if not await path.exists():\n"
            "        raise HTTPException(status_code=404)\n"
            "    return await path.read_text()\n"
        ),
        fix_safety=(
            "Suggestion: `anyio.Path` (every I/O method is awaitable) or `aiofiles.os`. "
            + TO_THREAD_FIX
        ),
        peer_codes=("ASYNC240",),
        severity=Severity.MEDIUM,
    ),
)
