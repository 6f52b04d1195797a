"""The exceptions calc raises: bad input, contradicting input, input beyond a float, bad data; and the nearest
known name a misspelt one is said with.

Every message names the field (or the file, row and column), what was expected, and what came.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable


def folded(name: str) -> str:
    """``name`` as names are compared when people type them: case, spaces, dashes and other punctuation aside
    ("gpt-3 175b" and "GPT-3 175B" alike): the one key of every lookup that reads a name as typed.

    >>> folded(" H100  sxm-5 ")
    'h100sxm5'
    """
    return "".join(c for c in name.casefold() if c.isalnum())


def nearest(got, known: Iterable[str], n: int = 1, cutoff: float = 0.6, fold: bool = True) -> list[str]:
    """The names of ``known`` nearest to ``got`` as spelt (at most ``n``, by ``difflib``'s ratio from
    ``cutoff``, surrounding spaces and, with ``fold``, case ignored), for an error that names what was meant;
    [] for none, or when ``got`` is not text.

    Every "did you mean" of calc and its doors is drawn from here: one idea of a look-alike.

    >>> nearest("dualpip", ["1f1b", "dualpipe", "deepspeed"]), nearest("xyz", ["full", "lora"])
    (['dualpipe'], [])
    """
    if not isinstance(got, str) or not got.strip():
        return []
    key = str.casefold if fold else str
    names = {key(str(k)): str(k) for k in known}
    return [names[c] for c in difflib.get_close_matches(key(got.strip()), names, n=n, cutoff=cutoff)]


def did_you_mean(got, known: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """\" (did you mean lora?)\" when ``got`` is near a name of ``known`` (``nearest``), else "": the end of a
    one-line error that names a valid choice.

    >>> "expected one of full, lora, qlora, got 'lorra'" + did_you_mean("lorra", ["full", "lora", "qlora"])
    "expected one of full, lora, qlora, got 'lorra' (did you mean lora?)"
    """
    close = nearest(got, known, n, cutoff)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


class InputError(ValueError):
    """A value given to calc is malformed, out of range, or of the wrong dimension.

    Attributes
    ----------
    field : str
        The name of the offending input, as the vocabulary spells it (``tokens``, ``price``...).
    """

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class ConflictError(InputError):
    """Inputs that each look fine but contradict each other (over-determined and inconsistent).

    Attributes
    ----------
    fields : tuple of str
        Every input that takes part in the contradiction.
    """

    def __init__(self, fields: tuple[str, ...], message: str):
        self.fields = tuple(fields)
        super().__init__(", ".join(self.fields), message)
        self.field = self.fields[0] if self.fields else ""


class InputErrors(InputError):
    """Several inputs refused at once (a scenario file's fields), each kept as its own ``InputError`` in ``errors``
    so that a door can show one a line; the message lists them all, each naming its field, what was expected and
    what came, as a link's problems are listed.

    >>> str(InputErrors("scenario", [InputError("chps", "not a name"), InputError("chips", "expected > 0, got -1")]))
    'scenario: 2 problems: chps: not a name; chips: expected > 0, got -1'
    """

    def __init__(self, field: str, errors):
        self.errors = tuple(errors)
        super().__init__(field, f"{len(self.errors)} problems: " + "; ".join(map(str, self.errors)))


class ScaleError(InputError):
    """Inputs that each look fine but give a result beyond what a float holds (inf, or 0 by underflow).

    Attributes
    ----------
    fields : tuple of str
        Every input the result was computed from.
    """

    def __init__(self, fields: tuple[str, ...], message: str):
        self.fields = tuple(fields)
        super().__init__(", ".join(self.fields), message)
        self.field = self.fields[0] if self.fields else ""


class MissingLink(InputError):
    """A chip whose link bandwidth (fast links inside a node, or the network) data/hardware.csv does not give, asked
    to work over chips that need it; the door that knows what the user gave (a layout, a chip count, a chip alone)
    words the message for it.

    Attributes
    ----------
    chip : str
        The accelerator's name.
    link : str
        The missing link: "fast-link (intra-node)" or "network".
    """

    def __init__(self, field: str, message: str, chip: str, link: str):
        super().__init__(field, message)
        self.chip, self.link = chip, link


class UnknownKeyword(InputError, TypeError):
    """A keyword a public function does not take (``calc.lifetime(modle=...)``), said with the nearest it takes.

    Also a ``TypeError``, what Python raises for an unexpected keyword, so code that catches that keeps working.

    Attributes
    ----------
    function : str
        The function as people call it (``calc.lifetime``).
    known : tuple of str
        The keywords it takes.
    """

    def __init__(self, function: str, keyword: str, known: Iterable[str]):
        self.function, self.known = function, tuple(known)
        close = nearest(keyword, self.known, n=3)
        hint = f"did you mean {' or '.join(close)}?" if close else "its keywords are " + ", ".join(self.known)
        super().__init__(keyword, f"not a keyword of {function}; {hint}")


def checks_keywords(function: str, more: Callable[[], Iterable[str]] | None = None):
    """Decorate a public function so that a keyword it does not take raises ``UnknownKeyword`` (the nearest it takes
    named), where Python said "got an unexpected keyword argument" with no hint. ``more``: the names a ``**kwargs``
    of the function takes (the vocabulary's, a layout's fields), read at the call; a ``**kwargs`` without it is
    not checked. The signature shown (``inspect.signature``, ``help``) stays the function's own.

    >>> @checks_keywords("area")
    ... def area(width, *, height=1.0):
    ...     return width * height
    >>> area(2, hieght=3)
    Traceback (most recent call last):
    ...
    calc.errors.UnknownKeyword: hieght: not a keyword of area; did you mean height?
    >>> str(inspect.signature(area))
    '(width, *, height=1.0)'
    """
    def decorate(fn):
        params = inspect.signature(fn).parameters.values()
        named = tuple(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        open_ended = any(p.kind == p.VAR_KEYWORD for p in params)

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            for k in kwargs:
                if k in named or open_ended and (more is None or k in more()):
                    continue
                raise UnknownKeyword(function, k, named + (tuple(more()) if open_ended else ()))
            return fn(*args, **kwargs)
        return checked
    return decorate


class Undetermined(InputError, KeyError):
    """A quantity asked of an estimate that its inputs do not determine; says what would.

    Also a ``KeyError`` (``est["compute"]`` is a lookup), so code that tests membership keeps working,
    while every door that catches ``InputError`` shows it as one line instead of a traceback.
    """

    def __str__(self) -> str:  # KeyError would quote the whole message as a repr
        return f"{self.field}: {self.message}"


class UndeterminedAttribute(Undetermined, AttributeError):
    """``est.compute`` when the inputs do not determine it: an Undetermined that ``hasattr`` and ``getattr`` with a
    default still read as a missing attribute."""


class DataError(InputError):
    """A cell of a bundled data or seed file is malformed; names the file, row and column."""

    def __init__(self, path: str, row: int | None, column: str | None, message: str):
        self.path, self.row, self.column = path, row, column
        where = path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(where, message)
