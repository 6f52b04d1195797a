"""The layout search of a mixture of experts with attention data parallel among its candidates (``load.attention_modes``).

With no layout given, a mixture of experts' one-stage tensor groups that divide the experts are tried with attention
tensor parallel and with attention data parallel, the experts parallel over the group, as the engines' recipes serve
DeepSeek-R1 on 8 GPUs for throughput: TensorRT-LLM's "H200 max-throughput" and "B200 max-throughput" runs are
--tp 8 --ep 8 with enable_attention_dp (docs/source/blogs/Best_perf_practice_on_DeepSeek-R1_in_TensorRT-LLM.md),
vLLM's DeepSeek-V3 recipe gives DP8 + EP for high load on 8 H200, SGLang's --enable-dp-attention, and DeepSeek's own
service runs attention data parallel beside expert-parallel MoE layers (open-infra-index, day 6). Nobody serves it on
one tensor rank per pipeline stage, the answer before this search (tensor 1 x pipeline 8).
"""

import json
import time

import pytest

import calc
from calc.__main__ import main
from calc.display import number
from calc.serve import frontier, load, serve


def _cli(capsys, *args: str) -> str:
    code = main(["serve", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.mark.parametrize("hardware", ["H200 SXM", "B200"])
def test_deepseek_r1_on_8_gpus_is_served_expert_parallel_beside_attention_data_parallel(hardware):
    # TensorRT-LLM's max-throughput recipes on 8 H200 and 8 B200: --tp 8 --ep 8, enable_attention_dp: true
    s = serve("DeepSeek-R1", hardware, 8)
    lay = s.layout
    assert (lay["tensor"], lay["pipeline"], lay["expert"], lay["attention_data_parallel"]) == (8, 1, 8, True)
    why = s.limited_by["layout"]
    assert "attention tensor or data parallel" in why
    # the best without it, and what makes the difference: the sequences memory holds and how fast each step runs
    assert "without attention data parallelism at most" in why and "tensor 1 x pipeline 8" in why
    assert "sequences in flight at" in why and "ms a token against" in why


def test_refused_or_given_attention_data_parallelism_is_kept():
    off = serve("DeepSeek-R1", "H200 SXM", 8, attention_data_parallel=False)
    assert off.layout["attention_data_parallel"] is False
    assert "data parallel" not in off.limited_by["layout"]  # one kind tried: said as before
    on = serve("DeepSeek-R1", "H200 SXM", 8, attention_data_parallel=True)
    assert on.layout["attention_data_parallel"] is True
    assert "data parallel" not in on.limited_by["layout"]  # every candidate has it: not said of the runner-up
    # a tensor size given: attention tensor parallel unless asked (the layout given, nothing searched)
    given = serve("DeepSeek-R1", "H200 SXM", 8, tensor=8)
    assert given.layout["attention_data_parallel"] is False and given.limited_by["layout"] == "given"


def test_the_saturating_answer_gains_what_the_search_chose():
    searched = serve("DeepSeek-R1", "H200 SXM", 8)
    tp = serve("DeepSeek-R1", "H200 SXM", 8, attention_data_parallel=False)
    assert searched.tokens_per_second["per_chip"] > 1.3 * tp.tokens_per_second["per_chip"]


def test_a_dense_model_is_searched_as_before():
    s = serve("Llama 3 70B", "H100 SXM5", 8, precision="fp8")
    assert s.layout["attention_data_parallel"] is False
    assert s.limited_by["layout"].startswith("of ") and "tensor x pipeline splits that hold" in s.limited_by["layout"]
    assert "data parallel" not in s.limited_by["layout"]


@pytest.mark.parametrize("model, T, P, search, modes", [
    ("DeepSeek-R1", 8, 1, True, (False, True)),
    ("DeepSeek-R1", 8, 1, False, (False,)),     # asked or refused: the setup's own
    ("DeepSeek-R1", 4, 2, True, (False,)),      # a pipeline of attention data parallel groups: not a recipe's layout
    ("DeepSeek-R1", 1, 1, True, (False,)),      # one chip: nothing to spread
    ("Mixtral 8x7B", 6, 1, True, (False,)),     # 6 chips do not divide 8 experts: a chip would hold part of one
    ("Mixtral 8x7B", 8, 1, True, (False, True)),
    ("Llama 3 70B", 8, 1, True, (False,)),      # no experts
])
def test_attention_modes(model, T, P, search, modes):
    s = load.setup(model, "H200 SXM", 8 * P)
    assert load.attention_modes(s, T, P, search) == modes


def test_the_search_tries_at_most_one_more_layout_per_tensor_size_whatever_the_chips():
    for chips in (8, 16, 2**20):
        s = load.setup("DeepSeek-R1", "H200 SXM", chips)
        t = time.perf_counter()
        both = load.layouts(s, None, True, True)
        took = time.perf_counter() - t
        one = load.layouts(s, None, True, False)
        assert len(one) < len(both) <= 2 * len(one)
        assert took < 1.0  # bounded by the model's experts and heads, not by the chips


def test_a_concurrency_below_the_attention_ranks_is_served_attention_tensor_parallel():
    # TensorRT-LLM's min-latency runs of DeepSeek-R1 (one request) are tensor 8 without attention data parallelism
    # (--tp 8 --ep 4 on H200): under it seven of eight ranks would hold no sequence
    s = serve("DeepSeek-R1", "H200 SXM", 8, concurrency=1)
    assert s.layout["attention_data_parallel"] is False and s.layout["tensor"] == 8
    assert serve("DeepSeek-R1", "H200 SXM", 8, concurrency=64).layout["attention_data_parallel"] is True


def test_limits_and_a_request_rate_say_the_runner_up_and_the_other_kind():
    lim = serve("DeepSeek-R1", "H200 SXM", 8, tpot_limit="50 ms")
    assert lim.layout["attention_data_parallel"] is True
    assert "within the limits: " in lim.limited_by["layout"] and "without attention data parallelism" in lim.limited_by["layout"]
    rate = serve("DeepSeek-R1", "H200 SXM", 8, request_rate="2/s")
    assert rate.layout["attention_data_parallel"] is True
    assert "capacity (requests/s): " in rate.limited_by["layout"] and " against " in rate.limited_by["layout"]


def test_the_frontier_runs_on_the_answers_layout():
    f = frontier("DeepSeek-R1", "H200 SXM", 8, points=8)
    assert f.layout["attention_data_parallel"] is True and f.layout["expert"] == 8


def test_the_command_line_says_the_layout_and_why(capsys):
    out = _cli(capsys, "--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8")
    first = out.splitlines()[0]
    assert "tensor 8 x pipeline 1 (expert 8)" in first and "attention data parallel" in first
    assert "without attention data parallelism at most" in out
    off = _cli(capsys, "--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8", "--no-attention-data-parallel")
    assert "attention data parallel" not in off.splitlines()[0] and "tensor 1 x pipeline 8" in off.splitlines()[0]
    lay = json.loads(_cli(capsys, "--model", "DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8", "--json"))["layout"]
    assert lay["attention_data_parallel"] is True and lay["expert"] == 8


def test_the_serving_page_answers_with_the_searched_layout_and_its_curve():
    from apppage import open_page

    link = {"serving.model": "DeepSeek-R1", "serving.hardware": "H200 SXM", "serving.chips": "8",
            "serving.tensor": "best", "serving.concurrency": "saturating", "serving.attention_data_parallel": "false"}
    at = open_page("app_pages/serving.py", **link)
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "attention data parallel" in text and "without attention data parallelism at most" in text
    # the red point of the answer lies on its own curve: the frontier on the same layout, attention data parallel
    s = serve("DeepSeek-R1", "H200 SXM", 8)
    assert number(s.tokens_per_second["per_chip"].m_as("token/s/chip")) in " ".join(m.value for m in at.metric)
    # the toggle off with a tensor size given: attention tensor parallel on that layout, as before
    at = open_page("app_pages/serving.py", **{**link, "serving.tensor": "8"})
    assert not at.error and ", attention data parallel" not in " ".join(m.value for m in at.markdown).split("KV cache")[0]


def test_the_readme_quotes_what_the_search_gives():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    s = serve("DeepSeek-R1", "H200 SXM", 8)
    off = serve("DeepSeek-R1", "H200 SXM", 8, attention_data_parallel=False)
    said = (f"{number(s.tokens_per_second['per_chip'].m)} tokens/s per chip against "
            f"{number(off.tokens_per_second['per_chip'].m)} at tensor 1 x pipeline 8 without "
            f"({s.max_concurrency:,} sequences at {number(s.tpot.m_as('ms'))} ms a token against "
            f"{off.max_concurrency:,} at {number(off.tpot.m_as('ms'))} ms)")
    assert said in readme and said.split(" (")[1][:-1] in s.limited_by["layout"].replace("sequences in flight", "sequences")


def test_at_a_concurrency_the_answer_says_how_fast_each_kind_steps():
    s = serve("DeepSeek-R1", "H200 SXM", 8, concurrency=256)
    why = s.limited_by["layout"]
    assert s.layout["attention_data_parallel"] is True and s.concurrency == 256
    assert "without attention data parallelism at most" in why and "at 256 sequences in flight a token every" in why
    tp = serve("DeepSeek-R1", "H200 SXM", 8, concurrency=256, attention_data_parallel=False)
    assert f"against {number(tp.tpot.m_as('ms'))} ms" in why  # the other kind's step, as its own answer gives it


def test_attention_data_parallel_asked_for_is_never_said_of_a_one_chip_tensor_group():
    # fresh11: --attention-data-parallel with no tensor answered "tensor 1 x pipeline 2 ... attention data parallel"
    # (Qwen3 30B-A3B on 4 TPU v7 Ironwood), a label of a layout with no ranks to spread attention over
    s = calc.serve("Qwen3 30B-A3B", "TPU v7 Ironwood", 4, attention_data_parallel=True)
    assert s.layout["attention_data_parallel"] and s.layout["tensor"] >= 2
    with pytest.raises(calc.InputError) as exc:  # one chip: said, not answered as a layout it is not
        calc.serve("Qwen3 30B-A3B", "H100 SXM5", 1, attention_data_parallel=True)
    assert exc.value.field == "attention_data_parallel" and "got 1 chip" in exc.value.message


def test_a_runner_up_that_differs_only_in_its_attention_says_so():
    # Mixtral 8x7B on 8 H100 at --expert 8: the runner-up is the answer's own split with attention tensor parallel,
    # and was named "tensor 8 x pipeline 1 x expert 8" as if it were the answer itself (fresh15)
    s = serve("Mixtral 8x7B", "H100 SXM5", 8, expert=8)
    assert s.layout["attention_data_parallel"] is True
    why = s.limited_by["layout"]
    assert "against" in why and "at tensor 8 x pipeline 1 x expert 8, attention tensor parallel" in why
