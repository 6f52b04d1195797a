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

Branch r1serve: the candidates left, each read off the release's own code, and a sizing of the one that reaches the
step at all (it sets nothing either):

- tuned Triton tiles: every DeepSeek-R1 shape at tensor 8 has a tuned file in each release, so no row falls back to
  the default tile (vLLM's get_default_config for block FP8: BLOCK_SIZE_M 64, N and K 128, GROUP_SIZE_M 32, 4 warps,
  3 stages). The fused MoE (E=256, N=256 = 2048 / 8, fp8_w8a8, block [128, 128]): in SGLang 0.4.2.post4 and 0.4.3.post2
  for AMD_Instinct_MI300X and NVIDIA_H200 (python/sglang/srt/layers/moe/fused_moe_triton/configs/, read from the
  wheels sglang==0.4.2.post4 and 0.4.3.post2 on PyPI, https://github.com/sgl-project/sglang/tree/v0.4.3.post2/python/
  sglang/srt/layers/moe/fused_moe_triton/configs); in vLLM 0.7.3 for NVIDIA_H200 (wheel vllm==0.7.3; f35f8e22 is 181
  commits later), in AMD's fork at 21f6ca217 for AMD_Instinct_MI300X (https://github.com/ROCm/vllm/tree/
  21f6ca217b8af3b1864ce9734bfdd8f0bed926d6/vllm/model_executor/layers/fused_moe/configs). The block-FP8 dense products
  (N, K of q_a 1536 x 7168, q_b 3072 x 1536, kv_a 576 x 7168, o 7168 x 2048, shared expert 512 x 7168 and 7168 x 256,
  dense MLP 4608 x 7168 and 7168 x 2304): tuned files for both chips in all four (quantization/configs, quantization/
  utils/configs); on H200 both SGLang and vLLM take CUTLASS's block-scaled GEMM (apply_w8a8_block_fp8_linear,
  CUTLASS_BLOCK_FP8_SUPPORTED), Triton's only on ROCm. One open point: vLLM's fork names the chip by amdsmi's
  market_name (vllm/platforms/rocm.py get_device_name at 21f6ca217), which ROCm/vllm PR #359 and vllm-project/vllm
  PR #16263 report reading "AMD Instinct MI300X OAM" or "MI300X-O" on some hosts, where no tuned file matches; which
  name dstack's Vultr host gave is not published, and a default tile's cost is not measured anywhere at hand;
- MLA at decode: absorbed in every build (SGLang's DeepseekV2AttentionMLA.forward_absorb for decode batches,
  forward_normal only for prefill; vLLM's VLLM_MLA_PERFORM_MATRIX_ABSORPTION 1 by default, vllm/envs.py at 0.7.3);
  none decompresses K and V a step. On ROCm SGLang casts W_UK and W_UV to BF16 and rescales them every step
  ("TODO(kernel): add bmm_fp8 for torch.float8_e4m3fnuz"): 2 x 16 x 128 x 512 weights a layer, well under 1 ms a step;
- CUDA/HIP graphs: on in SGLang up to cuda_graph_max_bs 160 (server_args.py, a GPU of 25,000 MiB or more; on HIP
  get_batch_sizes_to_capture adds 168-256), with DP attention by the widest rank's batch (CudaGraphRunner.can_run);
  vLLM V0 up to 256 sequences and max_seq_len_to_capture 8192 (data/serving_graph_capture.csv); TensorRT-LLM at
  9b931c0f off (data/serving_graphs.csv): all in the model already; DP attention is off by default in SGLang
  (enable_dp_attention False; on in dstack's H200 task, as set), its chunked prefill halved under it (as set);
- the benchmark: SGLang's bench_serving sends one warm-up request before its clock starts, and vLLM's
  benchmark_throughput times one LLM.generate after the engine (and its graphs) is built: no warm-up in the figures.

What reaches the step: the kernels a layer launches beyond those the model prices. The model's fixed cost a layer
(decode_layer_overhead, fitted on dense TensorRT-LLM engines; a dense layer launches about
``eager_kernels_per_layer``, 13, data/serving_coefficients.csv) plus
``moe_routing_kernels`` a MoE layer at ``kernel_overhead`` each; SGLang 0.4.3.post2's decode layer on H200 launches
about ``sum(SGLANG_043_H200_KERNELS.values())`` (itemized below, read off models/deepseek_v2.py, fp8_utils.py,
fused_moe.py; a count from the code, not a trace). Printed beside the step: the kernels a layer the time left would
take at ``kernel_overhead``, and the time the counted kernels beyond the model's would add. What is left takes 77-169
kernels a layer at 4 clients and 105-251 at 64; the count prices about 43 a layer more than the model does, 7.9 ms a
step on the SGLang H200 rows (a quarter of what is left at 4 clients, a fifth at 64). A fixed count cannot be most of
it: what is left grows with the load (by 5-24 ms a step from 4 to 64 clients), as the kernels' own time would, and
entering it would take the same count for every release of every engine that runs DeepSeek-R1.
Scored as a sizing only (``decode_layer_overhead`` raised by 24, 48 and 96 kernels at 3 us on the dstack rows alone),
the rows' median ratio goes 2.58 -> 2.37, 2.17, 1.84 (offline) and 2.68 -> 2.35, 2.14, 1.69 (closed loops): even twice
the counted kernels leave the model 1.7-1.8x too fast. No rule is added.
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
# SGLang 0.4.3.post2's DeepSeek-R1 decode layer on H200 (FP8 e4m3fn, tensor 8): models/deepseek_v2.py
# (DeepseekV2DecoderLayer, DeepseekV2AttentionMLA.forward_absorb, DeepseekV2MoE), layers/quantization/fp8_utils.py
# (apply_w8a8_block_fp8_linear, input_to_float8), layers/moe/fused_moe_triton/fused_moe.py (fused_experts_impl), as
# released in the wheel sglang==0.4.3.post2, https://github.com/sgl-project/sglang/tree/v0.4.3.post2/python/sglang/srt
SGLANG_043_H200_KERNELS = {
    "input RMSNorm with the residual add": 1,
    "q_a_proj: per_token_group_quant_fp8 and CUTLASS block-FP8 GEMM": 2,
    "q_a_layernorm": 1,
    "q_b_proj: activation quant and GEMM": 2,
    "input_to_float8(q_nope): aminmax, two abs, maximum, clamp, divide, multiply, clamp, cast, reciprocal": 10,
    "bmm_fp8, q_nope x W_UK": 1,
    "q_input's latent part written": 1,
    "kv_a_proj_with_mqa: activation quant and GEMM": 2,
    "latent contiguous, kv_a_layernorm, k_input's latent part written": 3,
    "rotary embedding": 1,
    "q_pe and k_pe written into q_input and k_input": 2,
    "KV cache write": 1,
    "Triton grouped MLA decode: the split kernel and its reduction": 2,
    "input_to_float8(attention output)": 10,
    "bmm_fp8, attention x W_UV": 1,
    "transpose and flatten copied": 1,
    "o_proj: activation quant and GEMM": 2,
    "post-attention RMSNorm with the residual add": 1,
    "shared expert: quant and GEMM, SiluAndMul, quant and GEMM": 5,
    "router gate GEMM": 1,
    "biased_grouped_topk under torch.compile": 2,
    "moe_align_block_size and its buffer's fill": 2,
    "fused MoE gate-up: activation quant and Triton kernel": 2,
    "silu_and_mul": 1,
    "fused MoE down: activation quant and Triton kernel": 2,
    "moe_sum": 1,
    "routed scaling and the shared expert's add": 2,
    "the two collectives (all-reduce, or DP attention's gather and its slice)": 2,
}


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


def counted_kernels_time(s) -> float:
    """Seconds a decode step of ``s`` would add for the kernels SGLang 0.4.3.post2's DeepSeek-R1 layer launches beyond
    those the model prices: layers x (counted - eager_kernels_per_layer) - MoE layers x moe_routing_kernels, at the
    chip's ``kernel_overhead`` each (a sizing: a count from the code, each kernel at the step model's fixed cost).

    >>> from calc.serve import validation
    >>> c = next(c for c in validation.cases() if c.name == "dstack-h200-deepseek-r1-sglang043p2-tp8-fp8-3200-800-c4")
    >>> round(counted_kernels_time(validation.setup(c)) * 1e3, 1)  # ms a step
    7.9
    """
    k = phases.coefficients()
    beyond = s.model.layers * (sum(SGLANG_043_H200_KERNELS.values()) - k.eager_kernels_per_layer)
    beyond -= s.shape.moe_layers * k.moe_routing_kernels
    return beyond * s.rates.chip.kernel_overhead


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
        gap_kernels = left / s.model.layers / r.chip.kernel_overhead
        counted = counted_kernels_time(s) if fam == "sglang" and c.hardware.startswith("H200") else None
        counted_text = "" if counted is None else f", the counted kernels {counted * 1e3:.1f} ms"
        print(f"{name[7:]:60s} {model * 1e3:6.1f} | {absorbed * 1e3:5.2f} | {grid * 1e3:5.2f} | {c.tpot * 1e3:6.1f} | "
              f"{left * 1e3:6.1f}  (model's step: weights {float(dec['weights']) * 1e3:.1f}, kv "
              f"{float(dec['kv cache']) * 1e3:.2f}, comm {float(dec['communication']) * 1e3:.1f}, overhead "
              f"{float(dec['overhead']) * 1e3:.1f}; what is left: {gap_kernels:.0f} kernels a layer{counted_text})")
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
