"""The end of a trace: what the step returned, what each compiled call writes back, and the real arrays put back.

`WriteBack` is the part of the tracer (tracer.py) that runs once the traced call has returned:
- `result_structure` describes the return value as a structure whose leaves are outputs of the
  generated function (or constants), so later calls return the same kinds of values;
- `find_writebacks` lists the tensors from before the call whose `.data` or `.grad` the step
  changed: step.py sets them from the function's outputs after every call;
- `restore` puts real arrays back into every tensor the trace touched.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu.compiler.engine import _DATA, _GRAD, is_set, raw_data, raw_grad
from tinygrad_edu.compiler.errors import TracingError, TracingWarning
from tinygrad_edu.compiler.nodes import Node
from tinygrad_edu.compiler.sym import Sym, SymFloat
from tinygrad_edu.tensor import Tensor

__all__ = ["WriteBack"]


class WriteBack:
    """The tracer's last steps (the Tracer holds the state these methods use)."""

    outputs: list[Node]
    floats: dict
    bindings: dict
    bound: dict
    keep: list
    data_written: dict
    grad_written: dict
    grad_originals: dict
    value_guards: dict

    def result_structure(self, result: Any) -> Any:
        """What the step returned, as a structure whose leaves are output indices or constants."""
        if isinstance(result, Tensor):
            data = raw_data(result)
            if isinstance(data, Sym):
                return ("tensor", self._out(data.node))
            return ("const", result)
        if isinstance(result, (Sym, SymFloat)):
            return ("array" if isinstance(result, Sym) else "float", self._out(result.node))
        if type(result) is float and id(result) in self.floats and self.floats[id(result)][0] is result:
            return ("float", self._out(self.floats[id(result)][1]))
        if isinstance(result, (tuple, list)):
            return (type(result).__name__, [self.result_structure(r) for r in result])
        if isinstance(result, dict):
            return ("dict", {k: self.result_structure(v) for k, v in result.items()})
        if type(result) is float:
            warnings.warn("tg.compile: the step returns a float the trace cannot follow (return loss or "
                          "loss.item()); the compiled step returns this value at every call", TracingWarning)
        return ("const", result)

    def _out(self, node: Node) -> int:
        self.outputs.append(node)
        return len(self.outputs) - 1

    def find_writebacks(self) -> None:
        """Writebacks: which tensors' data and grads the compiled step must set after each call."""
        self.data_writes: list[tuple[Any, Any]] = []  # (binding key, node or constant)
        self.grad_writes: list[tuple[Any, Any]] = []
        for t in self.data_written.values():
            data = raw_data(t)
            binding = self.bound.get(id(t))
            if isinstance(data, Sym) and binding is not None and data.node.variable is binding.node:
                continue  # changed in place: nothing to write back
            self.data_writes.append((self._target(t), self._written(data)))
        for t in self.grad_written.values():
            grad = raw_grad(t)
            if grad is None:
                self.grad_writes.append((self._target(t), None))
            else:
                self.grad_writes.append((self._target(t), self._written(raw_data(grad))))
        for name in self.value_guards:  # a value the trace assumed must not be one the step changes
            if any(target[1] is self.bindings[name].key for target, _ in self.data_writes):
                raise TracingError(
                    f"tg.compile: the step changes {name}, whose value it also uses outside tinygrad_edu's ops")

    def _written(self, data: Any) -> Any:
        """What a tensor attribute gets after each call: an output of the function, or a constant."""
        return self._out(data.node) if isinstance(data, Sym) else ("const", data)

    def _target(self, t: Tensor) -> Any:
        """How the compiled step finds tensor t at each call: ('input', i) or ('tensor', t)."""
        binding = self.bound.get(id(t))
        if binding is not None and binding.kind == "input":
            return ("input", binding.key)
        return ("tensor", t)

    def restore(self) -> None:
        """Put real arrays back into every tensor the trace touched."""
        for t in self.keep:
            if not isinstance(t, Tensor) or not is_set(_DATA, t):
                continue
            data = raw_data(t)
            if isinstance(data, Sym):
                _DATA.__set__(t, data.value)
            elif isinstance(data, SymFloat):
                _DATA.__set__(t, np.asarray(float(data)))
        for key, (t, original) in self.grad_originals.items():
            if key not in self.grad_written:
                _GRAD.__set__(t, original)
