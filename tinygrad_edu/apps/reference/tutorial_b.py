"""Reference for tutorial B: a 2-3-1 sigmoid net on XOR; prints MSE, descends 1/2 the summed squared error."""

from __future__ import annotations

import numpy as np

from ._base import XOR_X, XOR_Y, Params, frozen, sigmoid

TITLE = "Step-by-Step Guide to Building Neural Networks in Python"
LAYERS = (2, 3, 1)  # inputs, hidden sigmoid units, outputs
OUTPUT_ACTIVATION = "sigmoid"

X = XOR_X  # (4, 2), the tutorial's `inputs`
Y = XOR_Y  # (4, 1), the tutorial's `actual`

SEED = 0  # the tutorial's np.random.seed(0)
SEED_IS_TUTORIALS = True
LR = 1.0  # the update adds the raw increments: no learning rate appears, so it is 1
EPOCHS = 1_000  # train_network(inputs, actual, epochs=1000)

PARAM_SHAPES = {
    "weights_input_hidden": (2, 3),
    "bias_hidden": (1, 3),
    "weights_hidden_output": (3, 1),
    "bias_output": (1, 1),
}
PARAM_DOC = {
    "weights_input_hidden": "(2, 3) input -> hidden, (in, out): X @ W + bias_hidden; uniform [0, 1)",
    "bias_hidden": "(1, 3) hidden bias, a row broadcast over the samples; uniform [0, 1)",
    "weights_hidden_output": "(3, 1) hidden -> output, (in, out); uniform [0, 1)",
    "bias_output": "(1, 1) output bias; uniform [0, 1)",
}

# The loss the text names and prints ("Mean Squared Error (MSE)", mse_loss, printed every 100 epochs).
CLAIMED_LOSS = "mean squared error, mean over the 4 samples: (1/4) sum((y - out)^2)"
# The update adds h.T @ ((y - out) * out (1 - out)): that is minus the gradient of L = 1/2 sum (out - y)^2,
# with no mean and no learning rate. Since 1/2 SSE = 2 * MSE for 4 samples, it is also lr 2 on the
# printed MSE.
DESCENDED_LOSS = (
    "half the summed squared error, 1/2 sum((out - y)^2), not averaged, lr 1 "
    "(equivalently lr 2 on the printed MSE, since 1/2 SSE = 2 MSE over 4 samples)"
)
# The two in a few words, for the table of `tinygrad-edu check`.
CLAIMED_LABEL, DESCENDED_LABEL = "MSE (mean)", "1/2 SSE (sum)"
PREDICTIONS_BEFORE_LAST_UPDATE = False  # (tutorial D's are)

PUBLISHED_PREDICTIONS = None  # the text prints "Predictions after training:" but shows no numbers
# train() from seed 0, rounded to 6 decimals; checked against a literal run of the tutorial's script.
REPRODUCED_PREDICTIONS = frozen([[0.056794], [0.944316], [0.944896], [0.060286]])
PUBLISHED_VERDICT = "Nothing to compare: the tutorial shows neither its losses nor its predictions."
DISCREPANCIES = (
    "It reports the mean squared error, but the update follows half the summed squared error with lr 1, "
    "i.e. lr 2 on the reported MSE.",
    "`error_output = actual - final_output` and `gradient_output` are minus the gradient; the update adds "
    "them (`weights += ...`), which is descent on the squared error.",
    "The code blocks never `import numpy as np`.",
    "Step 8 says it tests 'with new data to see how well it generalizes', but it tests on the training "
    "inputs.",
    "`sigmoid_derivative(x)` returns x * (1 - x): it expects the sigmoid's output, not its input.",
)


def init(seed: int = SEED) -> Params:
    """Initial parameters exactly as the tutorial draws them after np.random.seed(seed).

    Draws, in order, with np.random.rand (uniform on [0, 1)): weights_input_hidden (2, 3), bias_hidden
    (1, 3), weights_hidden_output (3, 1), bias_output (1, 1). A private RandomState(seed) gives the same
    numbers as the seeded global generator, without touching it.

    >>> init()["bias_hidden"].shape
    (1, 3)
    """
    rng = np.random.RandomState(seed)
    weights_input_hidden = rng.rand(2, 3)
    bias_hidden = rng.rand(1, 3)
    weights_hidden_output = rng.rand(3, 1)
    bias_output = rng.rand(1, 1)
    return {
        "weights_input_hidden": weights_input_hidden,
        "bias_hidden": bias_hidden,
        "weights_hidden_output": weights_hidden_output,
        "bias_output": bias_output,
    }


def forward(params: Params, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The tutorial's forward_propagation: returns (final_output, cache) with final_output of shape (n, 1).

    >>> forward(init(), X)[0].shape
    (4, 1)
    """
    hidden_input = X @ params["weights_input_hidden"] + params["bias_hidden"]  # (n, 3)
    hidden_output = sigmoid(hidden_input)
    final_input = hidden_output @ params["weights_hidden_output"] + params["bias_output"]  # (n, 1)
    final_output = sigmoid(final_input)
    return final_output, {"hidden_output": hidden_output, "final_output": final_output}


def reported_loss(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """The tutorial's mse_loss: the mean over the samples of (y - out)^2.

    >>> round(reported_loss(init(), X, Y), 6)
    0.385939
    """
    final_output, _ = forward(params, X)
    return float(np.mean((y - final_output) ** 2))


def descended_loss(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """The loss the update really descends (with lr 1): half the summed squared error, 1/2 sum (out - y)^2.

    >>> round(descended_loss(init(), X, Y) / reported_loss(init(), X, Y), 12)  # 1/2 SSE = 2 MSE
    2.0
    """
    final_output, _ = forward(params, X)
    return float(0.5 * np.sum((final_output - y) ** 2))


def backward(params: Params, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]) -> Params:
    """The tutorial's backpropagation: the increments it ADDS to each parameter.

    They are minus the gradients of half the summed squared error: target minus output, not output minus
    target.

    >>> params = init()
    >>> backward(params, X, Y, forward(params, X)[1])["bias_output"].shape
    (1, 1)
    """
    hidden_output, final_output = cache["hidden_output"], cache["final_output"]
    error_output = y - final_output  # = -d(1/2 SSE)/d out
    gradient_output = error_output * final_output * (1 - final_output)  # = -d(1/2 SSE)/d final_input
    error_hidden = gradient_output @ params["weights_hidden_output"].T  # computed before any update
    gradient_hidden = error_hidden * hidden_output * (1 - hidden_output)  # = -d(1/2 SSE)/d hidden_input
    return {
        "weights_input_hidden": X.T @ gradient_hidden,
        "bias_hidden": np.sum(gradient_hidden, axis=0, keepdims=True),
        "weights_hidden_output": hidden_output.T @ gradient_output,
        "bias_output": np.sum(gradient_output, axis=0, keepdims=True),
    }


def gradients(params: Params, X: np.ndarray, y: np.ndarray) -> Params:
    """Gradients of `descended_loss`: the tutorial's increments with their sign flipped.

    >>> sorted(gradients(init(), X, Y)) == sorted(PARAM_SHAPES)
    True
    """
    _, cache = forward(params, X)
    increments = backward(params, X, y, cache)
    return {name: -increment for name, increment in increments.items()}


def step(params: Params, X: np.ndarray, y: np.ndarray, lr: float = LR) -> Params:
    """One call of the tutorial's backpropagation: param += increment (lr 1). `params` is unchanged.

    >>> step(init(), X, Y)["bias_output"].shape
    (1, 1)
    """
    _, cache = forward(params, X)
    increments = backward(params, X, y, cache)
    return {name: params[name] + lr * increments[name] for name in params}  # 1.0 * x == x exactly


def train(epochs: int = EPOCHS, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's train_network then test_network: returns (MSE per epoch, predictions after training).

    losses[i] is the MSE the tutorial prints at epoch i (before that epoch's update).

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
