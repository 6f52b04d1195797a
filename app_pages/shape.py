"""Model-shape page: from a transformer's shape to parameters, FLOP per token, memory and scaling laws."""

from urllib.parse import urlencode

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import calc
from calc import data
from calc.architecture import FLOP_COUNTS, Transformer, published
from calc.display import number, show
from calc.memory import RECOMPUTE, min_chips, per_chip
from calc.scaling import compute_optimal, laws

st.title("From a model's shape to its compute and memory")
shapes = published()
name = st.selectbox("Start from", list(shapes), index=list(shapes).index("Llama 2 70B"), key="shape_preset")
base = shapes[name][0]
cols = st.columns(6)
fields = {}
for col, (field, label) in zip(cols * 2, [("layers", "layers"), ("d_model", "width"), ("heads", "heads"),
                                          ("kv_heads", "KV heads"), ("d_ff", "FF width"), ("vocab", "vocabulary"),
                                          ("context", "context"), ("experts", "experts"),
                                          ("experts_per_token", "experts/token")]):
    default = getattr(base, field) if field != "kv_heads" else base.kv
    default = base.ff if field == "d_ff" else default
    fields[field] = col.number_input(label, min_value=1, value=int(default), step=1, key=f"shape_{field}_{name}")
gated = st.checkbox("gated feed-forward (SwiGLU)", value=base.gated, key=f"shape_gated_{name}")
try:
    model = Transformer(gated=gated, tied_embeddings=base.tied_embeddings, learned_positions=base.learned_positions,
                        biases=base.biases, norm=base.norm, **{k: int(v) for k, v in fields.items()})
except calc.InputError as exc:
    st.error(str(exc))
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric("parameters", show("params", model.params()))
m2.metric("active per token", show("params", model.active_params()))
m3.metric("FLOP/token (PaLM count)", number(model.flop_per_token("palm2022").m_as("FLOP/token")))
m4.metric("PaLM count above 6N", f"{model.six_nd_gap():.1%}")
st.dataframe(pd.DataFrame([{"count": c, "FLOP per token": number(model.flop_per_token(c).m_as("FLOP/token"))
                            if model.is_megatron_shape or not c.startswith("megatron")
                            else "n/a: eq. 3 assumes a dense 4h transformer"} for c in FLOP_COUNTS] +
                          [{"count": f"component: {k}", "FLOP per token": number(v.m_as("FLOP/token"))}
                           for k, v in model.flop_breakdown().items()]), hide_index=True, width="stretch")
inputs = model.as_inputs()
link = "/?" + urlencode({k: f"{v.magnitude:.6g} {v.units:~C}" for k, v in inputs.items()})
st.markdown(f"[Estimate a run of this shape ↗]({link}) (params, active params and FLOP per parameter-token "
            f"{inputs['flop_per_param_token'].m_as('FLOP/param/token'):.3f} from the PaLM count)")
st.caption("kaplan2020: 6N; palm2022: model FLOP, 6N + 12·L·H·Q·T (what MFU divides); megatron2021: Narayanan et al. "
           "eq. 3, hardware FLOP, with full recomputation counting the forward pass twice.")

st.subheader("Memory per chip")
c1, c2, c3, c4, c5 = st.columns(5)
hardware = c1.selectbox("hardware", list(data.hardware_table()), index=list(data.hardware_table()).index("H100 SXM5"),
                        key="shape_hw")
recompute = c2.selectbox("recomputation", RECOMPUTE, index=2, key="shape_recompute")
zero = c3.selectbox("ZeRO stage", [0, 1, 2, 3], index=3, key="shape_zero")
dp = c4.number_input("data parallel", min_value=1, value=64, key="shape_dp")
tp = c5.number_input("tensor parallel", min_value=1, value=8, key="shape_tp")
try:
    mem = per_chip(model, recompute=recompute, zero=zero, data_parallel=int(dp), tensor=int(tp))
    n, d = min_chips(model, hardware, recompute=recompute, zero=zero, tensor=int(tp))
except calc.InputError as exc:
    st.error(str(exc))
else:
    cap = data.hardware(hardware).memory
    st.dataframe(pd.DataFrame([{"part": k, "GB per chip": round(v.m_as("GB/chip"), 2)} for k, v in mem.parts.items()]
                              + [{"part": "total", "GB per chip": round(mem.total.m_as("GB/chip"), 2)}]),
                 hide_index=True, width="stretch")
    verdict = "fits" if cap is not None and mem.total <= cap else "does not fit"
    st.caption(f"{verdict} in {hardware}'s {cap.m_as('GB/chip'):g} GB. The fewest {hardware} that hold the training "
               f"state: {n.m_as('chip'):,.0f} (data parallel {d} x tensor {int(tp)}, ZeRO-{zero}).")

st.subheader("Loss against parameters and tokens")
law_name = st.selectbox("scaling law", list(laws()), index=1, key="shape_law")
lw = laws()[law_name]
N, D = np.meshgrid(np.geomspace(1e8, 1e13, 60), np.geomspace(1e9, 1e14, 60))
grid = pd.DataFrame({"params": N.ravel(), "tokens": D.ravel(), "loss": lw.loss(N.ravel(), D.ravel())})
frontier = pd.DataFrame([{"params": o.params.m_as("param"), "tokens": o.tokens.m_as("token")}
                         for o in (compute_optimal(f"{c} FLOP", law_name) for c in np.geomspace(1e19, 1e27, 17))])
here = pd.DataFrame([{"params": model.active_params().m_as("param"), "tokens": 20 * model.active_params().m_as("param")}])
log = alt.Scale(type="log")
heat = alt.Chart(grid).mark_rect().encode(
    x=alt.X("params:Q", scale=log, bin=False, title="parameters", axis=alt.Axis(format="~s")),
    y=alt.Y("tokens:Q", scale=log, title="tokens", axis=alt.Axis(format="~s")),
    color=alt.Color("loss:Q", scale=alt.Scale(scheme="viridis", reverse=True)), tooltip=["params", "tokens", "loss"])
line = alt.Chart(frontier).mark_line(color="white", strokeWidth=3).encode(x="params:Q", y="tokens:Q")
dot = alt.Chart(here).mark_point(color="red", size=120, filled=True).encode(x="params:Q", y="tokens:Q")
st.altair_chart((heat + line + dot).properties(height=420), width="stretch")
o = compute_optimal(f"{6 * model.active_params().m_as('param') * 20 * model.active_params().m_as('param')} FLOP", law_name)
st.caption(f"White: the compute-optimal frontier of {law_name} ({lw.source}). Red: this model at 20 tokens per "
           f"parameter; at that compute {law_name} would choose {show('params', o.params)} and "
           f"{show('tokens', o.tokens)} ({o.tokens_per_param:.0f} tokens per parameter).")
