"""AL230 / AL232: opening files and using file objects on the event loop."""

from asynclint.models import Severity
from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

_DISK = (
    " Disk I/O has no readiness notification: on a slow, busy or network disk (NFS, EBS, a "
    "container overlay) one read can take tens of milliseconds, and large files far longer."
)

RULES = (
    Rule(
        code="AL230",
        name="blocking-open-call-in-async-function",
        summary="A file is opened with a blocking call on the event loop",
        what_it_does=(
            "Reports calls that open files: `open`, `io.open`, `io.open_code`, `os.fdopen`, "
            "`codecs.open`, `gzip/bz2/lzma.open`, `tarfile.open`, `zipfile.ZipFile`, "
            "`tempfile.NamedTemporaryFile`/`TemporaryFile`, `pathlib.Path.open` and "
            "`PIL.Image.open`. The file object they return is followed, so its methods are "
            "reported under AL232. " + THROUGH_HELPERS
        ),
        why_bad=LOOP_STALL + _DISK,
        example=(
            "from fastapi import FastAPI\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.post("/log")\n'
            "async def write_log(message: str) -> None:\n"
            '    with open("app.log", "a") as log_file:\n'
            '        log_file.write(message + "\\n")\n'
        ),
        use_instead=(
            "import anyio\n"
            "from fastapi import FastAPI\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.post("/log")\n'
            "async def write_log(message: str) -> None:\n"
            '    async with await anyio.open_file("app.log", "a") as log_file:\n'
            '        await log_file.write(message + "\\n")\n'
        ),
        fix_safety=(
            "Suggestion: `anyio.open_file` or aiofiles, or moving the whole file job into one "
            "function run with `asyncio.to_thread`. " + TO_THREAD_FIX
        ),
        peer_codes=("ASYNC230", "ASYNC231"),
        severity=Severity.MEDIUM,
    ),
    Rule(
        code="AL232",
        name="blocking-file-method-in-async-function",
        summary="A method of a synchronous file object reads or writes on the event loop",
        what_it_does=(
            "Follows file objects, from `open(...)`, `Path.open()`, `NamedTemporaryFile()`, "
            "`ZipFile.open()`, the `.file` attribute of a FastAPI/Starlette `UploadFile`, or a "
            "parameter annotated with a concrete `io` class, and reports `read`, `readline(s)`, "
            "`write`, `writelines`, `flush`, `seek`, `truncate`, `close` and iteration over the "
            "file. Also reports `json.load`/`json.dump`, `pickle.load`/`pickle.dump` and "
            "`shutil.copyfileobj`, which read or write a file object. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + _DISK + " `UploadFile.file` is a spooled temporary file that is on "
            "disk once the upload exceeds 1 MB; the awaitable `await upload.read()` runs the "
            "same read in a thread."
        ),
        example=(
            "from fastapi import FastAPI, UploadFile\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.post("/upload")\n'
            "async def upload(file: UploadFile) -> dict[str, int]:\n"
            "    data = file.file.read()\n"
            '    return {"size": len(data)}\n'
        ),
        use_instead=(
            "from fastapi import FastAPI, UploadFile\n"
            "\n"
            "app = FastAPI()\n"
            "\n"
            "\n"
            '@app.post("/upload")\n'
            "async def upload(file: UploadFile) -> dict[str, int]:\n"
            "    data = await file.read()\n"
            '    return {"size": len(data)}\n'
        ),
        fix_safety=(
            "Suggestion: the async API of the object (`await upload.read()`, "
            "`anyio.open_file`), or reading the whole file in a thread. " + TO_THREAD_FIX
        ),
        peer_codes=("ASYNC232",),
        severity=Severity.MEDIUM,
    ),
)
