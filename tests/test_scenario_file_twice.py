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
