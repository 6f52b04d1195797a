"""Docs for every public name: each calc module, and each public function, class, method and
property defined in it, has a docstring (what `help()` and an IDE show a user)."""

import importlib
import inspect
import pkgutil

import calc


def _undocumented():
    missing = []
    for info in pkgutil.iter_modules(calc.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"calc.{info.name}")
        if not mod.__doc__:
            missing.append(mod.__name__)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and not obj.__doc__:
                missing.append(f"{mod.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    f = value.fget if isinstance(value, property) else value
                    if not attr.startswith("_") and inspect.isfunction(f) and not f.__doc__:
                        missing.append(f"{mod.__name__}.{name}.{attr}")
    return missing


def test_every_public_name_has_a_docstring():
    assert _undocumented() == []
