"""Letter templates campaigners write: merge fields and simple conditions on them, nothing else.

The grammar is checked on the parsed template, when it is saved or loaded and again before a
stored one first runs, so a template can neither reach into Python nor cost more than its length.
"""

from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

MERGE_FIELDS = ("signer_name", "signer_region", "legislator_name", "legislator_title", "country", "drive_title",
                "personal_paragraph")
RENDERED_MAX = 20_000  # characters a template, and the letter it renders, may have
DEPTH_MAX = 20  # conditions inside conditions, and operators inside a condition, all counted
ALLOWED = "only merge fields such as {{ signer_name }} and if/elif/else on them"

# What a refused construct is called in the reason a campaigner reads.
CONSTRUCTS = (
    (nodes.For, "a loop ({% for %})"), (nodes.Macro, "a macro"), (nodes.CallBlock, "{% call %}"),
    (nodes.Block, "a block"), (nodes.Extends, "{% extends %}"), (nodes.Include, "{% include %}"),
    (nodes.Import, "{% import %}"), (nodes.FromImport, "{% from ... import %}"),
    (nodes.Assign, "{% set %}"), (nodes.AssignBlock, "{% set %}"), (nodes.With, "{% with %}"),
    (nodes.FilterBlock, "a filter block"), (nodes.Filter, "a filter (|)"), (nodes.Call, "a call"),
    (nodes.Getattr, "attribute access (.)"), (nodes.Getitem, "item access ([ ])"), (nodes.Test, "a test (is)"),
    (nodes.CondExpr, "an inline if"), (nodes.Concat, "joining (~)"),
    ((nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow, nodes.Neg, nodes.Pos),
     "arithmetic"),
    ((nodes.And, nodes.Or, nodes.Not, nodes.Compare), "a condition outside {% if %}"),
    (nodes.Literal, "a value other than a merge field"),
)

# Letters are plain text: no HTML escaping, and nothing but the merge fields to reach.
environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
environment.globals.clear()  # no range(), cycler, lipsum...: the merge fields are all there is


class LetterTemplateError(ValueError):
    """A template that cannot be used; the message says why, in words a campaigner can act on."""


def check(source):
    """Refuse, with the reason, a template that is anything but merge fields and simple conditions."""
    if len(source) > RENDERED_MAX:
        raise LetterTemplateError(f"longer than {RENDERED_MAX:,} characters")
    check_statements(parse(source).body, 1)


def parse(source):
    try:
        return environment.parse(source)
    except TemplateSyntaxError as error:
        raise LetterTemplateError(f"line {error.lineno}: {error.message}") from None
    except RecursionError:
        raise LetterTemplateError(f"nested too deeply (at most {DEPTH_MAX} levels)") from None


def refused(node, what=None):
    what = what or next((words for kind, words in CONSTRUCTS if isinstance(node, kind)), type(node).__name__)
    return LetterTemplateError(f"line {node.lineno}: {what} cannot be used in a letter template, {ALLOWED}")


def deeper(node, depth):
    if depth > DEPTH_MAX:
        raise LetterTemplateError(f"line {node.lineno}: nested more than {DEPTH_MAX} levels deep")
    return depth + 1


def check_statements(body, depth):
    """Text, merge fields and if/elif/else: the statements a letter is made of."""
    for node in body:
        if isinstance(node, nodes.Output):
            for part in node.nodes:
                if not isinstance(part, nodes.TemplateData):
                    check_field(part)
        elif isinstance(node, nodes.If):
            check_if(node, deeper(node, depth))
        else:
            raise refused(node)


def check_if(node, depth):
    # Jinja keeps each elif as an If of its own, with no elif or else of its own.
    for branch in (node, *node.elif_):
        check_condition(branch.test, depth)
        check_statements(branch.body, depth)
    check_statements(node.else_, depth)


def check_condition(node, depth):
    """A merge field, `not`, `and`/`or`, or a merge field == or != a text in quotes."""
    depth = deeper(node, depth)
    if isinstance(node, nodes.Not):
        check_condition(node.node, depth)
    elif isinstance(node, (nodes.And, nodes.Or)):
        check_condition(node.left, depth)
        check_condition(node.right, depth)
    elif isinstance(node, nodes.Compare):
        check_comparison(node)
    else:
        check_field(node)


def check_comparison(node):
    if len(node.ops) != 1 or node.ops[0].op not in ("eq", "ne"):
        raise refused(node, "a comparison other than one == or !=")
    sides = (node.expr, node.ops[0].expr)
    texts = [side for side in sides if isinstance(side, nodes.Const) and isinstance(side.value, str)]
    if len(texts) != 1:
        raise refused(node, "a comparison that is not of a merge field with a text in quotes")
    check_field(sides[1] if sides[0] is texts[0] else sides[0])


def check_field(node):
    if not isinstance(node, nodes.Name):
        raise refused(node)
    if node.name not in MERGE_FIELDS:
        raise LetterTemplateError(
            f"line {node.lineno}: unknown field {node.name}; the fields are {', '.join(MERGE_FIELDS)}")


@lru_cache(maxsize=256)
def compiled(source):
    """The template, checked first: one stored before these rules, or edited in the database, never runs."""
    check(source)
    return environment.from_string(source)


@lru_cache(maxsize=256)
def fields_of(source):
    """The merge fields a template uses."""
    return frozenset(meta.find_undeclared_variables(environment.parse(source)))


def render(source, fields):
    """The letter text for one signer and one legislator; field values are text, never template.

    Raises LetterTemplateError for a template that breaks the rules, fails in any way, or
    renders more than RENDERED_MAX characters (it stops there rather than finishing).
    """
    try:
        return bounded(compiled(source).generate(**fields))
    except LetterTemplateError:
        raise
    except Exception as error:  # whatever an old template does, the page stays up
        raise LetterTemplateError(f"cannot be rendered: {type(error).__name__}: {error}") from error


def bounded(chunks):
    letter, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > RENDERED_MAX:
            raise LetterTemplateError(f"the letter would be longer than {RENDERED_MAX:,} characters")
        letter.append(chunk)
    return "".join(letter)
