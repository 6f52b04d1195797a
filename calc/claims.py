"""The seed articles' claims, recomputed: reproduced, off by a factor, or inconsistent in units.

Each ``seeds/*.toml`` file holds one article's claims in our own words: a seed article
(``article = "000_....txt"``, claims at its ``line``s) or a published statement (``source`` = its
author, title, date and address; ``where`` in it instead of a line). A claim states the
quoted figure (``quoted``, or ``quoted_formula`` over its inputs) and how to recompute it:
``estimate = "<quantity>"`` runs ``calc.estimate`` on its inputs; ``formula = "a * b / c + d"``
is a sum of products of its inputs (``*`` and ``/`` left to right within a term, terms joined by
``+`` and ``-``; no parentheses, no eval). Inputs are literals (``"32 chip"``) or references
into ``data/``:

    model:<name>:<quantity>           a published run, data/models.csv
    fact:<name>                        a sourced figure, data/facts.csv
    hardware:<name>:<column>[:<prec>]  an accelerator, data/hardware.csv (peak needs a precision;
                                       also chips_per_board, chips_per_node, memory, tdp...)
    price:<hardware>:<commitment>:<date>
                                       the lowest price in force on that date, data/prices.csv;
                                       <hardware> may be a family prefix ("V100")
    threshold:<id>:<measure>           a regulatory line, data/thresholds.csv

The verdict compares the quote with the recomputation: ``compare = "equal"`` (default) within
``tolerance``; ``"at-least"`` / ``"at-most"`` for bounds the article states ("more than 100x").
A recomputation whose dimension differs from the quote's is ``inconsistent-units``, and the claim
must say so (``units_disagree = true``): otherwise a slip in a seed's unit is a ``DataError``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pint

from calc.display import as_text
from calc.errors import DataError, InputError
from calc.seed_formulas import evaluate_formula, literal, resolve

# seeds/ sits beside calc/ in a clone; a wheel carries it inside, as calc/_seeds (pyproject.toml).
_HERE = Path(__file__).resolve().parent
SEEDS_DIR = _HERE / "_seeds" if (_HERE / "_seeds").is_dir() else _HERE.parent / "seeds"
VERDICTS = ("reproduced", "off", "inconsistent-units")
_COMPARE = ("equal", "at-least", "at-most")
_CLAIM_KEYS = {"id", "line", "where", "statement", "quoted", "quoted_formula", "compare", "formula", "estimate",
               "inputs", "tolerance", "tolerance_reason", "note", "plausible", "plausible_reason", "units_disagree",
               "serve", "noun"}  # serve: an output of calc.serve under the inputs (calc.serving_figures); noun: what
# a unitless count counts, plural, as the statement says it ("web pages", "CPU cores"): the figure is shown with it
_FIGURE_KEYS = {"id", "line", "where", "statement", "quoted", "why", "formula", "inputs", "unit", "then"}
_THEN_KEYS = {"label", "formula", "inputs", "unit"}  # a further interpretation of a figure (what 45 EFLOP/s takes)


@dataclass(frozen=True)
class Claim:
    """One claim as written in a seed file."""

    id: str
    article: str
    line: int
    statement: str
    spec: dict  # the raw TOML table (quoted, formula or estimate, inputs, tolerance...)
    path: str
    source: str = ""  # a published statement's author, title, date and address ("" for a seed article)


@dataclass(frozen=True)
class ClaimResult:
    """A claim with its recomputation and verdict."""

    id: str
    article: str
    line: int
    statement: str
    quoted: pint.Quantity
    recomputed: pint.Quantity | None
    ratio: float | None  # quoted / recomputed
    verdict: str
    note: str
    tolerance: float
    compare: str
    plausible: tuple | None = None  # (low, high) 90% interval under defensible alternatives
    plausible_reason: str = ""
    source: str = ""  # the published statement, for claims not from a seed article
    where: str = ""  # where in that statement
    noun: str = ""  # what a unitless count counts ("web pages"): calc.display.readable shows it with the figure

    @property
    def test_said(self) -> str:
        """The test the verdict applies, in words: "within ±5%" of the recomputed value, "exact", or the bound the
        article states ("at least", "at most": the true value at least or at most the quote), with its slack; "—"
        where nothing was recomputed (inconsistent units: no test applies)."""
        if self.recomputed is None:
            return "—"
        slack = f" (±{self.tolerance:.0%})" if self.tolerance else ""
        if self.compare == "at-least":
            return "true value at least the quote" + slack
        if self.compare == "at-most":
            return "true value at most the quote" + slack
        return f"within ±{self.tolerance * 100:.3g}%" if self.tolerance else "exact"

    @property
    def quote_against_plausible(self) -> str | None:
        """Where the quoted figure falls against the plausible range: "inside", "below" or "above" it (None without
        a range). A claim can be off under its author's own stated assumptions and still lie inside the range of
        defensible ones (Lambda's $4.6M: 1.28x the recomputed at the 3-year price it names, inside $2.49M-$10.3M)."""
        if self.plausible is None:
            return None
        lo, hi = (q.m_as(self.quoted.units) for q in self.plausible)
        q = self.quoted.magnitude
        return "below" if q < lo else "above" if q > hi else "inside"

    def to_dict(self) -> dict:
        """The JSON form printed by ``python -m calc claims --json``."""
        return {
            "id": self.id,
            "article": self.article,
            "line": self.line,
            "source": self.source,
            "where": self.where,
            "statement": self.statement,
            "quoted": _json_q(self.quoted),
            "recomputed": None if self.recomputed is None else _json_q(self.recomputed),
            "ratio": self.ratio,
            "verdict": self.verdict,
            "note": self.note,
            "noun": self.noun or None,
            "plausible": None if self.plausible is None else {
                "low": float(self.plausible[0].magnitude), "high": float(self.plausible[1].magnitude),
                "unit": f"{self.plausible[0].units:~C}", "assumptions": self.plausible_reason,
                "quote": self.quote_against_plausible},
        }


@dataclass(frozen=True)
class Figure:
    """A quoted figure that is context, not a checkable claim (a plan, a budget, an opinion).

    ``quoted`` is the figure, or the low end of a quoted range; ``high`` is the range's high end.
    """

    id: str
    article: str
    line: int
    statement: str
    quoted: pint.Quantity
    why: str
    interpretation: pint.Quantity | None
    high: pint.Quantity | None = None
    source: str = ""  # the published statement, for figures not from a seed article
    where: str = ""  # where in that statement
    more: tuple = ()  # (label, Quantity): further interpretations, in the seed's order ("then" tables)


def _json_q(q: pint.Quantity) -> dict:
    return {"value": float(q.magnitude), "unit": f"{q.units:~C}" or "dimensionless"}


# --------------------------------------------------------------------------- loading


@cache
def _load(seeds_dir: Path = SEEDS_DIR) -> tuple[tuple[Claim, ...], tuple[dict, ...]]:
    claims, figures, ids = [], [], {}
    for path in sorted(seeds_dir.glob("*.toml")):
        name = f"seeds/{path.name}"
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DataError(name, None, None, f"not valid TOML: {exc}") from None
        article, source = _article(name, path, doc)
        for kind, keys, out in (("claim", _CLAIM_KEYS, claims), ("figure", _FIGURE_KEYS, figures)):
            for i, table in enumerate(doc.get(kind, []), start=1):
                where = f"{kind} {i}"
                _validate_entry(name, where, table, keys, lined=not source)
                if table["id"] in ids:
                    raise DataError(name, None, where, f"duplicate id {table['id']!r} (also in {ids[table['id']]})")
                ids[table["id"]] = name
                if kind == "claim":
                    out.append(Claim(table["id"], article, table.get("line", 0), table["statement"], table, name, source))
                else:
                    out.append({**table, "article": article, "path": name, "source": source})
    return tuple(claims), tuple(figures)


def _article(name: str, path: Path, doc: dict) -> tuple[str, str]:
    """(what the claims are grouped under, the published statement or ""): a seed article's file name,
    or for a published statement the seed file's own name."""
    article, source = doc.get("article"), doc.get("source")
    if source is not None:
        if article is not None:
            raise DataError(name, None, "source", "give 'article' (a seed article) or 'source' (a published "
                                                  "statement), not both")
        if not isinstance(source, str) or "http" not in source:
            raise DataError(name, None, "source", "expected the statement's author, title, date and address (https://...)")
        return path.stem, source
    if not isinstance(article, str) or not article.endswith(".txt"):
        raise DataError(name, None, "article", "expected the article's file name, e.g. '000_....txt', or a "
                                               "published statement's 'source'")
    return article, ""


def _validate_entry(name, where, table, keys, lined=True):
    if not isinstance(table, dict):
        raise DataError(name, None, where, "expected a table")
    extra = set(table) - keys
    if extra:
        raise DataError(name, None, where, f"unknown key {sorted(extra)[0]!r}; expected some of {', '.join(sorted(keys))}")
    required = (("id", str), ("line", int), ("statement", str)) if lined else (("id", str), ("where", str), ("statement", str))
    for key, typ in required:
        if not isinstance(table.get(key), typ) or (typ is int and table[key] < 1):
            raise DataError(name, None, where, f"expected '{key}' ({typ.__name__})")
    for j, then in enumerate(table.get("then", []) if "then" in keys else [], start=1):
        if not isinstance(then, dict) or set(then) != _THEN_KEYS or not isinstance(then.get("inputs"), dict):
            raise DataError(name, None, f"{where}, then {j}", f"expected a table of {', '.join(sorted(_THEN_KEYS))}")
    if "plausible" in table and ("estimate" not in table or not isinstance(table["plausible"], dict)):
        raise DataError(name, None, where, "'plausible' is a table of input overrides, for claims that run an estimate")
    if "inputs" in table and not isinstance(table["inputs"], dict):
        raise DataError(name, None, where, "expected 'inputs' to be a table of name = \"value or reference\"")
    if "compare" in table and table["compare"] not in _COMPARE:
        raise DataError(name, None, where, f"expected compare to be one of {', '.join(_COMPARE)}")
    tol = table.get("tolerance", 0.05)
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or not (0 <= tol < 10) or not math.isfinite(tol):
        raise DataError(name, None, where, f"expected a tolerance between 0 and 10, got {tol!r}")
    if "why" not in keys:
        if ("quoted" in table) == ("quoted_formula" in table):
            raise DataError(name, None, where, "expected exactly one of 'quoted' or 'quoted_formula'")
        if sum(k in table for k in ("formula", "estimate", "serve")) != 1:
            raise DataError(name, None, where, "expected exactly one of 'formula', 'estimate' or 'serve'")


def claims() -> tuple[Claim, ...]:
    """Every claim of ``seeds/``, in file order."""
    return _load()[0]


@cache
def article_titles(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """Each seed article's file name to what it is about, in words (the seed file's ``about``)."""
    out = {}
    for path in sorted(seeds_dir.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        key = doc.get("article") or path.stem  # a published statement: the seed file's own name
        out[key] = doc.get("about") or key
    return out


# --------------------------------------------------------------------------- checking


def check(claim: Claim) -> ClaimResult:
    """Recompute one claim and judge it against the quote."""
    spec = claim.spec
    inputs = spec.get("inputs", {})
    field = claim.id
    if "quoted" in spec:
        quoted = literal(spec["quoted"], f"{field}.quoted")
    else:
        quoted = evaluate_formula(spec["quoted_formula"], inputs, f"{field}.quoted_formula")
    noun = spec.get("noun", "")
    if noun and (not isinstance(noun, str) or not quoted.dimensionless):  # a unit's claim says its unit already
        raise DataError(claim.path, None, f"claim {claim.id!r}, noun",
                        f"a noun names what a unitless count counts; got {noun!r} for a quote in {quoted.units:~P}")
    if "estimate" in spec:
        from calc.estimate import estimate

        known = {k: resolve(v, f"{field}.{k}") for k, v in inputs.items()}
        result = estimate(**known)
        if spec["estimate"] not in result:
            raise InputError(field, f"the estimate does not determine {spec['estimate']!r}")
        recomputed = result[spec["estimate"]].value
    elif "serve" in spec:  # the serving model's figure; the ratio is the point, so the note gives it
        from calc.serving_figures import recompute

        recomputed = recompute(spec["serve"], inputs, f"{field}.serve")
    else:
        recomputed = evaluate_formula(spec["formula"], inputs, f"{field}.formula")
    tolerance = float(spec.get("tolerance", 0.05))
    compare = spec.get("compare", "equal")
    note = spec.get("note", "")
    disagree = recomputed.dimensionality != quoted.dimensionality
    if disagree != bool(spec.get("units_disagree", False)):  # a slip in a seed must not flip its verdict
        key = "quoted_formula" if "quoted_formula" in spec else "quoted"
        raise DataError(claim.path, None, f"claim {claim.id!r}, {key}",
                        f"the quote is in {quoted.units:~P} ({quoted.dimensionality}) and the recomputation in "
                        f"{recomputed.to_reduced_units().units:~P} ({recomputed.dimensionality})"
                        + ("; if the article really mixes them, say units_disagree = true" if disagree
                           else ", which agree, but the claim says units_disagree = true"))
    try:
        recomputed = recomputed.to(quoted.units)
    except pint.DimensionalityError:
        arithmetic = f"The arithmetic gives {recomputed.to_reduced_units():.3g~P}, which is not a {_kind(quoted)}."
        return ClaimResult(claim.id, claim.article, claim.line, claim.statement, quoted, None, None,
                           "inconsistent-units", f"{note} {arithmetic}".strip(), tolerance, compare,
                           source=claim.source, where=spec.get("where", ""), noun=noun)
    ratio = float(quoted.magnitude / recomputed.magnitude)
    verdict = "reproduced" if _holds(ratio, compare, tolerance) else "off"
    plausible = _plausible(claim, quoted.units)
    if "serve" in spec:
        note = f"The quote is {ratio:.3g} times the modelled {recomputed:.3g~P}. {note}".strip()
    if verdict == "off" and "serve" not in spec:
        factor = ratio if ratio >= 1 else 1 / ratio
        direction = "high" if ratio > 1 else "low"
        note = f"The quote is {factor:.3g}x too {direction}. {note}".strip()
    return ClaimResult(claim.id, claim.article, claim.line, claim.statement, quoted, recomputed, ratio,
                       verdict, note, tolerance, compare, plausible, spec.get("plausible_reason", ""), claim.source,
                       spec.get("where", ""), noun)


def _plausible(claim: Claim, units) -> tuple | None:
    """The 90% interval of an estimate-claim's output under its ``plausible`` overrides (ranges)."""
    spec = claim.spec
    if "plausible" not in spec:
        return None
    from calc.uncertainty import simulate

    inputs = {**spec.get("inputs", {}), **spec["plausible"]}
    known = {k: resolve(v, f"{claim.id}.{k}") for k, v in inputs.items()}
    sim = simulate(samples=20_000, seed=0, **known)
    lo, _, hi = sim.interval(spec["estimate"])
    return lo.to(units), hi.to(units)


def _holds(ratio: float, compare: str, tolerance: float) -> bool:
    slack = math.log1p(tolerance) + 1e-12
    if compare == "equal":
        return abs(math.log(ratio)) <= slack
    if compare == "at-least":  # the article says the true value is at least the quote
        return math.log(ratio) <= slack
    return math.log(ratio) >= -slack  # at-most


def _kind(q: pint.Quantity) -> str:
    dims = str(q.dimensionality)
    return "fraction" if dims == "dimensionless" else f"quantity of dimension {dims}"


def claim_scenario(claim: Claim) -> dict[str, str] | None:
    """The inputs of a claim that runs ``calc.estimate``, as "value unit" strings (for the app's URL);
    None for a claim that is a formula rather than a training run."""
    if "estimate" not in claim.spec:
        return None
    out = {}
    for k, v in claim.spec.get("inputs", {}).items():
        r = resolve(v, f"{claim.id}.{k}")
        out[k] = r if isinstance(r, str) else as_text(k, r)
    return out


def check_all() -> list[ClaimResult]:
    """Every claim of ``seeds/``, recomputed."""
    return [check(c) for c in claims()]


def figures() -> list[Figure]:
    """The quoted figures that are context, each with its interpretation where one is given."""
    out = []
    for f in _load()[1]:
        text = f["quoted"]
        quoted = literal(text.split("..")[0] if ".." in text else text, f"{f['id']}.quoted")
        interp = None
        if "formula" in f:
            interp = evaluate_formula(f["formula"], f.get("inputs", {}), f"{f['id']}.formula")
            if "unit" in f:
                interp = interp.to(f["unit"])
        high = literal(text.split("..")[1], f"{f['id']}.quoted") if ".." in text else None
        more = tuple((t["label"], evaluate_formula(t["formula"], t["inputs"], f"{f['id']}.then.formula").to(t["unit"]))
                     for t in f.get("then", []))
        out.append(Figure(f["id"], f["article"], f.get("line", 0), f["statement"], quoted, f["why"], interp, high, f["source"],
                          f.get("where", ""), more))
    return out


def figure(figure_id: str) -> Figure:
    """One context figure of the seeds by id."""
    for f in figures():
        if f.id == figure_id:
            return f
    raise InputError("figure", f"no figure {figure_id!r} in seeds/")
