"""benchmarks/server_ttft_trials: the first-token readings tried and not kept (a diagnostic)."""

import math

import pytest

from benchmarks import server_ttft_trials as t
from calc.serve import load, validation


def _case(name):
    return next(c for c in validation.cases() if c.name == name)


def test_fcfs_fill_serves_the_room_not_whole_prompts():
    # QCT's H200 Llama 3.1 8B Interactive: max_num_tokens 1,536, one 871-token prompt a step whole (rho >= 1, no steady
    # state), where FCFS chunking fills the room with the next prompt's chunk
    c = _case("mlperf51-qct-d74u-7u-h200-sxm-141gbx8-llama3-1-8b-interactive")
    assert math.isinf(validation.predict(c).ttft)
    with t.reading("fcfs fill"):
        o = validation.predict(c)
    assert o.ttft / c.ttft == pytest.approx(0.85, abs=0.05)
    assert load.prefill_wait is t._PREFILL_WAIT  # the reading leaves the model as it was


def test_fused_reading_shortens_the_405b_server_first_token():
    c = _case("mlperf51-nvidia-b200-sxm-180gbx8-llama3-1-405b-server")
    before = validation.predict(c)
    with t.reading("fused"):
        after = validation.predict(c)
    assert before.ttft / c.ttft > 2.5 and after.ttft / c.ttft < 1.25  # 3.1x -> 1.2x
    assert after.tpot < before.tpot  # and the step with it (0.71x of the measured TPOT)
    with pytest.raises(ValueError, match="reading"):
        with t.reading("nothing"):
            pass
