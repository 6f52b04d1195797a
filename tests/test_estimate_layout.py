"""calc.estimate with a model and a parallel layout: utilization is predicted, not assumed."""

import pytest

import calc
from calc.architecture import published

LAYOUT = dict(tensor=8, pipeline=8, micro_batch=1, global_batch=1536, sequence=2048)


@pytest.mark.parametrize("model, hardware, chips, layout", [
    ("GPT-3 175B", "A100 SXM4 80GB", 1024, LAYOUT),
    ("GPT-3 175B", "H100 SXM5", 512, dict(LAYOUT, pipeline=4, global_batch=1024)),
    ("Llama 2 70B", "H100 SXM5", 256, dict(tensor=8, pipeline=2, micro_batch=1, global_batch=1024, sequence=4096)),
])
def test_the_run_lasts_its_steps_at_the_predicted_step_time(model, hardware, chips, layout):
    est = calc.estimate(model=model, hardware=hardware, chips=chips, tokens="1e12 token", layout=layout)
    assert est["utilization"].source == "modelled" and "calc.perf.predict" in est["utilization"].how
    assert est.utilization.m_as("") == pytest.approx(est.step.mfu, rel=1e-12)
    steps = 1e12 / (est.step.layout.global_batch * est.step.layout.sequence)
    assert est.duration.m_as("s") == pytest.approx(steps * est.step.step_time.m_as("s"), rel=1e-9)
    assert {"chip_hours", "cost", "energy"} <= set(est)


def test_a_model_alone_gives_its_parameters_and_flop():
    shape = published()["Llama 2 70B"][0]
    est = calc.estimate(model="Llama 2 70B", tokens="2e12 token")
    assert est.params.m_as("param") == shape.params().m_as("param")
    assert est.compute.m_as("FLOP") == pytest.approx(shape.flop_per_token("palm2022").m_as("FLOP/token") * 2e12,
                                                      rel=1e-12)


@pytest.mark.parametrize("kwargs, field, words", [
    (dict(layout=LAYOUT, hardware="A100 SXM4 80GB", chips=1024), "model", "shape"),
    (dict(model="GPT-3 175B", layout=LAYOUT, chips=1024), "hardware", "required with a layout"),
    (dict(model="GPT-3 175B", layout=LAYOUT, hardware="A100 SXM4 80GB"), "chips", "required with a layout"),
    (dict(model="GPT-3 175B", layout=LAYOUT, hardware="A100 SXM4 80GB", chips=1024, utilization=0.4),
     "utilization", "give one of them"),
    (dict(model="GPT-3 175B", layout=dict(LAYOUT, tensr=8), hardware="A100 SXM4 80GB", chips=1024),
     "layout", "tensr"),
    (dict(model="GPT-3 176B", tokens=1e12), "model", "known"),
    (dict(model="GPT-3 175B", layout=dict(LAYOUT, tensor=7), hardware="A100 SXM4 80GB", chips=1024),
     "chips", "expected a multiple of tensor x pipeline"),
])
def test_a_layout_that_cannot_be_used_is_one_clear_error(kwargs, field, words):
    with pytest.raises(calc.InputError) as exc:
        calc.estimate(**kwargs)
    assert exc.value.field == field and words in str(exc.value), str(exc.value)


def test_a_predicted_step_is_used_as_it_is_even_when_it_does_not_fit():
    import calc
    from calc import perf
    from calc.errors import InputError

    s = perf.predict("DeepSeek-V3", "H800 SXM5", 2048, check_memory=False, pipeline=16, expert=64, global_batch=15360,
                     sequence=4096, precision="fp8", schedule="dualpipe")
    assert not s.fits
    est = calc.estimate(model="DeepSeek-V3", layout=s, hardware="H800 SXM5", chips=2048, tokens="14.8e12 token")
    assert est.step is s and est["utilization"].source == "modelled"
    assert est.duration.m_as("s") == pytest.approx(s.duration("14.8e12 token").m_as("s"), rel=1e-12)
    with pytest.raises(InputError, match="layout"):
        calc.estimate(model="DeepSeek-V3", layout=s, hardware="H800 SXM5", chips=1024, tokens="14.8e12 token")


def test_a_misspelt_layout_field_names_the_one_meant():
    # fresh14's walk: layout=dict(pipline=8) listed every field of Layout and not the one meant
    import pytest

    import calc

    with pytest.raises(calc.InputError, match=r"got 'pipline' \(did you mean pipeline\?\); its fields are tensor"):
        calc.estimate(model="GPT-3 175B", hardware="A100 SXM4 80GB", chips=1024, tokens="300e9 token",
                      layout=dict(tensor=8, pipline=8))
