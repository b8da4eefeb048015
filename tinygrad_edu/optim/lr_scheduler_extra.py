"""More learning-rate schedules (PolynomialLR), as torch.optim.lr_scheduler; `optim.lr_scheduler` exports them."""

from __future__ import annotations

from tinygrad_edu.optim.lr_scheduler import LRScheduler, _lrs
from tinygrad_edu.optim.optimizer import Optimizer

__all__ = ["PolynomialLR"]


class PolynomialLR(LRScheduler):
    """Decay the lr polynomially to 0 over `total_iters` epochs: lr = initial_lr * (1 - epoch / total_iters)^power.

    From epoch total_iters on the lr stays where it is (0 when nothing else changes it). As the other schedules,
    a step multiplies the current lr by the ratio of this epoch's factor to the last one's, so it chains.

    Example:
        >>> opt = tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = tg.optim.lr_scheduler.PolynomialLR(opt, total_iters=4, power=2.0)
        >>> lrs = []
        >>> for _ in range(5):
        ...     opt.step(); sched.step(); lrs.append(round(sched.get_last_lr()[0], 4))
        >>> lrs   # (1 - t/4)^2 for t = 1..4, then it stays at 0
        [0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        # (1 - t/T)^p / (1 - (t-1)/T)^p: this epoch's factor over the last one's
        decay = (
            (1.0 - self.last_epoch / self.total_iters) / (1.0 - (self.last_epoch - 1) / self.total_iters)
        ) ** self.power
        return [lr * decay for lr in _lrs(self.optimizer)]

    def _closed_form_lr(self) -> list[float]:
        return [
            base_lr * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
            for base_lr in self.base_lrs
        ]
