"""A batchnorm network trained by hand and by autograd (makemore's "backprop ninja" exercise), checked to rounding.

The network is makemore's character-level MLP with a BatchNorm layer, on the names of examples/char_words.py:
the previous 3 characters are looked up in an embedding table C, concatenated, and passed through

    Linear(30, 64) -> BatchNorm1d(64) -> tanh -> Linear(64, 18) -> cross-entropy with the next character.

1. The forward pass is written one small step at a time with tinygrad_edu Tensors (emb, embcat, hprebn,
   bnmeani, bndiff, ..., probs, logprobs, loss), and checked against the same network built from
   nn.BatchNorm1d and F.cross_entropy.
2. The backward pass is written by hand in NumPy, one chain-rule step per intermediate, in reverse order, and
   every intermediate's gradient and every parameter's is compared with the one tinygrad_edu's autograd
   computes (`retain_grad()` keeps the intermediates'). Then two shortcuts, each a single closed form: the
   cross-entropy's gradient, d loss / d logits = (softmax(logits) - onehot(y)) / n, and the batchnorm's,
   d loss / d hprebn = gain * inv_std / n * (n * d_hpreact - sum(d_hpreact) - xhat * sum(d_hpreact * xhat)).
3. Two copies of the network are trained from the same weights on the same batches: one with the closed-form
   backward above and a hand-written SGD update, the other as a PyTorch-style module (nn.Embedding, nn.Linear,
   nn.BatchNorm1d) with loss.backward() and optim.SGD. They print the same losses, and, in eval mode with
   BatchNorm's running statistics, the same held-out loss.

The batch variance that normalises is the biased one (divided by n), as nn.BatchNorm1d's in training; its
running variance is updated with the unbiased one (n - 1), as PyTorch's. (makemore's lecture uses n - 1 in both.)

Run:  python examples/backprop_by_hand.py             (--steps 1000, see --help)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))  # char_words, also when imported from elsewhere

from char_words import contexts_and_targets, make_words, vocabulary  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402

BLOCK_SIZE, N_EMBD, N_HIDDEN, EPS, MOMENTUM = 3, 10, 64, 1e-5, 0.1
PARAMS = ("C", "W1", "b1", "bngain", "bnbias", "W2", "b2")


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(x_train, y_train, x_val, y_val, vocab_size) from the char-LM's 2,000 names, 90% to train."""
    words = make_words(np.random.default_rng(seed))
    stoi, _ = vocabulary(words)
    split = int(0.9 * len(words))
    x_train, y_train = contexts_and_targets(words[:split], stoi, BLOCK_SIZE)
    x_val, y_val = contexts_and_targets(words[split:], stoi, BLOCK_SIZE)
    return x_train, y_train, x_val, y_val, len(stoi)


def init_params(rng: np.random.Generator, vocab_size: int) -> dict[str, np.ndarray]:
    """makemore's initialisation: no bias is zero and no gain is one, so a gradient mistake cannot hide there."""
    fan_in = BLOCK_SIZE * N_EMBD
    return {
        "C": rng.normal(size=(vocab_size, N_EMBD)),
        "W1": rng.normal(size=(fan_in, N_HIDDEN)) * (5 / 3) / np.sqrt(fan_in),  # tanh's gain 5/3
        "b1": rng.normal(size=N_HIDDEN) * 0.1,  # BatchNorm subtracts it again: its gradient is 0 (to rounding)
        "bngain": 1.0 + rng.normal(size=(1, N_HIDDEN)) * 0.1,
        "bnbias": rng.normal(size=(1, N_HIDDEN)) * 0.1,
        "W2": rng.normal(size=(N_HIDDEN, vocab_size)) * 0.1,
        "b2": rng.normal(size=vocab_size) * 0.1,
    }


# ---- 1. the forward pass in small steps (tinygrad_edu) ---------------------------------------------------------


def forward_in_steps(p: dict[str, tg.Tensor], xb: np.ndarray, yb: np.ndarray) -> tuple[tg.Tensor, dict]:
    """The loss, and every intermediate by name (each keeps its .grad after backward)."""
    n = len(yb)
    t: dict[str, tg.Tensor] = {}
    t["emb"] = p["C"][xb]  # (n, 3, 10): each context character's embedding
    t["embcat"] = t["emb"].reshape(n, -1)  # (n, 30)
    t["hprebn"] = t["embcat"] @ p["W1"] + p["b1"]  # (n, 64)
    # BatchNorm, step by step: normalise each unit over the batch, then scale and shift
    t["bnmeani"] = t["hprebn"].sum(0, keepdim=True) / n
    t["bndiff"] = t["hprebn"] - t["bnmeani"]
    t["bndiff2"] = t["bndiff"] ** 2
    t["bnvar"] = t["bndiff2"].sum(0, keepdim=True) / n  # biased, as nn.BatchNorm1d normalises in training
    t["bnvar_inv"] = (t["bnvar"] + EPS) ** -0.5
    t["bnraw"] = t["bndiff"] * t["bnvar_inv"]
    t["hpreact"] = p["bngain"] * t["bnraw"] + p["bnbias"]
    t["h"] = t["hpreact"].tanh()
    t["logits"] = t["h"] @ p["W2"] + p["b2"]  # (n, 18)
    # cross-entropy, step by step: a softmax made safe by subtracting each row's max, then -log p(target)
    t["logit_maxes"] = t["logits"].max(1, keepdim=True).values
    t["norm_logits"] = t["logits"] - t["logit_maxes"]
    t["counts"] = t["norm_logits"].exp()
    t["counts_sum"] = t["counts"].sum(1, keepdim=True)
    t["counts_sum_inv"] = t["counts_sum"] ** -1
    t["probs"] = t["counts"] * t["counts_sum_inv"]
    t["logprobs"] = t["probs"].log()
    loss = -t["logprobs"][np.arange(n), yb].mean()
    for value in t.values():
        if value.requires_grad:  # (not under no_grad)
            value.retain_grad()
    return loss, t


# ---- 2. the backward pass by hand (NumPy) ----------------------------------------------------------------------


def backward_in_steps(p: dict[str, np.ndarray], t: dict[str, np.ndarray], xb: np.ndarray, yb: np.ndarray) -> dict:
    """d loss / d (every intermediate and parameter), one chain-rule step at a time, from the loss back.

    Each line is the local derivative times the gradient coming in; where a value was broadcast in the forward
    pass its gradient is summed over the broadcast dim, and where a value was used twice the two gradients add.
    """
    n = len(yb)
    d: dict[str, np.ndarray] = {}
    d["logprobs"] = np.zeros_like(t["logprobs"])
    d["logprobs"][np.arange(n), yb] = -1.0 / n  # loss = -mean of the picked entries
    d["probs"] = d["logprobs"] / t["probs"]  # d log p = 1 / p
    d["counts_sum_inv"] = (d["probs"] * t["counts"]).sum(1, keepdims=True)  # broadcast over a row: sum
    d["counts_sum"] = -(t["counts_sum"] ** -2) * d["counts_sum_inv"]  # d x^-1 = -x^-2
    d["counts"] = d["probs"] * t["counts_sum_inv"] + d["counts_sum"]  # counts is used twice: add both
    d["norm_logits"] = t["counts"] * d["counts"]  # d exp = exp
    d["logit_maxes"] = -d["norm_logits"].sum(1, keepdims=True)
    picked = t["logits"] == t["logit_maxes"]  # max passes its gradient to the entry it picked
    d["logits"] = d["norm_logits"] + picked * d["logit_maxes"]
    d["h"] = d["logits"] @ p["W2"].T
    d["W2"] = t["h"].T @ d["logits"]
    d["b2"] = d["logits"].sum(0)
    d["hpreact"] = (1.0 - t["h"] ** 2) * d["h"]  # d tanh = 1 - tanh^2
    d["bngain"] = (t["bnraw"] * d["hpreact"]).sum(0, keepdims=True)
    d["bnbias"] = d["hpreact"].sum(0, keepdims=True)
    d["bnraw"] = p["bngain"] * d["hpreact"]
    d["bnvar_inv"] = (t["bndiff"] * d["bnraw"]).sum(0, keepdims=True)
    d["bnvar"] = -0.5 * (t["bnvar"] + EPS) ** -1.5 * d["bnvar_inv"]
    d["bndiff2"] = np.ones_like(t["bndiff2"]) / n * d["bnvar"]
    d["bndiff"] = t["bnvar_inv"] * d["bnraw"] + 2.0 * t["bndiff"] * d["bndiff2"]  # used twice
    d["bnmeani"] = -d["bndiff"].sum(0, keepdims=True)
    d["hprebn"] = d["bndiff"] + np.ones_like(t["hprebn"]) / n * d["bnmeani"]  # used twice
    d["embcat"] = d["hprebn"] @ p["W1"].T
    d["W1"] = t["embcat"].T @ d["hprebn"]
    d["b1"] = d["hprebn"].sum(0)
    d["emb"] = d["embcat"].reshape(t["emb"].shape)
    d["C"] = np.zeros_like(p["C"])
    np.add.at(d["C"], xb, d["emb"])  # each row of C gets the gradient of every place it was looked up
    return d


def cross_entropy_closed_form(logits: np.ndarray, yb: np.ndarray) -> np.ndarray:
    """d loss / d logits = (softmax(logits) - onehot(y)) / n: the whole cross-entropy chain in one line."""
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    probs[np.arange(len(yb)), yb] -= 1.0
    return probs / len(yb)


def batchnorm_closed_form(d_hpreact: np.ndarray, gain: np.ndarray, bnraw: np.ndarray, bnvar_inv: np.ndarray):
    """d loss / d hprebn from d loss / d hpreact, through the whole batchnorm at once: with xhat = bnraw and
    g = gain * d_hpreact (the gradient reaching xhat), dx = inv_std / n * (n g - sum(g) - xhat * sum(g xhat)).
    The sums are over the batch: the mean and the variance tie every example's output to every other's."""
    n = len(d_hpreact)
    g = gain * d_hpreact
    return bnvar_inv / n * (n * g - g.sum(0, keepdims=True) - bnraw * (g * bnraw).sum(0, keepdims=True))


def forward_and_closed_form_backward(p: dict[str, np.ndarray], xb: np.ndarray, yb: np.ndarray):
    """(loss, gradients of the parameters, batch mean, unbiased batch variance) in NumPy, with both shortcuts."""
    n = len(yb)
    emb = p["C"][xb]
    embcat = emb.reshape(n, -1)
    hprebn = embcat @ p["W1"] + p["b1"]
    mean, var = hprebn.mean(0, keepdims=True), hprebn.var(0, keepdims=True)
    bnvar_inv = (var + EPS) ** -0.5
    bnraw = (hprebn - mean) * bnvar_inv
    h = np.tanh(p["bngain"] * bnraw + p["bnbias"])
    logits = h @ p["W2"] + p["b2"]
    shifted = logits - logits.max(1, keepdims=True)
    loss = -(shifted[np.arange(n), yb] - np.log(np.exp(shifted).sum(1))).mean()

    d_logits = cross_entropy_closed_form(logits, yb)
    d_hpreact = (1.0 - h**2) * (d_logits @ p["W2"].T)
    d_hprebn = batchnorm_closed_form(d_hpreact, p["bngain"], bnraw, bnvar_inv)
    d_C = np.zeros_like(p["C"])
    np.add.at(d_C, xb, (d_hprebn @ p["W1"].T).reshape(emb.shape))
    grads = {
        "C": d_C,
        "W1": embcat.T @ d_hprebn,
        "b1": d_hprebn.sum(0),
        "bngain": (bnraw * d_hpreact).sum(0, keepdims=True),
        "bnbias": d_hpreact.sum(0, keepdims=True),
        "W2": h.T @ d_logits,
        "b2": d_logits.sum(0),
    }
    return loss, grads, mean, var * n / (n - 1)


# ---- the check ------------------------------------------------------------------------------------------------


def gradient_differences(params: dict[str, np.ndarray], xb: np.ndarray, yb: np.ndarray) -> dict[str, float]:
    """max |hand - autograd| for every parameter and intermediate (step by step), and for the two closed forms."""
    p = {name: tg.tensor(value, requires_grad=True) for name, value in params.items()}
    loss, t = forward_in_steps(p, xb, yb)
    loss.backward()
    values = {name: value.detach().numpy() for name, value in t.items()}
    autograd = {name: tensor.grad.numpy() for name, tensor in {**p, **t}.items()}
    by_hand = backward_in_steps(params, values, xb, yb)
    differences = {name: float(np.abs(by_hand[name] - autograd[name]).max()) for name in (*PARAMS, *t)}
    closed_logits = cross_entropy_closed_form(values["logits"], yb)
    differences["logits (closed form)"] = float(np.abs(closed_logits - autograd["logits"]).max())
    closed_bn = batchnorm_closed_form(by_hand["hpreact"], params["bngain"], values["bnraw"], values["bnvar_inv"])
    differences["hprebn (closed form)"] = float(np.abs(closed_bn - autograd["hprebn"]).max())
    return differences


class BatchNormMLP(nn.Module):
    """The same network as a PyTorch-style module: Embedding, Linear, BatchNorm1d, tanh, Linear."""

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, N_EMBD)
        self.hidden = nn.Linear(BLOCK_SIZE * N_EMBD, N_HIDDEN)
        self.bn = nn.BatchNorm1d(N_HIDDEN, eps=EPS, momentum=MOMENTUM)
        self.out = nn.Linear(N_HIDDEN, vocab_size)

    def forward(self, x: np.ndarray) -> tg.Tensor:
        e = self.embed(tg.tensor(x))
        return self.out(self.bn(self.hidden(e.reshape(len(x), -1))).tanh())

    @classmethod
    def from_params(cls, params: dict[str, np.ndarray]) -> BatchNormMLP:
        """The module holding `params` (nn.Linear keeps its weight as (out, in): the transpose of W1 and W2)."""
        model = cls(len(params["C"])).double()
        state = model.state_dict()
        state.update(
            {
                "embed.weight": params["C"],
                "hidden.weight": params["W1"].T,
                "hidden.bias": params["b1"],
                "bn.weight": params["bngain"].ravel(),
                "bn.bias": params["bnbias"].ravel(),
                "out.weight": params["W2"].T,
                "out.bias": params["b2"],
            }
        )
        model.load_state_dict(state)
        return model


def forward_difference(params: dict[str, np.ndarray], xb: np.ndarray, yb: np.ndarray) -> float:
    """|step-by-step loss - the module's loss (nn.BatchNorm1d, F.cross_entropy)| on one batch, in training mode."""
    with tg.no_grad():
        p = {name: tg.tensor(value) for name, value in params.items()}
        by_steps = forward_in_steps(p, xb, yb)[0].item()
        by_modules = F.cross_entropy(BatchNormMLP.from_params(params)(xb), tg.tensor(yb)).item()
    return abs(by_steps - by_modules)


def train_both(params: dict[str, np.ndarray], data: tuple, steps: int, lr: float, batch_size: int, seed: int):
    """Train a copy by hand and a copy by autograd on the same batches; (hand losses, autograd losses, hand
    validation loss, autograd validation loss), the validation losses in eval mode (running statistics)."""
    x_train, y_train, x_val, y_val, _ = data
    hand = {name: value.copy() for name, value in params.items()}
    running_mean, running_var = np.zeros((1, N_HIDDEN)), np.ones((1, N_HIDDEN))
    model = BatchNormMLP.from_params(params)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    hand_losses, autograd_losses = [], []
    model.train()
    for _ in range(steps):
        batch = rng.integers(0, len(y_train), batch_size)
        xb, yb = x_train[batch], y_train[batch]

        loss, grads, mean, var = forward_and_closed_form_backward(hand, xb, yb)
        for name in PARAMS:
            hand[name] -= lr * grads[name]
        running_mean = (1 - MOMENTUM) * running_mean + MOMENTUM * mean  # as BatchNorm1d's buffers
        running_var = (1 - MOMENTUM) * running_var + MOMENTUM * var
        hand_losses.append(loss)

        loss_t = F.cross_entropy(model(xb), tg.tensor(yb))
        optimizer.zero_grad()
        loss_t.backward()
        optimizer.step()
        autograd_losses.append(loss_t.item())

    # held out, in eval mode: normalise with the running statistics
    h = np.tanh(
        hand["bngain"]
        * (hand["C"][x_val].reshape(len(x_val), -1) @ hand["W1"] + hand["b1"] - running_mean)
        / np.sqrt(running_var + EPS)
        + hand["bnbias"]
    )
    logits = h @ hand["W2"] + hand["b2"]
    shifted = logits - logits.max(1, keepdims=True)
    hand_val = float(-(shifted[np.arange(len(y_val)), y_val] - np.log(np.exp(shifted).sum(1))).mean())
    model.eval()
    with tg.no_grad():
        autograd_val = F.cross_entropy(model(x_val), tg.tensor(y_val)).item()
    return np.array(hand_losses), np.array(autograd_losses), hand_val, autograd_val


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="makemore's backprop exercise: a batchnorm MLP's backward by hand.")
    parser.add_argument("--steps", type=int, default=1000, help="training steps of each copy (default 1000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--print-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = make_data(args.seed)
    x_train, y_train = data[0], data[1]
    params = init_params(np.random.default_rng(args.seed), data[4])
    batch = np.random.default_rng(args.seed + 1).integers(0, len(y_train), args.batch_size)
    xb, yb = x_train[batch], y_train[batch]
    print(f"{len(y_train)} training examples, {data[4]} characters; one batch of {args.batch_size}, float64")

    difference = forward_difference(params, xb, yb)
    print(
        f"\n1. the loss of the step-by-step forward vs nn.BatchNorm1d + F.cross_entropy: |difference| {difference:.1e}"
    )
    print("\n2. max |hand - autograd| of each gradient:")
    for name, difference in gradient_differences(params, xb, yb).items():
        print(f"   d{name:<22s} {difference:.1e}")

    print(f"\n3. training two copies for {args.steps} steps, SGD lr {args.lr}:")
    hand, autograd, hand_val, autograd_val = train_both(
        params, data, args.steps, args.lr, args.batch_size, args.seed + 2
    )
    for step in range(args.print_every, args.steps + 1, args.print_every):
        print(f"   step {step:5d}  by hand {hand[step - 1]:.12f}  autograd {autograd[step - 1]:.12f}")
    print(f"   max |difference| of the {args.steps} losses: {np.abs(hand - autograd).max():.1e}")
    print(f"   held-out loss (eval mode):  by hand {hand_val:.12f}  autograd {autograd_val:.12f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
