"""The four tutorials side by side: each one's hand-derived NumPy training beside the same network on autograd.

Tutorials A-D (see tinygrad_edu/apps/reference) each train a small sigmoid network with backpropagation derived
on paper. Here every tutorial runs twice from the same initial weights:

- left, the tutorial itself: its NumPy forward pass, its hand-written gradients, its update;
- right, the network written with tinygrad_edu.nn, the loss written with tensor ops, `loss.backward()`
  for the gradients and `optim.SGD` at the tutorial's learning rate for the update.

The two print the loss before each block of epochs, and the largest difference at the end. The
differences are rounding (about 1e-16): autograd computes exactly what the tutorials derived by hand.

One subtlety the references uncovered: a tutorial's update does not always descend the loss its text
prints. B prints the mean squared error but its update follows half the *summed* squared error; C prints
the cross-entropy but also follows half the summed squared error. To follow the same path, the autograd
side must descend the loss the update really descends, so that is the loss we write and print below.

Run:  python examples/tutorials.py            (each tutorial's own number of epochs, a few seconds)
      python examples/tutorials.py --epochs 200 --only B
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # so a fresh clone runs it without installing

import numpy as np  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402
from tinygrad_edu.apps.reference import TUTORIALS, Params, Tutorial  # noqa: E402
from tinygrad_edu.apps.tutorial_checks import SPECS, to_state_dict, to_tutorial_params  # noqa: E402

# The differences we accept: float64 rounding, accumulated over thousands of steps.
TOLERANCE = 1e-9


# ---- the losses the tutorials' updates descend, written with tensor ops ------------------------------

def mean_bce(p: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """-(1/n) sum(y log p + (1 - y) log(1 - p)): tutorial A prints it and descends it."""
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()


def half_summed_squared_error(p: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """1/2 sum (p - y)^2: its gradient in p is p - y, the `error` tutorials B and C backpropagate."""
    return 0.5 * ((p - y) ** 2).sum()


def half_mean_squared_error(p: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """(1/n) sum 1/2 (p - y)^2: its gradient in p is (p - y) / n, tutorial D's output delta."""
    return 0.5 * ((p - y) ** 2).mean()


# name -> the loss the tutorial's update descends (its sizes and output activation are in its Tutorial record)
LOSSES: dict[str, Callable[[tg.Tensor, tg.Tensor], tg.Tensor]] = {
    "A": mean_bce,
    "B": half_summed_squared_error,
    "C": half_summed_squared_error,
    "D": half_mean_squared_error,
}

# nn.Sequential names its layers 0, 1, 2, ...; the weight map below names them hidden and output.
LAYER_NAMES = {"hidden": "0", "output": "2"}


def build_model(tutorial: Tutorial) -> nn.Module:
    """The tutorial's network with nn, in float64 (as the NumPy references compute), loaded with its init()."""
    n_in, hidden, n_out = tutorial.layers
    model = nn.Sequential(
        nn.Linear(n_in, hidden, dtype=tg.float64),
        nn.Sigmoid(),
        nn.Linear(hidden, n_out, dtype=tg.float64),
        nn.Sigmoid() if tutorial.output_activation == "sigmoid" else nn.Identity(),  # D's is linear
    )
    # A tutorial stores (in, out) matrices used as X @ W + b; a Linear stores (out, in) and computes
    # X @ W.T + b. to_state_dict transposes (and splits tutorial D's bias row off its matrices).
    state = to_state_dict(SPECS[tutorial.name].layout, tutorial.init())
    model.load_state_dict({_sequential_key(key): value for key, value in state.items()})
    return model


def _sequential_key(key: str) -> str:
    layer, part = key.split(".")  # 'hidden.weight' -> '0.weight'
    return f"{LAYER_NAMES[layer]}.{part}"


def model_as_tutorial_params(tutorial: Tutorial, model: nn.Module) -> Params:
    """The model's weights, named and shaped as the tutorial's, to compare with its arrays."""
    state = {key: np.asarray(value) for key, value in model.state_dict().items()}
    renamed = {f"{layer}.{part}": state[f"{index}.{part}"]
               for layer, index in LAYER_NAMES.items() for part in ("weight", "bias")}
    return to_tutorial_params(SPECS[tutorial.name].layout, renamed)


def side_by_side(tutorial: Tutorial, epochs: int, blocks: int = 5) -> tuple[float, float]:
    """Train the tutorial and its autograd twin in lockstep; print the losses; return the largest differences.

    Returns (max |loss difference| over every epoch, max |weight difference| at the end).
    """
    loss_fn = LOSSES[tutorial.name]
    print(f"\nTutorial {tutorial.name}: {tutorial.title}")
    print(f"  network {tutorial.network}; lr {tutorial.lr}, {epochs} epochs")
    print(f"  loss it prints:    {tutorial.claimed_loss}")
    print(f"  loss it descends:  {tutorial.descended_loss}")

    # Left: the tutorial's own arrays. Right: the nn model, loaded with the same initial weights.
    params = tutorial.init()
    model = build_model(tutorial)
    optimizer = optim.SGD(model.parameters(), lr=tutorial.lr)
    X = tg.tensor(tutorial.X, dtype=tg.float64)
    y = tg.tensor(tutorial.y, dtype=tg.float64)

    print(f"\n  {'epoch':>6}  {'NumPy by hand':>16}  {'tinygrad_edu':>16}  {'|difference|':>12}")
    worst_loss = 0.0
    every = max(epochs // blocks, 1)
    for epoch in range(epochs):
        # The tutorial: its loss at the current weights, then its hand-derived update.
        numpy_loss = tutorial.loss(params, tutorial.X, tutorial.y)
        params = tutorial.step(params, tutorial.X, tutorial.y)

        # The same step with autograd.
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()

        difference = abs(numpy_loss - loss.item())
        worst_loss = max(worst_loss, difference)
        if epoch % every == 0 or epoch == epochs - 1:
            print(f"  {epoch:>6}  {numpy_loss:>16.12f}  {loss.item():>16.12f}  {difference:>12.1e}")

    ours = model_as_tutorial_params(tutorial, model)
    worst_weight = max(float(np.max(np.abs(ours[name] - params[name]))) for name in params)
    print(f"  largest difference: loss {worst_loss:.1e} (over all {epochs} epochs), "
          f"weights {worst_weight:.1e} (after training)")
    return worst_loss, worst_weight


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tutorials A-D: hand-derived NumPy beside tinygrad_edu autograd.")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs per tutorial (default: each tutorial's own, 1000 to 10000)")
    parser.add_argument("--only", choices=sorted(TUTORIALS), action="append",
                        help="run only this tutorial (may be repeated)")
    args = parser.parse_args(argv)

    worst = 0.0
    for name in args.only or list(TUTORIALS):
        tutorial = TUTORIALS[name]
        worst = max(worst, *side_by_side(tutorial, args.epochs or tutorial.epochs))

    verdict = "the same computation" if worst <= TOLERANCE else f"MORE than the {TOLERANCE:.0e} rounding allows"
    print(f"\nlargest difference over every tutorial: {worst:.1e}: {verdict}")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
