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


@pytest.mark.parametrize("door, kwargs, message", [
    (calc.serve, dict(model="Llama 3 8B", hardware="H100 SXM5", tensr=2),
     "tensr: not a parameter of calc.serve; did you mean tensor?"),
    (calc.lifetime, dict(params="13B", tokens="576B", inference_token="2T"),
     "inference_token: not a parameter of calc.lifetime; did you mean inference_tokens?"),
])
def test_a_misspelt_keyword_is_one_input_error_with_the_nearest_name(door, kwargs, message):
    """fresh20: calc.serve(tensr=2) was Python's TypeError with no name offered; calc.estimate(tokns=...) said one."""
    with pytest.raises(calc.InputError) as exc:
        door(**kwargs)
    assert str(exc.value) == message
