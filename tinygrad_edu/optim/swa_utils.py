"""optim.swa_utils: averages of a model's weights over training (SWA, EMA), as torch.optim.swa_utils.

AveragedModel keeps a copy of a model whose parameters are a running average of the model's; SWALR anneals
the learning rate to a constant for the averaging phase; update_bn recomputes BatchNorm statistics for the
averaged weights with one pass over the data.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.normalization import _BatchNorm
from tinygrad_edu.optim.lr_scheduler import LRScheduler, _per_group
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.tensor import Tensor, from_numpy

__all__ = [
    "AveragedModel",
    "SWALR",
    "update_bn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
]


def _value(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start <- start + weight (end - start), in place, in the two forms PyTorch's lerp uses (for its bits)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """avg_fn for AveragedModel: the exponential moving average decay * average + (1 - decay) * current.

    Example:
        >>> ema = tg.optim.swa_utils.get_ema_avg_fn(0.9)
        >>> ema(tg.tensor([1.0]), tg.tensor([2.0]), 5).tolist()
        [1.100000023841858]
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """avg_fn for AveragedModel: the equal-weight running mean average + (current - average) / (n + 1).

    Example:
        >>> swa = tg.optim.swa_utils.get_swa_avg_fn()
        >>> swa(tg.tensor([1.0]), tg.tensor([4.0]), 2).tolist()   # the mean of 1, 1, 4
        [2.0]
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (_value(num_averaged) + 1)

    return swa_update


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """multi_avg_fn for AveragedModel: the exponential moving average, in place on a list of averages."""
    _check_decay(decay)

    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _: Any) -> None:
        for ema, current in zip(ema_param_list, current_param_list):
            if ema.data.dtype.kind == "f":
                _lerp_(ema.data, current.data, 1 - decay)
            else:
                ema.data[...] = ema.data * decay + current.data * (1 - decay)

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """multi_avg_fn for AveragedModel: the equal-weight running mean, in place on a list of averages."""

    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor], num_averaged: Any) -> None:
        n = float(_value(num_averaged))
        for averaged, current in zip(averaged_param_list, current_param_list):
            if averaged.data.dtype.kind == "f":
                _lerp_(averaged.data, current.data, 1 / (n + 1))
            else:
                averaged.data += ((current.data - averaged.data) / (n + 1)).astype(averaged.data.dtype)

    return swa_update


class AveragedModel(Module):
    """A copy of `model` whose parameters (and buffers, with use_buffers=True) average the model's over updates.

    `update_parameters(model)` copies the model's values at the first call, then averages them in: by default
    the equal-weight mean (SWA, Izmailov et al., 2018), else with `avg_fn(average, current, n_averaged)` per
    tensor or `multi_avg_fn(averages, currents, n_averaged)` on all at once (get_ema_multi_avg_fn: an EMA).
    Without use_buffers the buffers are copied from the model (recompute BatchNorm statistics with update_bn).
    Calling it calls the averaged copy. `n_averaged` is an int64 buffer, saved in the state dict.

    Example:
        >>> swa_model = tg.optim.swa_utils.AveragedModel(model)
        >>> swa_model.update_parameters(model)
        >>> list(swa_model.state_dict())[:2]
        ['n_averaged', 'module.0.weight']
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
        multi_avg_fn: Callable[[list[Tensor], list[Tensor], Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", from_numpy(np.array(0, dtype=np.int64)))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average model's current parameters (and buffers, with use_buffers) into this copy."""
        mine: Iterable[Tensor]
        theirs: Iterable[Tensor]
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        averaged, current = [], []
        first = int(self.n_averaged.data) == 0
        for p_averaged, p_model in zip(mine, theirs):
            averaged.append(p_averaged)
            current.append(p_model.detach())
            if first:
                p_averaged.data[...] = p_model.data
        if not first:
            with no_grad():
                if self.avg_fn is not None:
                    for p_averaged, p_model in zip(averaged, current):
                        new = self.avg_fn(p_averaged.detach(), p_model, self.n_averaged)
                        p_averaged.data[...] = _value(new)
                else:
                    (self.multi_avg_fn or get_swa_multi_avg_fn())(
                        [p.detach() for p in averaged], current, self.n_averaged
                    )
        if not self.use_buffers:  # keep the buffers in sync with the model's (e.g. BatchNorm statistics)
            for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                b_swa.data[...] = b_model.data
        self.n_averaged.data += 1


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every BatchNorm layer of `model` with one pass over `loader`.

    Each batch is a tensor, or a list/tuple whose first element is the input. The statistics are reset and
    averaged over all batches (momentum None during the pass, then restored); the training mode is restored.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
        >>> tg.optim.swa_utils.update_bn([tg.randn(8, 2) for _ in range(4)], net)
        >>> int(net[1].num_batches_tracked.item())
        4
    """
    momenta: dict[_BatchNorm, Any] = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr from its value to `swa_lr` over `anneal_epochs` epochs, then hold it, as PyTorch.

    The annealing follows (1 - cos(pi t)) / 2 ('cos') or t ('linear') for t from 0 to 1; as PyTorch, each step
    recovers the lr the schedule started from out of the current one, so it follows the groups' lr as set.

    Example:
        >>> opt = tg.optim.SGD(net.parameters(), lr=0.5)
        >>> sched = tg.optim.swa_utils.SWALR(opt, swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear")
        >>> for _ in range(4):
        ...     opt.step(); sched.step()
        >>> round(sched.get_last_lr()[0], 6)
        0.05
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self.anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        """The fraction of the way to swa_lr at t in [0, 1]: (1 - cos(pi t)) / 2, or t itself for 'linear'."""
        return t if self.anneal_strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        """The lr the annealing started from, given the lr now and the fraction alpha of the way done."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]
