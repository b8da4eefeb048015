"""Loss functions as single fused ops: each loss's forward next to the gradient it has with respect to its input.

A loss written as a chain of small ops (log, mul, sub, mean, ...) costs one graph node per op and
one backward call per node; here each loss is one node, and its backward is the textbook derivative.
These ops take arrays and are called by `tinygrad_edu.nn.functional`, which checks shapes and
ranges first. Each loss has this one formula: its inputs are the prediction and, for the losses
with a real-valued target, the target, which gets its gradient from the same backward when it
requires grad (gated by `needs_input_grad`, so a constant target costs nothing). Class indices,
weights and counts are options: they never receive a gradient.

Every op takes `reduction`: 'none' keeps one loss per element, 'sum' adds them, 'mean' divides the
sum by a count (the number of elements, or for the classification losses the summed class weights).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function, as_array

__all__ = [
    "MSELoss",
    "L1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "SoftCrossEntropyLoss",
    "NLLLoss",
]

# PyTorch clamps BCE's logs at -100, so a prediction of exactly 0 or 1 gives a loss of at most 100
# per element instead of infinity.
LOG_CLAMP = -100.0
# ... and keeps BCE's gradient finite there by dividing by at least this instead of x (1 - x).
BCE_GRAD_EPS = 1e-12


def _reduce(loss: np.ndarray, reduction: str, count: float) -> np.ndarray:
    """'none': the losses themselves; 'sum': their sum; 'mean': their sum divided by count.

    A mean over nothing (count 0: every sample ignored) is nan, as in PyTorch, without a warning.
    """
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "mean":
        total = total / count if count else total * np.nan
    # A full sum is a NumPy scalar: made the 0-d array the engine keeps here (as_array leaves a traced array
    # as it is), since Function.apply would also search `saved` for it: 0.5 us less per loss.
    return as_array(total)


# As a decorator, errstate makes no object per call: 0.5 us less than a `with np.errstate(...)` block (1.2 us),
# about 1 us of a 2-4-1 XOR training step in its context.
@np.errstate(divide="ignore", invalid="ignore")
def _clamped_logs(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(x) and log(1 - x), each clamped at -100, without NumPy's warnings.

    log(0) = -inf is expected (the clamp handles it). An x outside [0, 1] gives log(negative) = nan, and
    so a nan loss, which nn.functional.binary_cross_entropy reports as an error.
    """
    return np.maximum(np.log(x), LOG_CLAMP), np.maximum(np.log(1 - x), LOG_CLAMP)


def _grad_scale(grad_out: np.ndarray, reduction: str, count: float) -> np.ndarray:
    """d reduced / d loss_i: 1 for 'sum', 1 / count for 'mean', grad_out itself (per element) for 'none'.

    With count 0 every loss_i was left out of the mean, so each gets gradient 0 (as in PyTorch).
    """
    if reduction == "mean":
        return grad_out / count if count else grad_out * 0
    return grad_out


class MSELoss(Function):
    """The squared error (x - y)^2 of each element, reduced."""

    def forward(self, x, target, reduction: str = "mean"):
        # l_i = (x_i - y_i)^2
        diff = x - target
        self.save(x, target, reduction)
        return _reduce(diff * diff, reduction, diff.size)

    def backward(self, grad_out):
        # d l_i/dx_i = 2 (x_i - y_i), and d l_i/dy_i is its negative (x - y recomputed from the inputs,
        # so that double backward records it)
        x, target, reduction = self.saved
        diff = x - target
        grad_x = (2 * _grad_scale(grad_out, reduction, np.size(diff))) * diff
        return grad_x, -grad_x if self.needs_input_grad[1] else None


class L1Loss(Function):
    """The absolute error |x - y| of each element, reduced."""

    def forward(self, x, target, reduction: str = "mean"):
        # l_i = |x_i - y_i|
        diff = x - target
        self.save(diff, reduction)
        return _reduce(np.abs(diff), reduction, diff.size)

    def constant_saved(self):
        return (self.saved[0],)  # x - y, used only through its sign: a constant in double backward

    def backward(self, grad_out):
        # d l_i/dx_i = sign(x_i - y_i), taken as 0 where x_i = y_i (as PyTorch); d l_i/dy_i is its negative
        diff, reduction = self.saved
        grad_x = _grad_scale(grad_out, reduction, np.size(diff)) * np.sign(diff)
        return grad_x, -grad_x if self.needs_input_grad[1] else None


class BCELoss(Function):
    """Binary cross-entropy of probabilities x against targets y, each log clamped at -100, reduced."""

    def forward(self, x, target, weight: np.ndarray | None = None, reduction: str = "mean"):
        # l_i = -w_i [y_i log(x_i) + (1 - y_i) log(1 - x_i)], each log clamped at -100 (as PyTorch)
        log_x, log_1mx = _clamped_logs(x)
        loss = (target - 1) * log_1mx - target * log_x
        if weight is not None:
            loss = loss * weight
        self.save(x, target, weight, reduction)
        return _reduce(loss, reduction, x.size)

    def backward(self, grad_out):
        # d l_i/dx_i = w_i (x_i - y_i) / (x_i (1 - x_i)); PyTorch divides by at least 1e-12 so the
        # gradient stays finite at x_i = 0 or 1, and we do the same.
        x, target, weight, reduction = self.saved
        scale = _grad_scale(grad_out, reduction, np.size(x))  # (np.size: x may be a Tensor)
        if weight is not None:
            scale = scale * weight
        grad_x = scale * ((x - target) / np.maximum(x * (1 - x), BCE_GRAD_EPS))
        grad_target = None
        if self.needs_input_grad[1]:
            # d l_i/dy_i = w_i (log(1 - x_i) - log(x_i)), with the logs not clamped: PyTorch's formula,
            # so at x_i = 0 or 1 it is +-inf, as there
            with np.errstate(divide="ignore"):
                grad_target = scale * (np.log(1 - x) - np.log(x))
        return grad_x, grad_target


class BCEWithLogitsLoss(Function):
    """Binary cross-entropy of sigmoid(x) against targets y, computed stably from the logits x, reduced."""

    def forward(
        self, x, target, weight: np.ndarray | None = None, pos_weight: np.ndarray | None = None, reduction: str = "mean"
    ):
        # With s = sigmoid(x): l_i = -w_i [p y_i log(s) + (1 - y_i) log(1 - s)], p = pos_weight.
        # Since -log(s) = softplus(-x) and -log(1 - s) = x + softplus(-x), this is
        #   l_i = w_i [(1 - y_i) x + (1 + (p - 1) y_i) softplus(-x)],
        # and softplus(-x) = log(1 + exp(-x)) = max(-x, 0) + log(1 + exp(-|x|)) never overflows.
        # (With p = 1: l_i = max(x, 0) - x y_i + log(1 + exp(-|x|)).)
        e = np.exp(-np.abs(x))  # in (0, 1]: no overflow for any x
        softplus_neg = np.maximum(-x, 0) + np.log1p(e)
        if pos_weight is None:
            loss = (1 - target) * x + softplus_neg
        else:
            loss = (1 - target) * x + (1 + (pos_weight - 1) * target) * softplus_neg
        if weight is not None:
            loss = loss * weight
        self.save(x, target, weight, pos_weight, reduction)
        return _reduce(loss, reduction, x.size)

    def backward(self, grad_out):
        # d l_i/dx_i = w_i [(1 + (p - 1) y_i) s - p y_i]   (= w_i (s - y_i) when p = 1),
        # with s = sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, where e = exp(-|x|)
        # (recomputed from x, so that double backward records it).
        x, target, weight, pos_weight, reduction = self.saved
        # e = exp(-|x|), written as a choice between -x and x: the same values, and a derivative that is
        # right at x = 0 too (that of -|x| is 0 there, which would make the second derivative 0 at x = 0)
        e = np.exp(np.where(x >= 0, -x, x))
        s = np.where(x >= 0, 1, e) / (1 + e)
        if pos_weight is None:
            grad = s - target
        else:
            grad = (1 + (pos_weight - 1) * target) * s - pos_weight * target
        if weight is not None:
            grad = grad * weight
        scale = _grad_scale(grad_out, reduction, np.size(x))  # (np.size: x may be a Tensor)
        grad_target = None
        if self.needs_input_grad[1]:
            # d l_i/dy_i = w_i [(p - 1) softplus(-x) - x]   (= -w_i x when p = 1)
            # (softplus(-x) = max(-x, 0) + log(1 + e), the max written as the choice between its sides, as e)
            softplus_neg = np.where(x >= 0, np.log1p(e), np.log1p(e) - x)
            grad_target = -x if pos_weight is None else (pos_weight - 1) * softplus_neg - x
            if weight is not None:
                grad_target = grad_target * weight
            grad_target = scale * grad_target
        return scale * grad, grad_target


def _log_softmax_rows(x: np.ndarray) -> np.ndarray:
    """log p_ic = x_ic - logsumexp_c(x_i), each row shifted by its max so exp cannot overflow."""
    shifted = x - np.max(x, axis=1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _recorded(fn: Function, x: object) -> bool:
    """True when backward runs recorded (double backward), false for a plain backward.

    The cross-entropy ops keep the log p their forward computed, so that a plain backward does not
    compute the log-softmax a second time: for float32 logits (128, 10) it is ~20 us (the row max alone 8-10),
    a forward + backward of 62 -> 41 us.
    Double backward hands backward the logits x as their Tensor (the op's input itself, see
    autograd._recorded_backward) and must recompute log p from it, so that the second derivative
    records how p depends on x; the saved log p is then not read (hence `constant_saved`).
    """
    return x is fn.inputs[0]


def _per_row(scale: np.ndarray) -> np.ndarray:
    """A gradient scale with one entry per sample as a column, so it multiplies each sample's row."""
    return scale[:, np.newaxis] if np.ndim(scale) == 1 else scale


class CrossEntropyLoss(Function):
    """Softmax and negative log-likelihood in one op, for logits x of shape (M, C) and class indices (M,).

    `sample_weight` (M,) is each sample's class weight w_{y_i} (0 for an ignored sample), or None
    for all ones.
    """

    def forward(self, x, target=None, sample_weight=None, count: float = 1.0, reduction: str = "mean"):
        # l_i = -w_i log p_{i, y_i}, with p = softmax(x_i)
        log_p = _log_softmax_rows(x)
        rows = np.arange(x.shape[0])
        loss = -log_p[rows, target]
        if sample_weight is not None:
            loss *= sample_weight
        self.save(x, log_p, rows, target, sample_weight, count, reduction)
        return _reduce(loss, reduction, count)

    def constant_saved(self):
        return (self.saved[1],)  # log p: read only by a plain backward (see _recorded)

    def backward(self, grad_out):
        # d l_i/dx_ic = w_i (p_ic - [c == y_i])
        x, log_p, rows, target, sample_weight, count, reduction = self.saved
        if _recorded(self, x):
            # (a copy of p: in double backward p is Exp's output, which its backward reads, so not changed in place)
            grad = np.copy(np.exp(_log_softmax_rows(x)))
        else:
            grad = np.exp(log_p)  # a new array: ours to change
        grad[rows, target] -= 1
        scale = _grad_scale(grad_out, reduction, count)  # a number, or one per sample for 'none'
        if sample_weight is not None:
            scale = scale * sample_weight
        return grad * _per_row(scale)


class SoftCrossEntropyLoss(Function):
    """Cross-entropy of logits x (M, C) against a target distribution per sample.

    The target arrives as `coefficients` a of shape (M, C), built by `nn.functional.cross_entropy`:
    a row is the class weights times the target distribution, w_c q_ic (class probabilities, or
    class indices mixed with the uniform distribution by label smoothing), all zeros for an ignored
    sample. It is an input: probabilities that require grad reach it through that affine map.
    """

    def forward(self, x, coefficients, count: float = 1.0, reduction: str = "mean"):
        # l_i = -sum_c a_ic log p_ic, with p = softmax(x_i)
        log_p = _log_softmax_rows(x)
        loss = -np.sum(coefficients * log_p, axis=1)
        self.save(x, log_p, coefficients, count, reduction)
        return _reduce(loss, reduction, count)

    def constant_saved(self):
        return (self.saved[1],)  # log p: read only by a plain backward (see _recorded)

    def backward(self, grad_out):
        # d l_i/dx_ic = p_ic sum_k a_ik - a_ic   (= p_ic - [c == y_i] for a one-hot row)
        x, log_p, a, count, reduction = self.saved
        if _recorded(self, x):
            log_p = _log_softmax_rows(x)
        grad = np.exp(log_p) * np.sum(a, axis=1, keepdims=True) - a
        scale = _per_row(_grad_scale(grad_out, reduction, count))
        # d l_i/da_ic = -log p_ic
        return grad * scale, -log_p * scale if self.needs_input_grad[1] else None


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x of shape (M, C) at class indices `target` (M,).

    `sample_weight` (M,) is the class weight of each sample's target, 0 for ignored samples.
    """

    def forward(self, x, target=None, sample_weight=None, count: float = 1.0, reduction: str = "mean"):
        # l_i = -w_i x_{i, y_i}; an ignored sample (w_i = 0) has loss 0 even where x is -inf
        rows = np.arange(x.shape[0])
        picked = np.where(sample_weight != 0, x[rows, target], 0)
        loss = -sample_weight * picked
        self.save(x.shape, rows, target, sample_weight, count, reduction)
        return _reduce(loss, reduction, count)

    def backward(self, grad_out):
        # d l_i/dx_ic = -w_i [c == y_i]
        shape, rows, target, sample_weight, count, reduction = self.saved
        grad = np.zeros_like(grad_out, shape=shape, dtype=np.result_type(grad_out.dtype, sample_weight), order="C")
        grad[rows, target] = -sample_weight * _grad_scale(grad_out, reduction, count)
        return grad
