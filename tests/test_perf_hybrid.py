"""Hybrid attention / Mamba-2 stacks (Nemotron-H's layer pattern): the shape, its parameters, the SSD scan's
FLOP and time, the step and the memory of the published Nemotron 3 Nano runs."""

import pytest

from calc import data
from calc.architecture import Transformer
from calc.errors import InputError
from calc.perf import kernels, runs, validation
from calc.perf.system import build_chip, resolve_hardware

ROWS = [r for r in data.validation_runs() if r["layer_pattern"]]


@pytest.fixture(scope="module")
def nano():
    return validation.build_model(ROWS[0])


def test_nemotron_3_nano_has_its_published_parameter_counts(nano):
    # NVIDIA's model card (huggingface.co/nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16): 31.6B total,
    # 3.6B active including the embeddings
    assert nano.params().m_as("param") / 1e9 == pytest.approx(31.6, rel=0.01)
    assert nano.active_params().m_as("param") / 1e9 == pytest.approx(3.6, rel=0.02)
    assert (nano.mamba_layers, nano.moe_layers, nano.attention_layers) == (23, 23, 6)


def test_ssd_flop_is_the_chunked_algorithms_four_steps(nano):
    Q, N, P, H, G = 128, 128, 64, 64, 8  # [Dao2024] sec. 6: C B^T per group, then per head (Q x Q)X, B^T X, C h
    assert nano.ssd_flop == 2 * Q * N * G + H * (2 * Q * P + 2 * N * P + 2 * N * P)


def test_ssd_scan_time_grows_linearly_with_the_sequence(nano):
    chip = build_chip(resolve_hardware("H100 SXM5"), "bf16")
    short = kernels.ssd_scan(chip, nano, micro_batch=1, sequence=8192, tensor=1)
    long = kernels.ssd_scan(chip, nano, micro_batch=1, sequence=32768, tensor=1)
    assert long.flop == pytest.approx(4 * short.flop)
    assert 3.5 < long.forward / short.forward < 4.1  # linear, unlike attention's quadratic core
    assert short.backward > short.forward


def test_a_layer_pattern_must_match_the_layers_and_its_letters():
    with pytest.raises(InputError, match="layer_pattern"):
        Transformer(layers=3, d_model=256, heads=4, vocab=1000, context=512, layer_pattern="M*")
    with pytest.raises(InputError, match="layer_pattern"):
        Transformer(layers=2, d_model=256, heads=4, vocab=1000, context=512, layer_pattern="MX")


def test_a_transformer_without_a_pattern_counts_as_before():
    llama = Transformer(layers=32, d_model=4096, heads=32, kv_heads=8, d_ff=14336, gated=True, vocab=128256,
                        context=8192, tied_embeddings=False, norm="rmsnorm")
    assert llama.params().m_as("param") == 8030261248  # Llama 3 8B
    assert (llama.attention_layers, llama.mamba_layers, llama.dense_ffn_layers) == (32, 0, 32)


def test_every_hybrid_row_is_predicted_and_its_layouts_have_a_memory():
    preds, refused = validation.predictions()
    named = {p.name: p for p in preds}
    assert len(ROWS) == 11
    assert not [x for x in refused if x[2] == "hybrid Mamba layers"]
    for r in ROWS:
        p = named[r["name"]]
        assert p.step.seconds["attention core"] > 0  # the Mamba scans (and six attention layers)
        assert 0.5 < p.ratio < 2.0, (r["name"], p.ratio)
    built = [run for run in runs.published_runs() if run.model is not None and run.model.layer_pattern]
    assert len(built) == 11
    fits = sum(need <= have for *_, need, have in (runs.run_memory(run) for run in built))
    assert fits == 11  # AutoModel's 8 H100 run too, with its bf16 parameters and Adam moments (data/optimizers.csv adam-bf16)
