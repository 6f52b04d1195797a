"""Training memory per chip: model states by framework convention, activations per architecture."""

import json

import pytest

import calc
from calc.__main__ import main
from calc.architecture import Transformer, published
from calc.memory import DEFAULTS, activations_per_layer, min_chips, per_chip

SHAPES = {n: t for n, (t, _) in published().items()}


def _states(m):
    return sum(v.m_as("byte/chip") for k, v in m.parts.items() if k != "activations")


@pytest.mark.parametrize("zero, gb", [(0, 120), (1, 31.4), (2, 16.6), (3, 1.9)])
def test_zero_paper_figure_1(zero, gb):
    # Rajbhandari et al. 2020, Figure 1: a 7.5B model, 64-way data parallel, K = 12: 120, 31.4, 16.6, 1.9 GB
    model = SHAPES["Llama 2 7B"]
    per_param = _states(per_chip(model, zero=zero, data_parallel=64)) / model.params().m_as("param")
    assert per_param * 7.5e9 / 1e9 == pytest.approx(gb, rel=0.02)


@pytest.mark.parametrize("d", [1, 8, 64])
def test_megatron_distributed_optimizer_is_6_plus_12_over_d(d):
    # Megatron-LM docs (dist_optimizer.md): bf16 parameters, fp32 gradients: 6 + 12/d bytes per parameter
    model = SHAPES["Llama 2 7B"]
    m = per_chip(model, states="megatron-distributed", zero=1, data_parallel=d)
    assert _states(m) / model.params().m_as("param") == pytest.approx(6 + 12 / d)
    assert _states(per_chip(model, states="megatron", zero=0, data_parallel=d)) / model.params().m_as("param") == 18


def test_a_convention_refuses_a_stage_it_does_not_define():
    with pytest.raises(calc.InputError) as exc:
        per_chip(SHAPES["Llama 2 7B"], states="deepspeed", zero=1, data_parallel=8)
    assert exc.value.field == "zero" and "2 or 3" in exc.value.message
    with pytest.raises(calc.InputError) as exc:
        per_chip(SHAPES["Llama 2 7B"], states="deepspeed", zero=2, optimizer="sgd-momentum-mixed")
    assert exc.value.field == "optimizer"


def test_flash_attention_has_no_quadratic_term():
    # the issue: the original transformer's formula overstated Llama 2 7B at 4k about 5.7x
    llama = SHAPES["Llama 2 7B"]
    act = {(s, f): per_chip(llama, sequence=s, recompute="none", flash_attention=f).parts["activations"].m_as("byte/chip")
           for s in (2048, 4096) for f in (True, False)}
    assert act[(4096, True)] == pytest.approx(2 * act[(2048, True)])  # linear in the sequence
    assert act[(4096, False)] > 2.5 * act[(4096, True)]  # the s x s scores dominate without it


def test_grouped_query_attention_keeps_fewer_keys_and_values():
    base = dict(layers=2, d_model=4096, heads=32, vocab=1000, context=4096, gated=True, d_ff=11008)
    mha = activations_per_layer(Transformer(**base), sequence=4096, recompute="none")
    gqa = activations_per_layer(Transformer(**base, kv_heads=8), sequence=4096, recompute="none")
    assert mha - gqa == pytest.approx(2 * 4096 * 2 * (32 - 8) * 128)  # K and V of 24 fewer heads, 2 bytes


def test_logits_of_llama_3_8b_at_8k_are_about_2_gb():
    # the issue: the logits and loss, about 2 GB (8192 tokens x 128256 vocabulary x 2 bytes)
    llama = SHAPES["Llama 3 8B"]
    total = per_chip(llama, sequence=8192).parts["activations"].m_as("byte/chip")
    layers = 32 * activations_per_layer(llama, sequence=8192)
    assert (total - layers) / 1e9 == pytest.approx(8192 * 128256 * 2 / 1e9, rel=0.10)  # + the output norm's


def test_sequence_parallelism_splits_what_tensor_parallelism_leaves_whole():
    gpt3 = SHAPES["GPT-3 175B"]
    kw = dict(sequence=2048, recompute="selective", tensor=8)
    without = activations_per_layer(gpt3, **kw)
    with_ = activations_per_layer(gpt3, sequence_parallel=True, **kw)
    # Korthikanti et al. 2022, Table 2: s b h (10 + 24/t) without, 34 s b h / t with (dropout counted there)
    assert with_ == pytest.approx(without / 8 * 8 * (with_ / without))  # identity guard
    korth = dict(sequence=2048, recompute="selective", tensor=8, dropout=True, flash_attention=False)
    assert activations_per_layer(gpt3, sequence_parallel=True, **korth) == pytest.approx(2048 * 12288 * 34 / 8)
    assert activations_per_layer(gpt3, **korth) == pytest.approx(2048 * 12288 * (10 + 24 / 8))


def test_kv_heads_tensor_parallelism_cannot_split_are_an_error():
    model = Transformer(layers=2, d_model=6144, heads=48, kv_heads=8, vocab=1000, context=512)
    with pytest.raises(calc.InputError) as exc:
        per_chip(model, tensor=12)
    assert exc.value.field == "tensor" and "key/value heads" in exc.value.message
    per_chip(model, tensor=4)  # splits: 2 per rank
    per_chip(SHAPES["Falcon 7B"], tensor=1)


def test_expert_parallelism_splits_only_the_experts():
    mixtral = SHAPES["Mixtral 8x7B"]
    one = per_chip(mixtral, data_parallel=8).parts["weights"].m_as("byte/chip")
    ep = per_chip(mixtral, data_parallel=8, expert_parallel=8).parts["weights"].m_as("byte/chip")
    experts = mixtral.breakdown()["routed experts"].m_as("param")
    assert one - ep == pytest.approx(2 * experts * 7 / 8)
    with pytest.raises(calc.InputError) as exc:
        per_chip(mixtral, data_parallel=8, expert_parallel=3)
    assert exc.value.field == "expert_parallel"


def test_eight_bit_adam_and_qlora():
    llama = SHAPES["Llama 2 70B"]
    n = llama.params().m_as("param")
    assert _states(per_chip(llama, optimizer="adam-8bit-mixed")) / n == 10  # Dettmers et al. 2022: 2 + 2 + 4 + 2
    # Dettmers et al. 2023: QLoRA fine-tunes a 65B model on one 48 GB GPU (rank 64 adapters, sequences of 512)
    q = per_chip(llama, finetune="qlora", lora_rank=64, sequence=512, recompute="full")
    assert q.total.m_as("GB/chip") < 48
    lora = per_chip(llama, finetune="lora", lora_rank=64, sequence=512, recompute="full")
    assert lora.parts["weights"].m_as("byte/chip") > 2 * n  # the 16-bit base alone is 138 GB


def test_fewest_chips_respect_the_layout_and_stage():
    llama = SHAPES["Llama 2 70B"]
    n3, d3 = min_chips(llama, "H100 SXM5", zero=3, tensor=8, sequence=4096)
    n1, d1 = min_chips(llama, "H100 SXM5", zero=1, tensor=8, sequence=4096)
    assert n3.m_as("chip") == 8 * d3 and n1.m_as("chip") == 8 * d1 and d3 <= d1
    # min_chips holds the chip's usable memory (data/hardware.csv), not the 80 GB it is sold as
    cap = calc.data.hardware("H100 SXM5").capacity.m_as("byte/chip")
    fits = per_chip(llama, zero=3, tensor=8, data_parallel=d3, sequence=4096).total
    assert fits.m_as("byte/chip") <= cap
    if d3 > 1:
        assert per_chip(llama, zero=3, tensor=8, data_parallel=d3 - 1, sequence=4096).total.m_as("byte/chip") > cap
    with pytest.raises(calc.InputError, match="ZeRO stage 0"):
        min_chips(llama, "H100 SXM5", zero=0)


def test_the_command_line_shares_the_apis_defaults(capsys):
    assert main(["memory", "--model", "Llama 3 8B", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    api = per_chip(SHAPES["Llama 3 8B"])
    assert set(out["per_chip"]) >= {"weights", "gradients", "optimizer_state", "activations", "total"}
    assert out["per_chip"]["total"]["value"] == pytest.approx(api.total.m_as("GB/chip"))
    assert out["per_chip"]["total"]["unit"] == "GB/chip"
    # zero: None in the API means the convention's default stage (1, the distributed optimizer, for zero2020),
    # which the command line prints as the stage it used; sequence_parallel None: on when tensor > 1, off here
    assert {k: out["layout"][k] for k in DEFAULTS if k != "sequence"} == {k: v for k, v in DEFAULTS.items()
                                                                         if k != "sequence"} | {"zero": 1,
                                                                                                "sequence_parallel": False}


def test_params_json_from_a_config(capsys):
    assert main(["params", "--config", "data/configs/deepseek-v3.json", "--sequence", "4096", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"] == {"value": 671026404352.0, "unit": "param"}
    assert out["active_params"]["unit"] == "param"
    flop = out["flop_per_token"]
    assert {"kaplan2020", "palm2022", "exact", "exact-recompute-full"} <= set(flop) and flop["megatron2021"] is None
    assert flop["exact"]["unit"] == "FLOP/token" and flop["exact-recompute-full"]["value"] > flop["exact"]["value"]


@pytest.mark.parametrize("argv, flag", [
    (["params", "--model", "Llama 3 8B", "--heads", "31"], "--heads"),
    (["params", "--model", "Llama 3 8B", "--kv-heads", "5"], "--kv-heads"),
    (["params", "--config", "data/configs/gpt2.json", "--model", "GPT-2 small"], "--config"),
    (["params", "--config", "no/such/config.json"], "--config"),
    (["memory", "--model", "Llama 3 8B", "--tensor", "3"], "--tensor"),
    (["memory", "--model", "Llama 3 8B", "--sequence", "0"], "--sequence"),
    (["memory", "--model", "Llama 3 8B", "--micro-batch", "0"], "--micro-batch"),
    (["memory", "--model", "Llama 3 8B", "--states", "fsdp"], "--states"),
    (["memory", "--model", "Llama 3 8B", "--finetune", "prefix"], "--finetune"),
    (["memory", "--model", "Mixtral 8x7B", "--expert-parallel", "3", "--data-parallel", "6"], "--expert-parallel"),
])
def test_errors_blame_the_right_flag(argv, flag, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"calc: error: {flag}") and err.count("\n") == 1


def test_shape_flags_override_the_model(capsys):
    assert main(["params", "--model", "Llama 3 8B", "--layers", "16", "--json"]) == 0
    half = json.loads(capsys.readouterr().out)["params"]["value"]
    full = SHAPES["Llama 3 8B"].params().m_as("param")
    per_layer = (full - 2 * 128256 * 4096 - 4096) / 32
    assert half == pytest.approx(full - 16 * per_layer)


def test_one_set_of_defaults():
    import inspect

    sig = inspect.signature(per_chip).parameters
    assert {k: sig[k].default for k in DEFAULTS} == DEFAULTS


def test_memory_and_step_take_one_default_of_sequence_parallelism():
    """train24: memory said 39.53 GB/chip and step 26.1 GB for one GPT-3 175B layout on tensor 8: step split the norms
    over the tensor ranks by default (Megatron-LM's recipes do) and memory did not. One rule now
    (calc.memory.sequence_parallel_on); the activations agree, and what remains is said (the runtime's fixed memory,
    the fullest stage's embedding)."""
    from calc.perf import predict

    layout = dict(tensor=8, pipeline=8, sequence=2048)
    mem = per_chip("GPT-3 175B", data_parallel=16, **layout)
    assert mem.parts["activations"] == per_chip("GPT-3 175B", data_parallel=16, sequence_parallel=True,
                                                **layout).parts["activations"]
    off = per_chip("GPT-3 175B", data_parallel=16, sequence_parallel=False, **layout)
    assert off.total.m_as("GB/chip") == pytest.approx(39.53, abs=0.01)  # the figure of before, asked for
    step = predict("GPT-3 175B", "H100 SXM5", 1024, global_batch=1536, **layout)
    assert step.memory.parts["activations"].m_as("GB/chip") == pytest.approx(mem.parts["activations"].m_as("GB/chip"))
    assert mem.total.m_as("GB/chip") == pytest.approx(22.62, abs=0.01)
    rest = step.memory_per_chip.m_as("GB/chip") - mem.total.m_as("GB/chip")  # 26.1 - 22.6
    assert rest == pytest.approx(step.memory.parts["fixed and allocator"].m_as("GB/chip") + 0.34, abs=0.05)
    assert per_chip("GPT-3 175B").total == per_chip("GPT-3 175B", sequence_parallel=False).total  # tensor 1: off


def test_the_memory_command_says_its_sequence_parallelism(capsys):
    from calc.__main__ import main

    argv = ["memory", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--tensor", "8", "--pipeline", "8",
            "--data-parallel", "16", "--micro-batch", "1", "--sequence", "2048"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "sequence parallelism on (the default with tensor > 1, as step" in out and "22.62 GB/chip" in out, out
    assert "fixed memory" in out
    assert main([*argv, "--no-sequence-parallel"]) == 0
    out = capsys.readouterr().out
    assert "sequence parallelism off (as given)" in out and "39.53 GB/chip" in out, out
