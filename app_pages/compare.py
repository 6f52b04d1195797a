"""Compare page: the session's run on each accelerator, as a table and bar charts."""

import re

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import charts, session
from calc import data
from calc.compare import DEFAULT_LINEUP, HARDWARE_SPECIFIC, compare_hardware
from calc.cost import default_price
from calc.display import escape, label, show
from calc.perf.utilization import mfu_band
from calc.uncertainty import parse_range
from calc.vocabulary import QUANTITIES

st.title("The same run on different hardware")
known, medians = {}, []
for k, v in session.known().items():
    d = parse_range(v, k) if k in QUANTITIES and isinstance(v, str) else None
    known[k] = v if d is None else d.quantile(0.5)
    if d is not None:
        medians.append(k)
used = {k: v for k, v in known.items() if k not in HARDWARE_SPECIFIC}
if not ({"compute"} <= set(used) or {"params", "tokens"} <= set(used) or {"active_params", "tokens"} <= set(used)):
    st.info("Give the run's size on the Estimate page first: its parameters and training tokens, or its training "
            "compute (a chip count too, for the training time).")
    # the navigation's own icon (app.py): Streamlit bundles its font, where an emoji needs one on the machine (a box without)
    st.page_link("app_pages/estimate.py", label="Go to the Estimate page", icon=":material/calculate:")
    st.stop()
st.caption("The Estimate page's run, without its hardware-specific inputs: "
           + "; ".join(f"{label(k, unit=False)} {escape(show(k, calc.estimate(**{k: v})[k].value, True))}"
                       if k in QUANTITIES else f"{label(k, unit=False)} {escape(v)}"  # a name: fine-tuning lora
                       for k, v in used.items())
           + (f". Ranges ({', '.join(medians)}) at their medians." if medians else "."))
SHORT_VENDOR = {"Amazon Web Services": "AWS", "Google Cloud": "GCP", "Microsoft Azure": "Azure"}  # fits at 1440 px
names = st.multiselect("Accelerators", list(data.hardware_table()), default=list(DEFAULT_LINEUP), key="compare_hw")
rows, problems, unmodelled, layouts = [], [], {}, []
CHIP = "\u2063chip\u2063"  # where a reason names the chip: "this chip" or "these chips" once the chips are counted
PER_CHIP = {"peak": "/chip", "chip_hours": " chip-hours"}  # said once, in the header: 1440 px fit
# (the price keeps its unit, as the Estimate page shows it: its header is cut to "Price", and "$3.90" read bare)
shape = session.known_shape()  # a known shape: each chip's utilization is its own fastest layout's
if shape and "utilization" not in used:
    # which shape and why, seen (doors23b: 70e9 params and 2T tokens were modelled as Llama 2 70B unsaid, and
    # `calc compare` gave the 37% default): the CLI's --model models the MFU alike (its own line says the flags for the same rows)
    st.caption(f"Utilization on each chip: the modelled MFU of its fastest layout for {escape(shape[0])} "
               f"({escape(shape[1])}; compare --model \"{escape(shape[0])}\" models it alike on the command line) "
               "(calc.perf.search), not one default for every chip; MFU band: where the step model's out-of-sample "
               "error puts it (about two published runs in three land inside).")
elif "utilization" not in used and ({"params", "active_params"} & set(used)):  # a bare count: no shape, no layouts
    st.caption(f"Utilization on each chip: the default "  # said its figure and where it comes from ("the default")
               f"{show('utilization', data.defaults()['utilization'].value, short=True)} (the median MFU of the runs "
               f"Epoch AI's database reports one for, data/defaults.csv), the same for every chip, for a parameter "
               f"count alone; {session.SHAPE_HINT}.")
for name, est in compare_hardware(used, names, model=shape[0] if shape else None).items():
    if isinstance(est, calc.InputError):
        problems.append(f"{name}: {est}")
        continue
    row = {"Hardware": name, "Format": est.precision}  # bf16, fp8: the short header keeps 1440 px whole
    if "utilization" in est:
        u = est["utilization"]
        row["Utilization"] = show("utilization", u.value, short=True) + (" (modelled)" if u.source == "modelled" else "")
        if shape and "utilization" not in used:  # the band beside each modelled MFU, a dash where none was modelled
            low, high = mfu_band(float(u.value.m_as("")))
            row["MFU band"] = f"{low * 100:.0f}–{high:.0%}" if u.source == "modelled" else "—"  # 52–64%: 1440 px
        if u.source == "modelled" and est.step is not None:  # the basis of each modelled MFU, said below the table
            peak, done = (show("peak", q, short=True).removesuffix("/chip") for q in (est["peak"].value, est.step.throughput))
            layouts.append(f"{name}: {show('utilization', u.value, short=True)} of {peak} ({est.precision}) = {done} a "
                           f"chip, {est.step.layout.describe()}")
        why = u.why_default.partition(": ")[2]  # "default 37%: no layout of ... fits on ..." (calc's own words)
        if why:  # the cell says it short, the caption below in full (a long cell pushed the table past 1440 px)
            row["Utilization"] += " (default: see below)"
            # one reason said once for every chip it holds for: the chip's own name taken out of calc's sentence
            shared = re.sub(rf"(\d) {re.escape(name)}\b", r"\1 chips", why).replace(name, CHIP)
            unmodelled.setdefault(shared, []).append(name)
    for q in ("peak", "duration", "chip_hours", "price", "cost", "energy"):  # the header names the per-chip unit
        row[label(q, unit=False)] = show(q, est[q].value, short=True).removesuffix(PER_CHIP.get(q, "")) if q in est else "—"
    row["days"] = est.duration.m_as("day") if "duration" in est else None
    row["usd"] = est.cost.m_as("USD") if "cost" in est else None
    row["mwh"] = est.energy.m_as("MWh") if "energy" in est else None
    listed = default_price(name) if "price" in est and est["price"].source == "default" else None
    vendor = SHORT_VENDOR.get(listed.vendor, listed.vendor) if listed else None
    row["Price source"] = (f"{vendor}, {str(listed.date)[:7]}"  # vendor and month: the region pushed it past 1440 px
                           if listed else est["price"].how if "price" in est else "no price in data/prices.csv")
    rows.append(row)
for p in problems:
    st.warning(escape(p))
if not rows:
    st.info("Choose at least one accelerator.")
    st.stop()
df = pd.DataFrame(rows)
st.dataframe(df.drop(columns=["days", "usd", "mwh"]), hide_index=True, width="stretch",
             column_config={"Hardware": st.column_config.TextColumn(pinned=True),  # kept in view while scrolling
                            label("price", unit=False): st.column_config.TextColumn(  # short: the band's room
                                "Price", help="On-demand price per chip-hour"),
                            "Price source": st.column_config.TextColumn(
                                help="Vendor and month of the on-demand price used (its region: the Cost page)")})
if layouts:  # doors17: DeepSeek-V3's 56% on TPU v5p beside 27% on H100 read as a faster chip; each is of its own peak
    st.caption("Each modelled MFU is the model's FLOP per second over that chip's own dense peak in its Format, from "
               "that chip's own fastest layout (tensor T, pipeline P, experts E, micro-batch b, recomputation, ZeRO), "
               "so a higher MFU on a chip of lower peak need not be more work done: "
               + escape("; ".join(layouts), limit=4000) + ".")
for why, chips_left in unmodelled.items():  # in full: a cut sentence ("...evenly, with at l…") says nothing
    st.caption(f"{escape(', '.join(chips_left), limit=2000)}: "
               f"{show('utilization', data.defaults()['utilization'].value, short=True)} (default: no layout modelled — "
               f"{escape(why, limit=2000).replace(CHIP, 'this chip' if len(chips_left) == 1 else 'these chips')})")
unpowered = [r["Hardware"] for r in rows if r["mwh"] is None and r["days"] is not None]
if unpowered:  # TPU v5p's energy "—", and its bar missing from the energy chart, went unsaid (fresh14's walk)
    st.caption(f"Energy — for {escape(', '.join(unpowered), limit=2000)}: data/hardware.csv has no TDP (power per "
               "chip) for "  + ("it" if len(unpowered) == 1 else "them") + "; the Estimate page's Power per chip field "
               "gives the energy of a run on one.")
if "chips" not in used:
    st.info("Give a chip count on the Estimate page to compare training times too.")
cols = st.columns(3)
for col, field, title, axis in ((cols[0], "days", "Duration (days)", charts.plain_axis),
                                (cols[1], "usd", "Cost (USD)", charts.money_axis),
                                (cols[2], "mwh", "Energy (MWh)", charts.plain_axis)):
    part = df[df[field].notna()]
    if part.empty:
        continue
    text = {"days": "Duration", "usd": "Cost", "mwh": "Energy"}[field]
    col.altair_chart(alt.Chart(part).mark_bar().encode(
        x=alt.X(f"{field}:Q", axis=axis(title)), y=alt.Y("Hardware:N", sort="x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
        tooltip=["Hardware", text],
    ).properties(height=max(charts.HEIGHT, 30 * len(df)), title=title), width="stretch")  # one height: every label
st.caption("Prices are each chip's latest on-demand price in data/prices.csv, so their dates differ: the big cloud "
           "(AWS, Google Cloud Platform (GCP), Microsoft Azure) with the lowest list price for the chip, or the lowest other public price where "
           "no big cloud lists it. Peaks are dense, at the chip's default number format (bf16, or fp16 for the V100).")
