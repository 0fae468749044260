"""AL001: a file that cannot be parsed."""

from asynclint.rules import Rule

RULES = (
    Rule(
        code="AL001",
        name="unparsable-file",
        summary="The file is not valid Python, so it could not be checked",
        what_it_does=(
            "Reports a Python file that LibCST cannot parse (a syntax error, an unsupported "
            "encoding, Python 2 syntax). The finding points at the position of the error. The "
            "rest of the project is still checked, and calls into the broken module are treated "
            "as unknown."
        ),
        why_bad=(
            "A file that does not parse cannot be checked: any blocking call in it goes unseen, "
            "and so does any chain of calls through it. Other tools abort the whole run on such "
            "a file; asynclint reports it and goes on, so it must not be silently ignored."
        ),
        example=('async def handler():\n    print "ready"\n'),
        use_instead=('async def handler():\n    print("ready")\n'),
        fix_safety="No fix: fix the syntax error by hand.",
    ),
)
