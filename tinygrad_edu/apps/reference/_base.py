"""Pieces shared by the four tutorial references: the sigmoid, the XOR data and the `Tutorial` record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

# Every reference keeps its parameters in a dict keyed by the tutorial's own variable names.
Params = dict[str, np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-x), written as all four tutorials write it.

    Its derivative is s * (1 - s) with s = sigmoid(x); the tutorials' `sigmoid_derivative(s)` expects s,
    the sigmoid's output, not x.

    >>> float(sigmoid(np.array(0.0)))
    0.5
    """
    return 1 / (1 + np.exp(-x))


def frozen(values: list) -> np.ndarray:
    """A read-only float64 array, so that shared data cannot be changed by accident.

    >>> frozen([[0, 1]]).flags.writeable
    False
    """
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


# XOR, as tutorials A, B and C write it (they use integer arrays; the values are the same in float64).
XOR_X = frozen([[0, 0], [0, 1], [1, 0], [1, 1]])  # (4, 2): one sample per row
XOR_Y = frozen([[0], [1], [1], [0]])  # (4, 1): one target per row


@dataclass(frozen=True, eq=False)
class Tutorial:
    """One tutorial: its data, network, schedule, and the two losses (the one it prints, the one it descends).

    All callables take and return parameter dicts keyed by the tutorial's own names (see `param_doc`).
    `gradients` is normalised to descent, whatever sign the tutorial's code uses: one tutorial step is
    exactly `{k: params[k] - lr * gradients(params, X, y)[k]}`, and `gradients` is the gradient of `loss`
    (the loss the update really descends), which may differ from `reported_loss` (the one the text prints).

    >>> from tinygrad_edu.apps.reference import TUTORIALS
    >>> t = TUTORIALS["A"]
    >>> params = t.init()
    >>> t.predict(params).shape
    (4, 1)
    """

    name: str  # 'A', 'B', 'C' or 'D'
    title: str  # the tutorial's headline
    layers: tuple[int, int, int]  # inputs, hidden sigmoid units, outputs
    output_activation: str  # 'sigmoid' or 'linear'
    X: np.ndarray  # (n_samples, n_features) float64, read-only
    y: np.ndarray  # (n_samples, 1) float64, read-only
    claimed_loss: str  # the loss the text names and prints
    descended_loss: str  # the loss L whose gradient the update follows: params - lr * dL/dparams
    claimed_label: str  # claimed_loss in a few words, e.g. 'BCE (mean)', for the check table
    descended_label: str  # descended_loss in a few words, e.g. '1/2 SSE (sum)'
    lr: float  # the effective learning rate on `descended_loss`
    epochs: int  # the tutorial's number of full-batch updates
    seed: int  # the default seed of `init` and `train`
    seed_is_tutorials: bool  # False where the tutorial sets no seed and the default is ours
    param_shapes: dict[str, tuple[int, ...]]  # name -> shape, in the tutorial's order of draws
    param_doc: dict[str, str]  # name -> what it is and how it is oriented
    init: Callable[..., Params]  # init(seed=seed) -> params
    # forward(params, X) -> (predictions of shape (n_samples, 1), cache of intermediate arrays)
    forward: Callable[[Params, np.ndarray], tuple[np.ndarray, dict[str, np.ndarray]]]
    gradients: Callable[[Params, np.ndarray, np.ndarray], Params]  # gradients of `loss`, same keys as params
    step: Callable[..., Params]  # step(params, X, y) -> new params, the tutorial's update
    loss: Callable[[Params, np.ndarray, np.ndarray], float]  # the descended loss
    reported_loss: Callable[[Params, np.ndarray, np.ndarray], float]  # the loss the text prints
    train: Callable[..., tuple[np.ndarray, np.ndarray]]  # train(epochs=, seed=) -> (losses, predictions)
    published_predictions: np.ndarray | None  # transcribed from the text, or None if it prints none
    reproduced_predictions: np.ndarray  # what train() gives from the default seed (rounded to 6 decimals)
    predictions_before_last_update: bool  # the printed predictions are from the forward pass before it
    published_verdict: str  # whether the published figures are what the tutorial's own code produces
    discrepancies: tuple[str, ...]  # places where the text and its formulas disagree

    @classmethod
    def from_module(cls, name: str, module: ModuleType) -> Tutorial:
        """The record of one tutorial module: every tutorial_x.py defines the same constants and functions."""
        return cls(
            name=name, title=module.TITLE, layers=module.LAYERS, output_activation=module.OUTPUT_ACTIVATION,
            X=module.X, y=module.Y, claimed_loss=module.CLAIMED_LOSS, descended_loss=module.DESCENDED_LOSS,
            claimed_label=module.CLAIMED_LABEL, descended_label=module.DESCENDED_LABEL, lr=module.LR,
            epochs=module.EPOCHS, seed=module.SEED, seed_is_tutorials=module.SEED_IS_TUTORIALS,
            param_shapes=module.PARAM_SHAPES, param_doc=module.PARAM_DOC, init=module.init,
            forward=module.forward, gradients=module.gradients, step=module.step,
            loss=module.descended_loss, reported_loss=module.reported_loss, train=module.train,
            published_predictions=module.PUBLISHED_PREDICTIONS,
            reproduced_predictions=module.REPRODUCED_PREDICTIONS,
            predictions_before_last_update=module.PREDICTIONS_BEFORE_LAST_UPDATE,
            published_verdict=module.PUBLISHED_VERDICT, discrepancies=module.DISCREPANCIES,
        )

    @property
    def network(self) -> str:
        """Layer sizes and activations in a few words, e.g. '2-4-1 sigmoid/sigmoid'.

        >>> from tinygrad_edu.apps.reference import TUTORIALS
        >>> TUTORIALS["D"].network
        '3-3-1 sigmoid/linear'
        """
        return f"{'-'.join(map(str, self.layers))} sigmoid/{self.output_activation}"

    def predict(self, params: Params, X: np.ndarray | None = None) -> np.ndarray:
        """The network's output for X (the tutorial's data by default), shape (n_samples, 1).

        >>> from tinygrad_edu.apps.reference import TUTORIALS
        >>> TUTORIALS["D"].predict(TUTORIALS["D"].init()).shape
        (6, 1)
        """
        predictions, _ = self.forward(params, self.X if X is None else X)
        return predictions
