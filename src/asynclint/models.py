"""Plain data shared by every stage: findings, chains and fixes.

Everything here is immutable and picklable; reporters are pure functions of these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Applicability(str, Enum):
    """How much a fix may be trusted (ruff's vocabulary)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display"


class Confidence(str, Enum):
    """HIGH: every hop resolved by name. LOW: at least one hop is a guess."""

    HIGH = "high"
    LOW = "low"


class Severity(str, Enum):
    """How much a blocking call costs the loop, by what it waits for (decision 0040).

    HIGH: the network, another process, a database, a sleep or a thread; MEDIUM: reading or
    writing file data, CPU work; LOW: a metadata syscall (``exists``, ``stat``, ``mkdir``).
    """

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most severe: sorts the expensive blocker first."""
        return _SEVERITY_RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank <= threshold.rank


_SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column, end exclusive column (like ruff's JSON)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class ChainHop:
    """One step of the path from the async call site to the blocking call.

    ``name`` is what is called at this hop (``app.services.load_user`` or ``requests.get``),
    ``path``/``line`` where that call is written.
    """

    name: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A call on an interface: of the ``total`` implementations of ``method`` it may run,
    ``blocking`` block."""

    method: str
    blocking: int
    total: int


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text between two 1-based positions (end column exclusive) with ``content``."""

    span: Span
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    applicability: Applicability
    description: str
    # The fix engine re-derives the edit from the parse when it applies a fix; these edits are
    # what is shown in JSON/SARIF. Display-only fixes carry no edits.
    edits: tuple[Edit, ...] = ()
    # Stable identifier of the transform (see fixes.py), e.g. "asyncio-sleep", "to-thread".
    kind: str = ""
    # What the transform must cover when it is more than the finding's call: the call holding
    # it whose whole expression goes to the thread, the iterable consumed there, or the lines
    # of statements that own a thread-bound object (set by the engine).
    scope: Span | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    message: str
    path: str
    span: Span
    suggestion: str = ""
    chain: tuple[ChainHop, ...] = ()
    fix: Fix | None = None
    confidence: Confidence = Confidence.HIGH
    # Where the code runs, e.g. "async route GET /users/{user_id}"; empty for plain async functions.
    context: str = ""
    # Qualified name of the function holding the call, and the call's source text with
    # whitespace normalised: together with code and path they identify a finding across edits.
    function: str = ""
    snippet: str = ""
    # The qualified name of the blocking callee at the end of the chain.
    target: str = ""
    # Set when the call reaches several implementations of a method.
    dispatch: Dispatch | None = None
    # What the blocking call at the end of the chain waits for (the catalog's severity).
    severity: Severity = Severity.HIGH
    # The other blocking calls the call reaches (the chain shows the most severe one).
    others: tuple[ChainHop, ...] = ()
    # The call blocks on its first run only (cached or memoised work).
    once: bool = False

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def with_fix(self, fix: Fix | None) -> Finding:
        return replace(self, fix=fix)


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be read or parsed; becomes an AL001 finding."""

    path: str
    message: str
    line: int = 1
    column: int = 1


@dataclass(slots=True)
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    fixed: int = 0
    warnings: list[str] = field(default_factory=list)
