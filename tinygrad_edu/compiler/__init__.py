"""tinygrad_edu.compiler, behind tg.compile: one training step traced into straight-line NumPy source.

How it traces: nothing of Tensor, Function, Optimizer or NumPy is replaced, and no trace or profile
hook is installed. `tracer.py` puts traced arrays (`Sym`, `sym.py`: a real value plus the NumPy
source that computes it) into what the step can reach (its arguments; the tensors, modules and
optimizers in its closure, globals and object: parameters, buffers, gradients, optimizer state, lr)
and undoes that after the call. The unmodified engine runs the step; the tracer watches it on
`autograd.hooks`. `codegen.py` writes `def step(...)`; `step.py` keeps the traces, checks each call
against them and writes the outputs back.

Names in the source come from the module tree or `names=` (`hidden.weight` -> `hidden_weight`,
`0.weight` of `net` -> `net0_weight`; optimizer state `m_hidden_weight`), the step's arguments, and
the op that made a value (`linear_1`); gradients are named after what they are the gradient of
(`d_linear_1`, `dW1`). Local variables give no names (the step's or the library's: `tmp`, `tmp_2`).

What a compiled step guarantees, and what it does not:
- Eager mode's results: the same NumPy calls on the same operands in the same order. At run time
  there is no Tensor, graph or backward walk: one function of NumPy calls, and a few lines around it.
- A call whose arguments differ in kind, shape or dtype traces again (up to `max_traces`, then
  eagerly), and so does one after a change of the state the step reads: `model.eval()`, a
  parameter's `requires_grad`, a replaced sub-module, `add_param_group`, a hyper-parameter other
  than lr (read at every call), a module's options (a loss's `reduction`), a gradient that was None,
  a variable of the step's rebound to another module, optimizer or tensor (one key, `step.StateKey`).
  An optimizer that makes its state in a call (Adam's first step) traces again at the next call.
- Python control flow on tensor values is frozen at trace time: `bool()` of a traced tensor or a
  comparison of `loss.item()` warns (TracingWarning), and so do random draws inside the step.
- A tensor the step cannot reach is a constant (one that requires grad stops the trace: pass it
  in, or name it with `names=`); so are NumPy arrays captured from outside.
- An op or optimizer whose code takes a traced array out of NumPy's protocol (`np.array(x)`,
  `float(x)`) stops the trace with a TracingError naming it. Where the step's own code does that,
  the step runs eagerly from then on, with a warning naming the value and the line.
- An op's `np.errstate(...)` is not carried into the source: NumPy may warn of a log(0) there
  that the eager op silenced (the values are the same).
- The step returns what train_step returned (a tensor as a new tensor outside the graph). Trace
  from one thread at a time; tg.detect_anomaly does not check compiled steps. A compiled step
  called while another is traced raises a TracingError (compile the outer step only).
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
            a mapping of name -> tensor. By default names come from the variables `fn` refers to
            (a module's parameters from the module tree: `net0_weight`).
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
