"""Visitor bases for looking at one scope of some code: what it contains, not what the
functions, classes and lambdas nested in it do (they run elsewhere, or later)."""

from __future__ import annotations

import libcst as cst


class OwnScopeVisitor(cst.CSTVisitor):
    """Does not enter the functions, classes and lambdas nested in what it visits."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class ConstructFinder(OwnScopeVisitor):
    """Notes the first construct found (``found`` says which, after ``USES``). Async constructs
    are always looked for; subclasses add the others."""

    USES = "the code uses"

    def __init__(self) -> None:
        self.found = ""

    def _note(self, what: str) -> bool:
        self.found = self.found or f"{self.USES} {what}"
        return False

    def visit_Await(self, node: cst.Await) -> bool:
        return self._note("`await`")

    def visit_With(self, node: cst.With) -> bool:
        return self._note("`async with`") if node.asynchronous is not None else True

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        return self._note("an async comprehension") if node.asynchronous is not None else True
