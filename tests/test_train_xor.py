"""End to end: a PyTorch-style network learns XOR with BCELoss and SGD, and matches a hand-written NumPy run."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


class XorNet(nn.Module):
    """Two Linear layers and a Sigmoid, written as a PyTorch user would."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(2, 4)
        self.output = nn.Linear(4, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.sigmoid(self.output(self.sigmoid(self.hidden(x))))


def train(net: nn.Module, lr: float, epochs: int) -> list[float]:
    criterion = nn.BCELoss()
    optimizer = optim.SGD(net.parameters(), lr=lr)
    x, y = tg.tensor(X, dtype=net.hidden.weight.dtype), tg.tensor(Y, dtype=net.hidden.weight.dtype)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_xor_is_learned_from_a_fixed_seed() -> None:
    tg.manual_seed(0)
    net = XorNet()
    losses = train(net, lr=1.0, epochs=2000)
    with tg.no_grad():
        predictions = net(tg.tensor(X, dtype=tg.float32)).data  # (X is float64: a float32 net refuses it, as torch)
    assert np.array_equal(np.round(predictions).ravel(), [0, 1, 1, 0])
    assert losses[-1] < 0.05 < losses[0]
    assert all(b <= a + 1e-6 for a, b in zip(losses[::100], losses[100::100]))  # steadily down


def numpy_xor(W1, b1, W2, b2, lr, epochs):
    """The same training written by hand in NumPy, as a tutorial does: weights as (out, in) like Linear's.

    Forward: h = s(x W1^T + b1), p = s(h W2^T + b2); loss = mean BCE. Backward: d loss/d z2 = (p - y) / n
    (the sigmoid's p (1 - p) cancels BCE's 1 / (p (1 - p))), then the chain rule through each layer.
    """
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    n = len(X)
    for _ in range(epochs):
        h = sigmoid(X @ W1.T + b1)
        p = sigmoid(h @ W2.T + b2)
        dz2 = (p - Y) / n
        dz1 = (dz2 @ W2) * h * (1 - h)
        W2, b2 = W2 - lr * dz2.T @ h, b2 - lr * dz2.sum(axis=0)
        W1, b1 = W1 - lr * dz1.T @ X, b1 - lr * dz1.sum(axis=0)
    return W1, b1, W2, b2


def test_float64_training_matches_the_hand_written_numpy_version() -> None:
    tg.manual_seed(1)
    net = XorNet().double()
    start = [p.data.copy() for p in (net.hidden.weight, net.hidden.bias, net.output.weight, net.output.bias)]
    train(net, lr=0.5, epochs=200)
    expected = numpy_xor(*start, lr=0.5, epochs=200)
    for p, e in zip((net.hidden.weight, net.hidden.bias, net.output.weight, net.output.bias), expected):
        np.testing.assert_allclose(p.data, e, rtol=1e-10, atol=1e-12)


def test_tutorial_a_starting_point_trains_like_the_reference() -> None:
    # Tutorial A: np.random.seed(42); W1 = randn(2, 4); W2 = randn(4, 1); zero biases; lr 0.1.
    from tinygrad_edu.apps.reference import TUTORIALS

    tutorial = TUTORIALS["A"]
    params = tutorial.init()
    net = XorNet().double()
    nn.init.from_numpy_(net.hidden.weight, params["W1"], transpose=True)
    nn.init.from_numpy_(net.hidden.bias, params["b1"])
    nn.init.from_numpy_(net.output.weight, params["W2"], transpose=True)
    nn.init.from_numpy_(net.output.bias, params["b2"])
    with tg.no_grad():
        np.testing.assert_allclose(net(tg.tensor(X)).data, tutorial.predict(params), rtol=1e-12)


def test_same_losses_as_torch_from_the_same_weights() -> None:
    torch = pytest.importorskip("torch")
    tg.manual_seed(3)
    net = XorNet().double()
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 1), torch.nn.Sigmoid())
    theirs = theirs.double()
    names = {"0.weight": "hidden.weight", "0.bias": "hidden.bias", "2.weight": "output.weight", "2.bias": "output.bias"}
    ours = net.state_dict()
    theirs.load_state_dict({k: torch.from_numpy(ours[v]) for k, v in names.items()})
    optimizer = torch.optim.SGD(theirs.parameters(), lr=1.0)
    x, y = torch.from_numpy(X), torch.from_numpy(Y)
    expected = []
    for _ in range(50):
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy(theirs(x), y)
        loss.backward()
        optimizer.step()
        expected.append(loss.item())
    np.testing.assert_allclose(train(net, lr=1.0, epochs=50), expected, rtol=1e-10)
