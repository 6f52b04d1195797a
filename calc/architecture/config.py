"""Reading a Hugging Face ``config.json``: the file, typed access to its fields, and the registry of
readers, one small function per ``model_type`` (``calc.architecture.families``), registered by
``@reader("llama", "mistral")``.

A reader takes a ``Config`` and returns the fields of a ``Transformer``; ``shape_fields`` picks the
reader by ``model_type``. Every failure is an ``InputError`` on field ``config``, naming the field.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from calc.errors import InputError, nearest
from calc.reader import MAX_WHOLE, read_file

READERS: dict[str, Callable[[Config], dict]] = {}


def reader(*model_types: str):
    """Register the decorated function as the reader of each of ``model_types``.

    Examples
    --------
    >>> @reader("my_llama_test")
    ... def my_llama(c):
    ...     return {**READERS["llama"](c), "tied_embeddings": True}
    >>> "my_llama_test" in READERS
    True
    >>> del READERS["my_llama_test"]
    """
    def register(fn):
        for kind in model_types:
            if kind in READERS:
                raise ValueError(f"model_type {kind!r} has a reader already: {READERS[kind].__name__}")
            READERS[kind] = fn
        return fn
    return register


# A config.json is a few kilobytes (DeepSeek-V3's: 1.7 kB); a file far beyond is not one, and is not read whole.
MAX_BYTES = 1 << 20
# Every count of a shape is a whole number a float holds exactly (2^53): beyond, the FLOP and byte counts are
# no longer exact, and no transformer comes near (the largest published: 1e5 wide, 1e2 layers).
MAX_COUNT = MAX_WHOLE
_MAX_DIGITS = 40  # an integer literal longer than this is no count of a shape (and Python reads at most 4,300)


def load(config) -> dict:
    """The parsed config: ``config`` itself when it is a dict, else the JSON object of the file it names
    (a regular file of at most ``MAX_BYTES``)."""
    if isinstance(config, (str, os.PathLike)):
        config = _parse(read_file(config, "config", MAX_BYTES, "a config.json"), str(config))
    if not isinstance(config, dict):
        raise InputError("config", f"expected a JSON object (a config.json), got {type(config).__name__}")
    return config


def _parse(raw: bytes, path: str) -> object:
    name = _quoted(path)
    try:
        return json.loads(raw.decode("utf-8-sig"), parse_int=_parse_int, parse_constant=_parse_constant,
                          object_pairs_hook=unique_keys)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError("config", f"{name} is not a JSON file ({str(exc)[:80]})") from None
    except RecursionError:
        raise InputError("config", f"{name} is nested deeper than a config.json ever is") from None


def unique_keys(pairs: list) -> dict:
    """``json.loads``'s ``object_pairs_hook`` for a config.json (the command line's --config, the Model shape page's
    upload): a JSON object whose keys are each written once, or once more with the same value; a key written twice with two
    values ('"num_hidden_layers": 80, ..., "num_hidden_layers": 40', a file edited by hand) was read as the last
    without a word (fresh17)."""
    out = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            raise InputError("config", f"{_quoted(key)} is written twice, as {shown(out[key])} and {shown(value)}; "
                                       "keep one")
        out[key] = value
    return out


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise InputError("config", f"an integer of {len(text.lstrip('-')):,} digits is no count of a shape "
                                   f"(at most {_MAX_DIGITS})")
    return int(text)


def _parse_constant(text: str) -> float:
    raise InputError("config", f"{text} is not JSON (a number must be finite)")


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def shown(value) -> str:
    """A value read from a config, for an error message: short, whatever its size or nesting."""
    if _huge(value):
        return f"a number of about {int(value.bit_length() * 0.30103) + 1:,} digits"
    if isinstance(value, (list, tuple, dict)):
        items = list(value.values() if isinstance(value, dict) else value)
        if len(items) > 8 or any(isinstance(v, (list, tuple, dict)) or _huge(v) for v in items):
            kind = "an object" if isinstance(value, dict) else "a list"
            return f"{kind} of {len(items):,} item{'s' if len(items) != 1 else ''}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _huge(value) -> bool:  # an int whose repr Python refuses beyond 4,300 digits, or that no message needs whole
    return isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64


def shape_fields(config, read: dict | None = None) -> dict:
    """The ``Transformer`` fields that ``config`` (a dict or a path) describes, by its ``model_type``'s reader;
    ``read``, when given, is filled with each config key read and its value (for naming a field in an error)."""
    config = load(config)
    kind = config.get("model_type")
    if kind is not None and not isinstance(kind, str):
        raise InputError("config", f"model_type must be a name such as 'llama', got {shown(kind)}")
    if kind not in READERS:
        got = "no model_type" if kind is None else f"model_type {_quoted(kind)}"
        if isinstance(config.get("text_config"), dict):  # multimodal: its vision tower would go uncounted
            got += (" (a multimodal config: its text_config alone describes the language model, "
                    "without the vision encoder)")
        close = nearest(kind, READERS, n=2, cutoff=0.75)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise InputError("config", f"{got}{hint}; known model types: {', '.join(sorted(READERS))}")
    return READERS[kind](Config(config, kind, read))


REQUIRED = object()


class Config:
    """Typed access to a config dict: a missing or malformed field is an InputError naming it."""

    def __init__(self, raw: dict, kind: str, read: dict | None = None):
        self.raw, self.kind = raw, kind
        self.read = {} if read is None else read  # each key read and its value (a nested config shares its parent's)

    def _get(self, key, default, aliases=()):
        for k in (key, *aliases):
            if k in self.raw and self.raw[k] is not None:
                self.read[k] = self.raw[k]
                return self.raw[k], k
        if default is REQUIRED:
            if key in self.raw:  # "vocab_size": null was said "missing (the file has 'vocab_size': misspelt?)"
                raise InputError("config", f"a {self.kind} config.json needs {key!r}, which is null: give a number")
            close = nearest(key, [k for k in self.raw if isinstance(k, str)], cutoff=0.92, fold=False)
            hint = f" (the file has {close[0]!r}: misspelt?)" if close else ""
            raise InputError("config", f"a {self.kind} config.json needs {key!r}, which is missing{hint}")
        return default, None

    def int(self, key, default=REQUIRED, aliases=(), least=1):
        """A whole number >= ``least`` (``default`` when absent; required when no default): 1 for a count of the
        shape (a width, heads, layers: ``Transformer`` refuses 0), 0 where the reader reads 0 as none (shared
        experts, a step of 0: no experts). The bound said is the one in force: '-1' was told ">= 0" and then '0'
        ">= 1" (doors22)."""
        v, k = self._get(key, default, aliases)
        if k is not None and isinstance(v, float) and v.is_integer() and v >= least:  # "1e30": 'a whole number >= 0, got
            # 1e+30' read as a contradiction; transformers' layers refuse a float width, so it is refused, said why
            why = "no shape is that large" if v > MAX_COUNT else f"write {int(v)}, with no decimal point or exponent"
            raise InputError("config", f"{k!r} must be a whole number up to 2^53, got {shown(v)}: {why}")
        if k is not None and (isinstance(v, bool) or not isinstance(v, int) or v < least):
            quoted = (f": a JSON string; write {v.strip()} without quotes" if isinstance(v, str) and v.strip().isdigit()
                      else "")  # "4096" in quotes was refused as if it were no number at all
            raise InputError("config", f"{k!r} must be a whole number >= {least}, got {shown(v)}{quoted}")
        if k is not None and v > MAX_COUNT:
            raise InputError("config", f"{k!r} must be a whole number up to 2^53, got {shown(v)}: no shape is that large")
        return v

    def bool(self, key, default):
        """True or false (``default`` when absent)."""
        v, k = self._get(key, default)
        if k is not None and not isinstance(v, bool):
            raise InputError("config", f"{k!r} must be true or false, got {shown(v)}")
        return v

    def ints(self, key):
        """A list of layer numbers (empty when absent)."""
        v, k = self._get(key, [])
        if not isinstance(v, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in v):
            raise InputError("config", f"{k!r} must be a list of layer numbers, got {shown(v)}")
        return v

    def head_dim(self, default=None):
        """``head_dim``, or None when it is d_model / heads anyway."""
        return self.int("head_dim", default)


# Where a config states the length its model was trained at, before its positions were stretched for long
# context: Llama 3.1's rope_scaling {"rope_type": "llama3", "original_max_position_embeddings": 8192} beside
# max_position_embeddings 131072 (the Llama 3 Herd of Models, sec. 3.4: pre-trained at 8K, then extended), as
# YaRN's (DeepSeek-V3, GPT-OSS: 4096) and LongRoPE's (Phi-3, at the top level) say it.
TRAINED_LENGTH = ("rope_scaling.original_max_position_embeddings", "original_max_position_embeddings")


def context(c: Config, key: str = "max_position_embeddings", default=REQUIRED) -> dict:
    """``context`` (the sequence a training step, its FLOP and its MFU count by default) and ``context_source``:
    the trained length where the config states it (``TRAINED_LENGTH``), else ``key`` (the longest position)."""
    rope = c.raw.get("rope_scaling")
    for name, where in zip(TRAINED_LENGTH, (rope if isinstance(rope, dict) else {}, c.raw)):
        v = where.get(name.rsplit(".", 1)[-1])
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_COUNT:
                raise InputError("config", f"{name!r} must be a whole number of positions >= 1, got {shown(v)}")
            return {"context": v, "context_source": f"config.json's {name}"}
    n = c.int(key, default)
    stated = key in c.raw and c.raw[key] is not None
    return {"context": n, "context_source": f"config.json's {key}" if stated else f"a default (config.json states no {key})"}


def common(c: Config, *, tie: bool, context_key: str = "max_position_embeddings", context_default=REQUIRED) -> dict:
    """The fields most families name alike: layers, width, heads, vocabulary, context, tied embeddings."""
    return {"layers": c.int("num_hidden_layers"), "d_model": c.int("hidden_size"),
            "heads": c.int("num_attention_heads"), "vocab": c.int("vocab_size"),
            **context(c, context_key, context_default), "tied_embeddings": c.bool("tie_word_embeddings", tie)}
