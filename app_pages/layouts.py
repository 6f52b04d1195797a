"""Parallel layouts page: the fastest layouts of a model on a cluster, and where each one's step time goes."""

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages.charts import HEIGHT, plain_axis
from calc import data, step
from calc.architecture import published
from calc.display import number, show

st.title("Parallel layouts: step time, utilization and memory")
st.caption("The step time is built from the chip's matmul rate, memory bandwidth and links "
           "(Narayanan et al. 2021, Korthikanti et al. 2022); see the README for how close it lands on published runs.")

shapes = published()
hw_names = list(data.hardware_table())
c1, c2, c3, c4, c5 = st.columns(5)
name = c1.selectbox("Model", list(shapes), index=list(shapes).index("GPT-3 175B"), key="layouts_model")
hardware = c2.selectbox("Accelerator", hw_names, index=hw_names.index("H100 SXM5"), key="layouts_hw")
chips = c3.number_input("Chips", min_value=1, value=1024, step=8, key="layouts_chips")
batch = c4.number_input("Global batch (sequences)", min_value=1, value=1536, step=64, key="layouts_batch")
model = shapes[name][0]
sequence = c5.number_input("Sequence (tokens)", min_value=1, value=min(model.context, 8192), step=512,
                           key="layouts_sequence")

try:
    found = step.search(model, hardware, int(chips), int(batch), sequence=int(sequence), top=8)
except calc.InputError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Your layout")
d1, d2, d3, d4, d5 = st.columns(5)
tensor = d1.number_input("Tensor parallel", min_value=1, value=8, key="layouts_tensor")
pipeline = d2.number_input("Pipeline stages", min_value=1, value=8, key="layouts_pipeline")
virtual = d3.number_input("Virtual stages per chip", min_value=1, value=1, key="layouts_virtual")
micro = d4.number_input("Micro-batch (sequences)", min_value=1, value=1, key="layouts_micro")
recompute = d5.selectbox("Recomputation", step.RECOMPUTE, index=1, key="layouts_recompute")
steps = list(found.steps)
try:
    mine = step.predict(model, hardware, int(chips), tensor=int(tensor), pipeline=int(pipeline),
                        virtual_stages=int(virtual), micro_batch=int(micro), global_batch=int(batch),
                        sequence=int(sequence), recompute=recompute)
    steps.insert(0, mine)
    labels = ["yours: " + mine.layout.describe()]
except calc.InputError as exc:
    st.warning(f"Your layout is refused: {exc}")
    mine, labels = None, []
labels += [f"#{i + 1}: {s.layout.describe()}" for i, s in enumerate(found.steps)]

if mine is not None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Step time", f"{number(mine.step_time.m_as('s'))} s")
    m2.metric("MFU", show("utilization", calc.Q_(mine.mfu, "")))
    m3.metric("Tokens per second", number(mine.tokens_per_second.m_as("token/s")))
    m4.metric("Memory per chip", f"{number(mine.memory_per_chip.m_as('GB/chip'))} GB")

st.subheader("The fastest layouts that fit")
if not found.steps:
    st.info(found.why)
    st.stop()
st.write(found.why)
st.dataframe(pd.DataFrame([{
    "layout": label, "step time (s)": number(s.step_time.m_as("s")), "MFU": f"{s.mfu:.1%}",
    "tokens per second": number(s.tokens_per_second.m_as("token/s")),
    "memory per chip (GB)": number(s.memory_per_chip.m_as("GB/chip")), "data parallel": s.data_parallel,
} for label, s in zip(labels, steps)]), hide_index=True, width="stretch")
st.caption(f"{found.tried:,} layouts tried; {found.refused:,} faster ones did not fit in {hardware}'s memory.")

rows = [{"layout": label, "part": part, "seconds": q.m_as("s"), "text": f"{number(q.m_as('s'))} s"}
        for label, s in zip(labels, steps) for part, q in s.breakdown.items()]
chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
    x=alt.X("seconds:Q", stack="zero", axis=plain_axis("Step time (seconds)")),
    y=alt.Y("layout:N", sort=labels, title=None),
    color=alt.Color("part:N", title="Where the step goes"),
    tooltip=[alt.Tooltip("layout:N", title="Layout"), alt.Tooltip("part:N", title="Part"),
             alt.Tooltip("text:N", title="Time")],
).properties(height=HEIGHT)
st.altair_chart(chart, width="stretch")
