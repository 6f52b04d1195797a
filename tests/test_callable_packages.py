"""calc.estimate, calc.lifetime and calc.serve are packages that are also their one function (doors12): ``import
calc.serve as s`` bound the function, ``s.frontier`` failed; now the package is bound, and calling it calls the
function, with its signature."""

import importlib
import inspect

import pytest

import calc
from calc.callable_package import CallablePackage

PACKAGES = ("estimate", "lifetime", "serve")


@pytest.mark.parametrize("name", PACKAGES)
def test_the_package_is_bound_and_calls_its_function(name):
    module = importlib.import_module(f"calc.{name}")
    assert getattr(calc, name) is module and isinstance(module, CallablePackage)
    function = getattr(module, name)
    assert inspect.isfunction(function)
    assert inspect.signature(module) == inspect.signature(function)


def test_import_as_gives_the_package():
    import calc.serve as s

    assert s.frontier is calc.serve.frontier and s.load.Setup
    answer = calc.serve("Llama 3 8B", "H100 SXM5")
    assert answer == s.serve("Llama 3 8B", "H100 SXM5")


def test_calling_the_package_calls_the_function():
    est = calc.estimate(params="175e9 param", tokens="300e9 token")
    assert est.compute == calc.estimate.estimate(params="175e9 param", tokens="300e9 token").compute
    assert calc.lifetime(params="7e9 param", tokens="1e12 token").optimum


def test_no_other_function_hides_a_package():
    """No name of calc's top level is a function where a subpackage or module of the same name exists."""
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(calc.__path__)}
    for name in calc.__all__:
        if name in modules:
            assert inspect.ismodule(getattr(calc, name)), name
