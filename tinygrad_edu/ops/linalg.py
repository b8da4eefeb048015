"""Matrix products: matmul (NumPy's rules for vectors, matrices and batches) and linear (x W^T + b)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


def _matmul(a, b):
    """np.matmul(a, b); for two ndarray matrices, the usual case, np.dot: the same product, with less setup
    before BLAS is called (a (4, 2) @ (2, 4) float64 1.6 -> 1.0 us; the MLP's large ones take the same time)."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        return np.dot(a, b)
    return np.matmul(a, b)  # batches, vectors, and the other kinds of arrays (traced; Tensors in double backward)


class MatMul(Function):
    """a @ b with NumPy's rules: 1-D vectors, matrices, and batches of matrices that broadcast."""

    def forward(self, a, b):
        self.save(a, b)
        return _matmul(a, b)

    def backward(self, grad_out):
        # For C = A B: dA = dC B^T and dB = A^T dC. A 1-D operand is a row (on the left) or a column
        # (on the right) for the product, so it is promoted to 2-D here and squeezed back after.
        a, b = self.saved
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # two matrices, the usual case: .T is swapaxes's view (0.4 -> 0.05 us)
            return (_matmul(grad_out, b.T) if need_a else None), (_matmul(a.T, grad_out) if need_b else None)
        a2 = a[np.newaxis, :] if a.ndim == 1 else a
        b2 = b[:, np.newaxis] if b.ndim == 1 else b
        g = grad_out
        if b.ndim == 1:  # (first: for vector @ vector grad_out is 0-d and has no axis -2 yet)
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        grad_a = grad_b = None
        if need_a:
            grad_a = np.matmul(g, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]  # the batch axes that remain are summed by the engine
        if need_b:
            grad_b = np.matmul(np.swapaxes(a2, -1, -2), g)
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


class Linear(Function):
    """y = x W^T + b in one op, as torch.nn.functional.linear; x is (..., in), W (out, in), b (out,)."""

    def forward(self, x, weight, bias=None):
        self.save(x, weight)
        out = _matmul(x, weight.T)
        if bias is not None:
            if bias.dtype == out.dtype:
                out += bias  # in place: saves allocating a second (batch, out) array
            else:
                out = out + bias
        return out

    def backward(self, grad_out):
        # dx = g W, dW = g^T x (summed over every leading axis), db = sum of g over those axes
        x, weight = self.saved
        need_x, need_w = self.needs_input_grad[:2]
        has_bias = len(self.needs_input_grad) > 2
        if grad_out.ndim != 2:  # a batch of any shape (..., out) is a batch of rows for dW and db
            grad_out2, x = grad_out.reshape(-1, grad_out.shape[-1]), x.reshape(-1, x.shape[-1])
        else:
            grad_out2 = grad_out
        grad_x = _matmul(grad_out, weight) if need_x else None
        grad_w = _matmul(grad_out2.T, x) if need_w else None
        if not has_bias:  # applied as Linear.apply(x, weight): one gradient per input
            return grad_x, grad_w
        grad_b = grad_out2.sum(axis=0) if self.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b
