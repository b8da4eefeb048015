"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, and saving and resuming.

A subclass (SGD, Adam) writes `_init_state()` (what it keeps for a parameter), `_update()` (its update
rule, applied in place to one `p.data`) and `_check_group()` (its hyper-parameters). Everything else,
the step loop included, is here and is the same for every optimizer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinygrad_edu.autograd import enable_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["Optimizer"]


def _data(x: Any) -> Any:
    """The ndarray inside a Tensor; anything else as it is."""
    return x.data if isinstance(x, Tensor) else x


# What an optimizer takes: tensors, or dicts of parameter groups ({'params': [...], 'lr': ...}).
ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Holds the parameters to update, in groups that each carry their own hyper-parameters.

    `param_groups` is a list of dicts, each with a 'params' list and every hyper-parameter (those not
    given in the group come from `defaults`). `state` maps each parameter to a dict of what the rule
    keeps between steps (e.g. Adam's running averages), filled at its first step.

    Example:
        >>> opt = tg.optim.SGD([{"params": net.fc1.parameters(), "lr": 0.1},
        ...                     {"params": net.fc2.parameters()}], lr=0.01)
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.01]
    """

    # State entries that are 0-d float64 counters, not arrays shaped like their parameter (NAdam adds one).
    _scalar_state: tuple[str, ...] = ("step",)

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {type(params).__name__}; wrap it in a list: [tensor]"
            )
        groups: list[Any] = list(params)  # tensors or group dicts; add_param_group checks each group
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with 'params' and optional hyper-parameters), e.g. to fine-tune.

        Example:
            >>> opt.add_param_group({"params": new_layer.parameters(), "lr": 1e-4})
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise ValueError("param_group must have a 'params' entry")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor (one made by an op); optimize its leaves")
            if p.data.dtype.kind != "f":
                raise ValueError(f"optimizer can only optimize floating-point tensors, got dtype {p.data.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group lists the same parameter more than once; it would be updated twice")
        group = {key: value for key, value in param_group.items() if key != "params"}
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        group["params"] = params
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a hyper-parameter out of range (each optimizer checks its own)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradient of every parameter: to None (default, as PyTorch) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None  # (the slot behind .grad: None needs none of its setter's checks, a call less)
                elif p.grad is not None:
                    p.grad = Tensor._from_op(np.zeros_like(p.data), None)  # fresh: the old one may be shared

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns closure() if a closure is given.

        The loop every optimizer shares: each rule itself is the subclass's `_update` (applied to a group's
        parameters by `_update_group`), and the state it keeps for a parameter is made by its `_init_state`
        at that parameter's first step.
        """
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            params = [p for p in group["params"] if p._grad is not None]  # (the slot behind .grad: a call less)
            for p in params:
                p._bump_version()  # this step changes p in place, as PyTorch's: graphs that saved p refuse backward
            self._update_group(group, params)
        return loss

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        """Apply the rule to each parameter of a group that has a gradient, making its state at its first step.

        An optimizer may replace this loop by one that updates the whole group at once (SGD does for its
        plain rule), as PyTorch's `foreach` implementations do.
        """
        for p in params:
            state = self.state.get(p)
            if state is None:
                state = self._init_state(group, p)
                if state is not None:  # (None: this group keeps nothing for p, e.g. SGD without momentum)
                    self.state[p] = state
            self._update(group, p, state)

    def _init_state(self, group: dict[str, Any], p: Tensor) -> dict[str, Any] | None:
        """The state a parameter starts with at its first step (e.g. Adam's zero averages); None keeps none."""
        return None

    def _update(self, group: dict[str, Any], p: Tensor, state: Any) -> None:
        """Apply the rule to one parameter with a gradient, in place on `p.data` (each optimizer writes its own)."""
        raise NotImplementedError

    @staticmethod
    def _gradient(group: dict[str, Any], p: Tensor) -> Any:
        """The gradient a rule uses: -g if maximize; then weight decay, as a new array (p.grad is left as it is).

        Weight decay is the L2 penalty g <- g + lambda p, or, with decoupled_weight_decay (AdamW),
        p <- p (1 - lr lambda) applied to the weights directly, leaving g as it is.
        """
        g = p.grad.data  # type: ignore[union-attr]  # (step() skips parameters without a gradient)
        if group["maximize"]:
            g = -g
        weight_decay = group["weight_decay"]
        if weight_decay:
            if group.get("decoupled_weight_decay", False):
                p.data *= 1 - group["lr"] * weight_decay
            else:
                decayed = weight_decay * p.data  # g + lambda p, summed into lambda p's array: the same bits,
                decayed += g  # with one temporary instead of two alive at once (see _average_square)
                g = decayed
        return g

    @staticmethod
    def _average_square(v: Any, g: Any, beta: float) -> None:
        """v <- beta v + (1 - beta) g^2, in place on v (Adam's second moment, RMSprop's and Adadelta's averages).

        The same bits as `v += (1 - beta) * (g * g)`, with g^2 scaled in place: one temporary array instead of
        two alive at once. Two temporaries of a large weight's size (800 KB each for a 784x256 float32 one)
        can make glibc's malloc hand memory back to the system after each update and fault it in again at the
        next: Adam over the MLP's six parameters took 1050 -> 640 us a step in a fresh process (680 -> 630 us
        where the allocator's thresholds had already grown).
        """
        v *= beta
        g2 = g * g
        g2 *= 1 - beta
        v += g2

    def _closure_loss(self, closure: Callable[[], Any] | None) -> Any:
        """Run the closure (which recomputes the loss and calls backward), as PyTorch's step(closure)."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ---- saving and resuming ------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A snapshot of the optimizer as plain data, in PyTorch's layout.

        {'state': {index: {name: ndarray or number}}, 'param_groups': [{hyper-parameters...,
        'params': [index, ...]}]}, where index numbers the parameters across groups in order.
        The arrays are copies: later steps do not change a state dict already taken.

        Example:
            >>> tg.save(opt.state_dict(), "opt.npz")
        """
        index: dict[int, int] = {}  # id(parameter) -> its number in the state dict
        groups = []
        for group in self.param_groups:
            saved = {key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
            saved["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                saved["params"].append(index[id(p)])
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        key: (value.copy() if isinstance(value, np.ndarray) else value)
                        for key, value in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()` taken from an optimizer over parameters of the same shapes, to resume.

        The groups and their parameter counts must match, and every saved array must have its
        parameter's shape; anything else raises ValueError and leaves this optimizer unchanged.
        Saved arrays are copied and cast to their parameter's dtype; a step count ('step', and the other
        entries of `_scalar_state`, such as NAdam's 'mu_product') comes back as a 0-d float64 array.
        Its layout is PyTorch's, so a torch.optim state_dict whose tensors are made ndarrays loads too.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                "load_state_dict: expected a dict with 'state' and 'param_groups', "
                "as returned by optimizer.state_dict()"
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved_groups)} parameter group(s), "
                f"this optimizer has {len(self.param_groups)}"
            )
        index_to_param = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size of "
                    f"optimizer's group: group {g} has {len(saved['params'])} parameter(s) saved, "
                    f"{len(group['params'])} here"
                )
            for i, p in zip(saved["params"], group["params"]):
                index_to_param[i] = p
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new_group = {key: copy.deepcopy(value) for key, value in saved.items() if key != "params"}
            self._check_group(new_group)
            new_group["params"] = group["params"]
            new_groups.append(new_group)
        new_state: dict[Tensor, dict[str, Any]] = {}
        for i, entries in state_dict["state"].items():
            if i not in index_to_param:
                raise ValueError(f"loaded state dict has state for parameter {i!r}, which no group lists")
            p = index_to_param[i]
            restored = {}
            for key, value in entries.items():
                if key in self._scalar_state:  # e.g. a step count, not shaped like its parameter (as PyTorch)
                    value = np.array(_data(value), dtype=np.float64)
                elif isinstance(value, (np.ndarray, Tensor)):
                    array = _data(value)
                    if array.shape != p.data.shape:
                        raise ValueError(
                            f"loaded state '{key}' of parameter {i} has shape {array.shape}, "
                            f"the parameter has shape {p.data.shape}"
                        )
                    value = array.astype(p.data.dtype)  # a copy, in the parameter's dtype
                restored[key] = value
            new_state[p] = restored
        # Everything checked: now change the optimizer.
        self.param_groups = new_groups
        self.state = new_state

    @staticmethod
    def _check_non_negative(group: dict[str, Any], names: dict[str, str]) -> None:
        """Raise ValueError naming the first hyper-parameter of `names` (key -> how to call it) below 0."""
        for key, what in names.items():
            if not group[key] >= 0.0:  # (written so that nan fails too)
                raise ValueError(f"Invalid {what}: {group[key]} (it must be >= 0)")

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
