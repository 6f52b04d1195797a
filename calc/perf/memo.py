"""A bounded memo keyed by objects' identities and plain values, for the step model's terms.

A search times thousands of layouts of the same chip and shape objects; hashing a shape (a frozen dataclass of some
forty fields) costs more than the term it would look up, so the terms are remembered by the objects' ``id`` instead.
An entry holds its objects, so none is freed while it is remembered, and no other object can have its ``id`` then: an
entry found by the ids is for the very objects asked about (Python's ``id`` is unique among objects alive at once).
Past ``size`` entries the memo starts afresh (a bound, not a loop over anything a user gives).
"""

from __future__ import annotations


class IdentityMemo:
    """``get(objects, key)`` the value ``put`` stored for these very objects and this key, else None."""

    __slots__ = ("size", "_store")

    def __init__(self, size: int):
        self.size = size
        self._store: dict = {}

    def get(self, objects: tuple, key: tuple = ()):
        """The value stored for these very ``objects`` (compared by ``is``) and ``key``, else None."""
        found = self._store.get((tuple(map(id, objects)), key))  # held by the entry: the very objects (module docstring)
        return None if found is None else found[1]

    def put(self, objects: tuple, key: tuple, value):
        """Store ``value`` (never None) for ``objects`` and ``key``; returns it."""
        if len(self._store) >= self.size:
            self._store.clear()
        self._store[(tuple(map(id, objects)), key)] = (objects, value)
        return value

    def clear(self) -> None:
        """Forget every entry (a benchmark's cold start)."""
        self._store.clear()

    def __len__(self) -> int:
        """The entries held."""
        return len(self._store)
