"""AL001: a file that cannot be parsed."""

from asynclint.rules import Rule

RULES = (
    Rule(
        code="AL001",
        name="unparsable-file",
        summary="The file is not valid Python, so it could not be checked",
        what_it_does=(
            "Reports a Python file that could not be analysed: a syntax error, an unsupported "
            "encoding, Python 2 syntax, a file that is not a regular file or cannot be read, "
            'valid Python that LibCST cannot parse ("LibCST cannot parse this file"), a '
            "file over the size limit, or a file whose fixes could not be computed. The finding "
            "points at the position of the error when there is one. The rest of the project is "
            "still checked, and calls into the broken module are treated as unknown. Valid "
            "files that are too large or that LibCST rejects are still checked for direct calls "
            "of blocking functions in their `async def`s, from CPython's parse alone."
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
