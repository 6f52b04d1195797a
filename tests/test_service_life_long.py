"""'lifetime.days=1e9' (2.7 million years of service) answered "$67.9T" without a word (doors22): a life beyond the
longest a cloud gives its servers (data/defaults.csv service_life_plausible_max) is said, and the costs are kept as
given (a warning, never a clamp)."""

import pytest
from apppage import open_page

from calc import data
from calc.service_life import service_life


def _life(days):
    return service_life("Llama 3 8B", "H100 SXM5", training_tokens="15T token", tokens_per_day="1G token/day", days=days)


@pytest.mark.parametrize("days", ["730 day", "6 year"])
def test_a_life_within_a_server_s_is_not_warned(days):
    assert _life(days).warning is None


def test_a_life_beyond_any_chip_s_is_said_and_not_clamped():
    life, short = _life("1e9 day"), _life("1000 day")
    assert life.days.m_as("day") == 1e9  # as given
    assert life.serving_cost / short.serving_cost == pytest.approx(1e6)  # computed for the life given
    top = data.defaults()["service_life_plausible_max"]
    assert top.value.m_as("year") == 6 and "theregister.com" in top.source
    assert life.warning.startswith("days: 2.74 × 10⁶ years of service is beyond any chip's life: the longest "
                                   "depreciable useful life a cloud gives its servers is 6 years"), life.warning


def test_the_lifetime_page_says_it():
    at = open_page("app_pages/lifetime.py", **{"lifetime.days": "1e9 day"})
    said = [w.value.replace("\\", "") for w in at.warning]
    assert any(w.startswith("**Days of service**: 2.74 × 10⁶ years of service is beyond any chip's life") for w in said), said
