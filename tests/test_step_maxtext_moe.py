"""Mixture-of-experts layers as MaxText computes them on TPUs (calc.perf.layer.experts)."""

import math

import pytest

from calc import perf
from calc.architecture import published
from calc.errors import InputError
from calc.perf import layer
from calc.perf.layout import resolve
from calc.perf.system import build_chip, resolve_hardware


def _mixtral():
    shapes = published()
    if "Mixtral 8x7B" not in shapes:
        pytest.skip("no Mixtral 8x7B shape")
    return shapes["Mixtral 8x7B"][0]


def _block(model, hardware, chips, **kw):
    lay = perf.Layout(**kw)
    sizes = resolve(lay, model, chips)
    chip = build_chip(resolve_hardware(hardware), "bf16")
    tokens = sizes.micro_batch * sizes.sequence
    return layer.experts(chip, model, sizes, tokens, False, model.layers, chips, lay.capacity_factor), sizes


def test_token_dropping_path_pays_its_slots_and_the_one_hot_einsums():
    # MaxText's dense path (tpu-recipes' Mixtral 8x7B on Trillium, capacity factor 1.25): each expert computes
    # ceil(4096 x 2 / 8) x 1.25 = 1,280 slots a sequence, 1.25x the routed rows, and the dispatch and combine einsums
    # are two more (E C x s)(s x h) products a sequence
    model = _mixtral()
    kw = dict(micro_batch=12, global_batch=3072, sequence=4096, recompute="full")
    dropless, _ = _block(model, "TPU v6e", 256, **kw)
    dropping, sizes = _block(model, "TPU v6e", 256, capacity_factor=1.25, **kw)
    slots = math.ceil(4096 * 2 / 8) * 1.25
    assert slots == 1280
    routed = 2 * 12 * 4096 * 2 * 3 * model.d_model * (model.expert_d_ff or model.ff)  # the dropless routed products' FLOP
    einsums = 2 * 2 * 12 * 4096 * 8 * slots * model.d_model
    extra = dropping.matmul_flop - dropless.matmul_flop
    assert extra == pytest.approx(0.25 * routed + einsums, rel=1e-9)
    assert dropping.matmul_forward > 1.4 * dropless.matmul_forward


def test_the_held_out_mixtral_run_reads_its_capacity_factor():
    from calc import data
    from calc.perf import validation

    row = next(r for r in data.validation_runs() if r["name"] == "tpu-recipes Mixtral 8x7B 256 TPU v6e")
    assert validation.capacity_factor(row) == 1.25
    other = next(r for r in data.validation_runs() if r["name"] == "tpu-recipes Llama 4 Maverick 128 TPU v5p")
    assert validation.capacity_factor(other) is None


@pytest.mark.parametrize("bad", [0, -1.0, "1.25"])
def test_capacity_factor_must_be_positive(bad):
    model = _mixtral()
    with pytest.raises(InputError) as exc:
        perf.predict(model, "TPU v6e", 256, micro_batch=12, global_batch=3072, sequence=4096, capacity_factor=bad,
                     check_memory=False)
    assert exc.value.field == "capacity_factor"


def test_tile_visits_are_megablox_metadata_bound():
    # make_group_metadata: tiles_m + num_groups - 1 grid steps at most, every group but the first starting in a tile
    assert layer.tile_visits(1024, 256, 512) == pytest.approx((256 * 1024 / 512 + 255) / (256 * 1024 / 512))
    assert layer.tile_visits(4096, 1, 512) == 1.0


def test_grouped_products_on_tpu_pay_their_partial_tiles_per_device():
    # DeepSeek-V3 on Ironwood as tpu-recipes runs it (FSDP, no expert parallelism): 8 sequences of 4,096 tokens a JAX
    # device, two devices a chip, 8 of 256 experts a token: 1,024 rows an expert a device, m tiles of 512 rows
    v3 = published()["DeepSeek-V3"][0]
    kw = dict(micro_batch=16, global_batch=2048, sequence=4096, recompute="full")
    block, sizes = _block(v3, "TPU v7 Ironwood", 128, **kw)
    chip = build_chip(resolve_hardware("TPU v7 Ironwood"), "bf16")
    per_expert = 16 * 4096 * 8 / 256
    plain = layer.feed_forward(chip, v3, v3.expert_d_ff, per_expert, 1, False, chip.grouped_gemm_floor)
    visits = layer.tile_visits(per_expert / 2, 256, 512)
    assert visits == pytest.approx(1 + 255 * 512 / (256 * 1024))
    router = perf.kernels.matmul(chip, 16 * 4096, v3.d_model, 256)
    shared = layer.feed_forward(chip, v3, v3.expert_d_ff * v3.shared_experts, 16 * 4096, 1, False)
    assert block.matmul_forward == pytest.approx(256 * plain.matmul_forward * visits + router.forward
                                                 + shared.matmul_forward)
    # the FLOP counted stay the model's: the masked rows are time, not work
    assert block.matmul_flop == pytest.approx(256 * plain.flop + router.flop + shared.flop)


def test_tpu_moe_diagnostic_reads_the_runs_and_their_offloads():
    from benchmarks import tpu_moe_terms

    runs = {p.name: (p, row) for p, row in tpu_moe_terms.maxtext_moe_runs()}
    assert len(runs) == 10 and "tpu-recipes Mixtral 8x7B 256 TPU v6e" in runs
    # GPT-OSS 120B on 64 TPU7x: 20 sequences of 8,192 a chip; decoder_layer_input (2,880 x 36 layers) and mlpwo
    # (4 x 2,880 x 36 MoE layers) offloaded, 16 bits each: 170 GB a chip each way a step
    p, row = runs["tpu-recipes Ironwood GPT-OSS 120B 64 TPU7x 8K bf16"]
    assert tpu_moe_terms.offload_bytes(p, row) == pytest.approx(2 * 20 * 8192 * 2880 * 36 * 5)
