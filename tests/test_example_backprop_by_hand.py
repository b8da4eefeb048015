"""examples/backprop_by_hand.py: the hand-written backward of a batchnorm MLP equals autograd's, step by step and in
its two closed forms, equals PyTorch's, and training by hand gives the losses training by autograd gives."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "backprop_by_hand.py"
spec = importlib.util.spec_from_file_location("example_backprop_by_hand", EXAMPLE)
assert spec is not None and spec.loader is not None
bbh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bbh)

INTERMEDIATES = [
    *("emb", "embcat", "hprebn", "bnmeani", "bndiff", "bndiff2", "bnvar", "bnvar_inv", "bnraw", "hpreact", "h"),
    *("logits", "logit_maxes", "norm_logits", "counts", "counts_sum", "counts_sum_inv", "probs", "logprobs"),
]


@pytest.fixture(scope="module")
def batch():
    data = bbh.make_data(0)
    params = bbh.init_params(np.random.default_rng(0), data[4])
    rows = np.random.default_rng(1).integers(0, len(data[1]), 32)
    return data, params, data[0][rows], data[1][rows]


def test_every_hand_gradient_equals_autograds(batch) -> None:
    _, params, xb, yb = batch
    differences = bbh.gradient_differences(params, xb, yb)
    expected = [*bbh.PARAMS, *INTERMEDIATES, "logits (closed form)", "hprebn (closed form)"]
    assert sorted(differences) == sorted(expected)  # every parameter and intermediate is compared
    assert max(differences.values()) < 1e-10, differences


def test_the_hand_gradients_equal_pytorchs(batch) -> None:
    """An oracle outside tinygrad_edu: PyTorch's autograd through F.batch_norm (training) and F.cross_entropy."""
    torch = pytest.importorskip("torch")
    _, params, xb, yb = batch
    p = {name: torch.tensor(value, requires_grad=True) for name, value in params.items()}
    hprebn = p["C"][torch.tensor(xb)].reshape(len(xb), -1) @ p["W1"] + p["b1"]
    hpreact = torch.nn.functional.batch_norm(
        hprebn, None, None, p["bngain"].reshape(-1), p["bnbias"].reshape(-1), training=True, eps=bbh.EPS
    )
    logits = torch.tanh(hpreact) @ p["W2"] + p["b2"]
    torch.nn.functional.cross_entropy(logits, torch.tensor(yb)).backward()

    # the intermediates backward_in_steps reads, from the tinygrad_edu forward
    _, t = bbh.forward_in_steps({k: bbh.tg.tensor(v, requires_grad=True) for k, v in params.items()}, xb, yb)
    values = {name: tensor.detach().numpy() for name, tensor in t.items()}
    by_hand = bbh.backward_in_steps(params, values, xb, yb)
    closed = bbh.forward_and_closed_form_backward(params, xb, yb)[1]
    for name in bbh.PARAMS:
        np.testing.assert_allclose(by_hand[name], p[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(closed[name], p[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_the_step_by_step_forward_is_batchnorm1d_and_cross_entropy(batch) -> None:
    _, params, xb, yb = batch
    assert bbh.forward_difference(params, xb, yb) < 1e-12
    loss = bbh.forward_and_closed_form_backward(params, xb, yb)[0]
    with bbh.tg.no_grad():
        by_steps = bbh.forward_in_steps({k: bbh.tg.tensor(v) for k, v in params.items()}, xb, yb)[0].item()
    assert loss == pytest.approx(by_steps, rel=1e-12)


def test_training_by_hand_and_by_autograd_give_the_same_losses(batch) -> None:
    data, params, _, _ = batch
    hand, autograd, hand_val, autograd_val = bbh.train_both(params, data, steps=150, lr=0.1, batch_size=32, seed=2)
    np.testing.assert_allclose(hand, autograd, rtol=1e-10)
    # eval mode: the hand-kept running mean and (unbiased) variance are BatchNorm1d's buffers
    assert hand_val == pytest.approx(autograd_val, rel=1e-10)
    assert hand[-20:].mean() < hand[:20].mean() - 0.5  # and it learns
    assert hand_val < np.log(18) - 0.5  # better than guessing among the 18 characters


def test_the_example_prints_the_differences(capsys) -> None:
    assert bbh.main(["--steps", "20", "--print-every", "10"]) == 0
    out = capsys.readouterr().out
    differences = [float(x) for x in re.findall(r"^\s+d\S+(?: \(closed form\))?\s+([\d.e+-]+)$", out, re.MULTILINE)]
    assert len(differences) == len(bbh.PARAMS) + len(INTERMEDIATES) + 2 and max(differences) < 1e-10
    assert "step    20  by hand" in out and "held-out loss (eval mode)" in out


def test_it_runs_as_a_script_from_another_folder(tmp_path) -> None:
    """`python examples/backprop_by_hand.py` finds char_words.py beside it whatever the working folder."""
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--steps", "10", "--print-every", "10"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "held-out loss (eval mode)" in done.stdout
