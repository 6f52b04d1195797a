"""The units the code reads each table in, the whole-number columns, and the plausible range of each
dimension: declared once, checked by ``calc.data.checks`` on load."""

from __future__ import annotations

from calc.vocabulary import INTERLEAVED

# The number formats a chip's peak is listed in (hardware.csv's peak_* columns); fp4: the 4-bit block formats
# (NVFP4, MXFP4) that Blackwell's tensor cores multiply at one rate.
PRECISIONS = ("bf16", "fp16", "fp8", "tf32", "fp32", "int8", "fp16-nontensor", "fp4")

# The units rows the code reads each table in (column -> unit, exactly as the units row writes it; "1" a
# plain number). A units row in another dimension would fail far from the file; one that converts
# (USD/day for USD/hour) would be read as if it were the expected unit by code that takes magnitudes:
# both are refused here, by file, row and column. Tables and columns not listed are not checked.
COLUMN_UNITS = {
    "architectures.csv": {c: "1" for c in ("layers", "d_model", "heads", "kv_heads", "d_ff", "vocab", "context",
                                           "experts", "experts_per_token", "shared_experts", "expert_d_ff",
                                           "dense_layers", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                                           "qk_rope_head_dim", "v_head_dim", "count_tolerance")}
    | {"reported_params": "param", "reported_active_params": "param"},
    "electricity_prices.csv": {"price": "USD/kWh"},
    "finetuning.csv": {"base_weights": "byte/param", "adapter_weights": "byte/param", "adapter_gradients": "byte/param",
                       "adapter_optimizer_state": "byte/param", "base_flop": "FLOP/param/token",
                       "adapter_flop": "FLOP/param/token"},
    "hardware.csv": {**{f"peak_{p.replace('-', '_')}": "FLOP/s/chip" for p in PRECISIONS},
                     "memory": "GB/chip", "memory_bandwidth": "GB/s/chip", "tdp": "W/chip", "chips_per_board": "chip",
                     "cores_per_chip": "1", "chips_per_node": "chip", "intra_node_bandwidth": "GB/s/chip",
                     "network_bandwidth": "GB/s/chip", "matmul_efficiency": "1", "matmul_efficiency_fp8": "1",
                     "compute_units": "1", "memory_usable": "GB/chip"},
    "model_states.csv": {"zero": "1", "weights": "byte/param", "gradients": "byte/param",
                         "optimizer_state": "byte/param", "gathered": "byte/param"},
    "models.csv": {"params": "param", "active_params": "param", "tokens": "token", "compute": "FLOP", "chips": "chip",
                   "duration": "day", "utilization": "1", "chip_hours": "chip*hour", "power": "W/chip", "energy": "MWh",
                   "emissions": "t", "dataset_size": "GB"},
    "notable_compute.csv": {"compute": "FLOP"},
    "optimizers.csv": {"weights": "byte/param", "gradients": "byte/param", "optimizer_state": "byte/param"},
    "ownership.csv": {"server_cost_overhead": "1", "server_power_per_chip_tdp": "1", "average_load": "1"},
    "ppi.csv": {"index": "1"},
    "prices.csv": {"quoted_price": "USD/hour", "chips_per_basis": "chip"},
    "purchase_prices.csv": {"price": "USD/chip"},
    "run_layouts.csv": {c: "1" for c in ("tensor", "pipeline", "context", "expert", "virtual_stages", "micro_batch",
                                         "global_batch", "sequence", "tolerance")},
    "runs.csv": {"params": "param", "active_params": "param", "tokens": "token", "chips": "chip", "duration": "day",
                 "chip_hours": "chip*hour", "utilization": "1", "power": "W/chip", "pue": "1",
                 "carbon_intensity": "kg/kWh", "price": "USD/chip/hour", "compute_reported": "FLOP",
                 "energy_reported": "MWh", "emissions_reported": "t", "cost_reported": "USD",
                 "duration_reported": "day", "tolerance": "1"},
    "scaling_laws.csv": {"E": "1", "A": "1", "B": "1", "alpha": "1", "beta": "1", "N_c": "param", "D_c": "token",
                         "alpha_N": "1", "alpha_D": "1"},
    "thresholds.csv": {"compute": "FLOP", "cluster_peak": "FLOP/s", "cluster_network": "Gbit/s", "cost": "USD"},
    "step_calibration.csv": {**{c: "1" for c in ("layers", "d_model", "heads", "vocab", "sequence", "tensor", "pipeline",
                                                 "virtual_stages", "micro_batch", "global_batch", "published_mfu",
                                                 "published_hfu")},
                             "chips": "chip", "published_throughput": "TFLOP/s/chip", "published_step_time": "s"},
    "step_heldout.csv": {**{c: "1" for c in ("layers", "d_model", "heads", "vocab", "sequence", "tensor", "pipeline",
                                             "context", "virtual_stages", "micro_batch", "global_batch", "zero",
                                             "dp_overlap", "tp_overlap", "published_mfu")},
                         "chips": "chip", "published_tokens_per_second": "token/s/chip"},
    "serving_calibration.csv": {**{c: "1" for c in ("tensor", "pipeline", "expert", "input_tokens", "output_tokens",
                                                    "batch", "concurrency")},
                                "chips": "chip", "throughput_per_chip": "token/s/chip", "ttft": "s", "tpot": "s",
                                "request_rate": "1/s"},
    "serving_validation.csv": {**{c: "1" for c in ("tensor", "pipeline", "expert", "input_tokens", "output_tokens",
                                                   "batch", "concurrency", "requests")},
                               "chips": "chip", "throughput_per_chip": "token/s/chip", "ttft": "s", "tpot": "s",
                               "ttft_limit": "s", "tpot_limit": "s"},
    "serving_engine_settings.csv": {"scheduler_steps": "1", "max_batch_size": "1", "max_num_tokens": "1",
                                    "kv_memory_fraction": "1"},
    "serving_gemm.csv": {"m": "1", "n": "1", "k": "1", "measured_time": "s", "clock_mhz": "1"},
    "expert_gemm_shapes.csv": {"m": "1", "n": "1", "k": "1", "measured_time": "s"},
    "engine_all_reduce.csv": {"ranks": "1", "message_size": "byte", "measured_time": "s"},
    "serving_moe.csv": {**{c: "1" for c in ("hidden", "expert_width", "experts", "top_k", "tensor", "expert_parallel",
                                            "tokens")}, "measured_time": "s"},
    "serving_mla.csv": {"heads": "1", "batch": "1", "context": "1", "measured_time": "s"},
    "serving_clocks.csv": {"clock_mhz": "1"},
    "serving_measurement.csv": {"interval": "s", "stability_windows": "1", "stability_threshold": "1",
                                "max_windows": "1"},
    "serving_adp_balance.csv": {"timeout_iters": "1", "batching_wait_iters": "1"},
    "serving_graph_capture.csv": {"max_seq_len_to_capture": "1"},
    "serving_expert_load.csv": {c: "1" for c in ("experts", "top_k", "groups", "groups_per_token", "ranks", "mean_tokens",
                                                 "std_tokens")},
    "serving_datasets.csv": {c: "1" for c in ("samples", "input_mean", "output_mean", "output_max", "input_spread",
                                               "output_spread", "length_covariance")},
    "serving_workloads.csv": {"requests": "1"},
    "serving_speculative.csv": {"draft_tokens": "1", "accepted_tokens": "1"},
    "serving_round_tpot.csv": {"scheduler_steps": "1", "per_sample_tpot": "1"},
    "serving_host.csv": {"per_sequence": "s"},
    "serving_engines.csv": {"chip_memory_from": "GB/chip", "max_batch_size": "1", "max_num_tokens": "1"},
    "latency_percentiles.csv": {"chips": "chip", "ttft_mean": "s", "ttft_p99": "s", "tpot_mean": "s", "tpot_p99": "s"},
    "epoch_runs.csv": {"chips": "chip", "duration": "hour", "mfu": "1", "compute": "FLOP"},
    # validation_runs.csv and the per-term measurement tables: checked by their own readers (tests/test_validation_data.py)
}

ROW_UNITS = {  # row tables: the rows the code reads, with their units ("" a plain number)
    "defaults.csv": {"flop_per_param_token": "FLOP/param/token", "utilization": "", "pue": "",
                     "carbon_intensity": "kg/kWh", "consistency_rtol": "", "price_performance_ooms_per_year": "1/year",
                     "cluster_interconnect_fraction": "", "utilization_plausible_min": "", "pue_plausible_max": "",
                     "carbon_intensity_plausible_min": "kg/kWh", "carbon_intensity_plausible_max": "kg/kWh",
                     "power_plausible_max_tdp_multiple": "", "service_life_plausible_max": "year"},
    "serving_coefficients.csv": {**{n: "" for n in ("decode_bandwidth_efficiency", "prefill_matmul_efficiency",
                                                    "kv_memory_fraction", "load_power_fraction_prefill",
                                                    "load_power_fraction_decode", "blend_input_per_output")},
                                 "decode_step_overhead": "s", "decode_layer_overhead": "s"},
}

# Words a count column may hold in place of a number, by table and column (anything else is refused as before):
# "interleaved", virtual stages per pipeline rank not stated by a source that names the interleaved schedule
# (calc.vocabulary.INTERLEAVED; a blank cell is no interleaving, 1 virtual stage). Read as the word itself.
COLUMN_WORDS = {
    "run_layouts.csv": {"virtual_stages": (INTERLEAVED,)},
    "validation_runs.csv": {"virtual_stages": (INTERLEAVED,)},
}

# Counts: a fractional cell (1.5 chips per board) is a slip, never truncated.
WHOLE_COLUMNS = frozenset({
    "layers", "d_model", "heads", "kv_heads", "d_ff", "vocab", "context", "experts", "experts_per_token",
    "shared_experts", "expert_d_ff", "dense_layers", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
    "qk_rope_head_dim", "v_head_dim", "chips_per_board", "cores_per_chip", "chips_per_node", "compute_units", "zero",
    "tensor", "pipeline", "expert", "virtual_stages", "micro_batch", "global_batch", "sequence", "chips_per_basis",
    "chips", "scheduler_steps", "max_batch_size", "max_num_tokens", "max_seq_len_to_capture", "draft_tokens"})

# What a column's values may be, by the dimension its units row declares (and, for fractions, by
# its name): a value outside is a slip of the units row (FLOP/s/chip -> TFLOP/s/chip scales every
# peak by 1e12) or of a cell (utilization 38 for 0.38), reported by file, row and column. The
# bounds are wide: the least and the most of anything the calculator can meet, with margin.
_PLAUSIBLE_BY_UNIT = {
    "FLOP/s/chip": (1e9, 1e18),  # a 2010s GPU's fp32 to beyond a 2026 board's fp4
    "FLOP/s": (1e9, 1e23),  # one chip to a 10 EFLOP/s cluster and more
    "FLOP": (1, 1e30),  # Theseus (1950) used 40 FLOP
    "GB/chip": (0.1, 1e4),
    "GB/s/chip": (0.1, 1e5),
    "Gbit/s": (1, 1e7),
    "W/chip": (5, 1e4),
    "param": (1e3, 1e15),
    "token": (1e3, 1e16),
    "chip": (1, 1e7),
    "chip*hour": (1e-2, 1e10),
    "USD/hour": (1e-3, 1e4),
    "USD/chip/hour": (1e-3, 1e3),
    "USD/chip": (1e2, 1e7),
    "USD/kWh": (1e-3, 10),
    "MWh": (1e-6, 1e7),
    "t": (1e-6, 1e8),
    "kg/kWh": (1e-3, 2),
    "byte/param": (0.1, 64),
}

_PLAUSIBLE_BY_NAME = {  # columns and rows of row tables, by name: (unit, low, high)
    "utilization": ("", 1e-3, 1.0),
    "utilization_plausible_min": ("", 1e-3, 1.0),
    "pue": ("", 1.0, 10.0),
    "consistency_rtol": ("", 1e-6, 1.0),
    "carbon_intensity": ("kg/kWh", 1e-3, 2.0),
    "flop_per_param_token": ("FLOP/param/token", 1.0, 100.0),
    "duration": ("day", 1e-3, 3e3),  # a training run: minutes to years (times of a step are another column)
}
