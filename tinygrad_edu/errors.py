"""The library's exceptions: each names the op and the shapes or dtypes that went wrong."""

from __future__ import annotations

__all__ = ["ShapeError", "DtypeError", "ArgumentError", "SerializationError", "LinAlgError"]


class ShapeError(ValueError, RuntimeError):
    """Shapes that do not fit the op, e.g. `matmul: shapes (4, 3) and (2, 1) do not align (3 != 2)`.

    It is both a ValueError (what NumPy raises for bad shapes) and a RuntimeError (what PyTorch
    raises), so code written for either catches it.
    """


class DtypeError(TypeError, RuntimeError):
    """A dtype the op cannot take, e.g. `requires_grad=True` on an integer tensor.

    It is both a TypeError and a RuntimeError (what PyTorch raises), so code written for either
    catches it.
    """


class ArgumentError(ValueError, RuntimeError):
    """An argument outside the values an op accepts, e.g. `arange(0, 5, 0)` or `clamp()` with no bound.

    Both a ValueError (what Python raises for a bad value) and a RuntimeError (what PyTorch raises),
    as ShapeError is.
    """


class SerializationError(ValueError, RuntimeError):
    """A file `tg.load` cannot read (not an .npz, a malformed structure, pickled data), or a value
    `tg.save` cannot write in a form that reads back the same (e.g. a key holding a NUL character).

    A ValueError (what NumPy raises for a file it cannot parse) and a RuntimeError, as ShapeError is.
    """


class LinAlgError(RuntimeError):
    """A matrix a linear-algebra op cannot take: singular for inv and solve, not positive-definite for
    cholesky, e.g. `linalg.inv: the input of shape (2, 2) is singular`. A RuntimeError, as PyTorch's
    torch.linalg.LinAlgError is (tg.linalg.LinAlgError is this class).
    """
