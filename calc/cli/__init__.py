"""The command line: parses flags into Quantities, calls calc, prints.

    python -m calc estimate --params "175e9 param" --tokens "300e9 token" --hardware "V100 SXM2" --chips 10000
    python -m calc claims [--json]
    python -m calc hardware

Quantity flags take unit strings ("14.8 day") or plain numbers in the canonical unit. Bad input
exits with status 2 and one line naming the flag; there is never a traceback. One module per
command group; the flags they share are in ``calc.cli.flags``.
"""

from __future__ import annotations

import argparse
import re
import sys

from calc.cli import cost, estimate, lifetime, published, serve, shape, step, thresholds
from calc.cli.flags import _flag
from calc.errors import InputError, did_you_mean, nearest

# Each command: the function that adds its parser, and the one that runs it (in the order of --help).
COMMANDS = {
    "estimate": (estimate._estimate_parser, estimate._estimate),
    "claims": (published._claims_parser, published._claims),
    "hardware": (published._hardware_parser, published._hardware),
    "cost": (cost._cost_parser, cost._cost),
    "thresholds": (thresholds._thresholds_parser, thresholds._thresholds),
    "compare": (estimate._compare_parser, estimate._compare),
    "params": (shape._params_parser, shape._params),
    "memory": (shape._memory_parser, shape._memory),
    "optimal": (lifetime._optimal_parser, lifetime._optimal),
    "step": (step._step_parser, step._step),
    "lifetime": (lifetime._lifetime_parser, lifetime._lifetime),
    "backtest": (published._backtest_parser, published._backtest),
    "serve": (serve._serve_parser, serve._serve),
}


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # argparse reads "-3e25" as an option unless it looks like a plain number and the parser has
        # no option that looks like one; "-3e25", "-2T" or "-.5" then fail with "expected one
        # argument". A value starting "-digit" or "-.digit" is a value here (no flag starts so), so
        # the field's own reader answers ("expected a positive ..., got -3e25 FLOP").
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message):
        """Usage errors: one line, status 2, like every other bad input; a flag's value that argparse's int or
        float refuses is said as the project says it (the flag, what was expected, what was read)."""
        m = _INVALID.match(message)
        if m:
            flag, kind, got = m.groups()
            what = _EXPECTED.get(flag, "a whole number" if kind == "int" else "a number")
            message = f"{flag}: expected {what}, got {got}"
        m = _CHOICE.match(message)
        if m:  # "invalid choice: 'estimat' (choose from 'estimate', ...)": said with the command or choice meant
            where, got, known = m.group(1), m.group(2), [c.strip("'\" ") for c in m.group(3).split(",")]
            message = (f"unknown command {got!r}{did_you_mean(got, known)}; expected one of {', '.join(known)}"
                       if where == "command" else
                       f"{where}: expected one of {', '.join(known)}, got {got!r}{did_you_mean(got, known)}")
        if message == "the following arguments are required: command":  # `python -m calc` alone: what it takes
            message = (f"expected a command, one of {', '.join(COMMANDS)} (python -m calc COMMAND --help says what "
                       "each takes)")
        m = _EXCLUSIVE.match(message)
        if m:  # a mutually exclusive pair (--x and --no-x): both named, as opposites
            message = f"{m.group(1)}: not allowed with {m.group(2)} (they say opposite things); give one"
        # "argument --input-tokens: ..." said as every other bad input is, by its flag: "--input-tokens: ..."
        message = re.sub(r"^argument (--[\w-]+)(?:/\S+)?: expected one argument$", r"\1: expected a value after it",
                         message)
        message = re.sub(r"^argument (--[\w-]+)(?:/\S+)?: ", r"\1: ", message)
        self.exit(2, f"calc: error: {message}\n")


_CHOICE = re.compile(r"^argument (command|--[\w-]+)(?:/\S+)?: invalid choice: '?(.*?)'? \(choose from (.*)\)$")
_EXCLUSIVE = re.compile(r"^argument (--[\w-]+)(?:/\S+)?: not allowed with argument (--[\w-]+)(?:/\S+)?$")
_INVALID = re.compile(r"^argument (--[\w-]+)(?:/\S+)?: invalid (int|float) value: (.*)$")
_EXPECTED = {"--year": "a year, e.g. 2023", "--rtol": "a relative tolerance between 0 and 1 (0.05 for 5%)",
             "--seed": "a whole number (the random generator's seed)", "--zero": "a ZeRO stage: 0, 1, 2 or 3"}


def _version() -> str:
    """The installed distribution's version (pyproject.toml's), or a word where calc runs from a checkout."""
    from importlib import metadata

    try:
        return metadata.version("calc")
    except metadata.PackageNotFoundError:
        return "(not installed: run from a checkout)"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``python -m calc`` (also used to document the flags); with ``command`` (one of
    ``COMMANDS``), that command's alone: its flags' choices import what it needs (``step``'s calc.perf, ``serve``'s
    calc.serve), not every other command's."""
    parser = _Parser(prog="calc", description="Training-cost and scaling calculator, with units.")
    parser.add_argument("--version", action="version", version=f"calc {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add_parser, _ in ([COMMANDS[command]] if command is not None else COMMANDS.values()):
        add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 on bad input)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    # a command first: its parser alone (the same flags, help and errors); anything else (--help, a misspelt command,
    # none) meets every command's, as the top-level help and "did you mean" list them all
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args, extra = parser.parse_known_args(argv)
    word, words = getattr(args, "action", None), getattr(args, "words", ())
    if word is not None and word not in words:  # e.g. the value of a misspelt flag: said with that flag
        extra = sorted([*extra, word], key=lambda a: argv.index(a) if a in argv else len(argv))
        close = nearest(word, words, cutoff=0.75)
        if close and len(extra) == 1:
            parser.error(f"{args.command}: unknown word {word!r} (did you mean {close[0]}?)")
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}{_close_flags(parser, args.command, extra)}"
                     f"{_quotes(argv, extra)}")
    _refuse_repeated(parser, args.command, argv)
    try:
        _refuse_empty(args, parser)
        return COMMANDS[args.command][1](args)
    except InputError as exc:
        print(f"calc: error: {_flagged(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, less) closed the pipe: not an error of ours
        sys.stderr.close()
        return 0


# Flags naming a row, a format or a file, which each command tests for truth (``if args.model:``): an empty
# value ("--model ''", a shell variable left unset) was taken as no flag at all, the answer given without it.
NAMED = {"model": "a model's name", "config": "the path of a config.json", "precision": "a number format",
         "kv_precision": "a number format", "expert_precision": "a number format"}


def _refuse_empty(args: argparse.Namespace, parser: argparse.ArgumentParser | None = None) -> None:
    """Refuse a flag given an empty or blank value, instead of answering as if it were not given: a flag of ``NAMED``
    saying what it names, any other of ``parser``'s command as a value (``cost --hardware ''``, ``optimal --law ''``,
    ``step --recompute-modules ''`` were answered without them, ``thresholds --params ''`` blamed --compute)."""
    for dest, what in NAMED.items():
        value = getattr(args, dest, None)
        if isinstance(value, str) and not value.strip():
            raise InputError(dest, f"expected {what}, got {'only spaces' if value else 'an empty value'}; give one, "
                                   "or leave the flag out")
    if parser is None:
        return
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[args.command]
    for action in sub._actions:
        value = getattr(args, action.dest, None)
        if isinstance(value, list) and value != action.default:  # a flag given again and again (compare --hardware)
            value = next((v for v in value if isinstance(v, str) and not v.strip()), None)
        if action.option_strings and isinstance(value, str) and not value.strip() and value != action.default:
            raise InputError(action.option_strings[-1][2:].replace("-", "_"), f"expected a value, got {'only spaces' if value else 'an empty value'}; "
                                          "give one, or leave the flag out")


def _refuse_repeated(parser: argparse.ArgumentParser, command: str, argv: list[str]) -> None:
    """A flag given twice with two values ("--params 70e9 --params 80e9", a line edited and re-run) is refused with
    both, not answered with the last one alone; a flag that takes no value, or the same value again, says one thing,
    and a flag that collects its values (``compare --hardware``) is left to collect them."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    flags = {o: a for a in sub._actions for o in a.option_strings if o.startswith("--")}
    seen: dict[argparse.Action, tuple[str, str]] = {}
    for i, word in enumerate(argv):
        if not word.startswith("--"):
            continue
        flag, eq, value = word.partition("=")
        near = {flags[o] for o in flags if o.startswith(flag)}  # argparse takes a flag's unique beginning too
        action = flags.get(flag) or (near.pop() if len(near) == 1 else None)
        if action is None or action.nargs == 0 or not isinstance(action, argparse._StoreAction):
            continue
        if not eq:
            value = argv[i + 1] if i + 1 < len(argv) else ""
        if action in seen and seen[action][1] != value:
            first, before = seen[action]
            spelt = f" (as {first} and {flag})" if first != flag else ""
            parser.error(f"{action.option_strings[0]}: given twice, {before!r:.40} and {value!r:.40}{spelt}; "
                         "give it once")
        seen.setdefault(action, (flag, value))


def _close_flags(parser: argparse.ArgumentParser, command: str, extra: list[str]) -> str:
    """" (did you mean --duration?)" for the unknown flags of ``extra`` that are close to one of ``command``'s."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    known = {o[2:]: o for a in sub._actions for o in a.option_strings if o.startswith("--")}
    close = []
    for word in extra:
        flag = word.split("=", 1)[0]
        if flag.startswith("--"):  # compared without the "--" both share: with it, --scope was 0.75 like --compute
            close += [known[c] for c in nearest(flag[2:], known, n=2, cutoff=0.75) if known[c] not in close]
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _quotes(argv: list[str], extra: list[str]) -> str:
    """A hint when a left-over word follows a flag's value (--hardware H100 SXM5: "SXM5" is left over)."""
    for w in extra:
        i = argv.index(w) if w in argv else 0
        if not w.startswith("-") and i >= 2 and argv[i - 2].startswith("--") and "=" not in argv[i - 2] \
                and not argv[i - 1].startswith("-"):
            j = i
            while j < len(argv) and not argv[j].startswith("-"):
                j += 1
            return f' (a value with spaces needs quotes: {argv[i - 2]} "{" ".join(argv[i - 1:j])}")'
    return ""


def _flagged(exc: InputError) -> str:
    fields = getattr(exc, "fields", None) or (exc.field,)
    message = getattr(exc, "message", str(exc))
    if all(f.isidentifier() for f in fields):
        text = ", ".join(_flag(f) for f in fields) + ": " + message
    else:
        text = str(exc)
    # one line: line breaks (and the indent around them) become one space; a value echoed as typed keeps its own
    # spaces ('Llama  7B' was echoed 'Llama 7B', not what was read: fresh11)
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()
