"""Leave-one-source-out validation of the step model on published runs (data/validation_runs.csv).

Each run is rebuilt from its row: the shape from its architecture columns (``calc.architecture.Transformer``;
a shape of the registry when its name, layers and width match), the layout from its layout columns, and
predicted by :func:`calc.perf.step.predict_step` with the memory check off (the runs ran). The measurement
is compared as a step time, which is free of any FLOP convention: a measured step time as it is; tokens
per second per chip as ``B s / (tokens/s x chips)``; a model TFLOP/s per chip through the source's own
FLOP count (MaxText's ``calculate_tflops_training_per_device``); an MFU through the PaLM count against
the peak (the Llama 3 paper's). Ratio = measured / predicted step time: above 1 the model is too fast.

The baseline on the same rows is the usual back-of-envelope rule: the step's FLOP with recomputation
over chips x peak x one efficiency, the efficiency the geometric mean of the implied efficiencies of the
other sources' rows (fitted leaving the scored source out). The step model fits no coefficient on these
rows (its coefficients come from per-term measurements, data/step_coefficients.csv), so its figures are
out of source as they stand. [Isaev2023] (Calculon) and [Bang2024] (vTrain) report the same kind of
comparison on their own measured runs.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cache

from calc import data
from calc.architecture import Transformer, published
from calc.errors import InputError
from calc.perf.layout import Layout
from calc.perf.runs import REMAT_ALL_BUT_QKV, fastest_interleaving, hybrid_model, run_schedule
from calc.perf.step import Step, predict_step
from calc.perf.system import sustained_matmul_share
from calc.units import Q_
from calc.vocabulary import INTERLEAVED

# The figures the README reports (section "Step time: leave-one-source-out validation"), pinned by
# tests/test_step_validation.py against a fresh report: (runs, share within 15%, median |ln ratio|, |bias|).
# The one place the step model's stated accuracy is read from (``accuracy_note``, the CLI's step command).
REPORTED_OVERALL = (1117, 0.807, 0.0578, 0.0491)  # lead merge of train80 after newdata22 (1117, 0.802, 0.0595, 0.0472 with newdata22 alone); train80: Megatron-Bridge's tensor-parallel overlap read from its releases' performance scripts (bridge_tp_overlap; 1058, 0.798, 0.0600, 0.0536 after it alone), then Transformer Engine's FP8 current-scaling casts for the 67 runs that state the recipe (1058, 0.798, 0.0592, 0.0520 on the 1,058 runs); newdata22: 59 Megatron-Bridge GB300/B300 runs held out (30 dense 25.11-26.06, first scored 25 of 31 within 15%, median 0.0501, bias -2.5%, one then left out as a misprint; 29 MoE 26.02-26.06.01, first scored 28 of 29, median 0.0410, +1.4%) (1058, 0.796, 0.0609, 0.0506 before); fp8casts2: delayed-scaling FP8 casts of a grouped product's experts one kernel on TN-only chips (Hopper), as Transformer Engine's split_quantize fuses them (1058, 0.796, 0.0609, 0.0505 before); refusals: the two dgxc v25.04 GPT-3 175B 512-H100 rows at the global batch of 1,024 their own table's DP x MBS x GA gives (1,204 a misprint), first scored 1.008 and 1.007 (1056, 0.796, 0.0611, 0.0505 before); nvfp4: Transformer Engine's NVFP4 casts an amax pass then the cast (nvfp4_cast_bytes), B300's NVFP4 products at Transformer Engine's measured rate (1056, 0.790, 0.0612, 0.0515 before, after the nebius_b200_n1 correction to NVFP4); newdata: 25 MLPerf Training v5.1 runs of other submitters held out (23 Llama 3.1 8B, 2 405B), first scored 11 of 25 within 15%, median 0.147, 15% too fast (1031, 0.799, 0.0596, 0.0490 before); ringwire: PyTorch's context-parallel merges counted for TorchTitan's runs (Layout.context_code) (1031, 0.798, 0.06, 0.0492 before); llamav: one rule for an interleaving of unstated count (virtual_stages "interleaved": the fastest count that splits the layers evenly), the Llama 3 paper's three rows and TorchTitan's Interleaved 1F1B marked (1031, 0.797, 0.06, 0.0479 before); tpumoe: MaxText's capacity slots and the TPU grouped matmul's partial tiles (1030, 0.797, 0.0602, 0.0496 before); doors17: Llama 3.1 405B one record, recompute none, its 16,384-GPU run held out; newtrain: 27 runs from sources not held before, held out (NeMo long-sequence B200 8, Megatron-LM examples/llama 3, tpu-recipes Ironwood 16; its MoE runs 1.5-2.8x too fast, a class written down, not fixed): (1003, 0.801, 0.0584, 0.0445 before); gb300share: GB300 at its own sustained matmul rate (1003, 0.798, 0.0584, 0.0449 before); mlperftrain: 52 MLPerf Training v3.1-v5.1 runs held out; TP_COMM_OVERLAP True and overlap_grad_reduce False read where a run's config states them (951, 0.801, 0.0588, 0.0412 before); nemogap: the NeMo launcher's 22.06 and 22.08 runs, held out (930, 0.807, 0.0562, 0.0382 before; dsv3train's DeepSeek-V3: 929, 0.807, 0.0561, 0.0382)

WITHIN = 0.15  # a run is "within 15%" when measured / predicted step time is within 1 +- 0.15
_NOT_GATED = re.compile(r"^(GPT(?!-OSS)|MPT|MT-NLG|Nemotron-[34] )")  # GELU or squared-ReLU feed-forward
_GPT_STYLE = re.compile(r"^(GPT(?!-OSS)|MT-NLG)")  # learned positions and biases (Brown et al. 2020)
# nvfp4: every transformer layer's linear products in NVFP4: Megatron-Bridge's bf16_with_nvfp4_mixed recipe keeps none of
# them in BF16 (first_last_layers_bf16 False; src/megatron/bridge/training/mixed_precision.py) and its Llama 3 NVFP4 perf
# configs set no BF16 layers; the output layer, attention and element-wise kernels stay in 16 bits, as under FP8
# int8: MaxText's quantization=int8, AQT dynamic-range int8 on the forward, activation-gradient and weight-gradient
# products with int32 accumulation (MaxText/layers/quantizations.py _get_int8_quant_config: fwd_bits 8, dlhs_bits 8,
# drhs_bits 8 unless quantization_local_shard_count is 0; base.yml's -1 is the number of slices), at the chip's int8 peak
_PRECISIONS = {"bf16": "bf16", "fp16": "fp16", "fp8": "fp8", "mxfp8": "fp8", "nvfp4": "fp4", "int8": "int8"}
_SHARDING = {None: 1, "zero2": 2, "zero3": 3, "fsdp": 3}
_SLICES = re.compile(r"(\d+) slices joined by data parallelism over the data-center network")
# Gb/s per node of a cluster whose network differs from data/hardware.csv's system: vTrain's configs, and a note's
# "inter-node network N Gb/s per node" (BigScience's Jean Zay: 4 Omni-Path links of 100 Gb/s per node of 8 A100)
_INTER_NODE = re.compile(r"inter-node (\d+) in their bandwidth fields|inter-node network (\d+) Gb/s per node")
# MaxText on TPU runs its data-parallel and FSDP collectives asynchronously beside the computation: the v5e/v5p
# configs set --xla_tpu_overlap_compute_collective_tc, --xla_enable_async_all_gather and the async collective fusions
# (src/maxtext/configs/tpu/v5e/*.sh), tpu-recipes' workloads DATA_PARALLEL_OVERLAP and CF_FOR_ALL_GATHER
_XLA = re.compile(r"MaxText|Paxml")
_MAXTEXT = re.compile(r"MaxText")
_FSDP_GROUP = re.compile(r"\(FSDP=(\d+) GBS=")  # dgxc's MaxText tables, "FSDP+DP": FSDP=128 of 1024 GPUs
# cudnn-frontend's benchmark locks the GPU clock below the clock the datasheet's peak assumes (its README's setup)
# cudnn-frontend's Llama 3.2 1B runs name the PyTorch SDPA backend that ran: FLASH_ATTENTION is FlashAttention-2's code
_SDPA_FLASH = re.compile(r"SDPA backend FLASH_ATTENTION")
_SDPA_CUDNN = re.compile(r"SDPA backend CUDNN_ATTENTION")  # cuDNN's fused attention
_SDPA_EFFICIENT = re.compile(r"SDPA backend EFFICIENT_ATTENTION")  # xformers' CUTLASS memory-efficient attention
# a run whose note states its attention core unfused (Q K^T, softmax, dropout and the product with V as separate
# kernels): NeMo 1.11's CoreAttention (the NeMo Megatron launcher's 22.08 runs), before FlashAttention reached NeMo
_UNFUSED_ATTENTION = re.compile(r"the attention core unfused")
# a run whose note states its gradients all-reduced in fp32 (NeMo 1.10's MainParamsOptimizerWrapper under bf16 O2: one
# contiguous fp32 gradient bucket, nemo/core/optim/optimizer_with_main_params.py), as TorchTitan's FSDP2 reduces them
_FP32_ALL_REDUCE = re.compile(r"gradients all-reduced in fp32")
# a run whose note states its weight gradients summed outside the weight-gradient GEMM (NeMo at pipeline size 1 turns
# gradient_accumulation_fusion off: megatron_base_model.py _validate_config), and one whose gradient reduction runs
# bucket by bucket during the last micro-batch's backward (NeMo's async_grad_allreduce, apex DistributedFusedAdam's
# overlap_grad_sync): hidden as Megatron-Core's overlapped reduction is, all but one layer's chunk
_UNFUSED_GRAD_ACCUMULATION = re.compile(r"gradient_accumulation_fusion turned off")
_REDUCED_IN_LAST_BACKWARD = re.compile(r"reduced during the last micro-batch's backward")
_CLOCK = re.compile(r"GPU clock locked at (\d+) MHz .*?\(peak clock (\d+) MHz")
# microsoft/Megatron-DeepSpeed began as Megatron-LM 2.4 with DeepSpeed's pipeline engine (its pull request #1,
# "megatron-2.4-ds-pipe", 2021-07-02) and took Megatron-LM's gradient-accumulation fusion and asynchronous
# tensor-parallel all-reduce only when rebased on upstream in July 2023 (commits 9e72d571, f90b8877): a run of it
# dated before 2023 ran the Megatron-LM code of 2021 (Layout.framework "megatron-lm 2021")
_MEGATRON_DEEPSPEED_2021 = re.compile(r"^(2021|2022)\b")
# Megatron-Core's frameworks reduce-scatter the gradients and all-gather the parameters of the distributed optimizer
# in chunks of one transformer layer (of one virtual stage's layers under pipelining) behind the backward and forward
# passes, "exposing only one DP communication chunk": NeMo's docs (Communication Overlap, NeMo 24.12 user guide),
# Megatron-Bridge's docs (training/communication-overlap), Megatron-LM's README (--overlap-grad-reduce
# --overlap-param-gather); NeMo 1.0's configs set overlap_grad_sync / overlap_param_sync true, NeMo 2.0's and
# Megatron-Bridge's recipes overlap_grad_reduce / overlap_param_gather True
_MEGATRON_CORE = re.compile(r"Megatron-Core|Megatron-Bridge")


class Refused(Exception):
    """A validation row the model cannot predict, with its class (what is missing) and why."""

    def __init__(self, kind: str, why: str):
        super().__init__(why)
        self.kind = kind


@dataclass(frozen=True)
class Prediction:
    """One validation run: the measured and predicted step times, and the baseline's FLOP for that step."""

    name: str
    family: str  # source_family: the unit left out
    measured: float  # seconds per step, from the row's convention-free measurement where it has one
    step: Step

    @property
    def predicted(self) -> float:
        """Predicted seconds per step."""
        return self.step.seconds_per_step

    @property
    def ratio(self) -> float:
        """Measured / predicted step time (predicted / measured throughput): above 1 is too fast."""
        return self.measured / self.predicted

    @property
    def implied_efficiency(self) -> float:
        """The baseline's efficiency that would reproduce this run: hardware FLOP / (chips x peak x time)."""
        return self.step.hardware_flop / (self.step.chips * self.step.peak * self.measured)


# --------------------------------------------------------------------------- rows -> shapes and layouts


def _int(value) -> int | None:
    return None if value is None else int(value)


def build_model(r) -> Transformer:
    """The shape of a validation row (a hybrid attention / Mamba-2 stack by :func:`hybrid_model`)."""
    if r["layer_pattern"] or r["family"] == "hybrid-moe":
        try:
            return hybrid_model(r)
        except InputError as exc:
            raise Refused("hybrid Mamba layers", str(exc)) from exc
    sequence = int(r["sequence"])
    known = published().get(r["model"])
    if known and known[0].layers == int(r["layers"]) and known[0].d_model == int(r["d_model"]):
        return replace(known[0], context=sequence)
    name = r["model"]
    gated = not _NOT_GATED.match(name)
    gpt = bool(_GPT_STYLE.match(name))
    moe = r["experts"] is not None and r["experts"] > 1
    d_ff = _int(r["d_ff"]) or _int(r["expert_d_ff"])
    fields = dict(layers=int(r["layers"]), d_model=int(r["d_model"]), heads=int(r["heads"]), vocab=int(r["vocab"]),
                  context=sequence, kv_heads=_int(r["kv_heads"]), head_dim=_int(r["head_dim"]), d_ff=d_ff,
                  gated=gated, norm="rmsnorm" if gated else "layernorm", learned_positions=gpt, biases=gpt,
                  tied_embeddings=not gated)
    if moe:
        fields.update(experts=int(r["experts"]), experts_per_token=int(r["experts_per_token"]),
                      shared_experts=_int(r["shared_experts"]) or 0, expert_d_ff=_int(r["expert_d_ff"]),
                      dense_layers=_int(r["dense_layers"]) or 0)
    if r["attention"] == "mla":  # Kimi K2 has DeepSeek-V3's latent attention dimensions (its config.json)
        v3 = published()["DeepSeek-V3"][0]
        fields.update(q_lora_rank=v3.q_lora_rank, kv_lora_rank=v3.kv_lora_rank, qk_nope_head_dim=v3.qk_nope_head_dim,
                      qk_rope_head_dim=v3.qk_rope_head_dim, v_head_dim=v3.v_head_dim, head_dim=None)
    return Transformer(**fields)


def recompute(r) -> str:
    """The row's recomputation; unstated, "full" where the source's throughput counts the recomputed forward
    (MT-NLG's 126 TFLOP/s by Narayanan et al.'s eq. 3), else "selective" (nothing recomputed with a fused kernel).
    MaxText's policies that save only the layer input and the Q/K/V projections are "full" (the model then recomputes
    the Q/K/V projections too, about a tenth of a Llama layer's forward matmuls)."""
    if r["recompute"] in ("none", "full"):
        return r["recompute"]
    if REMAT_ALL_BUT_QKV.search(r["note"] or ""):
        return "full"
    if r["recompute"] is None and "includes activation recomputation" in (r["flop_convention"] or ""):
        return "full"
    return "selective"


_ROWWISE = re.compile(r"float8 rowwise")
# Transformer Engine's FP8 current scaling where the run states it: Megatron-Bridge's table names it ("FP8 current
# scaling", its fp8_cs precision), NVIDIA's MLPerf configs set FP8_RECIPE tensorwise (config_common.sh); Megatron-Core
# builds fp8_recipe "tensorwise" as transformer_engine.common.recipe.Float8CurrentScaling (megatron/core/fp8_utils.py,
# Fp8Recipe.tensorwise). Each cast an amax pass first (calc.perf.kernels.matmul, "te_current")
_CURRENT_SCALING = re.compile(r"FP8 current scaling|FP8_RECIPE tensorwise")
# Megatron-Bridge's perf recipes that overlap the expert all-to-all with another micro-batch's computation
_EXPERT_OVERLAP = re.compile(r"moe_a2a_overlap=True")
# a MaxText run on its token-dropping dense path (sparse_matmul and megablox off, capacity_factor F: tpu-recipes'
# Mixtral 8x7B on Trillium, mixtral_8x7b_dropped of benchmarks/maxtext_trillium_model_configs.py)
_CAPACITY_FACTOR = re.compile(r"token dropping with capacity factor (\d+(?:\.\d+)?)")
_RECOMPUTE_MODULES = re.compile(r"recompute_modules=\[([a-z_, ]*)\]")  # and the modules they recompute
# a launch config that sets NeMo's ub_tp_comm_overlap (TP_COMM_OVERLAP True in NVIDIA's MLPerf Training configs: conf/
# custom.yaml's ub_tp_comm_overlap with Transformer Engine's userbuffers, the all-gathers and reduce-scatters of the
# tensor-parallel ranks pipelined with the GEMMs beside them [Wang2023]): all of it behind the matmuls, no more than
# they last (calc.perf.collectives.exposed)
_TP_COMM_OVERLAP = re.compile(r"TP_COMM_OVERLAP True")


def bridge_tp_overlap(r) -> bool:
    """Whether a Megatron-Bridge performance-table run overlaps its tensor-parallel collectives with the GEMMs
    (Transformer Engine's userbuffers, counted as for ``_TP_COMM_OVERLAP``). The table states the layout, not the
    overlap; the performance scripts of each release set it. Llama 3 70B and 3.1 405B: the base recipes'
    ``CommOverlapConfig(tp_comm_overlap=True)`` (src/megatron/bridge/recipes/llama/llama3_70b.py and llama31_405b.py
    at r0.1.0, recipes/llama/llama3.py at v0.3.0, recipes/llama/h100/llama3.py at 067f987), kept on every chip with a
    userbuffers config but for ``tp_comm_overlap = False if precision == "nvfp4"`` (scripts/performance/configs/llama3/
    and llama/ ``*_llm_pretrain.py``, v0.2.0 to v0.5.0; src/megatron/bridge/perf_recipes/llama/<chip>/llama31.py at
    067f987). Qwen3: ``CommOverlapConfig(tp_comm_overlap=True)`` on every chip in 25.09 (scripts/performance/
    run_script.py at r0.1.0), then on every chip but H100, whose configs set ``tp_comm_overlap=False``
    (configs/qwen3/ and qwen/qwen3_llm_pretrain.py, v0.2.0 to v0.5.0). DeepSeek-V3 at r0.1.0 is left with
    ``CommOverlapConfig(tp_comm_overlap=False)`` (recipes/deepseek/deepseek_v3.py); the other models' rows run at
    tensor 1. Only a tensor group of more than one rank has collectives to hide."""
    if r["source_family"] != "megatron-bridge" or int(r["tensor"] or 1) == 1 or r["precision"] == "nvfp4":
        return False
    model = r["model"] or ""
    if model.startswith("Llama"):
        return True
    return model.startswith("Qwen3") and (r["chip"] != "H100 SXM5" or "NeMo 25.09 " in (r["framework_version"] or ""))


# a Megatron-Core run whose DistributedDataParallelConfig leaves overlap_grad_reduce at its default, False (megatron/core/
# distributed/distributed_data_parallel_config.py): the gradients reduced after the backward, none of it hidden
_NO_GRAD_OVERLAP = re.compile(r"overlap_grad_reduce False")
# a Megatron-Core run whose note states its DDP bucket size (NVIDIA's MLPerf Training v5.1 Llama 3.1 8B
# config_common_8b.sh: BUCKET_SIZE 768000000, passed to DistributedDataParallelConfig.bucket_size by its pretrain.py)
_BUCKET_SIZE = re.compile(r"BUCKET_SIZE (\d+)\b")


def build_layout(r, model: Transformer, virtual_stages: int | None = None) -> Layout:
    """The layout of a validation row as the step model takes it (unstated micro-batch 1; virtual stages by
    calc.perf.runs.fastest_interleaving: a blank cell 1, "interleaved" the fastest count on the row's own cluster,
    memory not enforced; ``virtual_stages``: the count to build an "interleaved" row at, a stated or blank cell's
    count whatever it is)."""
    if r["precision"] not in _PRECISIONS:
        raise Refused("precision", f"{r['precision']}: not a number format the step model reads")
    pipeline = int(r["pipeline"])
    if r["virtual_stages"] == INTERLEAVED and virtual_stages:
        virtual = virtual_stages
    else:
        virtual = fastest_interleaving(r["virtual_stages"], model.layers, pipeline, lambda v: predict_step(
            model, cluster(r), int(r["chips"]), build_layout(r, model, v), False).seconds_per_step)
    tensor, context, expert = int(r["tensor"]), _int(r["context"]) or 1, _int(r["expert"]) or 1
    expert_tensor = _int(r["expert_tensor"])
    if expert * pipeline > int(r["chips"]):  # Megatron-Core's parallel_state needs expert x pipeline ranks to fit the chips
        raise Refused("expert x pipeline ranks beyond the chips (a misprint in the source's table?)",
                      f"{expert} expert ranks x {pipeline} pipeline stages need {expert * pipeline} chips, the run "
                      f"had {int(r['chips'])}: a layout Megatron-Core refuses too, whatever its expert-tensor size "
                      "(parallel_state.py: world_size is not divisible by expert_tensor_model_pipeline_parallel "
                      "size)")
    if expert_tensor is None and (int(r["chips"]) // (tensor * pipeline)) % expert:
        # expert ranks beyond the data x context ranks: Megatron-Core then needs expert x expert-tensor to divide
        # tensor x data x context, which with an unstated expert-tensor size only 1 does (its MoE recipes' setting)
        expert_tensor = 1
    foundry = r["source_family"] == "llm-foundry"  # FlashAttention's Triton kernel (submit_benchmarks.py default)
    # hybrid sharding: MaxText's multi-slice runs shard (ici_fsdp) inside each slice and only average gradients across the slices
    # (dcn_data_parallelism): ZeRO-3 within a slice's data ranks, replicated across slices
    slices = _SLICES.search(r["note"] or "")
    zero_group = None
    # and dgxc's MaxText "FSDP+DP" tables state the FSDP size of a run, data parallelism across those groups
    fsdp = _FSDP_GROUP.search(r["note"] or "")
    ranks = int(r["chips"]) // (tensor * pipeline * context)
    if slices and _SHARDING[r["sharding"]] == 3:
        zero_group = ranks // int(slices.group(1))
    elif fsdp and _SHARDING[r["sharding"]] == 3 and int(fsdp.group(1)) < ranks:
        zero_group = int(fsdp.group(1))
    # Megatron-DeepSpeed's runs here reduce the tensor-parallel activations by all-reduce, without Megatron's sequence
    # parallelism: MT-NLG (2021) predates it [Korthikanti2022]; vTrain's validation configs do not set it
    deepspeed = "DeepSpeed" in r["framework"]
    older = ("megatron-lm 2021" if r["framework"] == "Megatron-DeepSpeed"
             and _MEGATRON_DEEPSPEED_2021.match(r["framework_version"] or "") else None)
    # and their attention core unfused (Q K^T by baddbmm, Megatron's fused scale-mask-softmax, then bmm): Megatron-
    # DeepSpeed's default without --use-flash-attn, the kernels vTrain's replica of it profiles (src/model/
    # gpt_modeling.py, ShardedGptSelfAttention); MT-NLG (2021) predates FlashAttention [Dao2022]
    return Layout(tensor=tensor, pipeline=pipeline, context=context, expert=expert, expert_tensor=expert_tensor,
                  virtual_stages=virtual, micro_batch=micro_batch(r, tensor),
                  global_batch=int(r["global_batch"]), sequence=int(r["sequence"]),
                  recompute=recompute(r), framework=older,
                  schedule=run_schedule(r),
                  precision=_PRECISIONS[r["precision"]], zero=_SHARDING[r["sharding"]], zero_group=zero_group,
                  triton_attention=foundry, sequence_parallel=False if deepspeed else None,
                  flash_attention=not (deepspeed or _UNFUSED_ATTENTION.search(r["note"] or "")), eager=r["source_family"] == "cudnn-frontend",
                  # TorchTitan's rowwise float8 gathers in 16 bits ("for rowwise recipes, we use regular TP and all-gather
                  # happens in high precision", torchtitan/models/llama3/infra/parallelize.py)
                  eight_bit_gathers=not _ROWWISE.search(r["note"] or ""),
                  # TorchTitan's FSDP2 reduces gradients in fp32 (torchtitan/config_manager.py: --training.
                  # mixed_precision_reduce, default and only choice "float32")
                  fp32_reduce="TorchTitan" in r["framework"] or bool(_FP32_ALL_REDUCE.search(r["note"] or "")),
                  fused_grad_accumulation=not _UNFUSED_GRAD_ACCUMULATION.search(r["note"] or ""),
                  # and its float8 is torchao's Float8Linear (dynamic scaling; tensorwise unless the row says rowwise);
                  # Transformer Engine's casts by the recipe the row states, delayed scaling where it states none
                  float8_casts=(("rowwise" if _ROWWISE.search(r["note"] or "") else "tensorwise")
                                if "TorchTitan" in r["framework"] else
                                "te_current" if _CURRENT_SCALING.search(f"{r['name']} {r['note'] or ''}") else "te"),
                  # and its context parallel is PyTorch's (torch.distributed.tensor.experimental.context_parallel)
                  context_code="pytorch" if "TorchTitan" in r["framework"] else "te",
                  expert_overlap=bool(_EXPERT_OVERLAP.search(r["note"] or "")),
                  capacity_factor=capacity_factor(r),
                  tp_overlap=1.0 if _TP_COMM_OVERLAP.search(r["note"] or "") or bridge_tp_overlap(r) else 0.0,
                  recompute_modules=_modules(r["note"] or ""),
                  attention_kernel=("flash2" if _SDPA_FLASH.search(r["note"] or "") else
                                    "cudnn" if _SDPA_CUDNN.search(r["note"] or "") else
                                    "efficient" if _SDPA_EFFICIENT.search(r["note"] or "") else "native"),
                  dp_overlap=data_parallel_overlap(r, model, pipeline * virtual))


def data_parallel_overlap(r, model: Transformer, chunks: int) -> float | None:
    """Share of the data-parallel collectives the row's framework hides behind computation (None: the model's
    default, none hidden). MaxText and Paxml on TPU: all of it (XLA's asynchronous collectives, see ``_XLA``);
    Megatron-Core's frameworks: all but one layer's chunk of the ``L / (p v)`` layers a rank's model chunk holds,
    ``1 - p v / L`` (see ``_MEGATRON_CORE``), and so a run whose note states its reduction bucket by bucket during the
    last micro-batch's backward (NeMo's async_grad_allreduce, apex DistributedFusedAdam's overlap_grad_sync); either no
    more than the computation beside it lasts."""
    if _XLA.search(r["framework"]) and r["chip"].startswith("TPU"):
        return 1.0
    if _NO_GRAD_OVERLAP.search(r["note"] or ""):  # the run's DDP config leaves Megatron-Core's overlap off
        return None
    bucket = _BUCKET_SIZE.search(r["note"] or "")
    if bucket and _MEGATRON_CORE.search(r["framework"]) and chunks == 1 and model.experts == 1:
        return 1.0 - last_bucket_share(model, int(r["tensor"]), int(bucket.group(1)))
    if _MEGATRON_CORE.search(r["framework"]) or _REDUCED_IN_LAST_BACKWARD.search(r["note"] or ""):
        return max(0.0, 1.0 - chunks / model.layers)
    return None


def last_bucket_share(model: Transformer, tensor: int, bucket_size: int) -> float:
    """Share of a rank's gradients in the last of Megatron-Core's DDP buckets, reduced after the backward ends.

    Megatron-Core walks a model chunk's parameters in reverse (backprop) order and closes a bucket once it holds
    ``bucket_size`` parameters or more (``bucket_size``: "Maximum number of parameters in each bucket",
    megatron/core/distributed/distributed_data_parallel_config.py; _ParamAndGradBuffer, param_and_grad_buffer.py,
    core_v0.14.0); each bucket's reduction starts when its last gradient is ready, so the last bucket, the rest with
    the token embedding, runs after the backward. The tensors in Megatron-Core's order for a dense model of
    Transformer Engine layers (linear_proj, linear_qkv, linear_fc1, linear_fc2; the norms within them), split over
    ``tensor`` ranks: Llama 3.1 8B at 768,000,000 (NVIDIA's MLPerf v5.1 config_common_8b.sh) 9 buckets, the last
    1,222M of 8,030M parameters (0.152) at tensor 1. Only for one model chunk: later pipeline stages are not bucketed.

    >>> from calc.architecture.transformer import Transformer
    >>> m = Transformer(layers=32, d_model=4096, heads=32, kv_heads=8, d_ff=14336, gated=True, vocab=128256,
    ...                 context=8192, tied_embeddings=False)
    >>> round(last_bucket_share(m, 1, 768_000_000), 3), round(last_bucket_share(m, 2, 768_000_000), 3)
    (0.152, 0.221)
    """
    d, head = model.d_model, model.head_dim or model.d_model // model.heads
    kv = model.kv_heads or model.heads
    ff = model.d_ff or (8 * d // 3 if model.gated else 4 * d)
    layer = [model.heads * head * d / tensor, d, (model.heads + 2 * kv) * head * d / tensor, d,
             (2 if model.gated else 1) * ff * d / tensor, ff * d / tensor]
    embedding = model.vocab * d / tensor
    tensors = [embedding] + layer * model.layers + [d] + ([] if model.tied_embeddings else [embedding])
    filled, closed = 0.0, 0.0
    for numel in reversed(tensors):
        filled += numel
        if filled >= bucket_size:
            filled, closed = 0.0, filled
    return (filled or closed) / sum(tensors)


def capacity_factor(r) -> float | None:
    """The expert capacity factor of a run on MaxText's token-dropping dense path, as its note states it (None:
    dropless)."""
    found = _CAPACITY_FACTOR.search(r["note"] or "")
    return float(found.group(1)) if found else None


def micro_batch(r, tensor: int) -> int:
    """Sequences one data-parallel rank takes through each forward and backward pass: the row's micro-batch (unstated: 1);
    MaxText's per-device batch times the tensor ranks. MaxText trains ``per_device_batch_size x num_devices`` sequences a
    step in one pass (gradient_accumulation_steps 1 in src/maxtext/configs/base.yml; calculate_global_batch_sizes in
    src/maxtext/configs/pyconfig_deprecated.py) with the batch sharded over the data, fsdp, fsdp_transpose and expert
    axes only (base.yml logical_axis_rules, activation_batch), so each group of ``tensor`` chips holds per-device x
    tensor sequences at once and gathers its FSDP weights once a step, not once per chip's sequence."""
    per_device = _int(r["micro_batch"]) or 1
    return per_device * tensor if _MAXTEXT.search(r["framework"]) else per_device


def _modules(note: str) -> str | None:
    found = _RECOMPUTE_MODULES.search(note)
    return found.group(1).replace(" ", "") if found else None


# --------------------------------------------------------------------------- measurements as step times


def maxtext_flop_per_step(model: Transformer, batch: int, sequence: int) -> float:
    """Training FLOP per step as MaxText's ``calculate_tflops_training_per_device`` counted it before PR #1988:
    3 x (2 B s (gated feed-forward, Q/K/V, output projection) x L + 2 B s d V) + 3 x 4 B s^2 h d_head x L
    (the causal attention counted in full)."""
    d, s, hd = model.d_model, sequence, model.head_dim or model.d_model // model.heads
    kv = model.kv_heads or model.heads
    mlp = (3 if model.gated else 2) * d * (model.d_ff or 4 * d)
    if model.experts > 1:
        mlp = (3 if model.gated else 2) * d * (model.expert_d_ff or model.d_ff) * model.experts_per_token
    per_token_layer = 2 * (mlp + d * (model.heads + 2 * kv) * hd + model.heads * hd * d)
    dense = 3 * batch * s * (per_token_layer * model.layers + 2 * d * model.vocab)
    attention = 3 * 4 * batch * s * s * model.heads * hd * model.layers
    return float(dense + attention)


def measured_seconds(r, model: Transformer, peak: float) -> float:
    """Seconds per step from the row's measurement, convention-free where the row allows (see module)."""
    chips, batch, sequence = int(r["chips"]), int(r["global_batch"]), int(r["sequence"])
    if r["measured_step_time"] is not None:
        return r["measured_step_time"]
    if r["measured_tokens_per_second"] is not None:
        return batch * sequence / (r["measured_tokens_per_second"] * chips)
    if r["measured_model_tflops"] is not None and "MaxText" in (r["flop_convention"] or ""):
        return maxtext_flop_per_step(model, batch, sequence) / (r["measured_model_tflops"] * 1e12 * chips)
    if r["measured_mfu"] is not None:
        flop = model.flop_per_token("palm2022", context=sequence).m_as("FLOP/token") * batch * sequence
        return flop / (r["measured_mfu"] * peak * chips)
    raise Refused("no convertible measurement", "a model TFLOP/s in an unknown FLOP convention")


@cache
def _with_network(chip: str, per_chip: float) -> data.Hardware:
    return replace(data.hardware(chip), network_bandwidth=Q_(per_chip, "GB/s/chip"))


_BURST_CLOCK = re.compile(r"at (\d+) MHz")  # the clock a matmul burst of data/matmul_efficiency.csv ran at


def _at_clock(chip: str, precision: str, lock: int, peak_clock: int) -> float | None:
    """A matmul's share of the peak scaled to a clock locked at ``lock`` MHz (the datasheet's peak at ``peak_clock``):
    the burst's rate (MAMF, at the boost clock it states) at the locked clock, but never above the rate the chip
    sustains at its power limit (MSMF), which a lock above the clock that power allows does not change. None where
    either is not measured (the chip's own efficiency then applies)."""
    rows = [r for r in data.matmul_efficiency() if r["chip"] == chip and r["precision"] == precision and r["peak_tflops"]]
    bursts = [(r["measured_tflops"], int(m.group(1))) for r in rows if not (r["statistic"] or "").startswith("MSMF")
              and (m := _BURST_CLOCK.search(r["statistic"] or ""))]
    sustained = sustained_matmul_share(chip, precision)
    if not bursts or not sustained:
        return None
    tflops, clock = max(bursts)
    peak = rows[0]["peak_tflops"]
    return min(tflops * lock / clock, sustained * peak) / (peak * lock / peak_clock)


@cache
def _clocked(chip: str, lock: int, peak_clock: int) -> data.Hardware:
    hardware = data.hardware(chip)
    return replace(hardware, peaks={k: v * lock / peak_clock for k, v in hardware.peaks.items()},
                   matmul_efficiency=hardware.matmul_efficiency or _at_clock(chip, "bf16", lock, peak_clock),
                   matmul_efficiency_fp8=hardware.matmul_efficiency_fp8 or _at_clock(chip, "fp8", lock, peak_clock))


def cluster(r) -> data.Hardware:
    """The row's chip object; with the network its source states where that differs from data/hardware.csv's system:
    vTrain's configs give 800 Gb/s per node of eight A100 (src/config.py: "total bandwidth of inter-node
    communication in Gbps"), 12.5 GB/s per chip, half a DGX A100's; BigScience's Jean Zay nodes 4 Omni-Path links of
    100 Gb/s, 6.25 GB/s per chip (a note's "inter-node network N Gb/s per node"); with its peaks at the clock its source locked,
    as a share of the clock the datasheet's peak assumes (the tensor cores do a fixed FLOP per clock; the memory
    clock is not locked, so the bandwidth stays)."""
    clock = _CLOCK.search(r["note"] or "")
    if clock:
        return _clocked(r["chip"], int(clock.group(1)), int(clock.group(2)))
    found = _INTER_NODE.search(r["note"] or "")
    if not found:
        return data.hardware(r["chip"])
    hardware = data.hardware(r["chip"])
    return _with_network(r["chip"], int(found.group(1) or found.group(2)) / 8 / (hardware.chips_per_node or 1))


def _refusal_class(exc: InputError) -> str:
    text = str(exc)
    if "bandwidth" in text and "TPU" in text:
        return "TPU slices joined by the data-center network (no bandwidth for it in data/hardware.csv)"
    if "expert" in text:
        return "expert ranks across tensor ranks"
    return f"layout refused: {text.split(':')[0]}"


@cache
def predictions() -> tuple[tuple[Prediction, ...], tuple[tuple[str, str, str, str], ...]]:
    """Every validation row predicted, and the rows refused as (name, family, class, why)."""
    done, refused = [], []
    for r in data.validation_runs():
        try:
            model = build_model(r)
            layout = build_layout(r, model)
            hardware = cluster(r)
            step = predict_step(model, hardware, int(r["chips"]), layout, False)
            seconds = measured_seconds(r, model, step.peak)
            if "no optimizer step" in (r["note"] or ""):  # cudnn-frontend times forward + backward only
                step = replace(step, seconds={**step.seconds, "optimizer step": 0.0})
        except Refused as exc:
            refused.append((r["name"], r["source_family"], exc.kind, str(exc)))
            continue
        except InputError as exc:
            refused.append((r["name"], r["source_family"], _refusal_class(exc), str(exc)))
            continue
        done.append(Prediction(r["name"], r["source_family"], seconds, step))
    return tuple(done), tuple(refused)


def flop_conventions() -> dict:
    """Per source family, the FLOP per token its reported TFLOP/s or MFU imply (per chip, over its tokens/s) over the
    PaLM count of calc.architecture ([Chowdhery2022] app. B): min, median and max over its runs that report both.
    Above 1 the source counts more than the model's MFU does; the step-time comparison above does not depend on it.
    """
    rows = {r["name"]: r for r in data.validation_runs()}
    preds, _ = predictions()
    ratios = defaultdict(list)
    for p in preds:
        r = rows[p.name]
        if r["measured_tokens_per_second"] is None:
            continue
        if r["measured_model_tflops"] is not None:
            theirs = r["measured_model_tflops"] * 1e12 / r["measured_tokens_per_second"]
        elif r["measured_mfu"] is not None:  # MFU against the peak of the run's precision (dgxc's README)
            theirs = r["measured_mfu"] * p.step.peak / r["measured_tokens_per_second"]
        else:
            continue
        ours = p.step.model_flop / (p.step.layout.global_batch * p.step.sequence)
        ratios[p.family].append(theirs / ours)
    return {f: (min(xs), sorted(xs)[len(xs) // 2], max(xs)) for f, xs in sorted(ratios.items())}


# --------------------------------------------------------------------------- scores


@dataclass(frozen=True)
class Score:
    """How close a set of predictions lands: rows, share within 15%, median |ln ratio|, geometric-mean bias."""

    rows: int
    within: float  # share of rows with |ratio - 1| <= 15%
    median_log_error: float  # median |ln(measured / predicted step time)|
    bias: float  # exp(mean ln ratio) - 1: above 0 the model is too fast

    @classmethod
    def of(cls, ratios) -> Score:
        """The score of measured / predicted ratios."""
        ratios = list(ratios)
        logs = sorted(abs(math.log(x)) for x in ratios)
        n = len(logs)
        median = (logs[(n - 1) // 2] + logs[n // 2]) / 2
        return cls(n, sum(abs(x - 1) <= WITHIN for x in ratios) / n, median,
                   math.exp(sum(math.log(x) for x in ratios) / n) - 1)


@dataclass(frozen=True)
class Report:
    """The leave-one-source-out scores, per source family and overall, for the model and the baseline."""

    model: dict  # family -> Score (and "overall")
    baseline: dict
    baseline_efficiency: dict  # family -> the baseline's efficiency fitted without that family
    refused: tuple


def baseline_ratios(preds) -> tuple[dict, dict]:
    """Measured / baseline step time per row, the baseline's one efficiency fitted leaving each family out."""
    by_family = defaultdict(list)
    for p in preds:
        by_family[p.family].append(p)
    logs = {f: [math.log(p.implied_efficiency) for p in ps] for f, ps in by_family.items()}
    efficiency, ratios = {}, {}
    for family, ps in by_family.items():
        others = [x for f, xs in logs.items() if f != family for x in xs]
        efficiency[family] = math.exp(sum(others) / len(others))
        for p in ps:  # baseline time = hardware FLOP / (chips peak eta); ratio = measured / baseline
            ratios[p.name, p.family] = efficiency[family] / p.implied_efficiency
    return ratios, efficiency


def report() -> Report:
    """The leave-one-source-out report of :func:`predictions` (see the module docstring)."""
    preds, refused = predictions()
    base, efficiency = baseline_ratios(preds)
    model, baseline = {}, {}
    for family in sorted({p.family for p in preds}):
        ps = [p for p in preds if p.family == family]
        model[family] = Score.of(p.ratio for p in ps)
        baseline[family] = Score.of(base[p.name, p.family] for p in ps)
    model["overall"] = Score.of(p.ratio for p in preds)
    baseline["overall"] = Score.of(base.values())
    return Report(model, baseline, efficiency, refused)


def table(rep: Report) -> str:
    """The report as a Markdown table (model beside baseline), then the refused rows by class."""
    lines = ["| source family | rows | within 15% | median abs ln ratio | bias | baseline within 15% | "
             "baseline median | baseline bias |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for family, m in rep.model.items():
        b = rep.baseline[family]
        lines.append(f"| {family} | {m.rows} | {m.within:.0%} | {m.median_log_error:.3f} | {m.bias:+.1%} | "
                     f"{b.within:.0%} | {b.median_log_error:.3f} | {b.bias:+.1%} |")
    classes = defaultdict(int)
    for _name, _family, kind, _why in rep.refused:
        classes[kind] += 1
    lines.append("")
    lines.append(f"refused: {len(rep.refused)} rows: " + "; ".join(f"{k} {n}" for k, n in sorted(classes.items())))
    return "\n".join(lines)


def accuracy_note() -> str:
    """The step model's accuracy in one phrase, from ``REPORTED_OVERALL`` (what the CLI prints beside an MFU).

    >>> accuracy_note()
    'out of source, 81% of 1117 published runs within 15% (README)'
    """
    runs, within, _, _ = REPORTED_OVERALL
    return f"out of source, {within:.0%} of {runs} published runs within {WITHIN:.0%} (README)"
