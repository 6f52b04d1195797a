"""Record every number the step-time model gives, so a refactoring can prove it changed none.

Writes tests/golden/step_predictions.json: the calibration rows (``calibration()``), the held-out
rows (``heldout()``), the back-test's modelled checks (calc/backtest.py), the memory per chip of the
framework golden tables (tests/golden/zero_memory.csv, activations.csv), ``search`` over models x
chip counts x chips, ``budget_search``, explicit layouts covering every option of the layout, and
``matmul_rate`` on a grid of shapes. Each step is recorded with its whole breakdown (zero parts
too), FLOP, MFU, HFU, memory per chip by part and its JSON form. Floats are written with ``repr``
precision; tests/test_step_golden.py recomputes everything with ``collect()`` and asserts every
number to 12 significant digits.

Run from the repository root: ``python -m benchmarks.record_step_golden`` (or with the package
installed, ``python benchmarks/record_step_golden.py``). Only re-record for a deliberate change of
result, and say which in the commit message.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

# The golden file was first recorded from calc/step.py at commit 961100f (its header says so), whose
# functions had the same names and arguments; calc.perf has replaced it.
from calc import memory
from calc import perf as model_api
from calc.architecture import Transformer, published
from calc.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "step_predictions.json"

A100, H100, H800 = "A100 SXM4 80GB", "H100 SXM5", "H800 SXM5"

# (model, global batch, sequence) for the searches
SEARCHED = [("GPT-3 175B", 1536, 2048), ("Llama 3 70B", 1024, 8192), ("Llama 3.1 405B", 2048, 8192),
            ("DeepSeek-V3", 15360, 4096), ("Llama 2 7B", 1024, 4096)]
SEARCH_CHIPS = (64, 256, 1024, 4096, 16384)

GPT3 = dict(tensor=8, pipeline=8, micro_batch=1, global_batch=1536, sequence=2048)
LLAMA70 = dict(tensor=8, pipeline=4, micro_batch=1, global_batch=512, sequence=8192)
DSV3 = dict(pipeline=16, expert=64, global_batch=15360, sequence=4096, micro_batch=1,
            check_memory=False)
# (name, model, hardware, chips, layout fields): every option of the layout at least once
PREDICTED = [
    ("gpt3 a100 1024", "GPT-3 175B", A100, 1024, GPT3),
    ("gpt3 h100 1024", "GPT-3 175B", H100, 1024, GPT3),
    ("gpt3 interleaved", "GPT-3 175B", A100, 1024, {**GPT3, "virtual_stages": 3}),
    ("gpt3 no flash", "GPT-3 175B", A100, 1024, {**GPT3, "flash_attention": False}),
    ("gpt3 no flash selective dropout", "GPT-3 175B", A100, 64,
     dict(tensor=8, pipeline=8, virtual_stages=3, micro_batch=1, global_batch=64, flash_attention=False,
          dropout=True)),
    ("gpt3 no flash none", "GPT-3 175B", A100, 1024, {**GPT3, "flash_attention": False, "recompute": "none"}),
    ("gpt3 full", "GPT-3 175B", A100, 1024, {**GPT3, "recompute": "full"}),
    ("gpt3 none", "GPT-3 175B", H100, 1024, {**GPT3, "recompute": "none"}),
    ("gpt3 zero0", "GPT-3 175B", A100, 1024, {**GPT3, "zero": 0}),
    ("gpt3 zero2", "GPT-3 175B", A100, 1024, {**GPT3, "zero": 2}),
    ("gpt3 zero3", "GPT-3 175B", H100, 1024, {**GPT3, "zero": 3, "pipeline": 1, "micro_batch": 1}),
    ("gpt3 zero3 overlap", "GPT-3 175B", H100, 1024, {**GPT3, "zero": 3, "pipeline": 2, "dp_overlap": 0.7}),
    ("gpt3 dp overlap", "GPT-3 175B", H100, 1024, {**GPT3, "dp_overlap": 0.5}),
    ("gpt3 tp overlap", "GPT-3 175B", H100, 512, {**GPT3, "tp_overlap": 1.0}),
    ("gpt3 fp8 both overlaps", "GPT-3 175B", H100, 128,
     dict(tensor=4, pipeline=8, virtual_stages=6, micro_batch=1, global_batch=256, sequence=2048,
          precision="fp8", tp_overlap=1.0, dp_overlap=1.0)),
    ("gpt3 no sp", "GPT-3 175B", A100, 1024, {**GPT3, "sequence_parallel": False}),
    ("gpt3 unfused grad", "GPT-3 175B", A100, 1024, {**GPT3, "fused_grad_accumulation": False}),
    ("gpt3 unfused grad fp16", "GPT-3 175B", A100, 1024,
     {**GPT3, "fused_grad_accumulation": False, "precision": "fp16"}),
    ("gpt3 megatron 2021", "GPT-3 175B", A100, 512,
     dict(tensor=8, pipeline=8, micro_batch=1, global_batch=512, recompute="full", flash_attention=False,
          framework="megatron-lm 2021", zero=0)),
    ("gpt3 dualpipe", "GPT-3 175B", H100, 512, {**GPT3, "schedule": "dualpipe", "global_batch": 1024}),
    ("gpt3 deepspeed pipeline", "GPT-3 175B", A100, 1024,
     {**GPT3, "schedule": "deepspeed", "recompute": "full", "flash_attention": False, "sequence_parallel": False}),
    ("gpt3 micro 2", "GPT-3 175B", H100, 1024, {**GPT3, "micro_batch": 2}),
    ("gpt3 v100", "GPT-3 175B", "V100 SXM2", 1024, {**GPT3, "recompute": "full", "flash_attention": False}),
    ("gpt3 mi300x", "GPT-3 175B", "MI300X", 1024, GPT3),
    ("gpt3 b200 fp8", "GPT-3 175B", "B200", 1024, {**GPT3, "precision": "fp8"}),
    ("llama70 h100", "Llama 3 70B", H100, 1024, LLAMA70),
    ("llama70 context 2", "Llama 3 70B", H100, 1024, {**LLAMA70, "context": 2}),
    ("llama70 context 16 across", "Llama 3 70B", H100, 1024,
     {**LLAMA70, "context": 16, "pipeline": 1, "global_batch": 64, "sequence": 131072}),
    ("llama70 eager", "Llama 3 70B", H100, 1024, {**LLAMA70, "eager": True}),
    ("llama70 triton", "Llama 3 70B", A100, 1024, {**LLAMA70, "triton_attention": True}),
    ("llama70 triton h100", "Llama 3 70B", H100, 1024, {**LLAMA70, "triton_attention": True}),
    ("llama405 uneven", "Llama 3.1 405B", H100, 16384,
     dict(tensor=8, pipeline=16, micro_batch=1, global_batch=2048, sequence=8192)),
    ("llama405 uneven unchecked", "Llama 3.1 405B", H100, 16384,
     dict(tensor=8, pipeline=16, micro_batch=1, global_batch=2048, sequence=8192,
          check_memory=False)),
    ("llama405 uneven interleaved", "Llama 3.1 405B", H100, 8192,
     dict(tensor=8, pipeline=16, virtual_stages=2, micro_batch=1, global_batch=2048, sequence=8192,
          check_memory=False)),
    ("llama405 uneven again", "Llama 3.1 405B", H100, 16384,
     dict(tensor=8, pipeline=16, micro_batch=1, global_batch=2048, sequence=8192)),
    ("llama405 context", "Llama 3.1 405B", H100, 16384,
     dict(tensor=8, pipeline=16, context=2, micro_batch=1, global_batch=2048, sequence=8192,
          check_memory=False)),
    ("deepseek-v3 h800", "DeepSeek-V3", H800, 2048, DSV3),
    ("deepseek-v3 dualpipe", "DeepSeek-V3", H800, 2048, {**DSV3, "schedule": "dualpipe"}),
    ("deepseek-v3 fp8 dualpipe", "DeepSeek-V3", H800, 2048, {**DSV3, "schedule": "dualpipe", "precision": "fp8"}),
    ("deepseek-v3 expert 1", "DeepSeek-V3", H800, 2048, {**DSV3, "expert": 1}),
    ("deepseek-v3 expert 8 tensor 2", "DeepSeek-V3", H800, 2048, {**DSV3, "expert": 8, "tensor": 2}),
    ("mixtral h100", "Mixtral 8x7B", H100, 256, dict(tensor=2, pipeline=4, expert=8, global_batch=512, zero=3, check_memory=False)),
    ("qwen3 moe", "Qwen3 30B-A3B", H100, 64, dict(tensor=1, expert=8, global_batch=256, sequence=4096)),
    ("deepseek-v2-lite", "DeepSeek-V2-Lite", A100, 16, dict(expert=4, global_batch=64, sequence=4096)),
    ("llama2 7b fsdp", "Llama 2 7B", H100, 64, dict(micro_batch=2, global_batch=512, zero=3, recompute="none")),
    ("llama2 7b one chip", "Llama 2 7B", H100, 1, dict(micro_batch=1, global_batch=8, recompute="full", zero=0)),
    ("llama2 7b one chip unchecked", "Llama 2 7B", H100, 1,
     dict(micro_batch=1, global_batch=8, recompute="full", zero=0, check_memory=False)),
    ("gemma 2b", "Gemma 2B", "TPU v5p", 64, dict(global_batch=256)),
    ("olmo 1b eager", "OLMo 1B", A100, 8, dict(micro_batch=4, global_batch=64, eager=True, zero=3)),
    ("gpt2 small", "GPT-2 small", "A100 SXM4 40GB", 8, dict(micro_batch=8, global_batch=64, dropout=True)),
    ("bloom", "BLOOM", A100, 384, dict(tensor=4, pipeline=12, micro_batch=2, global_batch=2048, zero=1,
                                            check_memory=False)),
    ("falcon 40b", "Falcon 40B", A100, 384, dict(tensor=8, pipeline=4, global_batch=1152, zero=1)),
    ("phi-3 mini h200", "Phi-3 mini", "H200 SXM", 32, dict(tensor=2, global_batch=512, recompute="full")),
    ("gpt3 needs memory", "GPT-3 175B", A100, 64, dict(tensor=8, micro_batch=1, global_batch=64)),
    ("gpt3 needs memory unchecked", "GPT-3 175B", A100, 64, dict(tensor=8, micro_batch=1, global_batch=64,
                                                                  check_memory=False)),
]
BUDGETS = [("GPT-3 175B", H100, 1536, "300e9 token", "$1.5M", dict(sequence=2048)),
           ("GPT-3 175B", A100, 1536, "300e9 token", "2e6 chip*hour", dict(sequence=2048, goal="cheapest")),
           ("Llama 2 7B", H100, 1024, "2e12 token", "$1M", {}),
           ("Llama 3 70B", H100, 1024, "15e12 token", "$50M", dict(sequence=8192, max_chips=8192, price="2.5 USD/chip/hour"))]
MATMULS = [(hw, prec, m, k, n) for hw, prec in ((A100, None), (H100, None), (H100, "fp8"), (H800, "fp8"), ("MI300X", None))
           for m, k, n in ((8192, 16384, 8192), (1024, 1024, 1024), (4096, 12288, 1536), (2048, 128, 2048), (100, 7, 3))]


def _floats(q, unit):
    return float(q.m_as(unit))


def step_record(st) -> dict:
    """Everything a Step says: its JSON form plus each part (zero ones too), FLOP and memory by part."""
    out = st.to_dict()
    out["seconds"] = dict(st.seconds)
    out["model_flop"] = st.model_flop
    out["hardware_flop"] = st.hardware_flop
    out["peak"] = st.peak
    out["memory_parts"] = {k: _floats(v, "byte/chip") for k, v in st.memory.parts.items()}
    out["memory_bytes"] = st.memory_bytes
    out["fits"] = st.fits
    out["describe"] = st.layout.describe()
    return out


def _predict(model, hardware, chips, fields):
    try:
        return step_record(model_api.predict(model, hardware, chips, **fields))
    except InputError as exc:
        return {"error": exc.field}


def _search(found) -> dict:
    return {"tried": found.tried, "refused": found.refused, "ties": found.ties, "why": found.why,
            "steps": [step_record(s) for s in found.steps]}


def _budget(found) -> dict:
    def q(v, unit):
        return None if v is None else _floats(v, unit)
    return {"best": None if found.best is None else found.best.chips, "why": found.why, "stopped": found.stopped,
            "price": q(found.price, "USD/chip/hour"), "price_source": found.price_source,
            "options": [{"chips": o.chips, "within": o.within, "duration": q(o.duration, "day"),
                         "chip_hours": q(o.chip_hours, "chip*hour"), "cost": q(o.cost, "USD"),
                         "step": step_record(o.step)} for o in found.options]}


def _golden_table(name):
    with open(ROOT / "tests" / "golden" / name) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def _golden_shape(config, overrides=None):
    from calc import data

    extra = ROOT / "tests" / "golden" / "configs" / config
    c = json.loads(extra.read_text()) if extra.exists() else dict(data.model_config(config))
    c.pop("_comment", None)
    c.update(overrides or {})
    return Transformer.from_config(c)


def _memory_golden() -> dict:
    """calc.memory's numbers for the rows of the framework golden tables (tests/test_golden.py's calls)."""
    out = {}
    for r in _golden_table("zero_memory.csv"):
        m = memory.per_chip(_golden_shape(r["config"]), states="deepspeed", zero=int(r["zero"]),
                            data_parallel=int(r["gpus"]))
        out[f"zero {r['config']} {r['zero']} {r['gpus']}"] = {k: _floats(v, "byte/chip") for k, v in m.parts.items()}
    for r in _golden_table("activations.csv"):
        shape = _golden_shape(r["config"], json.loads(r["overrides"]))
        for impl in ("fused", "eager"):
            for flash in (False, True):
                m = memory.per_chip(shape, sequence=int(r["sequence"]), micro_batch=int(r["batch"]), recompute="none",
                                    flash_attention=flash, activation_bytes=4, implementation=impl, zero=0)
                key = f"activations {r['config']} {shape.layers} {impl} flash={flash}"
                out[key] = _floats(m.parts["activations"], "byte/chip")
    return out


def collect() -> dict:
    """Every prediction, keyed by a readable name."""
    shapes = published()
    cases = {}
    for c in model_api.calibration():
        cases[f"calibration/{c.name}"] = {"measure": c.measure, "published": c.published, "predicted": c.predicted,
                                          "ratio": c.ratio, "step": step_record(c.step)}
    for h in model_api.heldout():
        cases[f"heldout/{h.name}"] = {"published": h.published, "predicted": h.predicted, "ratio": h.ratio,
                                      "step": step_record(h.step)}
    from calc.backtest import modelled_checks

    for i, chk in enumerate(modelled_checks()):
        cases[f"backtest/{i} {chk.run} {chk.output}"] = chk.to_dict()
    for name, model, hardware, chips, fields in PREDICTED:
        cases[f"predict/{name}"] = _predict(shapes[model][0], hardware, chips, fields)
    for model, batch, sequence in SEARCHED:
        for hardware in (A100, H100):
            for chips in SEARCH_CHIPS:
                found = model_api.search(shapes[model][0], hardware, chips, batch, sequence=sequence, top=5)
                cases[f"search/{model}/{hardware}/{chips}"] = _search(found)
    found = model_api.search(shapes["GPT-3 175B"][0], A100, 1024, 1536, sequence=2048, flash_attention=False, top=5)
    cases["search/GPT-3 175B/A100 no flash/1024"] = _search(found)
    found = model_api.search(shapes["DeepSeek-V3"][0], H800, 2048, 15360, sequence=4096, precision="fp8", top=5)
    cases["search/DeepSeek-V3/H800 fp8/2048"] = _search(found)
    for model, hardware, batch, tokens, budget, kw in BUDGETS:
        found = model_api.budget_search(shapes[model][0], hardware, batch, tokens, budget, **kw)
        cases[f"budget/{model}/{hardware}/{budget}/{kw.get('goal', 'fastest')}"] = _budget(found)
    for hardware, precision, m, k, n in MATMULS:
        rate = model_api.matmul_rate(hardware, m, k, n, precision)
        cases[f"matmul/{hardware}/{precision}/{m}x{k}x{n}"] = _floats(rate, "FLOP/s/chip")
    cases.update({f"memory/{k}": v for k, v in _memory_golden().items()})
    return cases


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    header = {"made_by": "benchmarks/record_step_golden.py (collect())", "from_code": f"{model_api.__name__} at commit {commit}",
              "date": dt.date.today().isoformat(), "python": platform.python_version(),
              "compare": "tests/test_step_golden.py: every number to 12 significant digits, every string and flag equal"}
    cases = collect()
    OUT.write_text(json.dumps({"header": header, "cases": cases}, indent=1, sort_keys=False) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
