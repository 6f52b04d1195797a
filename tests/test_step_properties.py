"""The step door across its input space (hypothesis): any layout a user can type, for any shape
of data/architectures.csv on any accelerator, gives either a step whose parts add up, or one
documented error (InputError naming a field of the layout); never another exception, and each
answer in well under a second. The command line's ``step`` keeps to the same two outcomes."""

import math

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from timing import within

from calc import data, perf
from calc.__main__ import main
from calc.architecture import published
from calc.errors import InputError

SHAPES = sorted(published())
HARDWARE = sorted(data.hardware_table())
FIELDS = set(perf.Layout.__dataclass_fields__) | {"chips", "hardware", "model", "layout", "memory per chip"}
powers = st.sampled_from([1, 2, 4, 8, 16, 32, 64])
odd = st.integers(min_value=-3, max_value=200)
size = st.one_of(powers, odd)

layouts = st.fixed_dictionaries({
    "tensor": size, "pipeline": size, "context": st.one_of(powers, odd), "expert": st.one_of(powers, odd),
    "virtual_stages": st.one_of(st.just(1), size), "micro_batch": size,
    "global_batch": st.one_of(st.sampled_from([64, 256, 512, 1024, 1536, 2048, 4096]), odd),
    "sequence": st.one_of(st.none(), st.sampled_from([512, 1024, 2048, 4096, 8192]), odd),
    "recompute": st.sampled_from(["none", "selective", "full", "some", ""]),
    "zero": st.sampled_from([0, 1, 2, 3, 4, -1]),
    "flash_attention": st.booleans(),
    "precision": st.one_of(st.none(), st.sampled_from(["bf16", "fp16", "fp8", "fp4", "int8", "tf32"])),
    "dp_overlap": st.one_of(st.none(), st.floats(-0.5, 1.5), st.just(float("nan"))),
    "context_code": st.sampled_from(["te", "pytorch", "torch", ""]),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=st.sampled_from(SHAPES), hardware=st.sampled_from(HARDWARE),
       chips=st.one_of(st.sampled_from([8, 64, 256, 1024, 2048, 16384]), st.integers(-2, 5000)), lay=layouts,
       check=st.booleans())
def test_any_layout_gives_a_consistent_step_or_one_documented_error(model, hardware, chips, lay, check):
    try:
        s = within(0.5, lambda: perf.predict(model, hardware, chips, check_memory=check, **lay))
    except InputError as exc:
        event(f"refused: {exc.field}")
        assert exc.field in FIELDS, exc
        assert exc.message and "Traceback" not in exc.message
    else:
        event("a step")
        t = s.step_time.m_as("s")
        assert math.isfinite(t) and t > 0
        assert math.fsum(v.m_as("s") for v in s.breakdown.values()) == pytest.approx(t, rel=1e-9)
        seq = lay["sequence"] or published()[model][0].training_sequence  # every training door's default
        assert s.tokens_per_second.m_as("token/s") == pytest.approx(lay["global_batch"] * seq / t, rel=1e-9)
        assert s.throughput.m_as("FLOP/s/chip") * s.chips * t == pytest.approx(s.model_flop, rel=1e-9)
        assert 0 < s.mfu <= s.hfu + 1e-12
        assert s.hfu < 1, f"faster than the chip's peak: HFU {s.hfu}"
        assert s.chips == s.data_parallel * lay["tensor"] * lay["pipeline"] * lay["context"]
        if check:
            assert s.fits


words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
flag_values = st.one_of(words, st.integers(-5, 10**6).map(str), st.sampled_from(["8", "1e3", "1,024", "0", "-1"]))
FLAGS = ["--tensor", "--pipeline", "--context", "--expert", "--virtual-stages", "--micro-batch", "--global-batch",
         "--sequence", "--zero", "--chips", "--recompute", "--precision", "--hardware", "--model", "--tokens",
         "--dp-overlap", "--budget", "--goal", "--context-code"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.tuples(st.sampled_from(FLAGS), flag_values), max_size=3))
def test_step_command_line_answers_with_a_result_or_one_error_line(capsys, extra):
    argv = ["step", "--model", "GPT-3 175B", "--hardware", "A100 SXM4 80GB", "--chips", "64", "--tensor", "8",
            "--pipeline", "8", "--global-batch", "64"]
    for flag, value in extra:
        argv += [flag, value]

    def run():
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: a flag's type (int) refused, status 2 with usage
            code = exc.code
        return code, capsys.readouterr()

    code, out = within(5, run)  # a --budget search tries a dozen chip counts
    assert code in (0, 2)
    assert "Traceback" not in out.err
    if code == 2:
        assert "error:" in out.err and out.out == ""
    else:
        assert "step time" in out.out or "chips" in out.out


@st.composite
def plausible(draw):
    """Layouts built to divide: most give a step, so the invariants are checked on real results."""
    name = draw(st.sampled_from(SHAPES))
    m = published()[name][0]
    t = draw(st.sampled_from([x for x in (1, 2, 4, 8) if m.heads % x == 0 and (m.kv % x == 0 or x % m.kv == 0)]))
    p = draw(st.sampled_from([x for x in (1, 2, 4, 8, 16) if m.layers % x == 0]))
    e = draw(st.sampled_from([x for x in (1, 2, 4, 8) if m.experts % x == 0]))
    d = draw(st.sampled_from([x for x in (1, 2, 4, 8, 16, 32, 64) if x % e == 0]))
    b = draw(st.sampled_from([1, 2, 4]))
    mb = draw(st.integers(1, 4 * p))  # fewer micro-batches than stages run under 1F1B (Megatron-Core, DeepSpeed)
    return name, dict(tensor=t, pipeline=p, expert=e, micro_batch=b, global_batch=b * d * mb,
                      # learned positions end at the context: past it is refused (issue #21), not a layout
                      sequence=draw(st.sampled_from([q for q in (None, 1024, 2048, 4096)
                                                     if q is None or not m.learned_positions or q <= m.context])),
                      recompute=draw(st.sampled_from(["none", "selective", "full"])),
                      zero=draw(st.sampled_from([0, 1, 2, 3])), flash_attention=draw(st.booleans())), t * p * d


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=plausible(), hardware=st.sampled_from(HARDWARE))
def test_layouts_that_divide_give_steps_whose_parts_add_up(case, hardware):
    name, lay, chips = case
    try:
        s = within(0.5, lambda: perf.predict(name, hardware, chips, check_memory=False, **lay))
    except InputError as exc:  # only what the hardware lacks (a precision, a link) may remain
        assert exc.field in ("hardware", "precision", "chips"), exc
        event(f"refused: {exc.field}")
        return
    event("a step")
    t = s.step_time.m_as("s")
    assert math.isfinite(t) and t > 0
    assert math.fsum(v.m_as("s") for v in s.breakdown.values()) == pytest.approx(t, rel=1e-9)
    assert 0 < s.mfu <= s.hfu + 1e-12 and s.hfu < 1
    assert s.memory_per_chip.m_as("GB/chip") > 0
    # More recomputation never makes a step faster.
    if lay["recompute"] == "none":
        slower = within(0.5, lambda: perf.predict(name, hardware, chips, check_memory=False,
                                                  **{**lay, "recompute": "full"}))
        assert slower.step_time >= s.step_time * (1 - 1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=plausible(), hardware=st.sampled_from(["H100 SXM5", "A100 SXM4 80GB", "B200"]))
def test_fewer_micro_batches_than_stages_run_under_1f1b_with_the_same_bubble(case, hardware):
    # Megatron-Core's forward_backward_pipelining_without_interleaving warms up min(p - rank - 1, m) micro-batches,
    # DeepSpeed's TrainSchedule runs 2 (m + p - 1) steps: any m >= 1 runs, and the pipeline idles (p - 1) micro-batch
    # times whatever m is; one more micro-batch costs time and never frees memory
    name, lay, chips = case
    p = lay["pipeline"]
    if p == 1:
        return
    per = lay["global_batch"] // (lay["micro_batch"] * chips // (lay["tensor"] * p))  # this case's micro-batches
    steps = []
    for m in (1, p - 1, p, p + 1):
        try:
            steps.append(perf.predict(name, hardware, chips, check_memory=False,
                                      **{**lay, "global_batch": lay["global_batch"] // per * m}))
        except InputError as exc:
            assert exc.field in ("hardware", "precision"), exc
            return
    event("steps")
    bubbles = [s.breakdown["pipeline bubble"].m_as("s") for s in steps]
    assert bubbles == pytest.approx([bubbles[0]] * len(bubbles), rel=1e-9)
    times = [s.step_time.m_as("s") for s in steps]
    assert all(a <= b * (1 + 1e-12) for a, b in zip(times, times[1:]))
    held = [s.memory_per_chip.m_as("GB/chip") for s in steps]
    assert all(a <= b * (1 + 1e-12) for a, b in zip(held, held[1:]))
