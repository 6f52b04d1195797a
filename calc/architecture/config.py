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

from calc.errors import InputError

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


def load(config) -> dict:
    """The parsed config: ``config`` itself when it is a dict, else the JSON object of the file it names."""
    if isinstance(config, (str, os.PathLike)):
        try:
            with open(config, encoding="utf-8") as f:
                config = json.load(f)
        except OSError as exc:
            raise InputError("config", f"cannot read {str(config)!r}: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError("config", f"{str(config)!r} is not a JSON file ({exc})") from None
    if not isinstance(config, dict):
        raise InputError("config", f"expected a JSON object (a config.json), got {type(config).__name__}")
    return config


def shape_fields(config) -> dict:
    """The ``Transformer`` fields that ``config`` (a dict or a path) describes, by its ``model_type``'s reader."""
    config = load(config)
    kind = config.get("model_type")
    if kind not in READERS:
        got = "no model_type" if kind is None else f"model_type {kind!r}"
        if isinstance(config.get("text_config"), dict):  # multimodal: its vision tower would go uncounted
            got += (" (a multimodal config: its text_config alone describes the language model, "
                    "without the vision encoder)")
        raise InputError("config", f"{got}; known model types: {', '.join(sorted(READERS))}")
    return READERS[kind](Config(config, kind))


REQUIRED = object()


class Config:
    """Typed access to a config dict: a missing or malformed field is an InputError naming it."""

    def __init__(self, raw: dict, kind: str):
        self.raw, self.kind = raw, kind

    def _get(self, key, default, aliases=()):
        for k in (key, *aliases):
            if k in self.raw and self.raw[k] is not None:
                return self.raw[k], k
        if default is REQUIRED:
            raise InputError("config", f"a {self.kind} config.json needs {key!r}, which is missing")
        return default, None

    def int(self, key, default=REQUIRED, aliases=()):
        """A whole number >= 0 (``default`` when absent; required when no default)."""
        v, k = self._get(key, default, aliases)
        if k is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise InputError("config", f"{k!r} must be a whole number >= 0, got {v!r}")
        return v

    def bool(self, key, default):
        """True or false (``default`` when absent)."""
        v, k = self._get(key, default)
        if k is not None and not isinstance(v, bool):
            raise InputError("config", f"{k!r} must be true or false, got {v!r}")
        return v

    def ints(self, key):
        """A list of layer numbers (empty when absent)."""
        v, k = self._get(key, [])
        if not isinstance(v, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in v):
            raise InputError("config", f"{k!r} must be a list of layer numbers, got {v!r}")
        return v

    def head_dim(self, default=None):
        """``head_dim``, or None when it is d_model / heads anyway."""
        return self.int("head_dim", default)


def common(c: Config, *, tie: bool, context: str = "max_position_embeddings", context_default=REQUIRED) -> dict:
    """The fields most families name alike: layers, width, heads, vocabulary, context, tied embeddings."""
    return {"layers": c.int("num_hidden_layers"), "d_model": c.int("hidden_size"),
            "heads": c.int("num_attention_heads"), "vocab": c.int("vocab_size"),
            "context": c.int(context, context_default), "tied_embeddings": c.bool("tie_word_embeddings", tie)}
