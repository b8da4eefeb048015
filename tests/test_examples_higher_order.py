"""The second-order examples (examples/newton.py, examples/gradient_penalty.py) run and print what they promise."""

from __future__ import annotations

import re

from tests.test_examples import load_example, number_after


def _torch_installed() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def test_newton_hessian_matches_finite_differences_and_beats_gradient_descent(capsys):
    assert load_example("newton").main([]) == 0
    out = capsys.readouterr().out
    assert number_after("finite differences of tutorial A's gradient:", out) < 1e-8
    if _torch_installed():
        assert number_after("from PyTorch's Hessian:", out) < 1e-10
    else:
        assert "PyTorch is not installed" in out
    assert "symmetric: True" in out
    assert number_after("eigenvalues from", out) < 0  # indefinite at the start: why the steps are damped
    newton_loss = number_after("final loss", out)
    assert newton_loss < 0.005 and newton_loss < number_after("reaches", out)  # 20 steps beat 10,000
    predictions = [float(p) for p in re.search(r"predictions \[([^\]]*)\]", out).group(1).split()]
    assert [round(p) for p in predictions] == [0, 1, 1, 0]


def test_gradient_penalty_is_checked_and_flattens_the_function(capsys):
    assert load_example("gradient_penalty").main([]) == 0
    out = capsys.readouterr().out
    assert "finite differences, float64): True" in out
    if _torch_installed():
        assert number_after("from PyTorch's gradient:", out) < 1e-12
    rows = {
        m.group(1): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r"(no penalty|penalty lam=\S+)\s+([\d.]+)\s+([\d.]+)", out)
    }
    (plain_accuracy, plain_norm), (penalized_accuracy, penalized_norm) = rows["no penalty"], rows["penalty lam=0.003"]
    assert penalized_norm < plain_norm / 3  # the penalty's whole point
    assert plain_accuracy > 0.9 and penalized_accuracy > 0.9
