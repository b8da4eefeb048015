"""tinygrad_edu.compiler, behind tg.compile: one training step traced into straight-line NumPy source.

    >>> step = tg.compile(train_step)   # train_step(x, y): forward, loss.backward(), opt.step(); returns loss
    >>> loss = step(X, y)               # the first call traces (and trains once, as train_step would)
    >>> loss = step(X, y)               # later calls run the generated NumPy function
    >>> print(step.source)              # the forward, the backward and the update, one line per op

The files, in the order a call goes through them:
- `step.py`: `CompiledStep`, which caches traces, checks each call against them (`StateGuard`: the
  modes, requires_grad, module tree, param groups, hyper-parameters and module options a trace was
  made under), runs the generated function and writes its outputs back; random draws are seen there.
- `tracer.py`: `Tracer` binds what the step reads (arrays, gradients, optimizer state, lr) to traced
  arrays, runs the step through the unmodified engine and watches it on `autograd.hooks`; it names
  values after the module tree, the step's variables, the ops and the optimizer's locals.
- `sym.py`: the traced values, `Sym` (a real NumPy value plus the `Node` that computes it) and
  `SymFloat` (`loss.item()`, a learning rate), NumPy's ufuncs and functions on them,
  `TracingError` and `TracingWarning`.
- `codegen.py`: turns the trace into `def step(...)`: op outputs and gradients get lines of their own.

What a compiled step guarantees, and what it does not:
- The results of eager mode: the same NumPy calls on the same operands in the same order
  (tests/test_compile.py checks 1,000 steps against eager mode to 1e-12).
- No Tensor, no graph and no backward walk at run time: one Python function of NumPy calls, plus a
  few lines that read the parameters' arrays and write the gradients back.
- A call whose arguments differ in kind, shape or dtype, or after a change of the optimizer's
  hyper-parameters other than lr (lr is read at every call), is traced again: up to `max_traces`
  traces, after which such calls run eagerly. So is a call after a change of the program state the
  step reads through its closure, globals or arguments: `model.eval()`/`train()`, a parameter's
  `requires_grad`, a replaced sub-module, `optimizer.add_param_group`, a module's options such as a
  loss's `reduction` (StateGuard, step.py). `retain_grad()` works in a compiled step as in eager mode.
- Python control flow that depends on tensor values is frozen at trace time: the compiled step does
  what the traced call did. `bool()` of a traced tensor or a comparison of `loss.item()` in your code
  gives a TracingWarning, and so does drawing random numbers inside the step (np.random, tg.rand...,
  a Generator the step refers to: seen from the generators' states before and after the trace). Python
  side effects (printing, appending to a list) happen in the traced call only.
- Tensors the step reads without receiving them (the model's parameters, data kept in an object)
  are read again at each call. Plain NumPy arrays captured from outside are constants.
- Where NumPy code outside tinygrad_edu's ops uses the value of an input (np.asarray(y.data), say),
  the trace holds for that value only, and a call with another value runs eagerly (with a warning).
  If such code uses a value that changes at every call (a parameter), tracing raises TracingError.
- A user's Function subclass written with NumPy calls traces like the library's ops. An op (or an
  optimizer) whose code takes a traced array's value out of NumPy's protocol (`np.array(x)`,
  `float(x)`) stops the trace with a TracingError naming it and its line: write it with calls that
  keep the array as it is (`np.copy(x)`, `x.item()`), or run the step uncompiled.
- An optimizer that makes its state in a call (Adam's first step) is traced in that call but the
  trace is not kept: the next call traces again with the state bound (`traces` counts kept traces).
- The step returns what train_step returned: a tensor as a new tensor outside the graph holding the
  same value, `loss.item()` as a Python float.
- Tracing puts traced arrays into the tensors it binds for the duration of one call: trace from one
  thread at a time. Anomaly detection (tg.detect_anomaly) does not check compiled steps.
"""

from __future__ import annotations

from typing import Any, Callable

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
        >>> loss = step(X, Y)
        >>> print(step.source)
    """
    return CompiledStep(fn, names=names, max_traces=max_traces)
