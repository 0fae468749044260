"""A visitor base for finding what some code may not contain, outside the scopes nested in it."""

from __future__ import annotations

import libcst as cst


class ConstructFinder(cst.CSTVisitor):
    """Notes the first construct found (``found`` says which, after ``USES``); nested functions,
    classes and lambdas are their own scopes and are not entered. Async constructs are always
    looked for; subclasses add the others."""

    USES = "the code uses"

    def __init__(self) -> None:
        self.found = ""

    def _note(self, what: str) -> bool:
        self.found = self.found or f"{self.USES} {what}"
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Await(self, node: cst.Await) -> bool:
        return self._note("`await`")

    def visit_With(self, node: cst.With) -> bool:
        return self._note("`async with`") if node.asynchronous is not None else True

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        return self._note("an async comprehension") if node.asynchronous is not None else True
