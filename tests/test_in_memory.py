"""In-memory streams and databases (decision 0043): the catalog's conditions and how values in
memory flow. The reported twins live in ``tests/fixtures/in_memory.py``."""

from __future__ import annotations

import textwrap

import pytest

from asynclint.api import check_source
from asynclint.catalog import Catalog, CatalogError, InMemory, builtin_catalog


def test_conditions_are_catalog_data() -> None:
    catalog = builtin_catalog()
    connect = catalog.function("sqlite3.connect")
    assert connect is not None and connect.blocking is not None
    assert (
        InMemory(position=0, keyword="database", literal=":memory:") in connect.blocking.in_memory
    )
    assert catalog.is_memory("io.StringIO") and catalog.is_memory("tempfile.SpooledTemporaryFile")
    assert not catalog.is_memory("io.IOBase")


@pytest.mark.parametrize(
    "condition",
    [{}, {"receiver": True, "arg": 0}, {"arg": -1}, {"arg": 0, "literal": 3}, {"arg": 0, "x": 1}],
)
def test_a_malformed_condition_is_a_catalog_error(condition: dict) -> None:
    doc = {"functions": [{"names": ["x.y"], "code": "AL240", "in_memory": [condition]}]}
    with pytest.raises(CatalogError, match="in_memory"):
        Catalog().add_document(doc, "test.toml")


def test_buffers_made_and_returned_by_project_functions_stay_in_memory() -> None:
    source = textwrap.dedent(
        """\
        import io
        import zipfile


        def pack(data: bytes):
            return io.BytesIO(data)


        def annotated(data: bytes) -> io.BytesIO:
            ...


        def on_disk(path: str):
            return open(path, "rb")


        async def handler(data: bytes, path: str, either: io.BytesIO | io.BufferedReader):
            zipfile.ZipFile(pack(data)).read("a")
            zipfile.ZipFile(annotated(data)).read("b")
            zipfile.ZipFile(on_disk(path)).read("c")
            zipfile.ZipFile(either).read("d")
        """
    )
    found = sorted((f.line, f.snippet) for f in check_source(source, "buffers.py"))
    # The file opened on disk, and a value that may be either, are not in memory.
    assert found == [(20, "on_disk"), (20, "zipfile.ZipFile"), (21, "zipfile.ZipFile")]
