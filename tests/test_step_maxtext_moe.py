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
