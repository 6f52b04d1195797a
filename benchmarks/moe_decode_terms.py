"""What each term of a large mixture of experts' decode step contributes, beside the kernels' own measurements.

    python -m benchmarks.moe_decode_terms

DeepSeek-R1 on 8 H200 in FP8 (attention data parallel 8, experts on 8 ranks, the ranks all-gathering their tokens as
TensorRT-LLM's CutlassFusedMoE does on a DGX H200: the layout of the DeepSeek-R1 blog's H200 row) and in NVFP4 on 8 B200
(dispatched by an all-to-all, as NVIDIA's MLPerf v5.1 harness runs it), at 64 to 256 sequences a rank: the model's
decode step by term (``phases.decode_step``'s parts itemized) at the decode rates alone ("plain") and at the chip's
measured MoE layers (``terms.measured_experts``), and beside them the per-step sum of the measured kernels of
data/serving_moe.csv (the MoE layer at the tokens entering a rank) and data/serving_mla.csv (the MLA generation step at
the rank's sequences and their mean context), 58 MoE layers and 61 attention layers. A diagnostic: sets nothing, enters
no score.

Then the step of three held-out runs beyond the kernels (branch dsr1step), at the sequences each ran, term by term:
the decode step (``phases.decode_step``), the prompts riding in it at their balanced share (``phases.prefill``), the
ranks' prompt imbalance (``load.rank_imbalance``, ``phases.rank_prefill``) and the steps without CUDA graphs
(``load.eager_share``, adp_eager_step_share) the model now adds, the host's work of a rank (overlapped: it binds only
above the step), and two terms the model leaves out, sized here only: CUDA-graph padding (TensorRT-LLM's
_get_padded_batch pads every rank to the widest rank's batch rounded up to a captured size: the MLPerf Server config's
cuda_graph_batch_sizes [128, 256, 384, 512]) and the busiest expert rank under real routing (TensorRT-LLM tech blog 4,
Table 1: DeepSeek-R1 on 32 GB200 without EPLB, per expert a std of 164.1 tokens on a mean of 128, the hottest of 32
ranks 2.56x the mean; spread over 256 / T experts a rank as independent loads, the busiest of T ranks
1 + z_T c_e / sqrt(256 / T), z_T by Blom's position, priced at the measured MoE layers). Beside them the step each
run implies (in flight over its output tokens/s; MLPerf Server: its mean TPOT).

Branch adpdecode: both are in the model now, each from its own source: the CUDA-graph padding (``load.graph_padding``,
data/serving_graph_padding.csv: each run's captured sizes, the widest rank's batch padded up to the next, a batch above
the largest run without a graph) on the steps that replay a graph, and the busiest expert rank (``load.expert_load``,
below); the decode step's row includes the busiest rank, itemized apart below it. The candidates checked against their own sources, beside the table:

- multi-token prediction: none of the held-out runs runs it. NVIDIA's MLPerf v5.1 harness and every submitter's
  DeepSeek-R1 config (closed/*/configs/*/{Server,Offline}/deepseek-r1.py) set no speculative_config or
  num_nextn_predict_layers (the harness's llmlib has no such field); the DeepSeek-R1 blog's max-throughput sections
  say 'synthetic dataset is enough to be representative, since it does not use MTP' (only its min-latency runs set
  decoding_type MTP, num_nextn_predict_layers 3). A step verifies one token a sequence, as the model counts it.
- sampling: MLPerf's generation_config.json is greedy (top_k 1, temperature 0): an argmax over the 129,280 logits
  (fp32) a sequence, sized below (read and written once at the chip's bandwidth); the output layer's product is in
  the model's dense products (phases.Shape.unembedding).
- the busiest expert rank: in the model now (``load.expert_load``, data/serving_expert_load.csv): TensorRT-LLM tech
  blog 4's EP load statistics of DeepSeek-R1 at 32 ranks without EPLB (examples/ep_load_balancer/
  report_load_statistics.py's printout: tokens a rank, mean 1,024, std 491.7 averaged over the MoE layers, imbalance
  ratio (max - mean) / mean 1.564 on average, 2.461 on layer 58; with EPLB at 36 ranks std 54.0, ratio 0.115), a
  rank of 8 experts; a rank of 32 (expert parallel 8) holds 4 measured ranks' experts (their sum drawn without
  replacement), the busiest of 8 at 1.33x the mean; the row below prices it at the model's routed experts (in its
  step) and at the measured MoE layers (within their tokens).
- the host's work of a rank: the PyTorch backend's per-sequence figure (data/serving_host.csv, PR #10273) stays
  below the step at every load here (overlapped); no published nsys trace of DeepSeek-R1 at hundreds of sequences a
  rank was found.
- the exchange of attention-DP outputs: the MLPerf configs run the all-to-all (TRTLLM_MOE_ENABLE_ALLTOALL_WITHOUT_
  ALLGATHER 1, moe_backend WIDEEP), priced at DeepEP's measured kernels (terms.measured_exchange); the blog's H200
  run all-gathers (gather_bytes), in the model's token exchange.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from calc import data
from calc.architecture import lookup
from calc.serve import footprint, load, phases, terms, validation

PER_RANK = (64, 128, 256)


def _interp(points: dict, x: float) -> float:
    """Linear in ln x between the measured points (held at the ends)."""
    xs = np.array(sorted(points))
    return float(np.interp(np.log(x), np.log(xs), [points[k] for k in xs]))


def measured_moe(chip: str, precision: str, hidden: int, tokens: float) -> float | None:
    pts = {r["tokens"]: r["measured_time"] for r in data.serving_moe() if r["chip"] == chip
           and r["precision"] == precision and r["hidden"] == hidden and r["expert_parallel"] == 8}
    return _interp(pts, tokens) if pts else None


def measured_mla(chip: str, kv: str, batch: int, context: float) -> float | None:
    rows = [r for r in data.serving_mla() if r["chip"] == chip and r["kv_precision"] == kv and r["batch"] == batch]
    return _interp({r["context"]: r["measured_time"] for r in rows}, context) if rows else None


def terms_of(sh, lay, r, weight_bytes, kv_bytes, b, context):
    """The step's terms (s), the one-stage decode step itemized as ``phases.decode_step`` counts it."""
    k = phases.coefficients()
    bw = r.memory_bandwidth * k.decode_bandwidth_efficiency
    ebw = r.expert_bandwidth or bw
    T = lay.tensor
    b_attn = b / T
    dense_params = sh.dense + sh.unembedding
    dense = phases.grouped_roofline(dense_params * weight_bytes / bw, 2.0 * dense_params * b_attn / r.matmul)
    touched = footprint.experts_touched(b, sh.experts, sh.per_token)
    routing, gemm_bytes = phases.moe_routing(sh, lay, r, b, bw)
    moe_mem = sh.moe_layers * (touched * sh.expert * weight_bytes / T + gemm_bytes) / ebw
    moe_flop = sh.moe_layers * phases.expert_matmuls(sh, lay, r, b, r.expert_rate or None)
    kv_chip = phases.kv_per_token_chip(sh, lay, kv_bytes)
    attention = max(b_attn * context * kv_chip / bw,
                    2.0 * b_attn * context * sh.heads * sh.attention_width * sh.layers / r.attention)
    return {"dense products": dense, "routed experts": phases.grouped_roofline(moe_mem, moe_flop),
            "MoE routing": sh.moe_layers * routing, "MLA attention": attention,
            "token exchange": sh.moe_layers * phases._exchange(sh, lay, r, b_attn, weight_bytes),
            "norms, activation": sh.layers * phases.elementwise(sh, lay, r, b_attn),
            "fixed per layer and step": sh.layers * k.decode_layer_overhead + k.decode_step_overhead}


def main():
    sh = phases.shape(lookup("DeepSeek-R1"))
    cases = [("H200 SXM", "fp8", 1.0, "bf16", 2.0, 1.0, 2048.0), ("B200", "fp4", 0.5625, "fp8", 1.0, 0.0, 4825.0)]
    for chip, precision, wb, kv, kvb, gather, context in cases:
        r = terms.rates(data.hardware(chip), precision)
        plain = replace(r, expert_bandwidth=0.0, expert_rate=0.0)
        lay = phases.Layout(tensor=8, expert=8, attention_data_parallel=True, gather_bytes=gather)
        print(f"DeepSeek-R1 on 8 {chip}, {precision} weights, {kv} KV cache, {context:,.0f} cached tokens a sequence, "
              "attention data parallel 8 x experts 8 (ms a step)")
        print(f"| term | {' | '.join(f'{n} a rank: plain / measured MoE' for n in PER_RANK)} |")
        print("| --- |" + " --- |" * len(PER_RANK))
        before = [terms_of(sh, lay, plain, wb, kvb, n * 8.0, context) for n in PER_RANK]
        after = [terms_of(sh, lay, r, wb, kvb, n * 8.0, context) for n in PER_RANK]
        for name in before[0]:
            cells = " | ".join(f"{float(x[name]) * 1e3:.1f} / {float(y[name]) * 1e3:.1f}" for x, y in zip(before, after))
            print(f"| {name} | {cells} |")
        cells = " | ".join(f"{sum(float(v) for v in x.values()) * 1e3:.1f} / {sum(float(v) for v in y.values()) * 1e3:.1f}"
                           for x, y in zip(before, after))
        print(f"| total | {cells} |")
        moe = [measured_moe(chip, precision, sh.d_model, n * 8.0) for n in PER_RANK]
        mla = [measured_mla(chip, kv, n, context) for n in PER_RANK]
        print(f"| measured MoE layers x {sh.moe_layers} (data/serving_moe.csv) | "
              + " | ".join(f"{m * sh.moe_layers * 1e3:.1f}" if m else "-" for m in moe) + " |")
        print(f"| measured MLA generation x {sh.layers} (data/serving_mla.csv) | "
              + " | ".join(f"{m * sh.layers * 1e3:.1f}" if m else "-" for m in mla) + " |")
        print()
    held_out_steps()



RUNS = (  # name, sequences in flight (None: Little's law at the measured load), measured step (None: the row's TPOT)
    ("trtllm-dsr1blog-h200-deepseek-r1-dep8-fp8-1024-2048-c1024", 1024.0, 1024.0 / (1436.1584 * 8)),
    ("mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-offline", 4096.0, 4096.0 / (4172.38 * 8)),  # gpu_batch_size 512 a rank
    ("mlperf51-nvidia-b200-sxm-180gbx8-deepseek-r1-server", None, None),
)


def held_out_steps():
    """The three runs' steps by term (ms), as ``load.evaluate`` counts them, and the two terms sized apart."""
    cases = {c.name: c for c in validation.cases()}
    k = phases.coefficients()
    print("DeepSeek-R1's step beyond its kernels at the sequences each run held (ms a step; * not in the model)")
    cols, rows = [], {}
    for name, held, measured in RUNS:
        c = cases[name]
        s = validation.setup(c)  # as validation.predict builds the row's setup
        held = held or validation.in_flight_at_measured_load(c)
        measured = measured or c.tpot
        mode = "arrivals" if c.scenario == "server" else "continuous"
        r = load.evaluate(s, held, mode)
        sh, lay, T = s.shape, s.layout, s.layout.tensor
        dec, pre = float(r["decode"]["total"]), float(r["prefill"]["total"])
        own = float(phases.rank_prefill(sh, lay, s.rates, held * s.input_tokens / s.output_tokens, s.input_tokens,
                                        float(s.span(s.attended_prompt))))
        at_random = own * (float(load.rank_imbalance(s, held)) - 1.0)
        imbalance = at_random if s.output_spread else 0.0  # requests alike: the ranks in lockstep (load.evaluate)
        eager = float(load.eager_share(s, held)) * k.adp_eager_step_share * dec
        host = float(phases.host_step(lay, held, s.host_per_sequence))
        per_rank = held / T
        c_vocab = lookup(c.model).vocab
        context = s.cached(s.in_flight_context)
        graphed = 1.0 - float(load.eager_share(s, held))
        padding = graphed * float(load.graph_padding(s, held, dec)) if s.graph_batch_sizes else 0.0
        # greedy sampling: each rank's fp32 logits over the vocabulary written by the output layer and read by the argmax
        sampling = 2 * per_rank * c_vocab * 4 / (s.rates.memory_bandwidth * k.decode_bandwidth_efficiency)
        busiest = s.layout.expert_load  # load.expert_load: the busiest of T ranks' tokens over the mean
        routed = [terms_of(sh, lay, s.rates, s.weight_bytes, s.kv_bytes, held * x, context)["routed experts"]
                  for x in (1.0, busiest)]
        experts = float(routed[1] - routed[0])  # the model's routed experts at the busiest rank's tokens
        top = max(r_["tokens"] for r_ in data.serving_moe() if r_["chip"] == c.hardware)
        mean_moe = measured_moe(c.hardware, c.precision, sh.d_model, held)
        measured_hot = ((measured_moe(c.hardware, c.precision, sh.d_model, held * busiest) - mean_moe) * sh.moe_layers
                        if mean_moe and held * busiest <= top else float("nan"))
        model = float(r["tpot"])
        cols.append(f"{c.hardware} {c.scenario} {per_rank:.0f} a rank")
        for term, v in (("decode step (kernels)", dec), ("prompts riding, balanced share", pre),
                        ("ranks' prompt imbalance (new; lengths that vary)", imbalance),
                        ("* the same were the ranks' prompts at random", at_random),
                        ("steps without CUDA graphs (new)", eager),
                        ("model's step (TPOT)", model), ("host work of a rank (overlapped)", host),
                        ("CUDA-graph padding (new: to the next captured size), in the model's step", padding),
                        ("* greedy sampling over the vocabulary (fp32 logits, argmax)", sampling),
                        (f"busiest expert rank at {busiest:.2f}x the mean tokens (new: in the model's step)", experts),
                        ("* the same at the measured MoE layers (within their tokens)", measured_hot),
                        ("measured step", measured), ("missing: measured - model", measured - model)):
            rows.setdefault(term, []).append(v)
    print("| term | " + " | ".join(cols) + " |")
    print("| --- |" + " --- |" * len(cols))
    for term, vals in rows.items():
        print(f"| {term} | " + " | ".join(f"{v * 1e3:.1f}" for v in vals) + " |")
    print()


if __name__ == "__main__":
    main()
