"""tinygrad_edu.compiler, behind tg.compile: one training step traced into straight-line NumPy source.

    >>> step = tg.compile(train_step)   # train_step(x, y): forward, loss.backward(), opt.step(); returns loss
    >>> loss = step(x, y)               # the first call traces (and trains once, as train_step would)
    >>> loss = step(x, y)               # later calls run the generated NumPy function
    >>> print(step.source)              # the forward, the backward and the update, one line per op
    # Compiled by tg.compile from train_step ...
    ...

How it traces: nothing of Tensor, Function, Optimizer or NumPy is replaced, and no trace or profile
hook is installed. `tracer.py` binds what the step reads to traced arrays (`Sym`, `sym.py`: a real
value plus the NumPy source that computes it) by attribute writes it undoes after the call: the
arguments, every tensor the step can reach through its closure, globals, object and arguments (and
the parameters and buffers of the modules, the param groups of the optimizers found there), their
gradients, the optimizers' state arrays and learning rates. The unmodified engine then runs the step;
the tracer watches it on `autograd.hooks`. `codegen.py` writes `def step(...)`; `step.py` caches the
traces, checks each call against them (`StateGuard`) and writes the outputs back.

Names in the source come from the module tree (`hidden.weight` -> `hidden_weight`; Sequential's
`0.weight` of `net` -> `net0_weight`), the step's variables and arguments (`W1`, `x`), the ops
(`linear_1`), the locals that hold a value when it is recorded (`A1`; in an optimizer's loop over
its parameters `denom_hidden_weight`), and gradients are named after what they are the gradient of
(`d_linear_1`, `dW1`); an existing `.grad` the step reads is `grad_hidden_weight`.

What a compiled step guarantees, and what it does not:
- The results of eager mode: the same NumPy calls on the same operands in the same order
  (tests/test_compile.py checks 1,000 steps against eager mode to 1e-12). At run time: no Tensor,
  no graph, no backward walk; one function of NumPy calls, and a few lines around it (which also
  count a new version of each tensor the step changed in place, as the eager update does).
- A call whose arguments differ in kind, shape or dtype is traced again, up to `max_traces` traces
  (then such calls run eagerly), and so is a call after a change of the program state the step
  reads: `model.eval()`, a parameter's `requires_grad`, a replaced sub-module, `add_param_group`,
  a hyper-parameter other than lr (read at every call), a module's options such as a loss's
  `reduction`. A gradient that is None when traced, in a step without zero_grad(), retraces once it
  exists. `retain_grad()` works compiled as in eager mode.
- An optimizer that makes its state in a call (Adam's first step) is traced in that call but the
  trace is not kept: the next call traces with the state bound (`traces` counts kept traces).
- Python control flow on tensor values is frozen at trace time: `bool()` of a traced tensor or a
  comparison of `loss.item()` in your code warns (TracingWarning), and so do random draws inside the
  step (np.random, tg.rand..., a Generator the step refers to). Python side effects happen once.
- Tensors the step can reach are read again at each call; a tensor it cannot reach is a constant
  (one that requires grad stops the trace: pass it in, or give it with `names=`). So are plain
  NumPy arrays captured from outside.
- A user's Function subclass written with NumPy calls traces like the library's ops. An op or an
  optimizer whose code takes a traced array's value out of NumPy's protocol (`np.array(x)`,
  `float(x)`) stops the trace with a TracingError naming it and its line: write it with calls that
  keep the array as it is (`np.copy(x)`, `x.item()`), or run the step uncompiled. Where the step's
  own code uses an input's value that way, the trace holds for that value only (another runs
  eagerly, with a warning); a parameter's, which changes at every call, is a TracingError.
- The step returns what train_step returned (a tensor as a new tensor outside the graph,
  `loss.item()` as a float). Trace from one thread at a time; tg.detect_anomaly does not check
  compiled steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.compiler.step import CompiledStep
from tinygrad_edu.compiler.sym import TracingError, TracingWarning

__all__ = ["compile", "CompiledStep", "TracingError", "TracingWarning"]


def compile(fn: Callable, *, names: Any = None, max_traces: int = 8) -> CompiledStep:  # noqa: A001
    """Compile a training step into straight-line NumPy code; it traces on its first call.

    Args:
        fn: the step, e.g. `def train_step(x, y)` that zeroes the gradients, computes the loss, calls
            `loss.backward()` and `optimizer.step()`, and returns the loss. It takes positional
            arguments: tensors, arrays, Python floats (traced) or other values (fixed per trace).
        names: how to name the tensors it reads in the source: a Module (its named_parameters) or
            a mapping of name -> tensor. By default names come from the variables `fn` refers to.
        max_traces: how many shape or structure variants to compile before running eagerly.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
        >>> opt = tg.optim.SGD(net.parameters(), lr=0.1)
        >>> def train_step(x, y):
        ...     opt.zero_grad()
        ...     loss = nn.BCELoss()(net(x), y)
        ...     loss.backward()
        ...     opt.step()
        ...     return loss
        >>> step = tg.compile(train_step)
        >>> loss = step(x, y)
        >>> print(step.source)
        # Compiled by tg.compile from train_step (...), for x: float32 (4, 2), y: float32 (4, 1).
        ...
        def step(x, y, net0_weight, net0_bias, net2_weight, net2_bias, lr):
            # forward
            linear_1 = x @ net0_weight.T
        ...
            # update
            net0_weight -= lr * d_net0_weight
        ...
    """
    return CompiledStep(fn, names=names, max_traces=max_traces)
