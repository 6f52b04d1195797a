"""Where the tables are and how they are kept: the data folder (``calc.data.DATA_DIR``: ``calc/_data`` in a
wheel, ``data/`` beside ``calc/`` in the repository) and results cached once and made read-only."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path


def data_dir() -> Path:
    """The data folder, read from ``calc.data.DATA_DIR`` at each call (a test may point it elsewhere)."""
    import calc.data

    return calc.data.DATA_DIR


class ReadOnlyDict(dict):
    """A dict that refuses changes. Tables are cached and shared by every caller (and every app
    session), so a caller who changed one would change everyone's results; ``dict(t)`` copies."""

    def _refuse(self, *args, **kwargs):
        """Refused: the table is shared (raises TypeError)."""
        raise TypeError("tables from calc.data are shared and read-only; copy one with dict(...) to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce_ex__(self, protocol):  # pickling (st.cache_data) and deepcopy rebuild without __setitem__
        return ReadOnlyDict, (dict(self),)


_PLAIN = frozenset((str, int, float, bool, type(None)))  # exactly these types: no subclass holds a dict


def _freeze(obj):
    """``obj`` with every dict in it (also inside frozen dataclasses and tuples) made read-only."""
    if type(obj) in _PLAIN:  # a table's cells, most of what it walks: nothing inside (is_dataclass was a third)
        return obj
    if isinstance(obj, dict) and not isinstance(obj, ReadOnlyDict):
        return ReadOnlyDict({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_freeze(v) for v in obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if isinstance(v, dict) and not isinstance(v, ReadOnlyDict):
                object.__setattr__(obj, f.name, _freeze(v))
    return obj


def cache(fn):
    """``functools.cache`` whose results are made read-only once, when first computed."""
    return functools.cache(functools.wraps(fn)(lambda *args, **kwargs: _freeze(fn(*args, **kwargs))))
