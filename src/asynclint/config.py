"""``[tool.asynclint]`` in pyproject.toml -> frozen :class:`Settings`.

Unknown keys produce warnings; invalid values raise :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from asynclint.models import Finding, Severity
from asynclint.reading import read_text
from asynclint.rules import all_rules, get_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".env",
    "env",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".asynclint_cache",
    "__pycache__",
    "__pypackages__",
    "node_modules",
    "build",
    "dist",
    "site-packages",
)

# Where test code lives: a glob without "/" names a folder or file name (any part of the path
# from the project root); one with "/" is matched against that whole path.
DEFAULT_TEST_PATHS: tuple[str, ...] = ("tests", "test", "test_*.py", "*_test.py", "conftest.py")

# The ``source`` of settings given as options.
COMMAND_LINE = "command line"
# A configuration file is small; anything larger is a mistake, not something to parse.
CONFIG_LIMIT = 1024 * 1024

SEVERITIES = tuple(level.value for level in Severity)
_CODE_SELECTOR = re.compile(r"^(ALL|AL\d{0,3})$")


class ConfigError(ValueError):
    """Invalid configuration; the CLI exits with code 2."""


@dataclass(frozen=True, slots=True)
class Settings:
    select: tuple[str, ...] = ("AL",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extra_blocking_calls: tuple[tuple[str, str], ...] = ()
    extra_offload_wrappers: tuple[str, ...] = ()
    # "high": only chains where every hop is resolved; "low": also guessed hops.
    confidence: str = "high"
    # Findings less severe than this are not reported (decision 0040).
    min_severity: str = "low"
    respect_gitignore: bool = True
    cache: bool = True
    cache_dir: str | None = None
    # Folders absolute imports are resolved from, relative to the project root (as ruff's
    # `src`); the root itself, `src/` and detected roots are always tried too.
    src: tuple[str, ...] = ()
    # Findings in test code block only the test's own loop: hidden unless asked for
    # (decision 0051); the run says how many it hid.
    include_tests: bool = False
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    # Files whose content is larger than this are reported as AL001 and skipped.
    max_file_bytes: int = 5_000_000
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def is_selected(self, code: str) -> bool:
        if code == "AL001":
            return not _matches(code, self.ignore)
        if _matches(code, self.ignore):
            return False
        rule = get_rule(code)
        if rule is not None and not rule.default:  # named by its code (or ALL), not a prefix
            return code in self.select or "ALL" in self.select
        return _matches(code, self.select)

    def is_reported(self, finding: Finding) -> bool:
        """Selected, and at least as severe as ``min-severity`` (AL001 always is)."""
        if not self.is_selected(finding.code):
            return False
        return finding.code == "AL001" or finding.severity.at_least(Severity(self.min_severity))

    def fingerprint(self) -> str:
        """What in the settings changes analysis results (used in cache keys)."""
        return repr(
            (self.extra_blocking_calls, self.extra_offload_wrappers, self.confidence, self.src)
        )


def _matches(code: str, selectors: tuple[str, ...]) -> bool:
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


def find_pyproject(start: Path) -> Path | None:
    current = start if start.is_dir() else start.parent
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def load_settings(config_file: Path | None, *, search_from: Path | None = None) -> Settings:
    """Read settings from an explicit file, or the nearest pyproject.toml above ``search_from``."""
    path = config_file
    if path is None and search_from is not None:
        path = find_pyproject(search_from.resolve())
    if path is None:
        return Settings()
    try:
        doc = tomllib.loads(read_text(path, CONFIG_LIMIT))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    if path.name == "pyproject.toml":
        section = doc.get("tool", {}).get("asynclint", {})
    else:  # a dedicated asynclint.toml: either top-level keys or [tool.asynclint]
        section = doc.get("tool", {}).get("asynclint", doc)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.asynclint] must be a table")
    return settings_from_mapping(section, source=str(path))


def settings_from_mapping(section: Mapping[str, object], *, source: str) -> Settings:
    settings = Settings()
    warnings: list[str] = []
    changes: dict[str, object] = {}
    for raw_key, value in section.items():
        key = raw_key.replace("_", "-")
        where = f"--{key}" if source == COMMAND_LINE else f"{source}: tool.asynclint.{raw_key}"
        if key in ("select", "ignore", "extend-select"):
            codes = _codes(value, where)
            if key == "extend-select":
                changes["select"] = tuple(changes.get("select", settings.select)) + codes
            else:
                changes[key] = codes
        elif key in ("exclude", "extend-exclude", "extra-offload-wrappers", "src", "test-paths"):
            changes[key.replace("-", "_")] = tuple(_str_list(value, where))
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of glob = [codes]")
            changes["per_file_ignores"] = tuple(
                (str(glob), _codes(codes, f"{where}.{glob}")) for glob, codes in value.items()
            )
        elif key == "extra-blocking-calls":
            changes["extra_blocking_calls"] = _blocking_calls(value, where)
        elif key == "confidence":
            if value not in ("high", "low"):
                raise ConfigError(f'{where}: expected "high" or "low", got {value!r}')
            changes["confidence"] = value
        elif key == "min-severity":
            if value not in SEVERITIES:
                raise ConfigError(f'{where}: expected "high", "medium" or "low", got {value!r}')
            changes["min_severity"] = value
        elif key in ("respect-gitignore", "cache", "include-tests"):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false, got {value!r}")
            changes[key.replace("-", "_")] = value
        elif key == "cache-dir":
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected a path string")
            changes["cache_dir"] = value
        else:
            warnings.append(f"{source}: unknown key tool.asynclint.{raw_key} (ignored)")
    changes["warnings"] = tuple(warnings)
    return replace(settings, **changes)  # type: ignore[arg-type]


def _str_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return value


def _codes(value: object, where: str) -> tuple[str, ...]:
    codes = tuple(code.strip().upper() for code in _str_list(value, where))
    known = list(all_rules())
    for code in codes:
        # A typo must not switch every rule off and let the run pass.
        if code == "ALL" or (
            _CODE_SELECTOR.match(code) and any(rule.startswith(code) for rule in known)
        ):
            continue
        # Rules on by default are what a typo most likely meant.
        usual = [rule.code for rule in all_rules().values() if rule.default]
        closest = difflib.get_close_matches(code, usual, n=1, cutoff=0)
        hint = f"; the closest is {closest[0]}" if closest else ""
        raise ConfigError(
            f"{where}: unknown rule code or prefix {code!r}{hint} (`asynclint rules` lists them)"
        )
    return codes


def _blocking_calls(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """Accept ``{"pkg.fn" = "suggestion"}`` or ``["pkg.fn -> suggestion", "pkg.other"]``."""
    pairs: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for name, suggestion in value.items():
            if not isinstance(suggestion, str):
                raise ConfigError(f"{where}.{name}: expected a suggestion string")
            pairs.append((name, suggestion))
    elif isinstance(value, list):
        for item in _str_list(value, where):
            name, _, suggestion = item.partition("->")
            pairs.append((name.strip(), suggestion.strip()))
    else:
        raise ConfigError(f"{where}: expected a table of name = suggestion")
    for name, _ in pairs:
        if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*", name):
            raise ConfigError(
                f"{where}: {name!r} is not a dotted name like package.module.function"
            )
    return tuple(pairs)
