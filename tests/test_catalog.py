"""The shipped catalog loads, is consistent, and says the right thing where it matters."""

from __future__ import annotations

import sys
from importlib import resources

import pytest

from asynclint.catalog import CUSTOM_CODE, Catalog, CatalogError, Offload, builtin_catalog
from asynclint.rules import all_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return builtin_catalog()


def _catalog_files() -> list[tuple[str, dict[str, object]]]:
    folder = resources.files("asynclint") / "catalog"
    return [
        (item.name, tomllib.loads(item.read_text(encoding="utf-8")))
        for item in sorted(folder.iterdir(), key=lambda entry: entry.name)
        if item.name.endswith(".toml")
    ]


def method_code(catalog: Catalog, type_name: str, method: str) -> str | None:
    blocking = catalog.method(type_name, method)
    return blocking.code if blocking else None


def _blocking_codes(catalog: Catalog) -> set[str]:
    codes = {entry.blocking.code for entry in catalog.functions.values() if entry.blocking}
    for entry in catalog.types.values():
        codes |= {blocking.code for blocking in entry.methods.values()}
    return codes


def test_every_family_file_is_shipped() -> None:
    names = {name for name, _ in _catalog_files()}
    expected = {
        "sleep.toml", "http.toml", "files.toml", "processes.toml", "input.toml",
        "databases.toml", "network.toml", "cpu.toml", "threads.toml", "sdk.toml",
        "frameworks.toml", "offload.toml",
    }  # fmt: skip
    assert expected <= names


def test_catalog_is_large_enough_to_be_useful(catalog: Catalog) -> None:
    blocking_functions = [entry for entry in catalog.functions.values() if entry.blocking]
    blocking_methods = sum(len(entry.methods) for entry in catalog.types.values())
    assert len(blocking_functions) > 300
    assert blocking_methods > 500


def test_every_code_is_a_registered_rule(catalog: Catalog) -> None:
    unknown = _blocking_codes(catalog) - set(all_rules())
    assert not unknown, f"catalog uses codes without a rule: {sorted(unknown)}"


def test_every_blocking_entry_has_a_suggestion(catalog: Catalog) -> None:
    missing = [
        name
        for name, entry in catalog.functions.items()
        if entry.blocking and not entry.blocking.suggestion.strip()
    ]
    for type_name, entry in catalog.types.items():
        missing += [
            f"{type_name}.{method}"
            for method, blocking in entry.methods.items()
            if not blocking.suggestion.strip()
        ]
    assert not missing


def test_fix_kinds_are_known(catalog: Catalog) -> None:
    kinds = {entry.blocking.fix for entry in catalog.functions.values() if entry.blocking}
    for entry in catalog.types.values():
        kinds |= {blocking.fix for blocking in entry.methods.values()}
    assert kinds <= {"", "asyncio-sleep", "to-thread"}


def test_every_referenced_type_exists(catalog: Catalog) -> None:
    references: list[tuple[str, str]] = []
    for name, entry in catalog.functions.items():
        if entry.returns:
            references.append((f"function {name} returns", entry.returns))
    for type_name, type_entry in catalog.types.items():
        references += [
            (f"{type_name}.{key} returns", value) for key, value in type_entry.returns.items()
        ]
        references += [
            (f"{type_name}.{key} attribute", value) for key, value in type_entry.attributes.items()
        ]
        references += [(f"{type_name} base", base) for base in type_entry.bases]
    dangling = [
        (where, target) for where, target in references if catalog.canonical_type(target) is None
    ]
    assert not dangling


def test_methods_are_declared_on_canonical_names() -> None:
    # A [[methods]] table naming an alias would silently create a second, unrelated type.
    aliases: dict[str, str] = {}
    method_types: list[tuple[str, str]] = []
    for file_name, doc in _catalog_files():
        for table in doc.get("types", []):
            for alias in table.get("aliases", []):
                aliases[alias] = table["name"]
        method_types += [(file_name, table["type"]) for table in doc.get("methods", [])]
    wrong = [(file_name, name) for file_name, name in method_types if name in aliases]
    assert not wrong


def test_no_type_is_both_an_alias_and_a_separate_type(catalog: Catalog) -> None:
    clashes = [
        alias for alias, name in catalog.aliases.items() if alias != name and alias in catalog.types
    ]
    assert not clashes


def test_nothing_is_both_blocking_and_an_offload(catalog: Catalog) -> None:
    both = [
        name
        for name in catalog.offload_functions
        if (entry := catalog.functions.get(name)) is not None and entry.blocking is not None
    ]
    assert not both


def test_async_apis_are_never_listed(catalog: Catalog) -> None:
    async_names = [
        "httpx.AsyncClient", "redis.asyncio.Redis", "psycopg.AsyncConnection", "openai.AsyncOpenAI",
        "anthropic.AsyncAnthropic", "sqlalchemy.ext.asyncio.AsyncSession", "asyncio.sleep",
        "anyio.sleep", "elasticsearch.AsyncElasticsearch", "pymongo.AsyncMongoClient",
    ]  # fmt: skip
    for name in async_names:
        assert catalog.canonical_type(name) is None, name
        assert catalog.function(name) is None, name


# ---- spot checks ----------------------------------------------------------------------------


def test_time_sleep_has_the_safe_sleep_fix(catalog: Catalog) -> None:
    entry = catalog.function("time.sleep")
    assert entry is not None and entry.blocking is not None
    assert (entry.blocking.code, entry.blocking.fix) == ("AL251", "asyncio-sleep")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("requests.get", "AL210"),
        ("httpx.post", "AL210"),
        ("urllib.request.urlopen", "AL210"),
        ("builtins.open", "AL230"),
        ("os.fdopen", "AL230"),
        ("json.load", "AL232"),
        ("os.path.exists", "AL240"),
        ("shutil.rmtree", "AL240"),
        ("pandas.read_csv", "AL240"),
        ("subprocess.Popen", "AL220"),
        ("subprocess.run", "AL221"),
        ("os.waitpid", "AL222"),
        ("builtins.input", "AL250"),
        ("sqlite3.connect", "AL260"),
        ("socket.getaddrinfo", "AL270"),
        ("hashlib.pbkdf2_hmac", "AL280"),
        ("concurrent.futures.wait", "AL290"),
        ("stripe.Charge.create", "AL215"),
    ],
)
def test_blocking_functions(catalog: Catalog, name: str, code: str) -> None:
    entry = catalog.function(name)
    assert entry is not None and entry.blocking is not None, name
    assert entry.blocking.code == code


def test_http_calls_have_no_automatic_fix(catalog: Catalog) -> None:
    for name in ("requests.get", "httpx.get", "urllib.request.urlopen"):
        entry = catalog.function(name)
        assert entry is not None and entry.blocking is not None
        assert entry.blocking.fix == ""
    session_get = catalog.method("requests.Session", "get")
    assert session_get is not None and session_get.fix == ""


def test_session_constructors_do_not_block_but_their_methods_do(catalog: Catalog) -> None:
    assert catalog.function("requests.Session") is None
    factory = catalog.function("requests.session")
    assert factory is not None and factory.blocking is None
    assert catalog.canonical_type(factory.returns) == "requests.Session"
    assert catalog.canonical_type("requests.sessions.Session") == "requests.Session"
    assert method_code(catalog, "requests.sessions.Session", "post") == "AL212"
    assert method_code(catalog, "httpx.Client", "get") == "AL212"
    assert catalog.method_returns("httpx.Client", "__enter__") == "httpx.Client"
    assert catalog.method("requests.Session", "mount") is None
    assert catalog.method("requests.Response", "json") is None
    assert catalog.method("requests.Response", "raise_for_status") is None


def test_pathlib_pure_methods_stay_quiet_and_keep_provenance(catalog: Catalog) -> None:
    for pure in (
        "name",
        "suffix",
        "stem",
        "with_suffix",
        "with_name",
        "joinpath",
        "__truediv__",
        "match",
        "as_posix",
    ):
        assert catalog.method("pathlib.Path", pure) is None, pure
    assert catalog.method_returns("pathlib.Path", "__truediv__") == "pathlib.Path"
    assert catalog.method_returns("pathlib.PosixPath", "with_suffix") == "pathlib.Path"
    assert catalog.attribute("pathlib.Path", "parent") == "pathlib.Path"
    assert method_code(catalog, "pathlib.Path", "read_text") == "AL240"
    assert method_code(catalog, "pathlib.WindowsPath", "exists") == "AL240"
    assert method_code(catalog, "pathlib.Path", "open") == "AL230"
    assert catalog.method_returns("pathlib.Path", "open") == "io.IOBase"
    assert catalog.function("pathlib.Path") is None
    assert catalog.method("pathlib.PurePath", "exists") is None


def test_open_returns_a_file_whose_io_blocks(catalog: Catalog) -> None:
    entry = catalog.function("builtins.open")
    assert entry is not None and catalog.canonical_type(entry.returns) == "io.IOBase"
    for method in ("read", "write", "readlines", "flush", "close", "__iter__"):
        assert method_code(catalog, "io.IOBase", method) == "AL232", method
    assert catalog.method("io.TextIOWrapper", "read") is not None
    assert catalog.method("io.IOBase", "fileno") is None


def test_upload_file_attribute_is_a_sync_file(catalog: Catalog) -> None:
    for name in ("fastapi.UploadFile", "starlette.datastructures.UploadFile"):
        assert catalog.method(name, "read") is None  # awaited coroutine, not a blocking call
        file_type = catalog.attribute(name, "file")
        assert file_type is not None and catalog.method(file_type, "read") is not None


def test_sqlite3_connect_blocks_and_returns_a_connection(catalog: Catalog) -> None:
    entry = catalog.function("sqlite3.connect")
    assert entry is not None and entry.blocking is not None
    assert entry.blocking.code == "AL260"
    assert entry.returns == "sqlite3.Connection"
    assert catalog.method("sqlite3.Connection", "cursor") is None
    assert catalog.method_returns("sqlite3.Connection", "cursor") == "sqlite3.Cursor"
    assert catalog.method_returns("sqlite3.Connection", "execute") == "sqlite3.Cursor"
    for method in ("execute", "commit", "executescript"):
        assert method_code(catalog, "sqlite3.Connection", method) == "AL260", method
    for method in ("fetchall", "fetchone", "__iter__"):
        assert method_code(catalog, "sqlite3.Cursor", method) == "AL260", method


def test_sqlalchemy_sessionmaker_call_gives_a_blocking_session(catalog: Catalog) -> None:
    engine = catalog.function("sqlalchemy.create_engine")
    assert engine is not None and engine.blocking is None
    assert (
        catalog.method_returns("sqlalchemy.orm.sessionmaker", "__call__")
        == "sqlalchemy.orm.Session"
    )
    assert method_code(catalog, "sqlalchemy.orm.session.Session", "execute") == "AL260"
    assert catalog.method("sqlalchemy.orm.Session", "add") is None
    query = catalog.method_returns("sqlalchemy.orm.Session", "query")
    assert query is not None and catalog.method(query, "filter") is None
    assert catalog.method_returns(query, "filter") == query
    assert method_code(catalog, query, "all") == "AL260"
    assert method_code(catalog, "sqlmodel.Session", "exec") == "AL260"
    assert catalog.method("sqlmodel.Session", "commit") is not None


def test_mongo_attribute_access_reaches_collections(catalog: Catalog) -> None:
    database = catalog.method_returns("pymongo.MongoClient", "__getattr__")
    assert database is not None
    assert catalog.method_returns("pymongo.MongoClient", "__getitem__") == database
    collection = catalog.method_returns(database, "__getattr__")
    assert collection is not None
    assert method_code(catalog, collection, "find_one") == "AL260"
    assert catalog.function("pymongo.MongoClient") is None


def test_redis_pipeline_buffers_until_execute(catalog: Catalog) -> None:
    assert method_code(catalog, "redis.StrictRedis", "get") == "AL260"
    pipeline = catalog.method_returns("redis.Redis", "pipeline")
    assert pipeline is not None and catalog.method("redis.Redis", "pipeline") is None
    assert catalog.method(pipeline, "set") is None
    assert catalog.method(pipeline, "execute") is not None
    factory = catalog.function("redis.from_url")
    assert factory is not None and factory.blocking is None


def test_sdk_wildcards_and_nested_resources(catalog: Catalog) -> None:
    client = catalog.function("boto3.client")
    assert client is not None and client.blocking is None
    assert method_code(catalog, client.returns, "*") == "AL215"
    chat = catalog.attribute("openai.OpenAI", "chat")
    assert chat is not None
    completions = catalog.attribute(chat, "completions")
    assert completions is not None
    assert method_code(catalog, completions, "*") == "AL215"
    messages = catalog.attribute("anthropic.Anthropic", "messages")
    assert messages is not None and catalog.method(messages, "*") is not None


def test_thread_waits(catalog: Catalog) -> None:
    assert method_code(catalog, "threading.RLock", "__enter__") == "AL295"  # off by default
    assert method_code(catalog, "threading.Condition", "wait") == "AL290"
    assert catalog.method("queue.PriorityQueue", "get") is not None
    assert catalog.method("queue.Queue", "put_nowait") is None
    submit = catalog.method_returns("concurrent.futures.ThreadPoolExecutor", "submit")
    assert submit is not None and method_code(catalog, submit, "result") == "AL290"


def test_offload_wrappers(catalog: Catalog) -> None:
    for name in (
        "asyncio.to_thread",
        "starlette.concurrency.run_in_threadpool",
        "fastapi.concurrency.run_in_threadpool",
        "anyio.to_thread.run_sync",
        "trio.to_thread.run_sync",
        "asyncer.asyncify",
    ):
        offload = catalog.offload_for_function(name)
        assert offload is not None and offload.callable_arg == 0, name
    assert catalog.offload_for_method("run_in_executor") == Offload(1)
    assert catalog.offload_for_method("submit") == Offload(0)


# ---- user extensions ------------------------------------------------------------------------


def test_extended_adds_user_entries_with_the_custom_code(catalog: Catalog) -> None:
    extended = catalog.extended(
        {
            "legacy_billing.charge": "use legacy_billing.acharge",
            "pandas.read_csv": "load at startup",
        },
        ["mylib.run_off_loop"],
    )
    charge = extended.function("legacy_billing.charge")
    assert charge is not None and charge.blocking is not None
    assert (charge.blocking.code, charge.blocking.suggestion) == (
        CUSTOM_CODE,
        "use legacy_billing.acharge",
    )
    overridden = extended.function("pandas.read_csv")
    assert overridden is not None and overridden.blocking is not None
    assert overridden.blocking.code == CUSTOM_CODE
    assert overridden.returns == "pandas.DataFrame"  # provenance survives the override
    assert extended.offload_for_function("mylib.run_off_loop") is not None
    # The shared catalog is untouched.
    assert catalog.function("legacy_billing.charge") is None
    original = catalog.function("pandas.read_csv")
    assert original is not None and original.blocking is not None
    assert original.blocking.code == "AL240"
    assert CUSTOM_CODE in all_rules()


def test_extended_without_extensions_is_the_same_catalog(catalog: Catalog) -> None:
    assert catalog.extended({}, []) is catalog


def test_schema_errors_are_reported_with_the_source() -> None:
    with pytest.raises(CatalogError, match=r"broken\.toml"):
        Catalog().add_document({"methods": [{"type": "x.Y", "names": ["get"]}]}, "broken.toml")
    with pytest.raises(CatalogError, match="AL251"):
        Catalog().add_document({"functions": [{"names": ["x.y"], "code": "E501"}]}, "bad.toml")


def test_loop_affinity_is_catalog_data(catalog: Catalog) -> None:
    assert "running event loop" in catalog.loop_function("asyncio.get_running_loop")
    assert catalog.loop_function("asyncio.run")
    assert catalog.loop_method("asyncio.Queue", "put_nowait")
    assert catalog.loop_method("asyncio.PriorityQueue", "get_nowait")  # through the alias
    assert catalog.loop_method("asyncio.Task", "set_result")  # a Future's method
    assert catalog.loop_method("asyncio.AbstractEventLoop", "call_soon")
    assert not catalog.loop_method("asyncio.AbstractEventLoop", "call_soon_threadsafe")
    assert not catalog.loop_method("asyncio.Queue", "qsize")
    assert "call_later" in catalog.loop_any_methods
    returns = catalog.function("asyncio.get_running_loop")
    assert returns is not None and returns.blocking is None  # needs the loop, blocks nothing


def test_thread_bound_types_and_their_exceptions(catalog: Catalog) -> None:
    for name in ("sqlite3.Connection", "sqlite3.Cursor", "sqlalchemy.orm.Session"):
        assert catalog.thread_bound(name), name
    assert catalog.thread_bound("sqlmodel.Session")  # through its base
    assert not catalog.thread_bound("requests.Session")
    connect = catalog.function("sqlite3.connect")
    assert connect is not None and connect.shared_unless == (("check_same_thread", False),)


def test_lazy_results_are_marked(catalog: Catalog) -> None:
    for name in ("os.walk", "glob.iglob", "os.scandir"):
        entry = catalog.function(name)
        assert entry is not None and entry.blocking is not None and entry.blocking.lazy, name
    glob_entry = catalog.function("glob.glob")
    assert glob_entry is not None and glob_entry.blocking is not None
    assert not glob_entry.blocking.lazy  # a list: offloading the call is enough
    assert catalog.method("pathlib.Path", "iterdir").lazy  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"loop": [{"names": ["x.y"]}]}, "'reason'"),
        ({"loop": [{"reason": "r"}]}, "needs 'names' or 'methods'"),
        ({"loop": [{"reason": "r", "type": "T", "names": ["x"]}]}, "takes 'methods'"),
        ({"types": [{"name": "T", "thread_bound": "yes"}]}, "'thread_bound'"),
        ({"functions": [{"names": ["f"], "shared_unless": "x"}]}, "'shared_unless'"),
    ],
)
def test_loop_and_thread_schema_errors(table: dict, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        Catalog().add_document(table, "test.toml")
