"""Parallel layouts page: the fastest layouts of a model on a cluster, and where each one's step time goes.

Every field is kept in the URL (``layouts.chips=1024``...; see app_pages/session.py): a shared
link shows the same layouts. Fields a link does not give start from the session's scenario
(its model's published shape, accelerator and chip count) or from GPT-3 on 1,024 H100.
"""

import math

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import session
from app_pages.charts import plain_axis
from calc import data, perf
from calc.architecture import published, shape_name
from calc.display import counted, escape, number, show
from calc.errors import did_you_mean
from calc.perf.system import build_chip
from calc.perf.utilization import batch_for
from calc.serve.terms import matmul_basis

PAGE = "layouts"
LARGEST = 10_000_000  # the largest whole number a field takes (a cluster of ten million chips)
# "Your layout": the fields of calc.perf.Layout that carry an app label, generated from the dataclass
LAYOUT_FIELDS = [o for o in perf.layout_options() if o.label]


def _kind(o) -> str:
    """How the page shows and reads a layout field: "choice" (one of its choices), "several" (some of them), "switch"
    (on or off) or "whole"."""
    if o.choices:
        return "several" if o.kind == "names" else "choice"
    return "switch" if o.kind.startswith("switch") else o.kind


FIELDS = {  # name in the URL -> (widget key, kind of value)
    "model": ("layouts_model", "model"), "hardware": ("layouts_hw", "hardware"), "chips": ("layouts_chips", "whole"),
    "global_batch": ("layouts_batch", "whole"), "sequence": ("layouts_sequence", "whole"),
    **{o.name: (f"layouts_{o.name}", _kind(o)) for o in LAYOUT_FIELDS},
}
CHOICES = {o.name: tuple(map(str, o.choices)) for o in LAYOUT_FIELDS if o.choices}
DEFAULTS = {o.name: o.default for o in LAYOUT_FIELDS}
shapes = published()
hw_names = list(data.hardware_table())


def _read(name: str, kind: str, text: str):
    """A field's value from the text of a link; ValueError says what was expected and what came."""
    if kind == "hardware":
        return data.hardware(text).name  # InputError (a ValueError) names it and suggests the nearest
    if kind == "switch":
        if text not in ("True", "False"):
            raise ValueError(f"expected True or False; got {text[:60]!r}")
        return text == "True"
    if kind == "several":  # comma-separated names, none for an empty text
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in CHOICES[name]]
        if unknown:
            raise ValueError(f"expected names among {', '.join(CHOICES[name])}, comma-separated; got {text[:60]!r}")
        return list(dict.fromkeys(names))
    if kind == "model":  # as people type it ("gpt-3 175b"), or the nearest names suggested
        return shape_name(text)
    if kind == "choice":
        if text not in CHOICES[name]:
            raise ValueError(f"expected one of {', '.join(CHOICES[name])}; got {text[:60]!r}"  # "ful": full, as the CLI
                             f"{did_you_mean(text, CHOICES[name])}")
        return text
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        value = math.nan
    if not (value.is_integer() and 1 <= value <= LARGEST):
        raise ValueError(f"expected a whole number from 1 to {LARGEST:,}; got {text[:60]!r}")
    return int(value)


def _default(name: str):
    """A field's value when the link gives none: the scenario's model (the published shape it came
    from or the nearest, ``session.scenario_shape``), accelerator and chips, else GPT-3 on 1,024 H100."""
    scenario = session.get()
    if name == "model":
        match = session.scenario_shape()
        st.session_state["layouts_why"] = match
        return match[0] if match else "GPT-3 175B"
    if name == "hardware":
        return session.scenario_hardware(hw_names)
    if name == "chips":
        try:
            chips = calc.estimate(chips=scenario["chips"]).chips.m_as("chip")
            return int(chips) if float(chips).is_integer() and 1 <= chips <= LARGEST else 1024
        except (KeyError, calc.InputError):  # no chip count, or a range
            return 1024
    if name == "sequence":
        batch = st.session_state.get("layouts_batch_for")
        return batch.sequence if batch else shapes[st.session_state["layouts_model"]][0].training_sequence
    if name == "global_batch":
        batch = _scenario_batch() or _published_batch()
        return batch.sequences if batch else 1536  # else GPT-3's
    if name in (start := _start_layout()):
        return start[name]
    default = DEFAULTS[name]  # the layout's own default (calc.perf.Layout)
    return [] if FIELDS[name][1] == "several" and default is None else default


def _scenario_batch():
    """The global batch the Estimate page's modelled utilization took (``calc.perf.utilization.batch_for``: the
    published run's, else about 4M tokens), where the page opens on the scenario's own shape, chip and chips, so that
    the layouts this page lists are those behind that figure (Llama 3.1 405B on 16,384 H100: 2,048 sequences, MFU
    45.2% on both pages, where this page searched GPT-3's 1,536 and read 32.2%); None otherwise."""
    k = st.session_state
    k.pop("layouts_batch_for", None)
    known = session.known_shape() or session.sent_shape()
    if not known or known[0] != k.get("layouts_model"):
        return None
    try:  # only where that page models it: GPT-3's preset gives its duration (its MFU derived), and opens at 1,536
        est = session.estimate(session.known())
        if "utilization" not in est or est["utilization"].source != "modelled":
            return None
        k["layouts_batch_for"] = batch_for(k["layouts_model"], k["layouts_hw"], int(k["layouts_chips"]))
    except (calc.InputError, ValueError):
        return None
    return k["layouts_batch_for"]


def _published_batch():
    """The published run's global batch (``calc.perf.utilization.batch_for``), where the page opens on a published
    run's shape and chip count, as the command line's estimate searches with; None otherwise. DeepSeek-V3 on 2,048 H100
    from a link read MFU 13.9% here at GPT-3's 1,536 sequences where ``calc estimate --model DeepSeek-V3`` read 27.3%
    at the run's 15,360 (of 4,096 tokens); Llama 3.1 405B on 16,384 H100 32.2% against 45.2% at 2,048."""
    k = st.session_state
    try:
        batch = batch_for(k["layouts_model"], k["layouts_hw"], int(k["layouts_chips"]))
    except (calc.InputError, ValueError, KeyError):
        return None
    if not batch.why.startswith("the published run's"):
        return None
    k["layouts_batch_for"] = batch  # its sequence is the sequence field's default
    return batch


def door_batch_words(name: str, hardware: str, chips: int, batch: int, sequence: int) -> str:
    """What the page says of the global batch where it is not the one the command line's estimate (and the Estimate
    page's modelled utilization) searches with for this model on these chips (``batch_for``): the fastest layout's
    MFU then differs from theirs for the batch alone; "" where it is the same (or none is found)."""
    try:
        door = batch_for(name, hardware, int(chips))
    except (calc.InputError, ValueError):
        return ""
    if (door.sequences, door.sequence) == (int(batch), int(sequence)):
        return ""
    return (f"Global batch: this page searches the {counted(int(batch), 'sequence')} of {int(sequence):,} tokens set "
            f"above; the command line's estimate (--model) and the Estimate page, once the model's shape is picked there "
            f"(Start from / Model shape), model the utilization from a search over "
            f"{counted(door.sequences, 'sequence')} of {door.sequence:,} tokens for {name} on {int(chips):,} "
            f"{hardware} ({door.why}). The fastest layout and its MFU depend on the batch: set "
            f"{door.sequences:,} and {door.sequence:,} above for theirs.")


START = {"tensor": 8, "pipeline": 8, "virtual_stages": 1, "micro_batch": 1, "recompute": "selective"}  # GPT-3's


def _start_layout() -> dict:
    """"Your layout" where the link gives none: GPT-3's T8 P8 b1 where the model, chips and batch take it and it fits
    in memory, else the fastest layout the search finds (its fields the page shows). T8 P8 opened the page with "Your layout is refused"
    for 8 of the Estimate page's 17 presets (GPT-2 small: 8 tensor ranks do not divide its 12 heads; GPT-3 on 10,000
    V100: not a multiple of 64 chips), a layout the user never chose."""
    k = st.session_state
    if "layouts_start" in k:  # once per visit's seeding: the fields are filled one by one
        return k["layouts_start"]
    k["layouts_start"] = dict(START)
    try:
        model, chip = shapes[k["layouts_model"]][0], data.hardware(k["layouts_hw"])
        chips, fixed = int(k["layouts_chips"]), dict(global_batch=int(k["layouts_batch"]), sequence=int(k["layouts_sequence"]))

        # and fits, where the link gives no layout field: not "Your layout needs 10.1 GB more" on opening (Llama 3.1
        # 405B's run on 16,384 H100 at its published 2,048 sequences); a link's own layout is completed as before
        linked = any(f"layouts_{n}" in k for n in START)

        def takes(layout: dict, memory: bool = not linked) -> bool:
            try:
                return perf.predict(model, chip, chips, check_memory=False, **fixed, **layout).fits or not memory
            except calc.InputError:
                return False

        from calc.perf.utilization import published_step

        run = None if linked else published_step(k["layouts_model"], model, chip, chips, None)
        if run is not None and (run[1].layout.global_batch, run[1].sequence) == (fixed["global_batch"], fixed["sequence"]):
            # the scenario is a published run at its own batch: its own layout, as the Estimate page predicts it
            # (Llama 3.1 405B on 16,384 H100: T8 P16 at 42.6%, where the fastest found is 45.2%)
            k["layouts_start"] = {n: getattr(run[1].layout, n) for n in (*START, "context", "expert", "schedule")}
        elif not takes(START):
            found = perf.search(model, chip, chips, fixed["global_batch"], sequence=fixed["sequence"], top=1,
                                explain=False)  # its fastest layout only
            if found.steps:
                best = found.steps[0].layout
                k["layouts_start"] = {n: getattr(best, n) for n in (*START, "context", "expert")}
            elif takes(START, memory=False):  # none fits: GPT-3's, whose memory is then said
                pass
            elif takes(ONE := {**START, "tensor": 1, "pipeline": 1}, memory=False):  # none fits (GPT-3 on one V100):
                k["layouts_start"] = ONE  # the plainest layout, whose memory is then said ("needs X GB more"), not "1
                # chips are not a multiple of tensor x pipeline x context = 8 x 8 x 1"
    except (calc.InputError, KeyError):  # a model or batch the page says is wrong: T8 P8 as before
        pass
    return k["layouts_start"]


def _follow_model() -> None:
    """A new Model takes its own training sequence where the field held the last model's (its default, not typed):
    GPT-3's 2,048 stayed when the Model became Llama 3 8B, a search at a quarter of the 8,192 every training door
    (`calc step --model`) takes for it. A sequence the user typed, or a link's other than the model's, stays."""
    k = st.session_state
    was, now = shapes.get(k.get("layouts_model_was")), shapes.get(k.get("layouts_model"))
    if was and now and k.get("layouts_sequence") == was[0].training_sequence:
        k["layouts_sequence"] = now[0].training_sequence


def _text(value) -> str:
    """A field's value as the URL keeps it (a list of names comma-separated)."""
    return ",".join(value) if isinstance(value, list) else str(value)


def _seed() -> list[str]:
    """Fill the fields this visit has not drawn yet from the page's link (or its last visit), else
    from the defaults (the model before the sequence: its default is the model's); returns what the
    link held that cannot be read."""
    st.session_state.pop("layouts_why", None)
    st.session_state.pop("layouts_start", None)
    st.session_state.pop("layouts_batch_for", None)
    return session.seed(PAGE, FIELDS, _read, _default)


def _smooth(chips: int) -> list[int]:
    """Chip counts from half to twice ``chips`` with no prime factor above 7 (cluster sizes people
    build: 768, 1,000, 1,024...), nearest first."""
    out, p2 = [], 1
    while p2 <= 2 * chips:
        p3 = p2
        while p3 <= 2 * chips:
            p5 = p3
            while p5 <= 2 * chips:
                p7 = p5
                while p7 <= 2 * chips:
                    if chips / 2 <= p7 and p7 != chips:
                        out.append(p7)
                    p7 *= 7
                p5 *= 5
            p3 *= 3
        p2 *= 2
    return sorted(out, key=lambda n: (abs(math.log(n / chips)), n))


@st.cache_data(max_entries=32, show_spinner="Looking for chip counts that split evenly…")
def _nearest_counts(name: str, hardware: str, chips: int, batch: int, sequence: int) -> tuple:
    """The nearest chip counts below and above ``chips`` with a layout that fits (None where there is none)."""
    model, near = shapes[name][0], {}
    for n in _smooth(chips):
        side = n > chips
        try:
            fits = side not in near and perf.search(model, hardware, n, batch, sequence=sequence, top=1,
                                                    explain=False).steps  # whether one fits: no explanation
        except calc.InputError:  # beyond what the chip's links allow (no network figure): no count there
            continue
        if fits:
            near[side] = n
            if len(near) == 2:
                break
    return near.get(False), near.get(True)


def _no_split(name: str, hardware: str, chips: int, batch: int, sequence: int) -> str:
    """Why no layout was tried: the chips, the layers, the heads and the batch do not divide."""
    model = shapes[name][0]
    per_node = data.hardware(hardware).chips_per_node or 1
    text = (f"{chips:,} chips: no tensor × pipeline × context split of them leaves data-parallel copies that share "
            f"the global batch of {batch:,} sequence{'s' * (batch != 1)} evenly, at least one micro-batch (1 to 8 sequences) per "
            f"pipeline stage. Tensor parallelism is a power of two up to a node ({per_node} {hardware}) that "
            f"divides the {model.heads} attention heads; pipeline stages divide the {model.layers} layers or are a "
            "power of two (stages then hold different numbers of layers).")
    below, above = _nearest_counts(name, hardware, chips, batch, sequence)
    counts = [f"{n:,}" for n in (below, above) if n is not None]
    # a batch that does split, as calc.estimate would search with on these chips (72 GB300, a whole NVL72 rack, found
    # none at the default 1,536 and was told only "another global batch")
    fits = batch_for(name, hardware, chips, sequence=sequence)
    other = (f"a global batch of {fits.sequences:,} ({fits.why})" if "splits over" in fits.why and fits.sequences != batch
             else "another global batch")
    if counts:
        return text + f" Try {' or '.join(counts)} chips, or {other}."
    return text + (f" No cluster size from {(chips + 1) // 2:,} to {2 * chips:,} chips splits for this batch either: "
                   f"try {other}.")


@st.cache_resource(max_entries=16, show_spinner=False)
def _search(name: str, hardware: str, chips: int, batch: int, sequence: int):
    """The search's eight fastest layouts for the page's fields, kept for its reruns (the answer is read, never
    changed): a change of your layout's fields alone searched again (a second for Qwen3 30B-A3B at 32,768 tokens on
    1,024 H100), as did any other field's change."""
    return perf.search(shapes[name][0], data.hardware(hardware), chips, batch, sequence=sequence, top=8)


st.title("Parallel layouts: step time, utilization and memory")
st.caption("The step time is built from the chip's matmul rate, memory bandwidth and links "
           "(Narayanan et al. 2021, Korthikanti et al. 2022); see the README for how close it lands on published runs.")

if "layouts_model" not in st.session_state:
    st.session_state["layouts_link_problems"] = _seed()
LABELS = {"model": "Model", "hardware": "Accelerator", "chips": "Chips", "global_batch": "Global batch (sequences)",
          "sequence": "Sequence (tokens)", **{o.name: o.label for o in LAYOUT_FIELDS}}  # as the fields below say them
for problem in st.session_state.get("layouts_link_problems", []):  # by its label, then its key, as the Serving page
    key, _, why = problem.partition(": ")
    label = LABELS.get(key.removeprefix(f"{PAGE}."))
    st.warning(f"Ignored from the link: **{escape(label, limit=60)}** ({escape(key, limit=60)}): {escape(why, limit=600)}"
               if label and why else f"Ignored from the link: {escape(problem, limit=600)}")

why = st.session_state.get("layouts_why")
top = st.container()  # your layout's numbers above the fields, as on the Estimate page: a phone shows them first
c1, c2, c3, c4, c5 = st.columns(5)
name = c1.selectbox("Model", list(shapes), key="layouts_model", on_change=_follow_model)
st.session_state["layouts_model_was"] = name
hardware = c2.selectbox("Accelerator", hw_names, key="layouts_hw")
# no max_value: above it the browser put the last value back, unsaid (999,999,999 chips); the page says it below
chips = c3.number_input("Chips", min_value=1, step=8, key="layouts_chips")
batch = c4.number_input("Global batch (sequences)", min_value=1, step=64, key="layouts_batch")
model = shapes[name][0]
if why and why[0] == name:
    basis = st.session_state.get("layouts_batch_for")
    batch_words = (f"; global batch {counted(basis.sequences, 'sequence')} of {basis.sequence:,} tokens, {basis.why}, as the "
                   "Estimate page's modelled utilization takes it" if basis and basis.sequences == batch
                   and basis.sequence == st.session_state.get("layouts_sequence") else "")
    st.caption(f"Model: your scenario's (Estimate page), {name}, {why[1]}{escape(batch_words, limit=300)}.")
if (basis := matmul_basis(hardware))["basis"] != "measured":  # as the Serving page and the command line say it
    st.caption(f"Matmul rate: {escape(basis['note'], limit=400)}.")
sequence = c5.number_input("Sequence (tokens)", min_value=1, step=512, key="layouts_sequence")
too_large = [f"**{label_}**: expected a whole number from 1 to {LARGEST:,}; got {value:,}" for label_, value in
             (("Chips", chips), ("Global batch (sequences)", batch), ("Sequence (tokens)", sequence)) if value > LARGEST]
if too_large:  # each field above its bound said, all at once, as a link's is (``_read``)
    top.error("\n".join(f"- {x}" for x in too_large) if len(too_large) > 1 else too_large[0])
    st.stop()
if (door_words := door_batch_words(name, hardware, chips, batch, sequence)):  # one question, one answer: or said
    st.caption(escape(door_words, limit=600))

st.subheader("Your layout")
yours = {}
WIDE = 6  # fields a row: the whole numbers first, then the named options and switches
# the page predicts in the chip's 16-bit format (no precision field): an option of 8-bit matmuls alone is not shown,
# where "Float8 casts: te" stood beside every bf16 layout; a link's value is kept for the URL, as it acts on nothing here
EIGHT_BIT_ONLY = ("float8_casts",)
wholes = [o for o in LAYOUT_FIELDS if FIELDS[o.name][1] == "whole"]
others = [o for o in LAYOUT_FIELDS if FIELDS[o.name][1] != "whole" and o.name not in EIGHT_BIT_ONLY]
field_rows = [wholes[i:i + WIDE] for i in range(0, len(wholes), WIDE)] + [others[i:i + WIDE] for i in range(0, len(others), WIDE)]
for row in field_rows:
    for column, option in zip(st.columns(WIDE), row):
        key, kind = FIELDS[option.name]
        if kind == "choice":
            yours[option.name] = column.selectbox(option.label, CHOICES[option.name], key=key, help=option.help)
        elif kind == "several":  # the layout takes them comma-separated, None for none
            picked = column.multiselect(option.label, CHOICES[option.name], key=key, help=option.help)
            yours[option.name] = ",".join(picked) or None
        elif kind == "switch":
            yours[option.name] = column.checkbox(option.label, key=key, help=option.help)
        else:
            yours[option.name] = int(column.number_input(option.label, min_value=1, max_value=LARGEST, key=key,
                                                         help=option.help))
for hidden in EIGHT_BIT_ONLY:
    yours[hidden] = st.session_state.setdefault(FIELDS[hidden][0], DEFAULTS[hidden])
try:
    sixteen = f"{build_chip(data.hardware(hardware), None).precision}, the {hardware}'s 16-bit format"
except calc.InputError:  # said by the search below
    sixteen = "the chip's 16-bit format"
st.caption(f"Layouts are predicted with matmuls in {escape(sixteen, limit=120)}: 8-bit options (float8 casts) are not "
           "shown here (the command line's step command predicts 8-bit layouts).")
session.keep(PAGE, {n: _text(st.session_state[key]) for n, (key, _) in FIELDS.items()})

try:
    chip = data.hardware(hardware)  # the chip object, looked up once for the search and your layout
    model.check_sequence(int(sequence))  # past learned positions: said, not "no layout fits in memory"
    with st.spinner("Searching the layouts…"):  # tens of thousands for a large mixture of experts at long sequences
        found = _search(name, hardware, int(chips), int(batch), int(sequence))
except calc.InputError as exc:
    top.error(escape(exc))
    st.stop()
if model.sequence_note(int(sequence)):  # a rotary shape stretched past its context: said, as at the command line
    st.warning(escape(model.sequence_note(int(sequence)), limit=400))
steps = list(found.steps)
try:  # memory is said, not refused: "fits, with X GB to spare" or "needs X GB more"
    mine = perf.predict(model, chip, int(chips), global_batch=int(batch), sequence=int(sequence),
                        check_memory=False, **yours)
    steps.insert(0, mine)
    ranks, labels = ["yours"], [("yours: " if mine.fits else "yours (does not fit): ") + mine.layout.describe()]
except calc.InputError as exc:
    st.warning(f"Your layout is refused: {escape(exc, limit=400)}")
    mine, ranks, labels = None, [], []
ranks += [f"#{i + 1}" for i in range(len(found.steps))]
labels += [f"#{i + 1}: {s.layout.describe()}" for i, s in enumerate(found.steps)]

if mine is not None:
    extras = mine.layout.options()
    top.markdown(f"**Your layout** (set below): {escape(mine.layout.describe())}" + (f"; {escape(extras)}" if extras else ""))
    m1, m2, m3, m4 = top.columns(4)
    m1.metric("Step time", f"{number(mine.step_time.m_as('s'))} s")
    m2.metric("MFU", show("utilization", calc.Q_(mine.mfu, "")), help="Model FLOP utilization: the model's FLOP "
              "per second over the chips' dense peak (PaLM, Chowdhery et al. 2022, app. B)")
    m3.metric("Tokens per second", f"{mine.tokens_per_second.m_as('token/s'):,.0f}")
    m4.metric("Memory per chip", f"{number(mine.memory_per_chip.m_as('GB/chip'))} GB")
    stages = mine.stages
    split = ("" if len(set(stages)) == 1 else
             f" The {model.layers} layers do not divide over {len(stages)} stages: they hold "
             f"{', '.join(map(str, stages))} layers, first to last (the first and last also hold the embedding and "
             "the loss, as Megatron-LM and Llama 3 split them).")
    if mine.fits:
        st.caption(f"Your layout {mine.fit} per chip.{split}")
    else:
        st.warning(f"Your layout {mine.fit} per chip than the {hardware}'s {chip.capacity_text}: "
                   f"more tensor or pipeline parallelism, recomputation, ZeRO or a smaller micro-batch "
                   f"would fit.{split}")
    if mine.layout.context_code != "te" and mine.layout.context <= 1:  # unread at context 1: said, as the CLI refuses it
        st.caption(f"Context-parallel code {escape(mine.layout.context_code)} is read only with Context parallel "
                   "above 1 (the ring attention's code): at 1 there is no ring and the step is the same with either.")

st.subheader("The fastest layouts that fit")
if not found.steps:
    # chips beyond what the chip's links allow are refused by the search above (calc.perf.search.links_needed)
    if found.refused or found.tried:  # layouts were tried and none fits: the search says why
        st.info(found.why)
    else:  # no layout at all: the numbers do not divide
        st.info(_no_split(name, hardware, int(chips), int(batch), int(sequence)))
    st.stop()
st.write(found.why)
# one number of decimals for every row, enough for three figures of the shortest step: GPT-2 small's 18 ms steps all
# read "0.02" at two
places = max(2, 2 - math.floor(math.log10(min(s.step_time.m_as("s") for s in steps))))
st.dataframe(pd.DataFrame([{
    "Layout": label, "Step time (s)": f"{s.step_time.m_as('s'):,.{places}f}", "MFU": f"{s.mfu:.1%}",  # 3.00 beside 3.09
    "Tokens per second": f"{s.tokens_per_second.m_as('token/s'):,.0f}",
    "Memory per chip (GB)": number(s.memory_per_chip.m_as("GB/chip")), "Data-parallel copies": s.data_parallel,
} for label, s in zip(labels, steps)]), hide_index=True, width="stretch")
memory = chip.capacity
st.caption(f"T tensor-parallel ranks, P pipeline stages, v virtual stages per chip, C context ranks, E expert ranks, "
           f"b micro-batch (sequences). {found.tried:,} layouts tried; "
           + (f"{found.refused:,} faster than #1 {'needs' if found.refused == 1 else 'need'} more than {hardware}'s {number(memory.m_as('GB/chip'))} GB "
              "per chip." if found.refused else "none faster than #1 was left out for memory."))

rows = [{"rank": rank, "layout": label, "part": part, "seconds": q.m_as("s"), "time": f"{number(q.m_as('s'))} s"}
        for rank, label, s in zip(ranks, labels, steps) for part, q in s.breakdown.items()]
chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
    x=alt.X("seconds:Q", stack="zero", axis=plain_axis("Step time (seconds)")),
    y=alt.Y("rank:N", sort=ranks, title=None, axis=alt.Axis(labelLimit=0)),
    color=alt.Color("part:N", title="Where the step goes",
                    legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0)),  # a phone's width
    tooltip=[alt.Tooltip("layout:N", title="Layout"), alt.Tooltip("part:N", title="Part"),
             alt.Tooltip("time:N", title="Time")],
).properties(  # 24 px a row, however many; only the width fits the page. Not alt.Step(24): Vega-Lite
    # logs 'Dropping "fit-y"' for a stepped height under any fit; nor Streamlit's default "fit", which would
    # squeeze the rows to leave room for the legend inside this height
    height=24 * len(ranks), autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
st.markdown("**Where each layout's step goes** (rows as in the table)")
st.altair_chart(chart, width="stretch")
