"""Lifetime compute: the model size that is cheapest over training and serving at one quality.

    minimise   6 N D + 2 N T      subject to   L(N, D) = L*                    [Sardana2023]

N parameters trained on D tokens, then serving T tokens of inference demand (2 N FLOP a token:
the forward pass, [Kaplan2020] sec. 2.1). The quality L* is a loss under a scaling law of
``calc.scaling`` (chosen by author-year name). Both law forms are, at fixed loss, one shape:

    R = A' N^-a + B' D^-b     chinchilla: R = L - E,        A' = A, a = alpha, B' = B, b = beta
                              kaplan:     R = L^(1/alpha_D), A' = N_c^(alpha_N/alpha_D),
                                          a = alpha_N/alpha_D, B' = D_c, b = 1     [Kaplan2020] eq. 1.5

Write s for the parameter term's share of R: N = (A'/(R s))^(1/a), D = (B'/(R (1-s)))^(1/b).
Setting d/dN (6 N D + 2 N T) = 0 gives

    (a/b) s / (1 - s) = 1 + T / (3 D(s))

whose left side rises and right side falls in s: one root, s >= b/(a+b). At T = 0 the root is
s = b/(a+b), the compute-optimal model [Hoffmann2022] eq. 4. It is found by bisection on
log(1 - s) (a fixed 200 halvings, vectorised over arrays of loss and demand).

The dollar version prices training at USD per FLOP and serving at USD per token for a model of a
stated size (a list price, or ``calc.serve``'s cost per token), scaled by N: it is the FLOP problem
with T multiplied by (serving USD per FLOP) / (training USD per FLOP).

The compute overhead of a model k times the compute-optimal size at the same loss [DeVries2023]:

    overhead(k) = k (1 - (b/a)(k^-a - 1))^(-1/b) - 1

the same at every budget; it is unbounded at k = (1 + a/b)^(-1/a) (``critical_fraction``), and about 100% at
de Vries' critical size, near 30%.

References: [Sardana2023] Sardana, Portes, Doubov, Frankle, Beyond Chinchilla-Optimal: Accounting
for Inference in Language Model Scaling Laws (arXiv:2401.00448), Fig. 1; [DeVries2023] H. de Vries,
Go smol or go home (2023), the k_D formula; [Hoffmann2022] and [Kaplan2020] as in ``calc.scaling``.

The package's files: ``solver`` (the law at fixed loss, the bisection), ``inputs``, ``plans`` (``Plan``,
``Lifetime``), ``optimum`` (``lifetime``), ``dollars`` (the training price per FLOP) and ``tradeoff``
(break-even demand, critical size, compute overhead, the curve).
"""

from calc.callable_package import make_callable
from calc.lifetime.dollars import training_price_per_flop
from calc.lifetime.inputs import quality
from calc.lifetime.optimum import lifetime
from calc.lifetime.plans import SERVE_FLOP, TRAIN_FLOP, Lifetime, Plan
from calc.lifetime.solver import DEFAULT_LAW
from calc.lifetime.tradeoff import break_even, compute_overhead, critical_fraction, critical_params, curve

__all__ = ["DEFAULT_LAW", "SERVE_FLOP", "TRAIN_FLOP", "Lifetime", "Plan", "break_even", "compute_overhead", "critical_fraction",
           "critical_params", "curve", "lifetime", "quality", "training_price_per_flop"]

# calc.lifetime(...) calls lifetime (and ``import calc.lifetime as m`` binds this package): calc.callable_package says why
make_callable(__name__)

