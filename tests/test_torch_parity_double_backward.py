"""Second derivatives next to PyTorch's: every row of the parity tables, differentiated twice.

For each row, in both libraries: the first gradient g_i = d/dx_i sum_k <out_k, v_k> with
`autograd.grad(..., create_graph=True)`, then the gradient of sum_i <g_i, w_i> with respect to every input
(a Hessian-vector product, and the mixed second derivatives for several inputs). Both must be PyTorch's in
float64. A gradient that one library leaves as None (it does not depend on the inputs) is compared as zeros.
The rows are the tables of test_torch_parity.py (ops and losses) and test_torch_parity_surface.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

from test_torch_parity import LOSSES, OPS, random_inputs  # noqa: E402  (after the skip: they import torch)
from test_torch_parity_surface import ROWS, inputs, outputs  # noqa: E402


def numpy_of(t: Any, like: np.ndarray) -> np.ndarray:
    """t's values as float64 (zeros of like's shape for None)."""
    if t is None:
        return np.zeros_like(like)
    return (
        t.detach().numpy(force=True) if isinstance(t, torch.Tensor) else np.asarray(t.detach().data)
    )  # (force: torch's ZeroTensor)


def second_derivatives(lib: Any, fn: Callable[..., Any], arrays: list[np.ndarray]) -> tuple[list, list] | None:
    """(first gradients, second derivatives) of fn(lib, *inputs) as arrays, or None if no output needs a gradient."""
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs = [o for o in outputs(fn(lib, *xs)) if o.requires_grad]
        if not outs:
            return None
        rng = np.random.default_rng(1)
        vs = [lib.tensor(rng.uniform(-1, 1, size=tuple(o.shape)), dtype=lib.float64) for o in outs]
        firsts = lib.autograd.grad(outs, xs, vs, create_graph=True, allow_unused=True)
        ws = [lib.tensor(rng.uniform(-1, 1, size=a.shape), dtype=lib.float64) for a in arrays]
        terms = [(g * w).sum() for g, w in zip(firsts, ws) if g is not None and g.requires_grad]
        seconds = lib.autograd.grad(sum(terms), xs, allow_unused=True) if terms else [None] * len(xs)
    return [numpy_of(g, a) for g, a in zip(firsts, arrays)], [numpy_of(h, a) for h, a in zip(seconds, arrays)]


CASES = (
    [pytest.param(fn, random_inputs(shapes, domain), id=f"op {name}") for name, (fn, shapes, domain) in OPS.items()]
    + [pytest.param(row.fn, inputs(row.shapes, row.domain), id=f"surface {row.name}") for row in ROWS]
    + [
        pytest.param(lambda lib, x, loss=loss, r=r: loss(lib, x, r), [x], id=f"loss {name} {r}")
        for name, (loss, x) in LOSSES.items()
        for r in ("mean", "sum", "none")
    ]
)


# Rows where PyTorch's second derivative differs at singular points, and why; elsewhere in these rows
# (where `compared` is True) the values must still be PyTorch's.
DIFFERENT: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]]] = {
    "op pow 0 ** y": (
        "at a = 0 PyTorch's double backward of pow gives nan for every exponent; ours is the derivative of the "
        "first derivative with PyTorch's own masking (0 where b > 2), so compare where PyTorch's is a number",
        lambda x, ours, theirs: np.isfinite(theirs),
    ),
    **{
        f"loss bce at 0 and 1 {r}": (
            "PyTorch's double backward of BCE uses its own formula, (x + eps)^2 (1 - x + eps)^2 in the denominator, "
            "not the derivative of its first derivative (which divides by max(x (1 - x), eps)); they differ only at "
            "x = 0 and 1, so compare the elements strictly between",
            lambda x, ours, theirs: (x > 0) & (x < 1),
        )
        for r in ("mean", "sum", "none")
    },
}


@pytest.mark.parametrize("fn, arrays", CASES)
def test_second_derivatives_match_torch(fn: Callable[..., Any], arrays: list[np.ndarray], request) -> None:
    ours = second_derivatives(tg, fn, arrays)
    theirs = second_derivatives(torch, fn, arrays)
    assert (ours is None) == (theirs is None)
    if ours is None:
        return
    name = request.node.callspec.id
    checked = 0
    for x, mine, torchs in zip(arrays * 2, ours[0] + ours[1], theirs[0] + theirs[1]):
        if name in DIFFERENT:
            compared = DIFFERENT[name][1](x, mine, torchs)
            mine, torchs = mine[compared], torchs[compared]
        np.testing.assert_allclose(mine, torchs, rtol=1e-8, atol=1e-10, equal_nan=True)
        checked += mine.size
    assert checked > 0  # (a row in DIFFERENT still checks something)


def test_hessian_of_a_two_layer_mlp_loss_equals_torchs():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    w1, b1, w2, b2 = (
        rng.standard_normal((4, 3)),
        rng.standard_normal(4),
        rng.standard_normal((1, 4)),
        rng.standard_normal(1),
    )
    sizes = [a.size for a in (w1, b1, w2, b2)]

    def hessian(lib: Any) -> np.ndarray:
        params = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in (w1, b1, w2, b2)]
        F = lib.nn.functional
        hidden = F.linear(lib.tensor(x), params[0], params[1]).tanh()
        loss = F.mse_loss(F.linear(hidden, params[2], params[3]), lib.tensor(y))
        grads = lib.autograd.grad(loss, params, create_graph=True)
        flat = lib.cat([g.reshape(-1) for g in grads])
        rows = []
        for k in range(flat.shape[0]):
            row = lib.autograd.grad(flat[k], params, retain_graph=True)
            rows.append(np.concatenate([numpy_of(r, a).reshape(-1) for r, a in zip(row, (w1, b1, w2, b2))]))
        return np.stack(rows)

    ours, theirs = hessian(tg), hessian(torch)
    assert ours.shape == (sum(sizes), sum(sizes))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours, ours.T, rtol=0, atol=1e-12)  # a Hessian is symmetric
