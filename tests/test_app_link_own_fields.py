"""A link to a page that keeps fields of its own, written without the page's prefix ('/serving?model=Llama+3.1+8B'),
was told "model: not a name of the calculator" with no word that the page's own fields are written serving.model
(doors22): the message says so on such a page, and only there."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from calc.scenario import read_query

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _opened_on(page: str, **query) -> list[str]:
    """The link's warnings when a session starts on ``page`` (its first run there, as a shared link opens it)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return [w.value.replace("\\", "") for w in at.warning if w.value.startswith("Ignored from the link: ")]


def test_a_serving_field_without_its_prefix_is_told_how_it_is_written():
    said = _opened_on("app_pages/serving.py", model="Llama 3.1 8B")
    assert any("model: not a name of the calculator; this page's own fields are written with its name first, "
               "as serving.model; expected one of" in w for w in said), said


def test_a_page_without_fields_of_its_own_gives_no_such_hint():
    said = _opened_on("app_pages/estimate.py", model="Llama 3.1 8B")
    assert any("model: not a name of the calculator" in w for w in said), said
    assert not any("own fields" in w for w in said), said


def test_the_hint_follows_an_unknown_name_only():
    _, problems = read_query({"model": "x", "chips": "many", "params": "7e9 param"}, lambda k: f"written p.{k}")
    assert len(problems) == 2, problems
    assert "model: not a name of the calculator; written p.model; expected one of " in problems[0], problems
    assert "written p." not in problems[1], problems
    _, problems = read_query({"harware": "H100 SXM5"}, lambda k: f"written p.{k}")  # a look-alike said instead
    assert problems[0].startswith("harware: not a name of the calculator (did you mean hardware?); expected one of "), problems


def test_a_misspelt_field_of_the_page_gets_the_look_alike():
    """'?serving.harware=x' was told "not a field of this page; expected one of model, hardware, ..." with no
    "did you mean hardware?": the page's own fields take the one look-alike of calc.errors (doors23)."""
    said = _opened_on("app_pages/serving.py", **{"serving.harware": "x"})
    assert any("serving.harware: not a field of this page (did you mean hardware?); expected one of model, hardware"
               in w for w in said), said


def test_a_dotted_name_of_a_page_without_fields_of_its_own_says_so():
    """'/shape?shape.model=Nope' (and backtest.output, claims.verdict) was told "not a name of the calculator;
    expected one of params, active_params, ..." (the Estimate fields): the dotted name's page part says which page
    was meant, and that page keeps no fields in its link (doors23b)."""
    for page, name, title in (("shape", "shape.model", "Model shape"), ("backtest", "backtest.output", "Back-test"),
                              ("claims", "claims.verdict", "Claims")):
        said = _opened_on(f"app_pages/{page}.py", **{name: "bogus"})
        assert any(w.startswith(f"Ignored from the link: {name}: the {title} page keeps no fields in its link; only "
                                "the Parallel layouts, Thresholds, Lifetime and Serving pages do") for w in said), said
        assert not any("not a name of the calculator" in w or "active_params" in w for w in said), said
    said = _opened_on("app_pages/serving.py", **{"compare.output": "x"})  # said on any page it is opened on
    assert any("compare.output: the Compare hardware page keeps no fields in its link" in w for w in said), said
    said = _opened_on("app_pages/estimate.py", **{"estimate.params": "7e9"})
    assert any("estimate.params: the Estimate page's fields are written in a link without the page's name" in w
               for w in said), said
    said = _opened_on("app_pages/shape.py", **{"nopage.model": "x"})  # no page of that name: the names, as before
    assert any("nopage.model: not a name of the calculator" in w for w in said), said
