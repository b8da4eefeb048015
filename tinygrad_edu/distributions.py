"""tg.distributions, as torch.distributions: the distributions that course programs sample from and score.

REINFORCE draws an action from `Categorical(probs)` and pushes up `log_prob(action)`; a VAE draws `Normal(mu,
sigma).rsample()` so that the gradient reaches mu and sigma, and adds `kl_divergence(q, p)`. Each distribution
here has PyTorch's constructor, `batch_shape` and `event_shape`, `sample(sample_shape)` (no gradient), `rsample`
where PyTorch has it (the reparametrised draw: the gradient flows to the parameters), `log_prob`, `entropy`, `mean`,
`variance` and `stddev`, written with differentiable ops, so their gradients (and second derivatives) come from
the engine. Draws come from tg's generator (`tg.manual_seed`): reproducible, but not PyTorch's numbers.

Here: Distribution, Bernoulli, Categorical, Normal, Uniform, and kl_divergence for the pairs of one kind.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import tinygrad_edu as _tg
from tinygrad_edu.creation import _generator
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor_shape import Size
from tinygrad_edu.torch_alias import torch_attribute_error

__getattr__ = torch_attribute_error(__name__)

__all__ = ["Distribution", "Bernoulli", "Categorical", "Normal", "Uniform", "kl_divergence"]


def _as_tensor(value: Any) -> Tensor:
    """A parameter as a tensor: a tensor as it is (so the gradient reaches it), a number in the default dtype."""
    return value if isinstance(value, Tensor) else _tg.tensor(value, dtype=_tg.get_default_dtype())


def _only_one(name: str, probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both")


class Distribution:
    """What every distribution has: its shapes, and sampling in terms of `rsample` or its own `sample`."""

    has_rsample = False

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        self._validate_args = validate_args  # (accepted, as in PyTorch; the arguments are always checked here)

    @property
    def batch_shape(self) -> Size:
        """The shape of independent draws one call of sample() makes (the parameters' broadcast shape)."""
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        """The shape of one draw (() for the scalar distributions here)."""
        return self._event_shape

    def _check_support(self, value: Tensor, inside: Any, support: str) -> None:
        """PyTorch's argument check of log_prob (on unless validate_args=False): a value the distribution cannot
        draw is a ValueError, not a silent -inf or nan."""
        if self._validate_args is not False and not bool(np.all(inside)):
            raise ValueError(
                f"Expected value argument (Tensor of shape {tuple(value.shape)}) to be within the support "
                f"({support}) of the distribution {self!r}, but found invalid values: {value.detach().tolist()}"
            )

    def _extended_shape(self, sample_shape: Any = ()) -> tuple[int, ...]:
        return tuple(Size(sample_shape)) + tuple(self._batch_shape) + tuple(self._event_shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draws of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with _tg.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no rsample (no reparametrised draw): use sample()")

    def sample_n(self, n: int) -> Tensor:
        """n draws (PyTorch's older name for sample((n,)))."""
        return self.sample((n,))

    def log_prob(self, value: Any) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.log_prob")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.entropy")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation: sqrt(variance)."""
        return self.variance.sqrt()

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.mean")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__}.variance")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Categorical(Distribution):
    """One of K classes, with probabilities `probs` (normalised along the last dim) or unnormalised log
    probabilities `logits`, as torch.distributions.Categorical; batch_shape is the parameter's shape without K.

    Example:
        >>> d = tg.distributions.Categorical(probs=tg.tensor([0.0, 1.0]))
        >>> d.sample().item(), round(d.log_prob(tg.tensor(1)).item(), 6)
        (1, 0.0)
    """

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        _only_one("Categorical", probs, logits)
        param = _as_tensor(probs if probs is not None else logits)
        if param.ndim < 1:
            raise ValueError("Categorical: `probs` or `logits` must have at least one dimension (the classes)")
        if probs is not None:
            if bool((param.detach() < 0).any()):
                raise ValueError("Categorical: `probs` must be non-negative")
            self.probs = param / param.sum(-1, keepdim=True)
            self.logits = self.probs.clamp(min=float(np.finfo(param.data.dtype).tiny)).log()
        else:
            self.logits = param - param.logsumexp(-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], (), validate_args)

    @property
    def param_shape(self) -> Size:
        return Size(self.probs.shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Class indices (int64) of shape sample_shape + batch_shape, drawn by inverting the cumulative probs."""
        shape = self._extended_shape(sample_shape)
        cumulative = np.cumsum(self.probs.data, axis=-1)
        uniform = _generator(None).random(shape)[..., None] * cumulative[..., -1:]
        index = (uniform >= cumulative).sum(-1)
        return _tg.tensor(np.minimum(index, self._num_events - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        """log probs[value], value broadcast against batch_shape."""
        value = _as_tensor(value)
        self._check_support(
            value,
            (value.data == np.round(value.data)) & (value.data >= 0) & (value.data < self._num_events),
            f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})",
        )
        value = value.long()
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self._batch_shape))
        logits = self.logits.expand(*shape, self._num_events)
        index = value.expand(*shape).unsqueeze(-1)
        return logits.gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        """-sum probs log probs over the classes (a class of probability 0 adds 0)."""
        logits = self.logits.clamp(min=float(np.finfo(self.logits.data.dtype).min))
        return -(logits * self.probs).sum(-1)

    @property
    def mean(self) -> Tensor:
        return _tg.full(tuple(self._batch_shape), float("nan"), dtype=self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return _tg.full(tuple(self._batch_shape), float("nan"), dtype=self.probs.dtype)

    def __repr__(self) -> str:
        return f"Categorical(probs: {self.probs.shape})"


class Bernoulli(Distribution):
    """1 with probability `probs` (or sigmoid(`logits`)), else 0, as torch.distributions.Bernoulli.

    Example:
        >>> d = tg.distributions.Bernoulli(probs=tg.tensor([0.25]))
        >>> d.mean, d.variance
        (tensor([0.25], dtype=float32), tensor([0.1875], dtype=float32))
    """

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        _only_one("Bernoulli", probs, logits)
        if probs is not None:
            self.probs = _as_tensor(probs)
            eps = float(np.finfo(self.probs.data.dtype).eps)
            clamped = self.probs.clamp(eps, 1 - eps)  # (PyTorch's probs_to_logits: finite logits at 0 and 1)
            self.logits = clamped.log() - (-clamped).log1p()
        else:
            self.logits = _as_tensor(logits)
            self.probs = self.logits.sigmoid()
        super().__init__(self.probs.shape, (), validate_args)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """0.0 or 1.0 in the parameter's dtype, of shape sample_shape + batch_shape."""
        shape = self._extended_shape(sample_shape)
        draws = _generator(None).random(shape) < np.broadcast_to(self.probs.data, shape)
        return _tg.tensor(draws.astype(self.probs.data.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """value log p + (1 - value) log(1 - p), from the logits (stable at p = 0 and 1)."""
        value = _as_tensor(value)
        self._check_support(value, (value.data == 0) | (value.data == 1), "Boolean()")
        logits = self.logits
        return -_tg.nn.functional.binary_cross_entropy_with_logits(logits, value.to(logits.dtype), reduction="none")

    def entropy(self) -> Tensor:
        return _tg.nn.functional.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def __repr__(self) -> str:
        return f"Bernoulli(probs: {self.probs.shape})"


class Normal(Distribution):
    """The Gaussian of mean `loc` and standard deviation `scale` (broadcast together), as
    torch.distributions.Normal; rsample() is loc + scale * eps, so the gradient reaches loc and scale.

    Example:
        >>> d = tg.distributions.Normal(tg.tensor([0.0]), tg.tensor([1.0]))
        >>> round(d.log_prob(tg.tensor([0.0])).item(), 6)        # -log(sqrt(2 pi))
        -0.918939
    """

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        loc, scale = _as_tensor(loc), _as_tensor(scale)
        shape = np.broadcast_shapes(tuple(loc.shape), tuple(scale.shape))
        self.loc, self.scale = loc.expand(*shape), scale.expand(*shape)
        if bool((scale.detach() <= 0).any()):
            raise ValueError("Normal: `scale` must be positive")
        super().__init__(shape, (), validate_args)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = _tg.tensor(_generator(None).standard_normal(shape).astype(self.loc.data.dtype))
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        """-(value - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))."""
        value = _as_tensor(value)
        return -((value - self.loc) ** 2) / (2 * self.scale**2) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        """1/2 + log(sqrt(2 pi) scale)."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    def cdf(self, value: Any) -> Tensor:
        return 0.5 * (1 + ((_as_tensor(value) - self.loc) / (self.scale * math.sqrt(2))).erf())

    def icdf(self, value: Any) -> Tensor:
        return self.loc + self.scale * (2 * _as_tensor(value) - 1).erfinv() * math.sqrt(2)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale**2

    def __repr__(self) -> str:
        return f"Normal(loc: {self.loc.shape}, scale: {self.scale.shape})"


class Uniform(Distribution):
    """Uniform on [low, high), as torch.distributions.Uniform; rsample() is low + (high - low) u.

    Example:
        >>> d = tg.distributions.Uniform(0.0, 4.0)
        >>> d.mean, round(d.entropy().item(), 6)                   # log(4)
        (tensor(2., dtype=float32), 1.386294)
    """

    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        low, high = _as_tensor(low), _as_tensor(high)
        shape = np.broadcast_shapes(tuple(low.shape), tuple(high.shape))
        self.low, self.high = low.expand(*shape), high.expand(*shape)
        if bool((low.detach() >= high.detach()).any()):
            raise ValueError("Uniform: `low` must be less than `high`")
        super().__init__(shape, (), validate_args)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = _tg.tensor(_generator(None).random(shape).astype(self.low.data.dtype))
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Tensor:
        """-log(high - low) inside [low, high), -inf outside."""
        value = _as_tensor(value)
        inside = (self.low <= value) & (self.high > value)
        self._check_support(value, inside.data, "Interval(low, high)")
        with np.errstate(divide="ignore"):  # (validate_args=False: log 0 = -inf outside, as in PyTorch)
            return inside.to(self.low.dtype).log() - (self.high - self.low).log()

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    def __repr__(self) -> str:
        return f"Uniform(low: {self.low.shape}, high: {self.high.shape})"


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) = E_p[log p - log q], in closed form, for two distributions of one kind (Normal, Categorical,
    Bernoulli, Uniform), as torch.distributions.kl_divergence; differentiable in both.

    Example:
        >>> N = tg.distributions.Normal
        >>> kl_divergence(N(0.0, 1.0), N(0.0, 1.0)).item()
        0.0
    """
    inf = float("inf")
    if isinstance(p, Normal) and isinstance(q, Normal):
        var_ratio = (p.scale / q.scale) ** 2
        t1 = ((p.loc - q.loc) / q.scale) ** 2
        return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        t = p.probs * (p.logits - q.logits)
        t = _tg.where(q.probs == 0, inf, t)
        return _tg.where(p.probs == 0, 0.0, t).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        softplus = _tg.nn.functional.softplus
        t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
        t1 = _tg.where(p.probs == 0, 0.0, _tg.where(q.probs == 0, inf, t1))
        t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
        t2 = _tg.where(p.probs == 1, 0.0, _tg.where(q.probs == 1, inf, t2))
        return t1 + t2
    if isinstance(p, Uniform) and isinstance(q, Uniform):
        result = ((q.high - q.low) / (p.high - p.low)).log()
        return _tg.where((q.low > p.low) | (q.high < p.high), inf, result)
    raise NotImplementedError(
        f"kl_divergence: no closed form here for {type(p).__name__} and {type(q).__name__} (pairs of one kind of "
        "Normal, Categorical, Bernoulli or Uniform are implemented)"
    )
