"""The named shapes of ``data/architectures.csv`` (``published``), their other names (``aliases``: Hugging Face
repository ids of the same architecture, ``data/architecture_aliases.csv``) and the lookup by name (``lookup``)."""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from calc import data
from calc.architecture.config import shown
from calc.architecture.transformer import Transformer
from calc.errors import InputError, did_you_mean, folded, nearest

_SHAPE_COLUMNS = {"layers": int, "d_model": int, "heads": int, "kv_heads": int, "d_ff": int, "vocab": int,
                  "context": int, "experts": int, "experts_per_token": int, "shared_experts": int, "expert_d_ff": int,
                  "dense_layers": int, "q_lora_rank": int, "kv_lora_rank": int, "qk_nope_head_dim": int,
                  "qk_rope_head_dim": int, "v_head_dim": int, "head_dim": int, "gated": bool,
                  "tied_embeddings": bool, "learned_positions": bool, "biases": bool, "parallel_block": bool,
                  "norm": str}


def lookup(model) -> Transformer:
    """A shape: a ``Transformer`` as it is, or a name of data/architectures.csv (case and spacing
    ignored); an unknown name is an error that suggests the names containing it.

    >>> lookup("llama 2 70b").params().m_as("param") == lookup("Llama 2 70B").params().m_as("param")
    True
    """
    if isinstance(model, Transformer):
        return model
    if not isinstance(model, str) or not model.strip():
        raise InputError("model", f"expected a Transformer or a shape of data/architectures.csv, got {shown(model)}")
    return _by_name(model)


def shape_name(model: str) -> str:
    """The name in data/architectures.csv of a shape as people type it (case and spacing ignored), or as its
    Hugging Face repository is named (``aliases``): what a door that shows the name (a page's model field) takes;
    an unknown name is ``lookup``'s error, with the nearest names.

    >>> shape_name("llama 3 70b"), shape_name("meta-llama/Llama-3.1-8B-Instruct")
    ('Llama 3 70B', 'Llama 3.1 8B')
    """
    if isinstance(model, str):
        name = _names().get(folded(model)) or _names().get(folded(_repo_id(model)))
        if name is not None:
            return name
    lookup(model)  # raises, with the names nearest
    raise InputError("model", f"expected a shape of data/architectures.csv, got {shown(model)}")  # a Transformer


def aliases() -> dict[str, str]:
    """Each other name of a shape (data/architecture_aliases.csv: a Hugging Face repository id such as
    ``meta-llama/Llama-3.1-8B-Instruct``, whose config.json gives the same shape) and the row it names. The id is
    also found without its owner (``Llama-3.1-8B-Instruct``); the answer names the row, never the alias.

    >>> aliases()["deepseek-ai/DeepSeek-R1"]
    'DeepSeek-R1'
    """
    return {r["name"]: r["shape"] for r in data.architecture_aliases()}


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every name a shape is found by, folded (``calc.errors.folded``), and its row: the rows' names, then each
    alias whole and without its owner. An alias that names no row, or a folded name that would lead to two rows,
    is a DataError of data/architecture_aliases.csv."""
    rows = {r["name"] for r in data.architecture_rows()}
    out = {folded(n): n for n in rows}
    for r in data.architecture_aliases():
        alias, shape = r["name"], r["shape"]
        if shape not in rows:
            raise data.DataError(r.path, r.line, "shape", f"expected a name of data/architectures.csv, got {shape!r}"
                                 f"{did_you_mean(shape, rows)}")
        for key in {folded(alias), folded(alias.rsplit("/", 1)[-1])}:
            if out.setdefault(key, shape) != shape:
                raise data.DataError(r.path, r.line, "name", f"{alias!r} would name both {out[key]!r} and {shape!r}")
    return out


# A model page's address as people copy it from the browser: https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct
# (or hf.co/..., with /tree/main or /blob/main/config.json after it) names the repository id, found as an alias
_HUB = re.compile(r"^\s*(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?P<repo>[^/?#\s]+/[^/?#\s]+)(?:[/?#]\S*)?\s*$",
                  re.IGNORECASE)


def _repo_id(model: str) -> str:
    """The Hugging Face repository id of a model page's address (``_HUB``), else ``model`` as it is."""
    m = _HUB.match(model)
    return model if m is None else m.group("repo")


@lru_cache(maxsize=256)  # keyed by what users type: bounded
def _by_name(model: str) -> Transformer:
    shapes = published()
    wanted = folded(_repo_id(model))  # a model page's address as its repository id; any other name as typed
    names = _names()
    if wanted in names:
        return shapes[names[wanted]][0]
    keys = {folded(n): n for n in shapes}
    close = [n for f, n in keys.items() if wanted and wanted in f]  # "llama 3" -> every Llama 3, before look-alikes
    close = close or list(dict.fromkeys(names[f] for f in nearest(wanted, names, n=4)))  # else look-alikes, aliases too
    hint = f"did you mean {' or '.join(close[:6])}?" if close else f"known: {', '.join(shapes)}"
    runs = data.models()
    if model in runs:  # the other list a --model names
        hint = (f"{model!r} is a published run of data/models.csv (read by lifetime, cost and thresholds), not a shape "
                f"of data/architectures.csv (read here); {hint}")
    if model.strip().lower().endswith(".json"):  # a config.json's path where a name goes: say which door reads it
        hint = ("a config.json is read by calc.architecture.Transformer.from_config(path), whose shape goes where a "
                f"name does (model=...), as --config reads it at the command line; {hint}")
    raise InputError("model", f"unknown shape {model[:60]!r}; {hint}")


def published() -> dict[str, tuple[Transformer, data.Row]]:
    """The shapes of data/architectures.csv, with their rows (reported counts and sources).

    A row that names a ``config`` (a published config.json kept in data/configs/) is read from it;
    its other shape cells, where filled, override the config (``context``: the training length).
    """
    out = {}
    yes = {"yes": True, "no": False}
    for r in data.architecture_rows():
        try:
            given = {}
            for col, kind in _SHAPE_COLUMNS.items():
                v = r.values.get(col)
                if v is None:
                    continue
                if kind is bool:
                    if v not in yes:
                        raise data.DataError(r.path, r.line, col, f"expected yes or no, got {v!r}")
                    v = yes[v]
                given[col] = kind(v)
            if "context" in given:  # the length the row's source says the model was trained at
                given["context_source"] = f"data/architectures.csv's training length of {r['name']}"
            if r.values.get("config"):
                t = Transformer.from_config(data.model_config(r["config"]))
                if t.context_source:  # read from the stored copy, not from a file the user gave
                    given.setdefault("context_source", t.context_source.replace("config.json", f"data/configs/{r['config']}"))
                t = dataclasses.replace(t, **given)
            else:
                t = Transformer(**given)
        except InputError as exc:
            if isinstance(exc, data.DataError):
                raise
            raise data.DataError(r.path, r.line, exc.field, exc.message) from None
        out[r["name"]] = (t, r)
    return out


def row_of(shape: Transformer) -> str | None:
    """The first row of data/architectures.csv whose shape ``shape`` is (rows may share one: Llama 3 8B and Llama 3.1
    8B), else None: how every door names a config.json's shape (``serve --config`` and ``step --config`` alike).

    >>> row_of(lookup("Llama 3.1 8B"))
    'Llama 3 8B'
    """
    return _rows().get(shape)


@lru_cache(maxsize=1)
def _rows() -> dict:
    return {t: name for name, (t, _) in reversed(list(published().items()))}  # the first row of a shape

