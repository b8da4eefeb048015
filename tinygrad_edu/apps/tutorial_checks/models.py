"""The four tutorials' networks rebuilt with tinygrad_edu.nn, and the map between their weights and ours.

A tutorial keeps its weights in NumPy arrays named by its own variables, as (in, out) matrices used as
`X @ W + b` with (1, out) bias rows; tutorial D instead puts a column of ones FIRST in front of each
layer's input, so row 0 of its (1 + in, out) matrix is the bias. A `nn.Linear` computes `x @ W.T + b`
with W of shape (out, in) and b of shape (out,). So:

    tutorial (in, out) matrix      = Linear weight transposed
    tutorial (1, out) bias row     = Linear bias as a row
    tutorial D (1 + in, out)       = Linear bias as row 0, then the Linear weight transposed

The losses are written with tinygrad_edu's own losses, each exactly the loss whose gradient the
tutorial's update follows (see `tinygrad_edu.apps.reference` for the derivations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.apps.reference import Params, Tutorial
from tinygrad_edu.nn import functional as F

__all__ = [
    "TutorialNet", "NetSpec", "SPECS", "AutogradTutorial", "build_autograd_model",
    "mean_bce", "mean_squared_error", "half_summed_squared_error", "half_mean_squared_error",
    "to_state_dict", "to_tutorial_params",
]

LossFn = Callable[[tg.Tensor, tg.Tensor], tg.Tensor]


# ---- the losses: the one each tutorial prints, and the one its update descends -----------------

def mean_bce(output: tg.Tensor, target: tg.Tensor) -> tg.Tensor:
    """Binary cross-entropy averaged over the samples: -(1/n) sum(y log p + (1 - y) log(1 - p))."""
    return F.binary_cross_entropy(output, target)


def mean_squared_error(output: tg.Tensor, target: tg.Tensor) -> tg.Tensor:
    """The mean squared error, (1/n) sum (p - y)^2 (what tutorial B prints)."""
    return F.mse_loss(output, target)


def half_summed_squared_error(output: tg.Tensor, target: tg.Tensor) -> tg.Tensor:
    """Half the summed squared error, 1/2 sum (p - y)^2: its gradient in p is p - y, with no 1/n."""
    return 0.5 * F.mse_loss(output, target, reduction="sum")


def half_mean_squared_error(output: tg.Tensor, target: tg.Tensor) -> tg.Tensor:
    """Half the mean squared error, (1/n) sum 1/2 (p - y)^2: its gradient in p is (p - y) / n."""
    return 0.5 * F.mse_loss(output, target)


# ---- the network ---------------------------------------------------------------------------------

class TutorialNet(nn.Module):
    """in -> hidden (sigmoid) -> out, with a sigmoid output (tutorials A-C) or a linear one (D), in float64.

    Example:
        >>> net = TutorialNet(2, 4, 1)
        >>> net(tg.zeros(3, 2, dtype=tg.float64)).shape
        (3, 1)
        >>> list(net.state_dict())
        ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
    """

    def __init__(self, n_in: int, n_hidden: int, n_out: int = 1, sigmoid_output: bool = True) -> None:
        super().__init__()
        self.hidden = nn.Linear(n_in, n_hidden, dtype=tg.float64)
        self.output = nn.Linear(n_hidden, n_out, dtype=tg.float64)
        self.activation = nn.Sigmoid()
        # Tutorial D's output layer has no activation: its prediction is the raw affine output.
        self.output_activation = nn.Sigmoid() if sigmoid_output else nn.Identity()

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        """The network's output for x: (n_samples, n_out)."""
        return self.output_activation(self.output(self.activation(self.hidden(x))))


# ---- what differs between the tutorials ----------------------------------------------------------

# How a tutorial's array maps onto a Linear layer: 'weight' is an (in, out) matrix (the Linear weight
# transposed), 'bias' a (1, out) row, 'bias_and_weight' D's (1 + in, out) matrix whose row 0 is the bias.
Layout = dict[str, tuple[str, str]]  # tutorial name -> (layer name, part)


@dataclass(frozen=True)
class NetSpec:
    """What tinygrad_edu needs besides the tutorial's own facts (its `Tutorial` record: layer sizes, output
    activation, the losses in words): where its arrays go in a `TutorialNet`, and its losses as functions.

    Example:
        >>> SPECS["B"].loss is half_summed_squared_error
        True
    """

    layout: Layout
    loss: LossFn  # the loss the tutorial's update descends (its Tutorial.descended_loss)
    reported_loss: LossFn  # the loss the tutorial prints (D prints none; we use its descended loss)


SPECS: dict[str, NetSpec] = {
    "A": NetSpec(
        layout={"W1": ("hidden", "weight"), "b1": ("hidden", "bias"),
                "W2": ("output", "weight"), "b2": ("output", "bias")},
        loss=mean_bce, reported_loss=mean_bce,
    ),
    "B": NetSpec(
        layout={"weights_input_hidden": ("hidden", "weight"), "bias_hidden": ("hidden", "bias"),
                "weights_hidden_output": ("output", "weight"), "bias_output": ("output", "bias")},
        loss=half_summed_squared_error, reported_loss=mean_squared_error,
    ),
    "C": NetSpec(
        layout={"weights_input_hidden": ("hidden", "weight"), "weights_hidden_output": ("output", "weight"),
                "bias_hidden": ("hidden", "bias"), "bias_output": ("output", "bias")},
        loss=half_summed_squared_error, reported_loss=mean_bce,
    ),
    "D": NetSpec(
        layout={"hidden_weights": ("hidden", "bias_and_weight"), "output_weights": ("output", "bias_and_weight")},
        loss=half_mean_squared_error, reported_loss=half_mean_squared_error,
    ),
}


def to_state_dict(layout: Layout, params: Params) -> dict[str, np.ndarray]:
    """A tutorial's arrays as the state_dict of a `TutorialNet` (weights transposed, bias rows flattened).

    Example:
        >>> sd = to_state_dict(SPECS["D"].layout, {"hidden_weights": np.arange(12.).reshape(4, 3),
        ...                                        "output_weights": np.arange(4.).reshape(4, 1)})
        >>> sd["hidden.bias"].tolist(), sd["output.weight"].tolist()
        ([0.0, 1.0, 2.0], [[1.0, 2.0, 3.0]])
    """
    state = {}
    for name, (layer, part) in layout.items():
        array = params[name]
        if part == "weight":
            state[f"{layer}.weight"] = array.T  # (in, out) -> (out, in)
        elif part == "bias":
            state[f"{layer}.bias"] = array.reshape(-1)  # (1, out) -> (out,)
        else:  # 'bias_and_weight': row 0 meets the column of ones, rows 1.. meet the inputs
            state[f"{layer}.bias"] = array[0]
            state[f"{layer}.weight"] = array[1:].T
    return state


def to_tutorial_params(layout: Layout, state: dict[str, np.ndarray]) -> Params:
    """The inverse of `to_state_dict`: arrays named and shaped as the tutorial's (also for gradients).

    Example:
        >>> p = to_tutorial_params(SPECS["A"].layout, {"hidden.weight": np.zeros((4, 2)),
        ...     "hidden.bias": np.zeros(4), "output.weight": np.zeros((1, 4)), "output.bias": np.zeros(1)})
        >>> {k: v.shape for k, v in p.items()}
        {'W1': (2, 4), 'b1': (1, 4), 'W2': (4, 1), 'b2': (1, 1)}
    """
    params = {}
    for name, (layer, part) in layout.items():
        if part == "weight":
            params[name] = state[f"{layer}.weight"].T
        elif part == "bias":
            params[name] = state[f"{layer}.bias"][np.newaxis, :]
        else:
            params[name] = np.vstack([state[f"{layer}.bias"][np.newaxis, :], state[f"{layer}.weight"].T])
    return params


# ---- the autograd twin of one tutorial -----------------------------------------------------------

class AutogradTutorial:
    """A tutorial's network as a `TutorialNet`, its data as float64 tensors, and the loss it descends.

    Example:
        >>> from tinygrad_edu.apps.reference import TUTORIALS
        >>> twin = build_autograd_model(TUTORIALS["B"])
        >>> grads = twin.gradients()          # d loss / d params, named and shaped as the tutorial's
        >>> grads["weights_input_hidden"].shape
        (2, 3)
    """

    def __init__(self, tutorial: Tutorial, spec: NetSpec, loss: LossFn | None = None) -> None:
        self.tutorial = tutorial
        self.spec = spec
        self.loss_fn = spec.loss if loss is None else loss
        self.model = TutorialNet(*tutorial.layers, sigmoid_output=tutorial.output_activation == "sigmoid")
        self.X = tg.tensor(tutorial.X, dtype=tg.float64)
        self.y = tg.tensor(tutorial.y, dtype=tg.float64)

    def load(self, params: Params) -> None:
        """Copy a tutorial's parameters (e.g. its `init()`) into the network."""
        self.model.load_state_dict(to_state_dict(self.spec.layout, params))

    def params(self) -> Params:
        """The network's parameters, named and shaped as the tutorial's."""
        return to_tutorial_params(self.spec.layout, self.model.state_dict())

    def forward_loss(self) -> tuple[tg.Tensor, tg.Tensor]:
        """(predictions, descended loss) for the whole data set, with the graph recorded."""
        predictions = self.model(self.X)
        return predictions, self.loss_fn(predictions, self.y)

    def reported_loss(self, predictions: tg.Tensor) -> float:
        """The loss the tutorial prints, of these predictions (no graph is recorded)."""
        with tg.no_grad():
            return float(self.spec.reported_loss(predictions.detach(), self.y).item())

    def predict(self) -> np.ndarray:
        """The network's output for the tutorial's inputs, (n_samples, 1)."""
        with tg.no_grad():
            return self.model(self.X).data.copy()

    def gradients(self) -> Params:
        """Autograd's gradients of the descended loss, named and shaped as the tutorial's."""
        self.model.zero_grad()
        _, loss = self.forward_loss()
        loss.backward()
        grads = {}
        for name, p in self.model.named_parameters():
            assert p.grad is not None, f"{name} has no gradient: every parameter is on the loss's path"
            grads[name] = p.grad.data
        return to_tutorial_params(self.spec.layout, grads)


def build_autograd_model(tutorial: Tutorial, loss: LossFn | None = None) -> AutogradTutorial:
    """The autograd twin of `tutorial`, loaded with the tutorial's own initial weights (`tutorial.init()`).

    `loss` replaces the descended loss (a test uses it to show that a wrong loss fails the checks).

    Example:
        >>> from tinygrad_edu.apps.reference import TUTORIALS
        >>> twin = build_autograd_model(TUTORIALS["A"])
        >>> bool(np.array_equal(twin.params()["W1"], TUTORIALS["A"].init()["W1"]))
        True
    """
    twin = AutogradTutorial(tutorial, SPECS[tutorial.name], loss)
    twin.load(tutorial.init())
    return twin
