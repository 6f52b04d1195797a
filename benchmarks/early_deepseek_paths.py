"""DeepSeek-R1 on the early-2025 engine builds of dstack's benchmark: the code paths those releases ran that the serving
model cannot state, sized beside its step (a diagnostic: sets nothing, enters no score).

    python -m benchmarks.early_deepseek_paths

dstack's held-out rows (data/serving_validation.csv, dstackai/benchmarks Deepseek-R1, 2025-03-18) ran DeepSeek-R1's
FP8 checkpoint at tensor 8 on vLLM 0.7.3.dev138+g21f6ca217 (ROCm), vLLM 0.7.4.dev181+gf35f8e22, SGLang 0.4.2.post4
(ROCm), SGLang 0.4.3.post2 (dp-attention) and TensorRT-LLM at 9b931c0f (PyTorch backend, expert 4). What the model
states for them (branch earlyds): TensorRT-LLM without CUDA graphs (data/serving_graphs.csv), vLLM without chunked
prefill at a budget of max(max_model_len, 2048) tokens (data/serving_engine_settings.csv), the experts of vLLM and
SGLang split by tensor parallelism (expert 1). What it cannot state, sized here for one closed loop of each engine at
4 and 64 clients (the decode step the model gives, ``phases.decode_step``, at its in-flight context):

- absorbed MLA weights (vLLM 0.7.x, both builds): with VLLM_MLA_PERFORM_MATRIX_ABSORPTION on by default,
  MLACommonImpl.process_weights_after_loading multiplies W_UQ by W_UK into W_Q_UK (q_lora_rank x heads x
  kv_lora_rank) and W_UV by W_O into W_UV_O (heads x kv_lora_rank x hidden), requantized to FP8 with 128 x 128
  blocks, and a decode step reads those in place of W_UQ's nope part, W_UK, W_UV and W_O (vllm/attention/backends/
  mla/utils.py at 21f6ca217, mla/common.py at f35f8e22): the extra bytes a rank reads a step, at the model's decode
  bandwidth (``Rates.memory_bandwidth`` x decode_bandwidth_efficiency);
- the Triton MLA decode kernel's grid (vLLM 0.7.x on ROCm and vLLM 0.7.4's default on CUDA, SGLang 0.4.2/0.4.3's
  'MLA optimization is turned on. Use triton backend' without --enable-flashinfer-mla): grid = (batch, heads /
  min(16, heads), kv splits), 4 splits in vLLM (TritonMLAMetadata num_kv_splits 4) and 8 in SGLang
  (ServerArgs.triton_attention_num_kv_splits 8); where the grid holds fewer workgroups than the chip has compute
  units, the cache read at the busy units' share of the bandwidth (a sizing, not a bound: one unit may draw more than
  its share). vLLM 0.7.4.dev on H200 ran FlashMLA (VLLM_ATTENTION_BACKEND=FLASHMLA in dstack's task): not sized;
  SGLang 0.4.3.post2's dp-attention run neither (its step's cache-read part reads 0 at these loads here);
- beside them the step the run implies (its mean TPOT) and what is left.

Then the first token: dstack's prompts and outputs are all alike (--random-range-ratio 1, ignore_eos), so a closed
loop's C clients start together and stay in step: every request's prompt waits for the others of its wave, and its
TTFT is that wave's prefill (vLLM V0 without chunked prefill: passes of up to max_num_batched_tokens, the mean prompt
done after (passes + 1) / 2 of them), not a lone prompt joining a running batch as the model's closed loop takes it.
Printed: the model's TTFT, the wave's prefill at the model's rates, the measured TTFT, and the prefill rate the
measurement implies (prompt tokens of a wave over its time) beside the model's.

Last, the vLLM closed loops as such waves throughout (``lockstep_closed_loop``: what a closed loop of alike requests
on an engine that runs its queued prompts before any decode would give at the model's rates; not in the model): the
wave's prompts in passes of whole prompts up to the token budget, each request's TTFT the end of its pass, its TPOT
as bench_serving takes it ((latency - TTFT) / (O - 1): the decode step at C sequences, plus the wave's later passes
over O - 1), the tokens C O over the cycle (all passes, then O - 1 steps), beside the model's closed loop and the
measurement.
"""

from __future__ import annotations

import math

import numpy as np

from calc.serve import load, phases, validation

ROWS = ("dstack-mi300x-deepseek-r1-vllm073dev-tp8-fp8-3200-800-c4",
        "dstack-mi300x-deepseek-r1-vllm073dev-tp8-fp8-3200-800-c64",
        "dstack-h200-deepseek-r1-vllm074dev-tp8-fp8-3200-800-c4",
        "dstack-h200-deepseek-r1-vllm074dev-tp8-fp8-3200-800-c64",
        "dstack-mi300x-deepseek-r1-sglang042p4-tp8-fp8-3200-800-c4",
        "dstack-mi300x-deepseek-r1-sglang042p4-tp8-fp8-3200-800-c64",
        "dstack-h200-deepseek-r1-sglang043p2-tp8-fp8-3200-800-c4",
        "dstack-h200-deepseek-r1-sglang043p2-tp8-fp8-3200-800-c64",
        "dstack-h200-deepseek-r1-trtllm017dev-tp8-fp8-3200-800-c4",
        "dstack-h200-deepseek-r1-trtllm017dev-tp8-fp8-3200-800-c64")

TRITON_BLOCK_H = 16  # heads a workgroup of the grouped Triton decode kernel takes (_decode_grouped_att_m_fwd BLOCK_H)
KV_SPLITS = {"vllm": 4, "sglang": 8}  # vLLM TritonMLAMetadata.num_kv_splits; SGLang triton_attention_num_kv_splits


def absorbed_extra_bytes(model, tensor: int, weight_bytes: float = 1.0) -> float:
    """Bytes a rank reads a decode step beyond the MLA weights the model counts, under vLLM 0.7.x's matrix absorption:
    layers x [W_Q_UK (q_lora x h x kv_lora) + W_UV_O (h x kv_lora x d) - W_UQ nope (q_lora x h x nope) - W_UK
    (kv_lora x h x nope) - W_UV (kv_lora x h x v) - W_O (h x v x d)], h = heads / tensor, in FP8 (1 byte).

    >>> from calc.architecture import lookup
    >>> round(absorbed_extra_bytes(lookup("DeepSeek-R1"), 8) / 1e9, 2)  # GB a rank a step at tensor 8
    3.13
    """
    h = model.heads / tensor
    ql, kl, nope, v, d = model.q_lora_rank, model.kv_lora_rank, model.qk_nope_head_dim, model.v_head_dim, model.d_model
    absorbed = ql * h * kl + h * kl * d
    plain = ql * h * nope + kl * h * nope + kl * h * v + h * v * d
    return model.layers * (absorbed - plain) * weight_bytes


def triton_grid(batch: float, heads_per_rank: int, splits: int) -> float:
    """Workgroups of one grouped Triton MLA decode launch: batch x ceil(heads / min(16, heads)) x splits."""
    return batch * math.ceil(heads_per_rank / min(TRITON_BLOCK_H, heads_per_rank)) * splits


def lockstep_closed_loop(s, clients: float) -> dict:
    """A closed loop of ``clients`` alike requests whose engine runs every queued prompt before any decode step
    (``Setup.chunked_prefill`` False: vLLM V0's _schedule_default schedules running decodes only when no prefill was
    scheduled), so that the clients stay in waves: {"ttft", "tpot", "per_chip"} (s, s, output token/s/chip).

    With k = max(1, floor(budget / I)) prompts a pass and T_j the end of pass j: TTFT = sum_j n_j T_j / C,
    TPOT = t_step(C) + (T_m - TTFT) / (O - 1), tokens/s = C O / (T_m + (O - 1) t_step(C)); a replica's share of the
    clients, up to the sequences its memory holds (beyond them, the model's own closed loop)."""
    c = clients / s.replicas
    if s.chunked_prefill or c > s.max_concurrency() / s.replicas:
        return {k: float(v) for k, v in load.closed_loop(s, clients).items() if k in ("ttft", "tpot", "per_chip")}
    prompt, out = float(s.input_tokens), float(s.output_tokens)
    k = max(1, int((s.max_num_tokens or phases.coefficients().prefill_token_budget) // prompt))
    m = math.ceil(c / k)
    span = float(s.span(s.attended_prompt))
    end = ttft = 0.0
    for n in [k] * (m - 1) + [c - k * (m - 1)]:
        end += float(phases.prefill(s.shape, s.layout, s.rates, s.weight_bytes, n * prompt, prompt, span=span,
                                    expert_bytes=s.expert_bytes)["total"])
        ttft += n * end
    ttft /= c
    step = float(load.evaluate(s, c, "batch")["tpot"])  # the decode step at C sequences, host work included
    return {"ttft": ttft, "tpot": step + (end - ttft) / (out - 1),
            "per_chip": c * out / (end + (out - 1) * step) * s.replicas / s.chips}


def _family(engine: str) -> str:
    return engine.split()[0].casefold().replace("tensorrt-llm", "trtllm")


def main() -> None:
    k = phases.coefficients()
    cases = {c.name: c for c in validation.cases()}
    print("decode step a rank (ms): model | + absorbed MLA weights | Triton grid share | measured TPOT | left")
    for name in ROWS:
        c = cases[name]
        s = validation.setup(c)
        lay, r = s.layout, s.rates
        o = validation.predict(c)
        batch = c.concurrency / (lay.tensor if lay.attention_data_parallel else 1)  # sequences a rank's attention holds
        dec = phases.decode_step(s.shape, lay, r, s.weight_bytes, s.kv_bytes, c.concurrency / s.replicas,
                                 s.cached(s.in_flight_context), s.kv_reads, s.expert_bytes, s.eager)
        fam = _family(c.engine)
        absorbed = absorbed_extra_bytes(s.model, lay.tensor) / (r.memory_bandwidth * k.decode_bandwidth_efficiency) \
            if fam == "vllm" else 0.0
        grid = 0.0
        flash = fam == "vllm" and c.hardware.startswith("H200")  # FlashMLA (dstack's VLLM_ATTENTION_BACKEND)
        if fam in KV_SPLITS and not flash:
            heads = s.model.heads if lay.attention_data_parallel else s.model.heads // lay.tensor
            wg = triton_grid(max(batch, 1.0), heads, KV_SPLITS[fam])
            units = s.hardware.compute_units or wg
            grid = float(dec["kv cache"]) * max(units / wg - 1.0, 0.0)
        model = float(o.tpot)
        left = c.tpot - model - absorbed - grid
        print(f"{name[7:]:60s} {model * 1e3:6.1f} | {absorbed * 1e3:5.2f} | {grid * 1e3:5.2f} | {c.tpot * 1e3:6.1f} | "
              f"{left * 1e3:6.1f}  (model's step: weights {float(dec['weights']) * 1e3:.1f}, kv "
              f"{float(dec['kv cache']) * 1e3:.2f}, comm {float(dec['communication']) * 1e3:.1f}, overhead "
              f"{float(dec['overhead']) * 1e3:.1f})")
    print("\nfirst token in step (s): model's TTFT | the wave's prefill at the model's rates | measured | prefill "
          "k tokens/s a node: implied by the measurement / the model's")
    for name in ROWS:
        c = cases[name]
        s = validation.setup(c)
        o = validation.predict(c)
        C, prompt = c.concurrency, float(c.input_tokens)
        budget = s.max_num_tokens or 8192
        # whole prompts a pass (vLLM V0 without chunked prefill), else chunks of the budget (SGLang's prefill-only
        # batches of chunked_prefill_size, TensorRT-LLM's max_num_tokens): at most the wave's C prompts
        per_pass = min(C, max(1, int(budget // prompt)) if not s.chunked_prefill else max(budget / prompt, 1.0))
        passes = math.ceil(C / per_pass)
        one = float(phases.prefill(s.shape, s.layout, s.rates, s.weight_bytes, np.asarray(per_pass * prompt / s.replicas),
                                   prompt, span=float(s.span(s.attended_prompt)), expert_bytes=s.expert_bytes)["total"])
        wave = one * (passes + 1) / 2  # the mean prompt's wait in a wave of C alike prompts
        implied = C * prompt / (2 * c.ttft / (passes + 1) * passes) / 1e3  # a wave's tokens over its whole prefill
        modelled = per_pass * prompt / one / 1e3 * s.replicas
        print(f"{name[7:]:60s} {o.ttft:6.3f} | {wave:6.3f} | {c.ttft:7.3f} | {implied:5.1f} / {modelled:5.1f}")
    print("\nvLLM closed loops as waves throughout (predicted / measured): tokens/s a chip | TTFT | TPOT; the model's "
          "closed loop beside")
    for c in validation.cases():
        if not c.name.startswith("dstack-") or c.scenario != validation.CLOSED_LOOP or _family(c.engine) != "vllm":
            continue
        s = validation.setup(c)
        w = lockstep_closed_loop(s, c.concurrency)
        o = validation.predict(c)
        print(f"{c.name[7:]:60s} {w['per_chip'] / c.throughput_per_chip:5.2f} | {w['ttft'] / c.ttft:5.2f} | "
              f"{w['tpot'] / c.tpot:5.2f}   (model: {o.ratio:5.2f} | {o.ttft / c.ttft:5.2f} | {o.tpot / c.tpot:5.2f})")


if __name__ == "__main__":
    main()
