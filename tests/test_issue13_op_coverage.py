"""Issue 13's op list, checked against the tables: each op exists, each differentiable one has a gradcheck row
(test_gradcheck_ops.py) and a PyTorch parity row that compares values, gradients and result dtype
(test_torch_parity.py's OPS, test_torch_parity_surface.py's ROWS), and each of the others is called in a
parity test. The list below is the issue's, copied once; a missing op is a failing test that names it.

An op counts as covered by a row when the row's source calls it by name (`x.flip(`, `lib.flip(`, `F.pad(`):
the rows are read with `inspect.getsource`, so a new row is seen without editing this file. Without torch the
parity tables cannot be imported: those checks skip, the gradcheck ones still run.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import tinygrad_edu as tg

# The "Ops" section of issue 13, one line per group; operators by their method names (// is floor_divide,
# & is bitwise_and and so on), F.pad as pad, tg.linalg.norm/vector_norm as norm/vector_norm.
ISSUE_OPS = {
    "elementwise": """sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp2 expm1 log2 log10 log1p
        rsqrt erf erfc floor ceil round trunc frac sign reciprocal square lerp logaddexp hypot copysign
        floor_divide fmod remainder isnan isinf isfinite logical_and logical_or logical_not logical_xor
        bitwise_and bitwise_or bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift nan_to_num""",
    "reductions and scans": """prod all any var std std_mean var_mean norm vector_norm cumsum cumprod cummax cummin
        logcumsumexp amax amin argmax argmin median mode count_nonzero""",
    "sorting and selection": "sort argsort topk kthvalue unique",
    "shape": """flip roll repeat repeat_interleave tile tril triu diag diagonal trace unflatten unfold narrow
        movedim swapaxes meshgrid broadcast_tensors pad view contiguous clone""",
    "indexing": """scatter scatter_add scatter_reduce index_select index_add index_copy masked_fill masked_select
        masked_scatter nonzero take gather einsum""",
}
NAMES = [name for group in ISSUE_OPS.values() for name in group.split()]

# the issue's creation functions, Tensor methods and in-place methods: each called in a parity test (the
# in-place ones on graph tensors, with their gradients, in test_torch_parity_surface.py)
ISSUE_SURFACE = """Generator manual_seed randint randperm multinomial normal bernoulli rand_like randn_like randint_like
    empty eye logspace full zeros_like nelement dim size type type_as new_zeros new_ones new_full new_tensor to cpu
    float double long int bool half tolist item eq ne lt gt ge le allclose isclose equal add_ sub_ mul_ div_ pow_
    clamp_ zero_ fill_ copy_ uniform_ normal_ masked_fill_ index_add_ scatter_ requires_grad_ detach_""".split()

# no gradient in PyTorch: bool, integer or index results (and // and the bitwise ops, which refuse floats)
NO_GRADIENT = set(
    """floor_divide isnan isinf isfinite logical_and logical_or logical_not logical_xor bitwise_and bitwise_or
    bitwise_xor bitwise_not bitwise_left_shift bitwise_right_shift all any argmax argmin count_nonzero argsort
    unique nonzero""".split()
)
# the operator spelling of a name counts as calling it
OPERATORS = {
    "floor_divide": "//",
    "remainder": "%",
    "bitwise_and": "&",
    "bitwise_or": "|",
    "bitwise_xor": "^",
    "bitwise_not": "~",
    "bitwise_left_shift": "<<",
    "bitwise_right_shift": ">>",
}


def _calls(name: str, source: str) -> bool:
    if re.search(rf"\b{name}\(", source):
        return True
    return name in OPERATORS and OPERATORS[name] in source


def _row_sources(fns) -> str:
    return "\n".join(inspect.getsource(fn) for fn in fns)


def _gradcheck_source() -> str:
    from test_gradcheck_ops import OPS

    return _row_sources(op.fn for op in OPS)


def _gradient_parity_source() -> str:
    from test_torch_parity import OPS
    from test_torch_parity_surface import ROWS

    return _row_sources([fn for fn, _, _ in OPS.values()] + [row.fn for row in ROWS])


def _any_parity_source() -> str:
    here = Path(__file__).parent
    return "\n".join(p.read_text() for p in sorted(here.glob("test_torch_parity*.py")))


@pytest.mark.parametrize("name", NAMES)
def test_the_issues_op_exists_in_torchs_places(name) -> None:
    places = [tg, tg.Tensor, tg.nn.functional, tg.linalg]
    assert any(hasattr(place, name) for place in places), f"{name}: not in tg, Tensor, F or tg.linalg"


@pytest.mark.parametrize("name", sorted(set(NAMES) - NO_GRADIENT))
def test_a_differentiable_op_has_a_gradcheck_row(name) -> None:
    assert _calls(name, _gradcheck_source()), f"{name}: no row of tests/test_gradcheck_ops.py calls it"


@pytest.mark.parametrize("name", sorted(set(NAMES) - NO_GRADIENT))
def test_a_differentiable_op_is_compared_with_torch_with_its_gradient(name) -> None:
    assert _calls(name, _gradient_parity_source()), (
        f"{name}: no row of test_torch_parity.py's OPS or test_torch_parity_surface.py's ROWS calls it"
    )


@pytest.mark.parametrize("name", sorted(NO_GRADIENT))
def test_an_op_without_gradient_is_compared_with_torch(name) -> None:
    assert _calls(name, _any_parity_source()), f"{name}: no test_torch_parity*.py file calls it"


@pytest.mark.parametrize("name", ISSUE_SURFACE)
def test_the_issues_creation_functions_and_methods_exist_and_are_compared_with_torch(name) -> None:
    assert hasattr(tg, name) or hasattr(tg.Tensor, name), f"{name}: not in tg or Tensor"
    assert _calls(name, _any_parity_source()), f"{name}: no test_torch_parity*.py file calls it"


def test_the_list_has_no_repeats() -> None:
    assert len(NAMES) == len(set(NAMES)) and NO_GRADIENT <= set(NAMES)
