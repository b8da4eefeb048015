"""nn.init: fill a tensor's data in place with PyTorch's initialisations, or exactly as the tutorials draw them.

Every function overwrites `tensor.data` (keeping its shape and dtype, outside the graph) and returns
the tensor. Random draws come from `tg.default_generator()` (seeded by `tg.manual_seed`) unless a
`generator=` is given: a `np.random.Generator`, or a legacy `np.random.RandomState`.

Fans are computed as in PyTorch for a weight of shape (out, in, *kernel):
fan_in = in * prod(kernel), fan_out = out * prod(kernel).

The tutorials this project checks against draw their weights with NumPy's legacy global stream
(`np.random.seed(k)` then `np.random.randn(n_in, n_out)` ...) in the (in, out) layout; `tutorial_`
draws the same numbers into a Linear's (out, in) weight, and `from_numpy_` copies a given array in.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from tinygrad_edu.creation import default_generator
from tinygrad_edu.errors import ShapeError
from tinygrad_edu.ops.special_numerics import erfinv
from tinygrad_edu.tensor import Tensor

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "zeros_",
    "ones_",
    "constant_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "eye_",
    "dirac_",
    "trunc_normal_",
    "orthogonal_",
    "tutorial_",
    "from_numpy_",
]

Generator = np.random.Generator | np.random.RandomState | None
InitFunction = TypeVar("InitFunction", bound=Callable[..., Any])


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write values into tensor.data in place (cast to its dtype) and return the tensor."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init: expected a Tensor, got {type(tensor).__name__}")
    if tensor.data.flags.writeable:
        tensor.data[...] = values
        tensor._bump_version()  # an in-place change, as PyTorch's init functions: saved graphs refuse backward
    else:  # e.g. a tensor made with from_numpy on a read-only array: give it its own data
        tensor.data = np.broadcast_to(np.asarray(values, dtype=tensor.data.dtype), tensor.data.shape).copy()
    return tensor


def _accepts_data(init: InitFunction) -> InitFunction:
    """Let an init function take `p.data` too. Here `.data` is the parameter's ndarray: it is filled in place through
    a tensor sharing its memory, so `nn.init.normal_(m.weight.data, 0.0, 0.02)` (PyTorch's DCGAN tutorial) fills
    the parameter, as in PyTorch."""

    @functools.wraps(init)
    def wrapper(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(tensor, np.ndarray):
            tensor = Tensor._from_op(tensor, None)
        return init(tensor, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _generator(generator: Generator) -> Any:
    """The generator given, or the library's (`tg.default_generator()`) when none is."""
    return default_generator() if generator is None else generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`.

    linear, conv and sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu with slope a (0.01 if not
    given): sqrt(2 / (1 + a^2)); selu: 3/4.

    Example:
        >>> nn.init.calculate_gain("relu")
        1.4142135623730951
    """
    if nonlinearity in (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    ):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    shape = tensor.data.shape
    if len(shape) < 2:
        raise ValueError(
            f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape {shape})"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


@_accepts_data
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator = None) -> Tensor:
    """Fill with samples from the uniform distribution on [a, b).

    Example:
        >>> w = nn.init.uniform_(tg.empty(3, 5), -0.1, 0.1)
    """
    return _fill(tensor, _generator(generator).uniform(a, b, tensor.data.shape))


@_accepts_data
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator = None) -> Tensor:
    """Fill with samples from the normal distribution N(mean, std^2).

    Example:
        >>> w = nn.init.normal_(tg.empty(3, 5), std=0.02)
    """
    return _fill(tensor, _generator(generator).normal(mean, std, tensor.data.shape))


@_accepts_data
def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value `val`.

    Example:
        >>> b = nn.init.constant_(tg.empty(4), 0.1)
    """
    return _fill(tensor, val)


@_accepts_data
def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return _fill(tensor, 0)


@_accepts_data
def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return _fill(tensor, 1)


@_accepts_data
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Example:
        >>> w = nn.init.xavier_uniform_(tg.empty(4, 2))   # a = sqrt(6 / 6) = 1
    """
    fan_in, fan_out = _fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # a uniform on [-a, a] has standard deviation a / sqrt(3)
    return uniform_(tensor, -bound, bound, generator)


@_accepts_data
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    """He's standard deviation gain / sqrt(fan), with fan = fan_in or fan_out as `mode` says."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:  # only a tensor with no elements has a fan of 0: there is nothing to fill (as PyTorch)
        # (stacklevel: the line calling kaiming_*, past _accepts_data)
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=4)
        return 0.0
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


@_accepts_data
def kaiming_uniform_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Generator = None
) -> Tensor:
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    With a = sqrt(5) (what PyTorch's Linear uses) the bound is 1 / sqrt(fan_in).

    Example:
        >>> w = nn.init.kaiming_uniform_(tg.empty(4, 2), nonlinearity="relu")   # bound = sqrt(2) sqrt(3/2)
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


@_accepts_data
def kaiming_normal_(
    tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator: Generator = None
) -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


@_accepts_data
def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, as many as fit).

    Example:
        >>> nn.init.eye_(tg.empty(2, 3)).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if tensor.data.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {tensor.data.shape}")
    return _fill(tensor, np.eye(*tensor.data.shape))


@_accepts_data
def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a convolution weight (out, in, *kernel) so the convolution passes its input through unchanged.

    In each of `groups` groups of out // groups output channels, output channel d gets a 1 at the kernel's
    centre for input channel d (for as many channels as both sides have); everything else is 0.

    Example:
        >>> w = nn.init.dirac_(tg.empty(2, 2, 3))   # w[0, 0, 1] == w[1, 1, 1] == 1
    """
    shape = tensor.data.shape
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape {shape}")
    if shape[0] % groups != 0:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups (got {shape[0]} channels, {groups} groups)")
    per_group = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(k // 2 for k in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values)


@_accepts_data
def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator: Generator = None
) -> Tensor:
    """Fill with samples from N(mean, std^2) truncated to [a, b] (a and b are values, not numbers of std).

    Drawn as PyTorch draws them, by inverting the CDF: u uniform between the CDF's values at a and b, then
    mean + std sqrt(2) erfinv(2u - 1), clipped to [a, b] (so it ends even when [a, b] is far in the tail). As
    PyTorch, a mean more than 2 std outside [a, b] gives a warning (the values then pile up at a bound).

    Example:
        >>> w = nn.init.trunc_normal_(tg.empty(3, 5), std=0.02, a=-0.04, b=0.04)
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=3,  # the line calling trunc_normal_ (past _accepts_data)
        )
    if not a <= b:
        raise ValueError(f"trunc_normal_: the interval [a, b] = [{a}, {b}] is empty")

    def cdf(x: float) -> float:  # of the standard normal, at x's distance from the mean in std
        return 0.5 * (1 + math.erf((x - mean) / std / math.sqrt(2)))

    low, high = cdf(a), cdf(b)
    u = _generator(generator).uniform(2 * low - 1, 2 * high - 1, tensor.data.shape)
    values = mean + std * math.sqrt(2) * erfinv(u)
    return _fill(tensor, np.clip(values, a, b))


@_accepts_data
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times gain (Saxe et al., 2013); dimensions after the first are flattened.

    The Q of the QR decomposition of a Gaussian matrix, with the signs of R's diagonal moved into Q so that
    Q is uniformly distributed. Rows (or, for a wide matrix, columns) are orthonormal: W W^T = gain^2 I.

    Example:
        >>> w = nn.init.orthogonal_(tg.empty(3, 5))   # w @ w.T == I
    """
    shape = tensor.data.shape
    if len(shape) < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, got shape {shape}")
    if tensor.data.size == 0:
        return tensor
    rows, cols = shape[0], tensor.data.size // shape[0]
    flat = _generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the decomposition unique, and Q uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(shape))


# ---- exactly as the tutorials draw ---------------------------------------------------------------

TUTORIAL_KINDS = ("randn", "rand", "uniform(-1,1)")


def tutorial_(
    tensor: Tensor,
    kind: str,
    rng: int | np.random.RandomState | np.random.Generator | None = None,
    transpose: bool = False,
) -> Tensor:
    """Fill with the numbers a tutorial draws, from NumPy's legacy stream (`np.random.seed` + `np.random.randn`).

    kind: 'randn' (standard normal, `randn(*shape)`), 'rand' (uniform [0, 1), `rand(*shape)`) or
    'uniform(-1,1)' (`2 * random_sample(shape) - 1`).
    rng: None draws from NumPy's global legacy stream, exactly what a tutorial's `np.random.seed(k)`
    then `np.random.randn(...)` does; an int k draws from a fresh `np.random.RandomState(k)` (the
    same numbers, without touching the global stream); a RandomState continues its own stream (pass
    the same one to each layer, in the tutorial's order, to reproduce several draws); a
    `np.random.Generator` draws from the new API's stream (not the tutorials').
    transpose: draw in the transposed shape and store the transpose, i.e. draw the tutorial's
    (in, out) matrix for a Linear weight of shape (out, in).

    Example:
        >>> rng = np.random.RandomState(42)                       # tutorial: np.random.seed(42)
        >>> w1 = nn.init.tutorial_(net.fc1.weight, "randn", rng, transpose=True)   # W1 = randn(2, 4)
        >>> w2 = nn.init.tutorial_(net.fc2.weight, "randn", rng, transpose=True)   # W2 = randn(4, 1)
    """
    if kind not in TUTORIAL_KINDS:
        raise ValueError(f"tutorial_: kind must be one of {TUTORIAL_KINDS}, got {kind!r}")
    shape = tensor.data.shape[::-1] if transpose else tensor.data.shape
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        rng = np.random.RandomState(rng)
    if isinstance(rng, np.random.Generator):
        draws = {
            "randn": lambda: rng.standard_normal(shape),
            "rand": lambda: rng.random(shape),
            "uniform(-1,1)": lambda: 2 * rng.random(shape) - 1,
        }
    elif rng is None or isinstance(rng, np.random.RandomState):
        # None: the np.random module itself, whose randn/rand/random_sample draw from the global legacy stream
        legacy = np.random if rng is None else rng
        draws = {
            "randn": lambda: legacy.randn(*shape),
            "rand": lambda: legacy.rand(*shape),
            "uniform(-1,1)": lambda: 2 * legacy.random_sample(shape) - 1,
        }
    else:
        raise TypeError(
            f"tutorial_: rng must be None, an int seed, a RandomState or a Generator, got {type(rng).__name__}"
        )
    values = np.asarray(draws[kind](), dtype=np.float64).reshape(shape)
    return _fill(tensor, values.T if transpose else values)


def from_numpy_(tensor: Tensor, array: Any, transpose: bool = False) -> Tensor:
    """Copy `array` into the tensor's data (cast to its dtype), checking the shape first.

    transpose=True copies array.T: a tutorial's (in, out) matrix into a Linear's (out, in) weight.
    Shapes that differ only by dimensions of size 1 are accepted, so a tutorial's (1, out) bias row
    loads into a Linear's (out,) bias.

    Example:
        >>> params = {"W1": np.ones((2, 4)), "b1": np.zeros((1, 4))}           # a tutorial's weights
        >>> w1 = nn.init.from_numpy_(net.fc1.weight, params["W1"], transpose=True)   # W1 is (2, 4)
        >>> b1 = nn.init.from_numpy_(net.fc1.bias, params["b1"])                     # b1 is (1, 4)
        >>> net.fc1.weight.shape, net.fc1.bias.shape
        ((4, 2), (4,))
    """
    values = array.data if isinstance(array, Tensor) else np.asarray(array)
    if transpose:
        values = values.T
    target = tensor.data.shape
    if values.shape != target:
        if tuple(n for n in values.shape if n != 1) != tuple(n for n in target if n != 1):
            raise ShapeError(
                f"from_numpy_: an array of shape {values.shape}{' (transposed)' if transpose else ''} "
                f"does not fit a tensor of shape {target}"
            )
        values = values.reshape(target)
    return _fill(tensor, values)


# sparse_ and PyTorch's deprecated names without the underscore (uniform, xavier_normal, ...), in their own file
from tinygrad_edu.nn import init_extra as _init_extra  # noqa: E402
from tinygrad_edu.nn.init_extra import *  # noqa: E402, F403  (the list is its __all__)

__all__ += _init_extra.__all__
