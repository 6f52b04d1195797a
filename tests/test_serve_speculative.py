"""Speculative decoding with a model's multi-token prediction module (``phases.speculative_step``): the step's
arithmetic by hand, the memory the module holds, the doors (``calc.serve``'s keywords, the CLI's flags) and their
errors, and the held-out rows of TensorRT-LLM's tech blog 1 (data/serving_speculative.csv)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from calc import data
from calc.architecture import lookup
from calc.errors import InputError
from calc.serve import load, phases, serve, validation
from calc.serve.terms import rates
from calc.units import Q_

B200 = data.hardware("B200")


def _toy():
    """Llama 3 8B with one MTP module (a dense layer): a dense shape whose products are memory-bound at batch 1."""
    return replace(lookup("Llama 3 8B"), mtp_modules=1)


def test_deepseek_v3_mtp_module_is_one_moe_layer_of_its_shape_with_the_shared_head():
    m = lookup("DeepSeek-V3")
    s, mtp = phases.shape(m), phases.mtp_shape(m)
    assert (mtp.layers, mtp.moe_layers, mtp.embedding) == (1, 1, 0.0)
    routed = 256 * 3 * 7168 * 2048  # [DeepSeekAI2024] sec. 4.2: 256 routed experts of width 2,048, gated
    assert mtp.expert * mtp.experts == pytest.approx(routed)
    assert mtp.dense + routed == pytest.approx(m.mtp_params().m_as("param"))  # 11.6B, Transformer.mtp_params
    assert mtp.unembedding == s.unembedding  # the main model's head, read each pass
    assert phases.mtp_shape(lookup("Llama 3 8B")) is None


def test_verifying_k_plus_1_tokens_reads_the_weights_and_the_cache_once():
    m = _toy()
    s, r, lay = phases.shape(m), rates(B200, "fp8"), phases.Layout(1)
    one = phases.decode_step(s, lay, r, 1.0, 1.0, 1.0, 2000.0)
    four = phases.decode_step(s, lay, r, 1.0, 1.0, 1.0, 2000.0, queries=4)
    assert four["kv cache"] == pytest.approx(one["kv cache"])  # each cached key and value read once
    assert four["overhead"] == pytest.approx(one["overhead"])  # one step's fixed costs
    # 8B FP8 weights at batch 1: memory-bound, the bytes read once; near the ridge 4 rows cost a little more
    assert one["weights"] <= four["weights"] < 1.05 * one["weights"]
    assert one["total"] < four["total"] < 1.2 * one["total"]  # far less than 4 steps
    same = phases.decode_step(s, lay, r, 1.0, 1.0, 1.0, 2000.0, queries=1)
    assert all(same[k] == one[k] for k in one)  # queries 1: the step as it was, to the bit


def test_speculative_step_by_hand():
    """t = [t_decode(q = k + 1) + t_MTP(q = a) + (k - 1) t_MTP(q = 1) - k t_step] / a, the step's fixed cost once."""
    m = _toy()
    s, mtp, r, lay = phases.shape(m), phases.mtp_shape(m), rates(B200, "fp8"), phases.Layout(1)
    k, a = 3, 2.5
    target = phases.decode_step(s, lay, r, 1.0, 1.0, 1.0, 2000.0, queries=k + 1)["total"]
    first = phases.decode_step(mtp, lay, r, 1.0, 1.0, 1.0, 2000.0, queries=a)["total"]
    rest = phases.decode_step(mtp, lay, r, 1.0, 1.0, 1.0, 2000.0)["total"]
    fixed = phases.coefficients().decode_step_overhead
    got = phases.speculative_step(s, mtp, lay, r, 1.0, 1.0, 1.0, 2000.0, k, a)["total"]
    assert got == pytest.approx((target + first + 2 * rest - 3 * fixed) / 2.5)
    # the drafting: 3 passes of one layer and the head (1 of 32 layers + the output layer each) against a step of 32
    full = phases.decode_step(s, lay, r, 1.0, 1.0, 1.0, 2000.0)["total"]
    assert 1.0 < got * a / full < 1.0 + 3 * 0.25
    # every token accepted: 4 a step, a quarter of the step's time each
    ratio = (phases.speculative_step(s, mtp, lay, r, 1.0, 1.0, 1.0, 2000.0, k, 1.0)["total"]
             / phases.speculative_step(s, mtp, lay, r, 1.0, 1.0, 1.0, 2000.0, k, 4.0)["total"])
    assert ratio > 3.9  # 4 x, less the first pass's 4 rows against 1
    parts = phases.speculative_step(s, mtp, lay, r, 1.0, 1.0, np.array([1.0, 64.0]), 2000.0, k, a)
    assert parts["total"] == pytest.approx(sum(parts[p] for p in ("weights", "kv cache", "compute", "communication",
                                                                   "overhead")))


def test_the_mtp_module_is_held_in_memory():
    m = lookup("DeepSeek-V3")
    plain = load.setup(m, "B200", 8, tensor=8, precision="fp4", kv_precision="fp8")
    spec = load.setup(m, "B200", 8, tensor=8, precision="fp4", kv_precision="fp8", draft_tokens=3, accepted_tokens=2.8)
    w, kv = phases.mtp_held(spec.mtp, spec.layout, spec.weight_bytes, spec.kv_bytes, spec.expert_bytes)
    routed = 256 * 3 * 7168 * 2048
    # its layer split over the 8 tensor ranks as the model's layers are (NVFP4: 4.5 bits a weight with its scales)
    assert w == pytest.approx((spec.mtp.dense * spec.weight_bytes + routed * spec.expert_bytes) / 8, rel=1e-9)
    assert w / 1e9 == pytest.approx((0.35e9 + 11.27e9) * 0.5625 / 8 / 1e9, rel=0.01)  # ~0.82 GB a chip
    assert kv == pytest.approx(576 * 1.0)  # one layer of MLA's latent and rotary key (512 + 64), FP8
    assert spec.max_concurrency() < plain.max_concurrency()


def test_serve_with_draft_tokens_is_faster_a_token_and_says_it():
    kw = dict(tensor=8, expert=4, precision="fp4", concurrency=1, input_tokens=1024, output_tokens=2048)
    plain = serve("DeepSeek-V3", "B200", 8, **kw)
    spec = serve("DeepSeek-V3", "B200", 8, draft_tokens=3, accepted_tokens=2.82, **kw)
    assert 1.5 < plain.tpot / spec.tpot < 2.82
    assert spec.tokens_per_second_per_user.m_as("token/s") == pytest.approx(1 / spec.tpot.m_as("s"))
    assert spec.layout["draft_tokens"] == 3 and spec.layout["accepted_tokens"] == 2.82
    assert "draft_tokens" not in plain.layout  # without it, the answer as it was
    same = serve("DeepSeek-V3", "B200", 8, draft_tokens=0, **kw)
    assert same.tpot == plain.tpot and same.layout == plain.layout
    assert serve("DeepSeek-V3", "B200", 8, draft_tokens="3", accepted_tokens=Q_(2.82, ""), **kw).tpot == spec.tpot


@pytest.mark.parametrize("kw, field, said", [
    (dict(draft_tokens=3, accepted_tokens=5), "accepted_tokens", "[1, 4]"),
    (dict(draft_tokens=3, accepted_tokens=0.5), "accepted_tokens", "[1, 4]"),
    (dict(draft_tokens=3, accepted_tokens=float("nan")), "accepted_tokens", "nan"),
    (dict(draft_tokens=3, accepted_tokens=True), "accepted_tokens", "True"),
    (dict(draft_tokens=3, accepted_tokens="2.8 s"), "accepted_tokens", "2.8 s"),
    (dict(draft_tokens=3, accepted_tokens=Q_(2, "s")), "accepted_tokens", "no unit"),
    (dict(draft_tokens=3), "accepted_tokens", "got none"),
    (dict(accepted_tokens=2), "accepted_tokens", "only used with draft tokens"),
    (dict(draft_tokens=-1, accepted_tokens=1), "draft_tokens", ">= 0"),
    (dict(draft_tokens=2.5, accepted_tokens=1), "draft_tokens", "whole number"),
])
def test_bad_speculative_settings_are_one_error_naming_the_field(kw, field, said):
    with pytest.raises(InputError) as exc:
        serve("DeepSeek-V3", "B200", 8, tensor=8, concurrency=1, **kw)
    assert exc.value.field == field and said in str(exc.value) and "\n" not in str(exc.value)


def test_draft_tokens_for_a_model_without_an_mtp_module_are_refused():
    with pytest.raises(InputError) as exc:
        serve("Llama 3 70B", "H100 SXM5", 8, draft_tokens=2, accepted_tokens=1.8)
    assert exc.value.field == "draft_tokens" and "not a separate draft model" in str(exc.value)
    # in words a user reads: the model by the name chosen, what is missing, and the two ways out
    said = str(exc.value)
    assert said.startswith("draft_tokens: Llama 3 70B has no multi-token prediction (MTP) module: speculative "
                           "decoding here drafts "
                           "with the model's own MTP module (DeepSeek-V3/R1)") and "give no draft tokens" in said
    assert "num_nextn_predict_layers" not in said and "\n" not in said


def test_the_cli_says_the_same_for_a_model_without_an_mtp_module(capsys):
    from calc.cli import main

    assert main(["serve", "--model", "llama 3 70b", "--hardware", "H100 SXM5", "--chips", "8",
                 "--draft-tokens", "2", "--accepted-tokens", "1.8"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("calc: error: --draft-tokens: Llama 3 70B has no multi-token prediction (MTP) module: ")
    assert err.count("\n") == 1


def test_the_cli_flags_answer_and_name_themselves_in_errors(capsys):
    from calc.cli import main

    base = ["serve", "--model", "DeepSeek-V3", "--hardware", "B200", "--chips", "8", "--tensor", "8",
            "--concurrency", "1"]
    assert main([*base, "--draft-tokens", "3", "--accepted-tokens", "2.8"]) == 0
    assert "speculative decoding: 3 draft tokens a step by the MTP module, 2.8 emitted" in capsys.readouterr().out
    assert main([*base, "--draft-tokens", "3", "--accepted-tokens", "4.5"]) == 2
    err = capsys.readouterr().err
    assert err == ("calc: error: --accepted-tokens: expected a number in [1, 4] (at most the 3 draft tokens and the "
                   "target's own), got '4.5'\n")
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--draft-tokens", "1",
                 "--accepted-tokens", "1.5"]) == 2
    assert capsys.readouterr().err.startswith("calc: error: --draft-tokens: Llama 3 8B has no multi-token prediction (MTP) "
                                              "module: ")


def test_speculative_rows_are_the_sources_settings_and_score_within_ten_percent():
    """TensorRT-LLM tech blog 1's DeepSeek-R1 min-latency table (8 B200, MTP 1-5 at the acceptance it states): the
    held-out rows, predicted with the acceptance the blog states (never fitted)."""
    spec = data.serving_speculative()
    rows = {c.name: c for c in validation.cases() if c.name.startswith("trtllm-blog1-")}
    assert len(rows) == 6 and len(spec) == 5
    for name, kv in spec.items():
        assert 1 <= kv["accepted_tokens"] <= kv["draft_tokens"] + 1
        assert name.endswith(f"mtp{kv['draft_tokens']}")
    for c in rows.values():
        o = validation.predict(c)
        assert abs(np.log(c.tpot / o.tpot)) < 0.1, (c.name, o.tpot, c.tpot)
