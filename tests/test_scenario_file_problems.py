"""A scenario file with several bad fields named the first alone and refused the file (doors22), where a link lists
every problem: the file's reader now says them all, each naming its field, what was expected and what was read."""

from __future__ import annotations

import pytest
from apppage import open_page

from calc.errors import InputError, InputErrors
from calc.scenario import read_query, read_scenario

BAD = {"parms": "70e9 param", "chips": -8, "hardware": "H1000", "tokens": "1.4e12 token"}


def test_every_problem_of_a_file_is_said_as_a_link_says_it():
    import json

    with pytest.raises(InputErrors) as exc:
        read_scenario(json.dumps(BAD))
    _, link = read_query({k: str(v) for k, v in BAD.items()})
    assert [e.field for e in exc.value.errors] == ["parms", "chips", "hardware"], exc.value.errors
    assert [str(e) for e in exc.value.errors] == link  # one definition of each problem: the link's words
    assert exc.value.field == "scenario" and str(exc.value).startswith("scenario: 3 problems: parms: ")
    assert "parms: not a name of the calculator (did you mean params?)" in str(exc.value)


def test_a_name_written_twice_is_said_beside_the_other_problems():
    with pytest.raises(InputErrors) as exc:
        read_scenario('{"params": "70e9 param", "chips": 0, "params": "80e9 param", "params": "90e9 param"}')
    said = [str(e) for e in exc.value.errors]
    assert said[0] == 'params: written twice in the file, as "70e9 param" and "90e9 param"; keep one', said
    assert len(said) == 2 and said[1].startswith("chips: "), said


def test_one_problem_is_raised_alone_as_before():
    with pytest.raises(InputError) as exc:
        read_scenario('{"chips": -8, "tokens": "1.4e12 token"}')
    assert not isinstance(exc.value, InputErrors) and exc.value.field == "chips"


def test_the_estimate_page_lists_each_problem_on_its_line():
    import json

    at = open_page("app_pages/estimate.py")
    at.file_uploader(key="upload").set_value(("bad.json", json.dumps(BAD).encode(), "application/json")).run()
    text = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Scenario file not loaded: 3 problems:" in text, text
    for line in ("- parms: not a name of the calculator (did you mean params?)", "- chips: ", "- hardware: "):
        assert line in text, text
