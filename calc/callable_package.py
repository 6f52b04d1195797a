"""A subpackage that is also its one function: ``calc.serve(...)`` runs ``calc.serve.serve``, and ``import
calc.serve as s`` binds the package (``s.frontier``, ``s.load``), not the function.

``calc/__init__`` once re-exported the functions ``estimate``, ``lifetime`` and ``serve`` under their
subpackages' names, so ``calc.serve`` was the function and ``import calc.serve as s`` (which reads the attribute
``serve`` of ``calc``) bound the function too: ``s.frontier`` failed. Renaming either would break every script
that calls ``calc.estimate(...)`` or imports ``calc.estimate.Estimate``; instead the package's module is made
callable (its class swapped for ``CallablePackage``, as Python allows for module objects, PEP 549's use case),
so both spellings keep working and the package stays one object in ``sys.modules``.
"""

from __future__ import annotations

import inspect
import sys
import types


class CallablePackage(types.ModuleType):
    """A package's module that, called, calls its function of the same name (looked up at each call, so a
    replaced ``calc.serve.serve`` is the one called)."""

    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rsplit(".", 1)[-1])(*args, **kwargs)


def make_callable(name: str) -> None:
    """Make the module ``name`` (a package of ``calc``, already in ``sys.modules``) callable as its function of
    the same last name, with that function's signature (``inspect.signature(calc.lifetime)``).

    Examples
    --------
    >>> import calc
    >>> import calc.serve as s
    >>> s is calc.serve and callable(s) and callable(s.frontier)
    True
    >>> str(inspect.signature(calc.lifetime)) == str(inspect.signature(calc.lifetime.lifetime))
    True
    """
    module = sys.modules[name]
    module.__class__ = CallablePackage
    module.__signature__ = inspect.signature(getattr(module, name.rsplit(".", 1)[-1]))
