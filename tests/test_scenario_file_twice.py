"""A scenario file that writes a name twice is refused with both values (fresh17): JSON keeps the last, so
'{"params": "70e9 param", "params": "80e9 param"}' (a file edited by hand, the old line left in) loaded as 80e9
without a word, as the command line's --params given twice did."""

from __future__ import annotations

import pytest

from calc.errors import InputError
from calc.scenario import read_scenario


def test_a_name_written_twice_with_two_values_is_refused():
    with pytest.raises(InputError, match=r'^params: written twice in the file, as "70e9 param" and "80e9 param"; '
                                         r'keep one$'):
        read_scenario('{"params": "70e9 param", "chips": 8, "params": "80e9 param"}')


def test_the_same_value_twice_is_one_value():
    assert read_scenario('{"chips": 8, "chips": 8}') == {"chips": "8"}


@pytest.mark.parametrize("key", ["\n", "para\nms", "chips\r", "\x00"])
def test_a_name_with_a_line_break_is_refused_in_one_line_quoted(key):
    # propdoors (hypothesis): a key "\n" was echoed as typed, and the one-line error was two lines
    import json

    with pytest.raises(InputError) as exc:
        read_scenario(json.dumps({key: "8"}))
    assert "\n" not in str(exc.value) and "\r" not in str(exc.value) and exc.value.field == repr(key)
    with pytest.raises(InputError) as exc:
        read_scenario(f'{{{json.dumps(key)}: 1, {json.dumps(key)}: 2}}')
    assert exc.value.field == repr(key) and "written twice" in exc.value.message
