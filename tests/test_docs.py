"""Docs for every public name: each calc module (subpackages included), and each public function, class, method and
property defined in it, has a docstring (what `help()` and an IDE show a user)."""

import importlib
import inspect
import pkgutil

import calc


def _undocumented():
    missing = []
    # every subpackage too (calc.perf.system, calc.estimate.solve, ...), not only calc's top level
    for info in pkgutil.walk_packages(calc.__path__, prefix="calc."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        mod = importlib.import_module(info.name)
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
