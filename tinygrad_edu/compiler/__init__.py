"""tinygrad_edu.compiler, behind tg.compile: one training step traced into straight-line NumPy source.

The unmodified engine runs the step once with traced arrays inside what the step can reach: its arguments and
the parameters, buffers, gradients, optimizer state and lr of the modules and optimizers in its closure,
globals and object (bound up front; the engine is watched on `autograd.hooks`; nothing is patched). The data:
- sym.py: a traced value (`Sym`, `SymFloat`) is a real value and the `Node` that computes it: a kind ('expr',
  'arg', 'const', 'stmt') and its source as parts, text and (node, precedence) references to the nodes it reads.
- tracer.py: the step's arguments are 'arg' nodes, each with the source that reads it at each call; the guards
  are expressions true now; the slots, the arrays to write back; the engine's hooks name values and sections.
- codegen.py: shares and folds, picks the lines, names each once, writes `def step(...)` and the `call` around
  it (reads, guards, the step, write-back: `CompiledStep.call_source`). CompiledStep, below, keeps the traces.

Names in the source come from the module tree or `names=` (`0.weight` of `net` -> `net0_weight`, Adam's state
`m_net0_weight`), the step's arguments and the op that made a value (`linear_1`, its gradient `d_linear_1`);
not from local variables (the step's or the library's values are `tmp`, `tmp_2`). A value every call computes
alike (the seed gradient, the mean's 1/N) is a constant the header lists by value (`c: float32 0.25`), not by
the expression it was folded from.

What a compiled step guarantees, and what it does not:
- Eager mode's results: the same NumPy calls on the same operands in the same order, with no Tensor, graph or
  backward walk at run time.
- It traces again (up to `max_traces`, then runs eagerly) when the arguments differ in kind, shape or dtype, or
  the state it was traced under changed: `model.eval()`, `requires_grad`, a replaced sub-module or parameter,
  param groups, a hyper-parameter but lr (read at every call), a module option (a loss's `reduction`), a
  gradient that was None, a variable rebound; and after an optimizer made its state (Adam's first step).
- Python control flow on a traced value (`if loss.item() > 1:`) and random draws are frozen at trace time,
  with a TracingWarning. A tensor the step cannot reach is a constant (one that requires grad: an error).
- Code that takes a traced array out of NumPy (`np.array(x)`, `float(x)`), in an op, an optimizer or the step
  itself, is a TracingError naming the function, line and value: the trace would hold for that value only.
- Not carried: an op's `np.errstate` (NumPy may warn of a log(0) the eager op silenced; the values are the
  same), tg.detect_anomaly. Trace from one thread; a compiled step called while another traces is an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from tinygrad_edu.compiler.codegen import Mismatch, generate
from tinygrad_edu.compiler.sym import _ACTIVE, TracingError, TracingWarning
from tinygrad_edu.compiler.tracer import Tracer

__all__ = ["compile", "CompiledStep", "TracingError", "TracingWarning"]


def compile(fn: Callable, *, names: Any = None, max_traces: int = 8) -> CompiledStep:  # noqa: A001
    """Compile a training step into straight-line NumPy code; it traces on its first call.

    Args:
        fn: the step (zero_grad, loss, `loss.backward()`, `optimizer.step()`, return the loss); its positional
            arguments are tensors, arrays, Python floats (traced) or other values (fixed per trace).
        names: names for the tensors it reads: a Module (its named_parameters) or a mapping name -> tensor
            (by default: the module tree of the variables `fn` refers to, `net0_weight`).
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


class CompiledStep:
    """A training step compiled to straight-line NumPy (see tg.compile): call it as the original function.

    Attributes:
        source: the generated function of the latest trace (forward, backward and update).
        call_source: the code around it: the guards, how arguments, parameters and state are read, what is
            written back.
        function: the latest trace's generated function itself (inspect.getsource works on it).
        traces: how many traces it keeps (1 unless shapes or the program's state changed).
        eager_calls: how many calls ran eagerly (those after max_traces traces).
    """

    def __init__(self, fn: Callable, names: Any = None, max_traces: int = 8) -> None:
        self.fn, self.names, self.max_traces = fn, names, max_traces
        self.traces = self.eager_calls = 0
        self._entries: list[SimpleNamespace] = []  # newest first
        self.__wrapped__, self.__doc__ = fn, getattr(fn, "__doc__", None)
        self.__name__ = getattr(fn, "__name__", "step")
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        self._where = (code.co_filename, code.co_firstlineno) if code else ("<tg.compile>", 0)

    source = property(lambda self: self._entries[0].source if self._entries else "")
    call_source = property(lambda self: self._entries[0].call_source if self._entries else "")
    function = property(lambda self: self._entries[0].fn if self._entries else None)

    def __call__(self, *args: Any) -> Any:
        if _ACTIVE:
            raise TracingError(
                f"tg.compile: {self.__name__} is a compiled step, called while another step is traced; "
                "compile only the outer step (call the inner one's .fn)"
            )
        for entry in self._entries:
            try:
                return entry.call(args)
            except Mismatch:
                continue
        if self.traces >= self.max_traces:
            if not self.eager_calls:  # (warn once)
                why = f"{self.traces} traces already (max_traces); calls with new shapes run eagerly"
                warnings.warn(f"tg.compile: {why}", TracingWarning, stacklevel=2)
            self.eager_calls += 1
            return self.fn(*args)
        # Run the step once, traced (a TracingError stops it there), and compile what it did, unless an
        # optimizer made its state in this call (Adam's first step): then the next call traces.
        tracer = Tracer(self.fn, args, self.names, self._where)
        result = tracer.run()
        if not tracer.state_created:
            self.traces += 1
            self._entries.insert(0, generate(tracer))
        for node in tracer.nodes:  # let the traced call's intermediate arrays go
            node.value, node.parts, node.meta = None, [], {}
        return result

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.__name__}: {self.traces} trace(s)>"
