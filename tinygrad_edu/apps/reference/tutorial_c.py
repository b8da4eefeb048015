"""Reference for tutorial C: a 2-2-1 sigmoid XOR net; prints cross-entropy, descends 1/2 summed sq. error."""

from __future__ import annotations

import numpy as np

from ._base import XOR_X, XOR_Y, Params, frozen, sigmoid

TITLE = "How to Implement a Basic Neural Network from Scratch Using Python"
LAYERS = (2, 2, 1)  # inputs, hidden sigmoid units, outputs
OUTPUT_ACTIVATION = "sigmoid"

X = XOR_X  # (4, 2)
Y = XOR_Y  # (4, 1)

# The tutorial sets no seed, so its runs are not reproducible; 1 is our choice. (Seed 0 stalls: after
# 10000 epochs it predicts about [0.04, 0.50, 0.95, 0.50]; a 2-2-1 net does not always learn XOR.)
SEED = 1
SEED_IS_TUTORIALS = False
LR = 0.1  # nn.train(X, y, epochs=10000, learning_rate=0.1)
EPOCHS = 10_000

PARAM_SHAPES = {
    "weights_input_hidden": (2, 2),
    "weights_hidden_output": (2, 1),
    "bias_hidden": (1, 2),
    "bias_output": (1, 1),
}
PARAM_DOC = {
    "weights_input_hidden": "(2, 2) input -> hidden, (in, out): X @ W + bias_hidden; standard normal",
    "weights_hidden_output": "(2, 1) hidden -> output, (in, out); standard normal",
    "bias_hidden": "(1, 2) hidden bias, a row broadcast over the samples; zeros",
    "bias_output": "(1, 1) output bias; zeros",
}

# The loss the text names ("a binary cross-entropy loss function for training") and prints every 100 epochs.
CLAIMED_LOSS = "binary cross-entropy, mean over the 4 samples: -(1/4) sum(y log out + (1 - y) log(1 - out))"
# output_delta = (out - y) * out (1 - out) is d/d output_input of 1/2 sum (out - y)^2; the cross-entropy's
# would be (out - y) / 4. No mean is taken, and the update subtracts 0.1 times the gradient.
DESCENDED_LOSS = "half the summed squared error, 1/2 sum((out - y)^2), not averaged, lr 0.1"
# The two in a few words, for the table of `tinygrad-edu check`.
CLAIMED_LABEL, DESCENDED_LABEL = "BCE (mean)", "1/2 SSE (sum)"
PREDICTIONS_BEFORE_LAST_UPDATE = False  # (tutorial D's are)

PUBLISHED_PREDICTIONS = None  # the text prints "Predictions:" but shows no numbers
# train() from our seed 1, rounded to 6 decimals.
REPRODUCED_PREDICTIONS = frozen([[0.046984], [0.945080], [0.943700], [0.073840]])
PUBLISHED_VERDICT = "Nothing to compare: the tutorial shows no output, and sets no seed."
DISCREPANCIES = (
    "It says it trains on binary cross-entropy and prints it, but output_delta = (out - y) * out * (1 - out) "
    "is the gradient of half the summed squared error; the cross-entropy's would be (out - y) / 4.",
    "It says the sigmoid is used 'for the hidden layer'; the output layer is a sigmoid too.",
    "No random seed is set, so no run can be reproduced; and some seeds stall (seed 0 ends near "
    "[0.04, 0.50, 0.95, 0.50]).",
    "The loss is computed after the update but from self.output of the forward pass before it, so the "
    "printed loss is that of the pre-update parameters.",
    "The code's indentation is lost in the text, and the class is given in pieces "
    "('# ... (same __init__ method)').",
)


def init(seed: int = SEED) -> Params:
    """Initial parameters as SimpleNeuralNetwork(2, 2, 1).__init__ draws them, from np.random.seed(seed).

    Draws, in order: weights_input_hidden = randn(2, 2), then weights_hidden_output = randn(2, 1);
    the biases are zeros. The tutorial seeds nothing; the default seed is ours.

    >>> init()["weights_input_hidden"].shape
    (2, 2)
    """
    rng = np.random.RandomState(seed)
    weights_input_hidden = rng.randn(2, 2)
    weights_hidden_output = rng.randn(2, 1)
    bias_hidden = np.zeros((1, 2))
    bias_output = np.zeros((1, 1))
    return {
        "weights_input_hidden": weights_input_hidden,
        "weights_hidden_output": weights_hidden_output,
        "bias_hidden": bias_hidden,
        "bias_output": bias_output,
    }


def forward(params: Params, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The tutorial's forward: returns (output, cache) with output of shape (n, 1).

    >>> forward(init(), X)[0].shape
    (4, 1)
    """
    hidden_input = X @ params["weights_input_hidden"] + params["bias_hidden"]  # (n, 2)
    hidden_output = sigmoid(hidden_input)
    output_input = hidden_output @ params["weights_hidden_output"] + params["bias_output"]  # (n, 1)
    output = sigmoid(output_input)
    return output, {"hidden_output": hidden_output, "output": output}


def reported_loss(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """The tutorial's binary_cross_entropy: the mean over the samples.

    >>> reported_loss(init(), X, Y) > 0
    True
    """
    output, _ = forward(params, X)
    return float(-np.mean(y * np.log(output) + (1 - y) * np.log(1 - output)))


def descended_loss(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """The loss the update really descends (with lr 0.1): half the summed squared error, 1/2 sum (out - y)^2.

    >>> descended_loss(init(), X, Y) > 0
    True
    """
    output, _ = forward(params, X)
    return float(0.5 * np.sum((output - y) ** 2))


def backward(params: Params, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]) -> Params:
    """The tutorial's backward, before scaling by the learning rate: gradients of 1/2 SSE, to be subtracted.

    >>> params = init()
    >>> backward(params, X, Y, forward(params, X)[1])["bias_hidden"].shape
    (1, 2)
    """
    hidden_output, output = cache["hidden_output"], cache["output"]
    output_error = output - y  # d(1/2 SSE)/d output
    output_delta = output_error * output * (1 - output)  # d(1/2 SSE)/d output_input: no 1/m, no cancellation
    hidden_error = output_delta @ params["weights_hidden_output"].T  # computed before any update
    hidden_delta = hidden_error * hidden_output * (1 - hidden_output)
    return {
        "weights_input_hidden": X.T @ hidden_delta,
        "weights_hidden_output": hidden_output.T @ output_delta,
        "bias_hidden": np.sum(hidden_delta, axis=0, keepdims=True),
        "bias_output": np.sum(output_delta, axis=0, keepdims=True),
    }


def gradients(params: Params, X: np.ndarray, y: np.ndarray) -> Params:
    """Gradients of `descended_loss`; the tutorial's own backward already has the descent sign.

    >>> sorted(gradients(init(), X, Y)) == sorted(PARAM_SHAPES)
    True
    """
    _, cache = forward(params, X)
    return backward(params, X, y, cache)


def step(params: Params, X: np.ndarray, y: np.ndarray, lr: float = LR) -> Params:
    """One tutorial update: param -= gradient * learning_rate. Returns new arrays; `params` is unchanged.

    >>> step(init(), X, Y)["bias_output"].shape
    (1, 1)
    """
    grads = gradients(params, X, y)
    return {name: params[name] - grads[name] * lr for name in params}


def train(epochs: int = EPOCHS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's nn.train then nn.forward(X): returns (cross-entropy per epoch, final predictions).

    losses[i] is the cross-entropy printed at epoch i; it is that of the parameters before the epoch's update
    (the tutorial computes it after the update, but from the output of the forward pass before it).

    >>> losses, predictions = train(epochs=10)
    >>> losses.shape, predictions.shape
    ((10,), (4, 1))
    """
    params = init(seed)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        losses[epoch] = reported_loss(params, X, Y)
        params = step(params, X, Y)
    predictions, _ = forward(params, X)
    return losses, predictions
