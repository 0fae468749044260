"""AL200: a blocking call the user declared in the configuration."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS

RULES = (
    Rule(
        code="AL200",
        name="configured-blocking-call-in-async-function",
        summary="A call listed in `extra-blocking-calls` runs on the event loop",
        what_it_does=(
            "Reports calls to functions your project declares as blocking in "
            "`[tool.asynclint.extra-blocking-calls]` (qualified name = suggestion), for in-house "
            "or third-party libraries the built-in catalog does not know. " + THROUGH_HELPERS
        ),
        why_bad=LOOP_STALL
        + " You listed the function because it does I/O or waits; its suggestion is shown with "
        "the finding.",
        example=(
            "# pyproject.toml:\n"
            "# [tool.asynclint.extra-blocking-calls]\n"
            '# "legacy_billing.charge" = "use `await legacy_billing.acharge(...)`"\n'
            "import legacy_billing\n"
            "\n"
            "\n"
            "async def checkout(order_id: int) -> None:\n"
            "    legacy_billing.charge(order_id)\n"
        ),
        use_instead=(
            "import legacy_billing\n"
            "\n"
            "\n"
            "async def checkout(order_id: int) -> None:\n"
            "    await legacy_billing.acharge(order_id)\n"
        ),
        fix_safety=(
            "Unsafe fix (with `--unsafe-fixes`): the call is wrapped as "
            "`await asyncio.to_thread(func, *args)`. Your suggestion is shown as a display-only "
            "hint. Functions listed in `extra-offload-wrappers` are treated like "
            "`asyncio.to_thread`."
        ),
        peer_codes=("ASYNC200",),
    ),
)
