"""Shapes, memory and scaling laws against published figures, with their invariants."""

import pytest

import calc
from calc.architecture import Transformer, published
from calc.memory import min_chips, training_memory
from calc.scaling import allocation, compute_optimal, law


@pytest.mark.parametrize("name", list(published()))
def test_parameter_counts_match_the_published_ones(name):
    # reported counts and their sources are in data/architectures.csv
    model, row = published()[name]
    tol = row["count_tolerance"]  # 1e-4 for exact published counts, more for rounded ones ("7B", "37B")
    assert model.params().m_as("param") == pytest.approx(row["reported_params"], rel=tol)
    if row["reported_active_params"]:
        active = model.active_params().m_as("param")
        if row["reported_active_excludes"] == "input embedding":
            active -= model.vocab * model.d_model
        assert active == pytest.approx(row["reported_active_params"], rel=tol)


def test_gpt2_small_was_announced_as_117m_but_has_124m():
    # Radford et al. 2019 Table 2 lists 117M; the checkpoint has 124,439,808 (tied embeddings counted once)
    n = published()["GPT-2 small"][0].params().m_as("param")
    assert n == 124_439_808 and n / 117e6 == pytest.approx(1.064, rel=1e-3)


def test_detailed_count_approaches_6n_as_context_shrinks():
    m = published()["Llama 2 70B"][0]
    gaps = [m.six_nd_gap(context=t) for t in (32768, 4096, 512, 1)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-4


def test_palm_count_is_6n_plus_attention():
    # Chowdhery et al. 2022 app. B: 6N + 12 L H Q T, GPT-3: 96 layers, 96 heads of 128, T 2048; N without the
    # learned position embedding (2048 x 12288), a lookup
    m = published()["GPT-3 175B"][0]
    extra = 12 * 96 * 96 * 128 * 2048
    n = m.params().m_as("param") - 2048 * 12288
    assert m.flop_per_token("palm2022").m_as("FLOP/token") == pytest.approx(6 * n + extra)


def test_megatron_recompute_adds_a_forward_of_the_layers_but_not_the_logits():
    # Narayanan et al. 2021, eq. 3: 96 B s l h^2 (1 + s/(6h) + V/(16 l h)); the 6 V h of the logits is never re-run
    m = published()["GPT-3 175B"][0]
    L, h, V, s = 96, 12288, 50257, 2048
    with_ = m.flop_per_token("megatron2021-recompute").m_as("FLOP/token")
    without = m.flop_per_token("megatron2021").m_as("FLOP/token")
    assert with_ == pytest.approx(96 * L * h * h * (1 + s / (6 * h) + V / (16 * L * h)))
    assert without == pytest.approx(72 * L * h * h * (1 + s / (6 * h) + V / (12 * L * h)))


def test_megatron_count_of_gpt2_small_is_what_a_flop_counter_measures():
    # the figure: 72 L d^2 + 12 L T d + 6 V d = 8.544e8 FLOP per token at T = 1024
    gpt2 = published()["GPT-2 small"][0]
    assert gpt2.flop_per_token("megatron2021", sequence=1024).m_as("FLOP/token") == pytest.approx(8.544e8, rel=1e-4)
    assert gpt2.flop_per_token("exact", sequence=1024).m_as("FLOP/token") == pytest.approx(8.544e8, rel=1e-4)


def test_palm_count_does_not_multiply_the_input_embedding():
    # an untied model's input embedding is a lookup: PaLM's 6N must leave it out, as flop_breakdown does
    llama = published()["Llama 3 8B"][0]
    palm = llama.flop_per_token("palm2022").m_as("FLOP/token")
    exact = sum(llama.flop_breakdown().values()).m_as("FLOP/token")
    assert palm == pytest.approx(exact, rel=1e-3)  # they differ only by the norms' few parameters
    assert palm < 6 * llama.active_params().m_as("param") + 12 * 32 * 32 * 128 * 8192 - 6 * 128256 * 4096 * 0.99


def test_recomputation_adds_forward_flop_only_to_the_layers():
    m = published()["Llama 2 7B"][0]
    none, sel, full = (m.flop_per_token("exact", recompute=r).m_as("FLOP/token") for r in ("none", "selective", "full"))
    assert none < sel < full < none * 4 / 3
    with pytest.raises(calc.InputError) as exc:
        m.flop_per_token("palm2022", recompute="full")
    assert exc.value.field == "recompute"


def test_moe_compute_uses_active_memory_uses_total():
    mixtral = published()["Mixtral 8x7B"][0]
    assert mixtral.flop_per_token("kaplan2020").m_as("FLOP/token") == pytest.approx(6 * mixtral.active_params().m_as("param"))
    states = training_memory(mixtral, sequence=4096).parts["optimizer_state"].m_as("byte/chip")
    assert states == pytest.approx(12 * mixtral.params().m_as("param"))


def test_memory_grows_with_batch_and_sequence():
    m = published()["Llama 2 70B"][0]
    act = lambda **kw: training_memory(m, **kw).parts["activations"].m_as("byte/chip")  # noqa: E731
    assert act(micro_batch=1) < act(micro_batch=2) < act(micro_batch=4)
    assert act(sequence=1024) < act(sequence=2048) < act(sequence=4096)
    assert act(recompute="full") < act(recompute="selective") < act(recompute="none")


def test_zero_stages_split_more_and_more():
    m = published()["GPT-3 175B"][0]
    totals = [training_memory(m, zero=z, data_parallel=64).total.m_as("GB/chip") for z in (0, 1, 2, 3)]
    assert totals == sorted(totals, reverse=True)


def test_100_trillion_params_need_20000_h100_for_states_alone():
    # the seed article's 100-trillion-parameter model: 16 bytes per parameter (ZeRO, mixed Adam) / 80 GB
    big = Transformer(layers=200, d_model=204800, heads=800, vocab=50000, context=2048)
    n, _ = min_chips(big, "H100 SXM5", zero=3, tensor=8, sequence_parallel=True, recompute="full")
    states_only = 16 * big.params().m_as("param") / 80e9
    assert n.m_as("chip") >= states_only and big.params().m_as("param") == pytest.approx(1.0e14, rel=0.02)


@pytest.mark.parametrize("name, tokens_per_param", [("hoffmann2022", 87), ("besiroglu2024", 19)])
def test_tokens_per_param_at_gpt3_compute(name, tokens_per_param):
    # the warning: the rounded 2022 constants give ~87, Epoch's replication ~19
    assert compute_optimal("3.14e23 FLOP", name).tokens_per_param == pytest.approx(tokens_per_param, abs=1)


def test_chinchilla_is_compute_optimal_under_the_replication():
    a = allocation(70e9, 1.4e12, "besiroglu2024")
    assert a["params_over_optimal"] == pytest.approx(1, abs=0.1) and a["tokens_over_optimal"] == pytest.approx(1, abs=0.1)


def test_gpt3_is_undertrained():
    a = allocation(174.6e9, 300e9, "besiroglu2024")
    assert a["params_over_optimal"] > 3 and a["tokens_over_optimal"] < 0.35 and a["loss"] > a["optimal"].loss


def test_kaplan_optimum_is_a_minimum():
    o = compute_optimal("1e22 FLOP", "kaplan2020")
    lw = law("kaplan2020")
    budget = 1e22 / 6
    n = o.params.m_as("param")
    assert o.loss <= lw.loss(n * 1.1, budget / (n * 1.1)) and o.loss <= lw.loss(n / 1.1, budget / (n / 1.1))


@pytest.mark.parametrize("kwargs, field", [
    (dict(layers=0, d_model=768, heads=12, vocab=100, context=8), "layers"),
    (dict(layers=2, d_model=100, heads=3, vocab=100, context=8), "heads"),
    (dict(layers=2, d_model=768, heads=12, kv_heads=5, vocab=100, context=8), "kv_heads"),
    (dict(layers=2, d_model=768, heads=12, vocab=100, context=8, experts=2, experts_per_token=3), "experts_per_token"),
    (dict(layers=2.5, d_model=768, heads=12, vocab=100, context=8), "layers"),
    (dict(layers=2, d_model=768, heads=12, vocab=100, context=8, norm="batchnorm"), "norm"),
])
def test_impossible_shapes(kwargs, field):
    with pytest.raises(calc.InputError) as exc:
        Transformer(**kwargs)
    assert exc.value.field == field


@pytest.mark.parametrize("call, field", [
    (lambda: law("chinchilla"), "law"),
    (lambda: compute_optimal("-1 FLOP"), "compute"),
    (lambda: training_memory(published()["GPT-3 175B"][0], tensor=5), "tensor"),
    (lambda: training_memory(published()["GPT-3 175B"][0], zero=4), "zero"),
    (lambda: training_memory(published()["GPT-3 175B"][0], recompute="some"), "recompute"),
])
def test_bad_options(call, field):
    with pytest.raises(calc.InputError) as exc:
        call()
    assert exc.value.field == field


def test_megatron_count_refuses_shapes_it_does_not_describe():
    for name in ("Llama 2 70B", "Mixtral 8x7B", "DeepSeek-V3"):
        with pytest.raises(calc.InputError, match="dense"):
            published()[name][0].flop_per_token("megatron2021")


def test_deepseek_v3_latent_attention_and_shared_experts():
    # DeepSeek-AI 2024: 671B total, 37B active; our count includes embeddings in the active figure
    ds = published()["DeepSeek-V3"][0]
    assert ds.qk_dim == 192 and ds.v_dim == 128
    parts = ds.breakdown()
    assert parts["routed experts"].m_as("param") == pytest.approx(58 * 256 * 3 * 7168 * 2048)
    # the multi-token prediction module (sec. 2.2) is trained but is not part of the 671B
    assert 11e9 < ds.mtp_params().m_as("param") < 14e9 and ds.params().m_as("param") < 672e9


def test_an_estimate_can_start_from_a_shape():
    llama = published()["Llama 2 70B"][0]
    est = calc.estimate(**llama.as_inputs(), tokens="2e12 token")
    per_token = llama.flop_per_token("palm2022").m_as("FLOP/token")
    assert est.compute.m_as("FLOP") == pytest.approx(per_token * 2e12)
    moe = published()["Mixtral 8x7B"][0]
    est = calc.estimate(**moe.as_inputs(context=4096), tokens="1e12 token")
    assert est.params.m_as("param") > 3 * est.active_params.m_as("param")


@pytest.mark.parametrize("name, total, active, mlp, attention", [
    # OpenAI 2025, gpt-oss model card (arXiv:2508.10925) Table 1: total, active per token (input embedding left
    # out), MLP (experts with their biases, router, norms) and attention (with its biases and sinks), in billions
    ("GPT-OSS 120B", 116.83, 5.13, 114.71, 0.96),
    ("GPT-OSS 20B", 20.91, 3.61, 19.12, 0.64),
])
def test_gpt_oss_counts_by_component_match_the_model_card(name, total, active, mlp, attention):
    m = published()[name][0]
    bk = {k: v.m_as("param") / 1e9 for k, v in m.breakdown().items()}
    assert m.params().m_as("param") / 1e9 == pytest.approx(total, abs=0.005)
    assert (m.active_params().m_as("param") - m.vocab * m.d_model) / 1e9 == pytest.approx(active, abs=0.005)
    assert bk["routed experts"] + bk["router"] == pytest.approx(mlp, abs=0.01)
    assert bk["attention"] == pytest.approx(attention, abs=0.005)
    assert (m.window, m.window_layers, m.layers) == (128, m.layers // 2, m.layers)  # every other layer slides


@pytest.mark.parametrize("name, total, active, moe_layers", [
    # Meta 2025, Llama 4 model card: 109B / 17B (Scout, 16 experts), 400B / 17B (Maverick, 128 experts), the
    # totals with the vision encoder that the language model's count leaves out
    ("Llama 4 Scout", 109, 17, 48),
    ("Llama 4 Maverick", 400, 17, 24),
])
def test_llama4_counts_and_layers(name, total, active, moe_layers):
    m = published()[name][0]
    assert m.params().m_as("param") / 1e9 == pytest.approx(total, rel=0.015)
    assert m.active_params().m_as("param") / 1e9 == pytest.approx(active, rel=0.015)
    assert (m.moe_layers, m.shared_experts, m.window, m.window_layers) == (moe_layers, 1, 8192, 36)


def test_qwen3_235b_a22b_counts():
    # Qwen3 Technical Report Table 2: 235B total, 22B activated; the model card: 234B without the embeddings
    m = published()["Qwen3 235B-A22B"][0]
    assert (m.experts, m.experts_per_token, m.heads, m.kv, m.head_width) == (128, 8, 64, 4, 128)
    assert m.params().m_as("param") / 1e9 == pytest.approx(235, rel=0.005)
    assert (m.params().m_as("param") - 2 * m.vocab * m.d_model) / 1e9 == pytest.approx(234, rel=0.005)
    assert m.active_params().m_as("param") / 1e9 == pytest.approx(22, rel=0.01)


@pytest.mark.parametrize("name", ["GPT-OSS 120B", "GPT-OSS 20B", "Qwen3 235B-A22B"])
def test_new_shapes_count_flop_at_their_pretraining_length_not_their_longest_position(name):
    # fresh-eyes walk: with the config's longest position as the context (131,072; 40,960), the Model shape page and
    # `estimate --model` carried 46 (GPT-OSS 120B) and 22.9 (Qwen3 235B) FLOP per parameter-token into the estimate,
    # 8x and 4x the 6 of 6ND; like Qwen3 30B-A3B and Llama 3.1 405B, the rows give the length they were pre-trained at
    m = published()[name][0]
    assert m.context == 4096
    assert m.six_nd_gap(m.context) < 0.3
    est = calc.estimate(model=name, tokens="1e12 token")
    # below 6 when the input embedding (a lookup, no FLOP) is a large share of the active count: GPT-OSS 20B 5.8
    assert 5 < est.flop_per_param_token.m_as("FLOP/param/token") < 8


@pytest.mark.parametrize("name", ["Llama 4 Scout", "Llama 4 Maverick"])
def test_llama4_counts_flop_at_its_training_length_and_chunks(name):
    # fresh-eyes walk: the rows took config.json's longest position (10,485,760; 1,048,576) as the training length and
    # counted full attention on every layer: `estimate --model "Llama 4 Scout" --tokens 40e12` gave 1.24e27 FLOP, ~300x
    # 6ND. Meta's Llama 4 blog: Scout pre-trained at 256K; its chunks of 8,192 on 36 of 48 layers (config.json)
    m = published()[name][0]
    assert m.context == 262144
    assert (m.window, m.window_layers) == (8192, 36)
    est = calc.estimate(model=name, tokens="40e12 token")
    six_nd = 6 * m.active_params().m_as("param") * 40e12
    # hand count: 6 N' + 6 H (2 x 128) (12 x 262,144 + 36 x 8,192) per token, the global layers' 256K dominating
    assert est.compute.m_as("FLOP") / six_nd == pytest.approx(
        m.flop_per_token("palm2022").m_as("FLOP/token") / (6 * m.active_params().m_as("param")))
    assert est.compute.m_as("FLOP") / six_nd < 4


def test_windowed_attention_counts_min_of_sequence_and_window_per_query():
    # hand count: 4 layers of 4 heads of 16, 2 of them with a window of 128, at T = 4,096 tokens: the attention core
    # 6 H (Q_k + Q_v) (2 T + 2 x 128) FLOP per token; at T = 100 (inside the window) every layer attends to T
    full = Transformer(layers=4, d_model=64, heads=4, vocab=100, context=4096)
    local = Transformer(layers=4, d_model=64, heads=4, vocab=100, context=4096, window=128, window_layers=2)
    for count in ("palm2022", "exact"):
        gap = (full.flop_per_token(count, sequence=4096) - local.flop_per_token(count, sequence=4096)).m_as("FLOP/token")
        assert gap == pytest.approx(6 * 4 * (16 + 16) * 2 * (4096 - 128))
        assert local.flop_per_token(count, sequence=100) == full.flop_per_token(count, sequence=100)
    core = 6 * 4 * (16 + 16) * (2 * 4096 + 2 * 128)
    weights = 6 * local.active_params().m_as("param")  # tied embeddings: the one matrix is the unembedding's product
    assert local.flop_per_token("palm2022", sequence=4096).m_as("FLOP/token") == pytest.approx(weights + core)


def test_a_window_needs_its_layers_in_range():
    with pytest.raises(calc.errors.InputError, match="window_layers"):
        Transformer(layers=2, d_model=64, heads=4, vocab=100, context=64, window_layers=3, window=16)
    with pytest.raises(calc.errors.InputError, match="window_layers"):
        Transformer(layers=2, d_model=64, heads=4, vocab=100, context=64, window_layers=1)


def test_a_sequence_far_past_the_context_is_said_without_e_notation():
    """'--sequence 1e9' warned '1,000,000,000 tokens is 1.22e+05x the shape's context' (fresh22: `.3g` writes
    e-notation from 1,000x); the ratio is written as every number on screen is (calc.display.number)."""
    from calc.architecture import lookup

    note = lookup("Llama 3 70B").sequence_note(10**9)
    assert "is 122,070x the shape's context of 8,192" in note and "e+" not in note
    assert "is 12.2x" in lookup("Llama 3 70B").sequence_note(100_000)


def test_a_sequence_just_past_the_context_is_said_in_tokens_not_1x():
    """serve24: 8,192 + 1 tokens to Llama 3 70B warned '8,193 tokens is 1x the shape's context of 8,192'; below
    twice the context the excess is said in tokens, from there the ratio (the one note of every door)."""
    from calc.architecture import lookup

    m = lookup("Llama 3 70B")
    assert "8,193 tokens is 1 more than the shape's context of 8,192" in m.sequence_note(8193)
    assert "is 8,191 more than" in m.sequence_note(16_383) and "is 2x the shape's context" in m.sequence_note(16_384)
    gpt2 = lookup("GPT-2 XL")  # learned positions: the same words
    assert "2,000 tokens is 976 more than the shape's 1,024 positions" in gpt2.sequence_note(2000)
