"""Model-shape page: from a transformer's shape (a published one or an uploaded config.json) to
parameters, FLOP per token, memory per chip and the scaling laws' loss."""

import dataclasses
import json
from urllib.parse import urlencode

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import calc
from calc import data
from calc.architecture import Transformer, published
from calc.display import number, show
from calc.memory import DEFAULTS, RECOMPUTE, STATES, min_chips, per_chip
from calc.scaling import compute_optimal, laws

st.title("From a model's shape to its compute and memory")
shapes = published()
c1, c2 = st.columns([1, 1])
name = c1.selectbox("Start from", list(shapes), index=list(shapes).index("Llama 2 70B"), key="shape_preset")
upload = c2.file_uploader("or a Hugging Face config.json", type=["json"], key="shape_config")
base, source = shapes[name][0], name
if upload is not None:
    try:
        raw = json.loads(upload.getvalue().decode("utf-8"))
        base, source = Transformer.from_config(raw), upload.name
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        st.error("The uploaded file is not a JSON config.json:")
        st.code(str(exc), language=None)
        st.stop()
    except calc.InputError as exc:
        st.error("The uploaded config.json cannot be read:")
        st.code(str(exc), language=None)  # echoes user text: shown as code, never as Markdown
        st.stop()

st.caption("Every field of the shape is kept (latent attention, shared experts, head width, biases, norms...); "
           "the fields below override it.")
cols = st.columns(6)
fields = {}
for col, (field, label) in zip(cols * 2, [("layers", "Layers"), ("d_model", "Width (d_model)"), ("heads", "Attention heads"),
                                          ("kv_heads", "Key/value heads"), ("d_ff", "Feed-forward width"),
                                          ("vocab", "Vocabulary (tokens)"), ("context", "Context (tokens)"),
                                          ("experts", "Experts"), ("experts_per_token", "Experts per token")]):
    default = {"kv_heads": base.kv, "d_ff": base.ff}.get(field, getattr(base, field))
    fields[field] = (default, col.number_input(label, min_value=1, value=int(default), step=1,
                                               key=f"shape_{field}_{source}"))
changed = {k: int(v) for k, (d, v) in fields.items() if int(v) != int(d)}
try:
    model = dataclasses.replace(base, **changed)
except calc.InputError as exc:
    st.error(str(exc))
    st.stop()
sequence = st.number_input("Sequence length (tokens)", min_value=1, value=int(model.context), step=1,
                           key=f"shape_sequence_{source}")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Parameters", show("params", model.params()))
m2.metric("Active per token", show("params", model.active_params()))
m3.metric("FLOP/token (exact)", number(model.flop_per_token("exact", sequence=sequence).m_as("FLOP/token")))
m4.metric("PaLM count above 6N", f"{model.six_nd_gap(sequence):.1%}")
rows = []
for c in ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute"):
    ok = model.is_megatron_shape or not c.startswith("megatron")
    rows.append({"count": c, "FLOP per token": number(model.flop_per_token(c, sequence=sequence).m_as("FLOP/token"))
                 if ok else "n/a: eq. 3 assumes a dense 4h transformer"})
for r in ("none", "selective", "full"):
    rows.append({"count": f"exact, recomputation {r}",
                 "FLOP per token": number(model.flop_per_token("exact", sequence=sequence, recompute=r).m_as("FLOP/token"))})
rows += [{"count": f"component: {k}", "FLOP per token": number(v.m_as("FLOP/token"))}
         for k, v in model.flop_breakdown(sequence=sequence).items()]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
with st.expander("Parameters by component"):
    st.dataframe(pd.DataFrame([{"component": k, "parameters": f"{v.m_as('param'):,.0f}"}
                               for k, v in model.breakdown().items()]), hide_index=True, width="stretch")
inputs = model.as_inputs(context=int(sequence))
link = "/?" + urlencode({k: f"{v.magnitude:.6g} {v.units:~C}" for k, v in inputs.items()})
st.markdown(f"[Estimate a run of this shape ↗]({link}) (params, active params and FLOP per parameter-token "
            f"{inputs['flop_per_param_token'].m_as('FLOP/param/token'):.3f} from the PaLM count)")
st.caption("kaplan2020: 6N; palm2022: model FLOP, 6N + 12·L·H·Q·T (what MFU divides); megatron2021: Narayanan et al. "
           "eq. 3, hardware FLOP; exact: every matrix multiply of forward and backward, as torch's FLOP counter "
           "measures, with the recomputed forward added.")

st.subheader("Memory per chip")
c1, c2, c3, c4, c5 = st.columns(5)
hardware = c1.selectbox("hardware", list(data.hardware_table()), index=list(data.hardware_table()).index("H100 SXM5"),
                        key="shape_hw")
recompute = c2.selectbox("recomputation", RECOMPUTE, index=RECOMPUTE.index("full"), key="shape_recompute")
zero = c3.selectbox("ZeRO stage", [0, 1, 2, 3], index=3, key="shape_zero")
states = c4.selectbox("model states as", STATES, index=0, key="shape_states")
micro = c5.number_input("micro-batch", min_value=1, value=DEFAULTS["micro_batch"], key="shape_micro")
c1, c2, c3, c4, c5 = st.columns(5)
dp = c1.number_input("data parallel", min_value=1, value=64, key="shape_dp")
fit = next(t for t in (8, 4, 2, 1) if model.heads % t == 0 and (model.kv % t == 0 or t % model.kv == 0))
tp = c2.number_input("tensor parallel", min_value=1, value=fit, key=f"shape_tp_{source}")
pp = c3.number_input("pipeline stages", min_value=1, value=1, key="shape_pp")
flash = c4.checkbox("flash attention", value=DEFAULTS["flash_attention"], key="shape_flash")
sp = c5.checkbox("sequence parallelism", value=True, key="shape_sp")
layout = dict(recompute=recompute, zero=zero, states=states, micro_batch=int(micro), tensor=int(tp),
              pipeline=int(pp), flash_attention=flash, sequence_parallel=sp, sequence=int(sequence))
try:
    mem = per_chip(model, data_parallel=int(dp), **layout)
except calc.InputError as exc:
    st.error(str(exc))
else:
    cap = data.hardware(hardware).memory
    st.dataframe(pd.DataFrame([{"part": k, "GB per chip": round(v.m_as("GB/chip"), 2)} for k, v in mem.parts.items()]
                              + [{"part": "total", "GB per chip": round(mem.total.m_as("GB/chip"), 2)}]),
                 hide_index=True, width="stretch")
    verdict = "fits" if cap is not None and mem.total <= cap else "does not fit"
    try:
        n, d = min_chips(model, hardware, **layout)
        fewest = (f"The fewest {hardware} that hold it in this layout: {n.m_as('chip'):,.0f} "
                  f"(data parallel {d} x tensor {int(tp)} x pipeline {int(pp)}).")
    except calc.InputError as exc:
        fewest = f"No number of {hardware} holds it in this layout: {exc.message}"
    st.caption(f"{verdict} in {hardware}'s {cap.m_as('GB/chip'):g} GB. {fewest}" if cap is not None else fewest)

st.subheader("Loss against parameters and tokens")
law_name = st.selectbox("scaling law", list(laws()), index=1, key="shape_law")
lw = laws()[law_name]
# cells with explicit edges on log axes (a rect without them is drawn as one block)
n_edges, d_edges = np.geomspace(1e8, 1e13, 41), np.geomspace(1e9, 1e14, 41)
N, D = np.meshgrid(np.sqrt(n_edges[:-1] * n_edges[1:]), np.sqrt(d_edges[:-1] * d_edges[1:]))
N0, D0 = np.meshgrid(n_edges[:-1], d_edges[:-1])
N1, D1 = np.meshgrid(n_edges[1:], d_edges[1:])
grid = pd.DataFrame({"params": N0.ravel(), "params_end": N1.ravel(), "tokens": D0.ravel(), "tokens_end": D1.ravel(),
                     "loss": lw.loss(N.ravel(), D.ravel())})
frontier = pd.DataFrame([{"params": o.params.m_as("param"), "tokens": o.tokens.m_as("token")}
                         for o in (compute_optimal(f"{c} FLOP", law_name) for c in np.geomspace(1e19, 1e27, 17))])
active = model.active_params().m_as("param")
here = pd.DataFrame([{"params": active, "tokens": 20 * active}])
log = alt.Scale(type="log")
lo, hi = np.percentile(grid["loss"], [1, 99])
heat = alt.Chart(grid).mark_rect().encode(
    x=alt.X("params:Q", scale=log, title="parameters", axis=alt.Axis(format="~s")), x2="params_end:Q",
    y=alt.Y("tokens:Q", scale=log, title="tokens", axis=alt.Axis(format="~s")), y2="tokens_end:Q",
    color=alt.Color("loss:Q", title="loss (nats/token)",
                    scale=alt.Scale(scheme="viridis", reverse=True, domain=[float(lo), float(hi)], clamp=True)),
    tooltip=["params", "tokens", "loss"])
line = alt.Chart(frontier).mark_line(color="white", strokeWidth=3).encode(x="params:Q", y="tokens:Q")
dot = alt.Chart(here).mark_point(color="red", size=120, filled=True).encode(x="params:Q", y="tokens:Q")
st.altair_chart((heat + line + dot).properties(height=420), width="stretch")
o = compute_optimal(f"{6 * active * 20 * active} FLOP", law_name)
st.caption(f"White: the compute-optimal frontier of {law_name} ({lw.source}). Red: this model at 20 tokens per "
           f"active parameter; at that compute {law_name} would choose {show('params', o.params)} and "
           f"{show('tokens', o.tokens)} ({o.tokens_per_param:.0f} tokens per parameter).")
