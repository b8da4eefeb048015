"""einsum: a sum of products named by index labels ("ij,jk->ik" is a matrix product), and its gradient.

The gradient of operand k is itself an einsum: the output gradient times every other operand, summed
over the labels that operand k does not have ("ik,jk->ij" for the first operand of "ij,jk->ik"). Two
things need care: a label that only operand k has (summed away in the forward: its gradient is the
same along that axis, so a vector of ones brings the label back), and a label repeated in operand k
("ii->i", a diagonal: the gradient lands on the diagonal, so an identity matrix puts it there).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Einsum(Function):
    """np.einsum(equation, *operands) for an explicit equation "in1,in2,...->out" without "..."."""

    def forward(self, *operands, equation: str = ""):
        self.save(operands, equation)
        return np.einsum(equation, *operands)

    def backward(self, grad_out):
        operands, equation = self.saved
        inputs, output = equation.split("->")
        labels = inputs.split(",")
        sizes = {c: n for spec, x in zip(labels, operands) for c, n in zip(spec, x.shape)}
        grads = []
        for k, spec in enumerate(labels):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            specs = [output] + [s for i, s in enumerate(labels) if i != k]
            arrays = [grad_out] + [x for i, x in enumerate(operands) if i != k]
            present = set("".join(specs))
            unused = iter(c for c in _LETTERS if c not in sizes)
            target = ""
            for c in spec:
                if c in target:  # a repeated label: a fresh one, tied to the first by an identity matrix
                    fresh = next(unused)
                    specs.append(c + fresh)
                    arrays.append(np.eye(sizes[c], dtype=grad_out.dtype))
                    target += fresh
                    continue
                if c not in present:  # summed in operand k only: ones bring the axis back
                    specs.append(c)
                    arrays.append(np.ones_like(grad_out, shape=(sizes[c],)))
                    present.add(c)
                target += c
            grads.append(np.einsum(",".join(specs) + "->" + target, *arrays))
        return tuple(grads)
