"""Autograd semantics: backward, accumulation, shared subgraphs, grad mode, detach, custom ops, errors."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.ops import Linear

# ---- backward() -------------------------------------------------------------------------------


def test_backward_of_a_non_scalar_without_gradient_is_a_runtime_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()


def test_backward_of_a_tensor_that_does_not_require_grad_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="requires_grad"):
        (tg.tensor([1.0]) * 2).sum().backward()


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)])
def test_backward_with_a_gradient_works_for_any_shape(shape):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(shape)
    x = tg.tensor(rng.standard_normal(shape), requires_grad=True, dtype=tg.float64)
    g = rng.standard_normal(shape)
    (x * w).backward(gradient=g)  # the vector-Jacobian product g^T d(x w)/dx = g w
    np.testing.assert_allclose(x.grad.data, g * w)


def test_backward_gradient_may_be_a_tensor_or_a_list_and_must_have_the_outputs_shape():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(tg.tensor([1.0, -1.0]))
    (x * 3).backward([2.0, 0.0])
    np.testing.assert_array_equal(x.grad.data, [9.0, -3.0])
    with pytest.raises(tg.ShapeError, match=r"\(3,\).*\(2,\)"):
        (x * 3).backward(np.ones(3))


def test_a_leaf_can_call_backward_on_itself():
    x = tg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_gradients_accumulate_until_zeroed():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2 * 1 + 3, 2 * 2 + 3])  # 2x + 3
    x.grad.zero_()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_each_leaf_owns_its_gradient_array():
    # Add hands the same array to both inputs and Sum a read-only broadcast view; zeroing or
    # updating one leaf's grad in place must not touch another's, nor fail.
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0], dtype=np.float32)
    (a + b).backward(seed)
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    b.grad.data *= 5  # what an optimizer's in-place step does
    np.testing.assert_array_equal(seed, [1.0, 1.0])  # the caller's gradient is untouched
    s = tg.tensor(2.0, requires_grad=True)
    (s * 3).backward()
    (s * 3).backward()
    assert isinstance(s.grad.data, np.ndarray) and s.grad.item() == 6.0
    s.grad.zero_()
    assert s.grad.item() == 0.0


# ---- graphs with shared parts -----------------------------------------------------------------


def test_a_tensor_used_twice_gets_the_sum_of_both_gradients():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()  # d x^2 / dx = 2x
    np.testing.assert_array_equal(x.grad.data, [2.0, -4.0, 6.0])
    x.grad = None
    (x + x).sum().backward()  # d 2x / dx = 2
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
    x.grad = None
    y = x * 3  # an intermediate used twice: d (3x)^2 / dx = 18x
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [18.0, -36.0, 54.0])


def test_diamond_graph():
    # x -> a = 2x and b = exp(x) -> c = a * b:  dc/dx = 2 exp(x) + 2x exp(x)
    x = tg.tensor([0.5, -1.0], requires_grad=True, dtype=tg.float64)
    a, b = x * 2, x.exp()
    (a * b).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(x.data) * (1 + x.data))


def test_deep_diamond_shares_one_intermediate_among_many_paths():
    # h = x^2 feeds three branches: f = exp(h) + log(h) + h h, so df/dx = (exp(h) + 1/h + 2h) 2x
    x = tg.tensor([0.7, 1.3], requires_grad=True, dtype=tg.float64)
    h = x * x
    (h.exp() + h.log() + h * h).sum().backward()
    hv = x.data**2
    np.testing.assert_allclose(x.grad.data, (np.exp(hv) + 1 / hv + 2 * hv) * 2 * x.data)


def _chain_then_rejoin(x):
    h = x * x
    return h.exp().exp() * h  # h waits while the chain exp(exp(h)) is walked


def _long_branch_first(x):
    a = (x * 2).exp().sin()  # a chain of three ops, recorded before the other branch
    return a + x.cos()


def _short_branch_first(x):
    b = x.cos()
    return (x * 2).exp().sin() + b


# The walk holds the one waiting op of a chain outside its heap and moves it onto the heap when a second op
# waits: these graphs switch between the two, and each gradient is the formula's.
WALK_CASES = [
    (_chain_then_rejoin, lambda x: (np.exp(np.exp(x * x) + x * x) * x * x + np.exp(np.exp(x * x))) * 2 * x),
    (_long_branch_first, lambda x: np.cos(np.exp(2 * x)) * np.exp(2 * x) * 2 - np.sin(x)),
    (_short_branch_first, lambda x: np.cos(np.exp(2 * x)) * np.exp(2 * x) * 2 - np.sin(x)),
]


@pytest.mark.parametrize("build, derivative", WALK_CASES, ids=[f.__name__ for f, _ in WALK_CASES])
def test_walk_of_chains_that_branch_and_rejoin(build, derivative):
    x = tg.tensor([0.3, -0.8, 0.5], requires_grad=True, dtype=tg.float64)
    build(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, derivative(x.data), rtol=1e-12)


def test_a_branch_that_does_not_reach_the_output_gets_no_gradient():
    x = tg.tensor([1.0], requires_grad=True)
    y = tg.tensor([2.0], requires_grad=True)
    _unused = y * 5
    (x * 2).sum().backward()
    assert y.grad is None


# ---- gradients where an op has no derivative: PyTorch's conventions ----------------------------

# (op, input, the gradient of out.sum()); at a kink the gradient is a choice, and these are PyTorch's.
KINKS = [
    ("relu at 0 gives 0", lambda x: x.relu(), [-1.0, 0.0, 2.0], [0.0, 0.0, 1.0]),
    ("abs at 0 gives 0", lambda x: x.abs(), [-1.0, 0.0, 2.0], [-1.0, 0.0, 1.0]),
    ("clamp passes its bounds", lambda x: x.clamp(0.0, 1.0), [-1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 0.0]),
    ("max shares ties evenly", lambda x: x.max(), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    (
        "amin over a dim shares ties evenly",
        lambda x: x.amin(dim=1),
        [[2.0, 2.0, 2.0], [0.0, 1.0, 0.0]],
        [[1 / 3, 1 / 3, 1 / 3], [0.5, 0.0, 0.5]],
    ),
    (
        "min over a dim picks the first tied element",
        lambda x: x.min(dim=1).values,
        [[2.0, 2.0, 2.0], [0.0, 1.0, 0.0]],
        [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
    ),
    ("maximum splits a tie", lambda x: tg.maximum(x, tg.tensor([1.0, 1.0])), [1.0, 2.0], [0.5, 1.0]),
    ("minimum splits a tie", lambda x: tg.minimum(x, 1.0), [1.0, 2.0], [0.5, 0.0]),
    ("x ** 2 at 0 gives 0", lambda x: x**2, [0.0], [0.0]),
    ("0 ** x: d/dx is 0, not nan", lambda x: 0.0**x, [2.0], [0.0]),
]


@pytest.mark.parametrize("name, fn, values, gradient", KINKS, ids=[k[0] for k in KINKS])
def test_gradients_at_kinks_follow_pytorch(name, fn, values, gradient):
    x = tg.tensor(values, requires_grad=True, dtype=tg.float64)
    fn(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, gradient, rtol=1e-12)


# ---- what records a graph -------------------------------------------------------------------


def test_ops_on_constants_build_no_graph():
    c = tg.tensor([1.0, 2.0])
    for result in [c * 2, c + c, c.exp(), c.sum(), c @ c, c[0], tg.cat([c, c]), c.reshape(2, 1)]:
        assert result.grad_fn is None and not result.requires_grad
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert (c * x).grad_fn is not None  # one input that requires grad is enough


def test_results_that_are_not_floating_point_never_require_grad():
    x = tg.tensor([1.5, -2.5], requires_grad=True)
    for result in [x.long(), x.int(), x.bool(), x > 0, x.argmax()]:
        assert not result.requires_grad and result.grad_fn is None
    assert x.long().dtype == np.int64


def test_no_grad_as_a_context_manager_records_nothing():
    x = tg.tensor([1.0], requires_grad=True)
    assert tg.is_grad_enabled()
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_as_a_decorator_records_nothing():
    @tg.no_grad()
    def double(t):
        return t * 2

    x = tg.tensor([1.0], requires_grad=True)
    y = double(x)
    assert y.grad_fn is None and not y.requires_grad
    assert tg.is_grad_enabled()  # restored after the call
    assert double.__name__ == "double"


def test_grad_mode_is_per_thread_so_no_grad_in_one_thread_leaves_another_recording():
    import threading

    inside, recorded, done = threading.Event(), [], threading.Event()

    def evaluate():
        with tg.no_grad():
            inside.set()
            done.wait(5)

    worker = threading.Thread(target=evaluate)
    worker.start()
    inside.wait(5)  # the other thread is inside no_grad() now
    x = tg.tensor([1.0], requires_grad=True)
    recorded.append((x * 2).requires_grad)
    assert tg.is_grad_enabled()
    done.set()
    worker.join()
    assert recorded == [True]


def test_threads_leaving_no_grad_in_overlapping_order_leave_grad_mode_on():
    import threading

    steps = [threading.Event() for _ in range(3)]
    after = {}

    def first():  # enters, then leaves after the second thread entered
        with tg.no_grad():
            steps[0].set()
            steps[1].wait(5)
        after["first"] = tg.is_grad_enabled()
        steps[2].set()

    def second():  # enters after the first, leaves after the first left
        steps[0].wait(5)
        with tg.no_grad():
            steps[1].set()
            steps[2].wait(5)
        after["second"] = tg.is_grad_enabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert after == {"first": True, "second": True} and tg.is_grad_enabled()


def test_anomaly_mode_is_per_thread():
    import threading

    seen = []
    with tg.detect_anomaly():
        worker = threading.Thread(target=lambda: seen.append(tg.is_anomaly_enabled()))
        worker.start()
        worker.join()
        assert tg.is_anomaly_enabled()
    assert seen == [False]


def test_no_grad_on_a_generator_function_applies_inside_the_generator():
    x = tg.tensor([1.0], requires_grad=True)

    @tg.no_grad()
    def doubled(n):
        for _ in range(n):
            yield x * 2

    @tg.no_grad
    def bare():
        yield x * 2

    assert [y.requires_grad for y in doubled(2)] == [False, False]
    assert [y.requires_grad for y in bare()] == [False]
    assert tg.is_grad_enabled()  # and the caller's mode between the items, as in PyTorch
    with tg.no_grad():
        assert [y.requires_grad for y in tg.enable_grad()(doubled.__wrapped__)(1)] == [True]


def test_grad_mode_is_restored_when_the_block_raises():
    with pytest.raises(KeyError):
        with tg.no_grad():
            raise KeyError("boom")
    assert tg.is_grad_enabled()


def test_enable_grad_inside_no_grad_records_again():
    x = tg.tensor([3.0], requires_grad=True)
    with tg.no_grad():
        with tg.enable_grad():
            y = x * x
        z = x * x

    @tg.enable_grad()
    def square(t):
        return t * t

    with tg.no_grad():
        w = square(x)
    assert y.grad_fn is not None and z.grad_fn is None and w.grad_fn is not None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0])


def test_set_grad_enabled_as_a_context_manager():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
        with tg.set_grad_enabled(True):
            assert (x * 2).grad_fn is not None
    assert tg.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = tg.tensor([2.0, 5.0], requires_grad=True)
    y = x * x
    # y.detach() is a constant 4, 25: only the last term carries a gradient back to x
    (y.detach() * 3 + x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


# ---- retain_graph -------------------------------------------------------------------------


def test_backward_twice_without_retain_graph_is_a_runtime_error():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])  # 2 * 2x


# ---- a long chain: the backward walk is iterative -------------------------------------------


def test_a_chain_of_100_000_ops_differentiates_without_recursion_error():
    n, c = 100_000, 1.00001
    x = tg.tensor(1.0, requires_grad=True, dtype=tg.float64)
    y = x
    for _ in range(n):
        y = y * c
    y.backward()
    np.testing.assert_allclose(x.grad.item(), c**n, rtol=1e-9)  # d (c^n x) / dx = c^n


CHAIN_STEPS = [  # (one step of a chain, the ops it records)
    ("x * c", lambda y, c: y * c, 1),
    ("x * 0.5 + 1.0", lambda y, c: y * 0.5 + 1.0, 2),
    ("x.exp()", lambda y, c: y.exp(), 1),
    ("x @ c", lambda y, c: y @ c, 1),
]


@pytest.mark.parametrize("step, ops", [row[1:] for row in CHAIN_STEPS], ids=[row[0] for row in CHAIN_STEPS])
def test_each_op_leaves_two_objects_for_the_cycle_collector(step, ops):
    # the output Tensor and the op, which keeps its inputs itself rather than in a tuple of their own:
    # the collector's time on a long graph grows with this count (issue 16)
    x = tg.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    c = tg.tensor(np.ones((2, 2), np.float32))
    gc.collect()
    before = len(gc.get_objects())
    y = x
    with np.errstate(over="ignore", invalid="ignore"):  # (1,000 exps or matmuls of ones overflow: only counted here)
        for _ in range(1000):
            y = step(y, c)
    gc.collect()  # (which also untracks the tuples that hold only arrays: what each op saved)
    assert (len(gc.get_objects()) - before) / (1000 * ops) == pytest.approx(2, abs=0.01)


@pytest.mark.parametrize("inputs", [(1.0,), (1.0, 2.0), (1.0, 2.0, 3.0)], ids=["one", "two", "three"])
def test_an_op_gives_back_its_inputs_as_the_tuple_it_was_applied_to(inputs):
    class Total(tg.Function):
        def forward(self, *xs):
            return sum(xs)

        def backward(self, grad_out):
            return (grad_out,) * len(self.inputs)

    given = [tg.tensor(v, requires_grad=True) for v in inputs]
    out = Total.apply(*given)
    assert type(out.grad_fn.inputs) is tuple and len(out.grad_fn.inputs) == len(given)
    assert all(a is b for a, b in zip(out.grad_fn.inputs, given))
    out.backward()
    assert [t.grad.item() for t in given] == [1.0] * len(given)
    out.grad_fn.inputs = given[:1]  # set from outside (as a PyTorch-style Function's node is): read back as set
    assert out.grad_fn.inputs == (given[0],)


# ---- dtypes through the graph -----------------------------------------------------------


def test_double_of_a_float32_leaf_sends_a_float32_gradient_back():
    x = tg.tensor([1.5, -0.5], requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [3.0, -1.0])


def test_a_float64_operand_does_not_change_the_dtype_of_a_float32_leafs_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * np.array([0.5, 0.25])).sum().backward()  # the product is float64
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [0.5, 0.25])


# ---- a user's own op takes part like the engine's ----------------------------------------


class Cube(tg.Function):
    """x^3, defined exactly as the library's own ops are."""

    def forward(self, x):
        self.save(x)
        return x**3

    def backward(self, grad_out):
        (x,) = self.saved
        return grad_out * 3 * x**2  # d x^3 / dx = 3 x^2


class ScaledAdd(tg.Function):
    """a + scale * b, with an option and a gradient skipped when not needed."""

    def forward(self, a, b, scale=1.0):
        self.scale = scale
        return a + scale * b

    def backward(self, grad_out):
        need_a, need_b = self.needs_input_grad
        return (grad_out if need_a else None), (grad_out * self.scale if need_b else None)


def test_a_custom_function_takes_part_in_backward():
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    (Cube.apply(x) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 24.0])  # 2 * 3x^2
    a = tg.tensor([[1.0, 2.0]], requires_grad=True)
    b = tg.tensor([5.0, 6.0, 7.0])  # a constant: needs no gradient
    out = ScaledAdd.apply(a.T, b, scale=0.5)  # (2, 1) + (3,): the engine unbroadcasts
    assert out.shape == (2, 3)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[3.0, 3.0]])
    assert b.grad is None


def test_a_custom_function_passes_gradcheck():
    x = tg.tensor([0.3, -1.2, 2.0], requires_grad=True, dtype=tg.float64)
    y = tg.tensor([1.0, 2.0, -0.5], requires_grad=True, dtype=tg.float64)
    assert tg.gradcheck(lambda x: Cube.apply(x), [x])
    assert tg.gradcheck(lambda a, b: ScaledAdd.apply(a, b, scale=-3.0), [x, y])


def test_a_custom_function_records_nothing_under_no_grad():
    x = tg.tensor([2.0], requires_grad=True)
    with tg.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_array_equal(y.data, [8.0])


# ---- errors that name the op and the shapes ----------------------------------------------------

# (what the user did, the exception, words the message must contain)
MISTAKES = [
    (lambda: tg.ones(4, 3) @ tg.ones(2, 1), tg.ShapeError, ["matmul", "(4, 3)", "(2, 1)"]),
    (lambda: tg.ones(2, 3, 4) @ tg.ones(5, 4, 2), tg.ShapeError, ["matmul", "(2, 3, 4)", "(5, 4, 2)"]),
    (lambda: tg.ones(3) @ tg.tensor(2.0), tg.ShapeError, ["matmul", "(3,)", "()"]),
    (lambda: tg.ones(2, 3) + tg.ones(4), tg.ShapeError, ["Add", "(2, 3)", "(4,)"]),
    (lambda: tg.ones(2, 3) * np.ones((3, 2)), tg.ShapeError, ["Mul", "(2, 3)", "(3, 2)"]),
    (lambda: tg.maximum(tg.ones(2), tg.ones(3)), tg.ShapeError, ["Maximum", "(2,)", "(3,)"]),
    (lambda: tg.where(np.ones(4, bool), tg.ones(2), 0.0), tg.ShapeError, ["Where", "(4,)", "(2,)"]),
    (lambda: tg.ones(2, 3) < tg.ones(4), tg.ShapeError, ["<", "(2, 3)", "(4,)"]),
    (lambda: Linear.apply(tg.ones(5, 3), tg.ones(4, 2)), tg.ShapeError, ["Linear", "(5, 3)", "(4, 2)"]),
    (lambda: tg.ones(2, 3).reshape(4, 2), tg.ShapeError, ["reshape", "(2, 3)", "(4, 2)"]),
    (lambda: tg.ones(2, 3).reshape(-1, 4), tg.ShapeError, ["reshape", "(2, 3)"]),
    (lambda: tg.ones(2, 3).reshape(-1, -1), tg.ShapeError, ["reshape", "(2, 3)", "(-1, -1)"]),
    (lambda: tg.ones(2, 3).reshape(-2, -3), tg.ShapeError, ["reshape", "(2, 3)", "(-2, -3)"]),
    (lambda: tg.ones(0, 3).reshape(-1, 0), tg.ShapeError, ["reshape", "(0, 3)", "(-1, 0)"]),  # -1 could be anything
    (lambda: tg.ones(3) @ tg.ones(4), tg.ShapeError, ["matmul", "(3,)", "(4,)"]),
    (lambda: tg.ones(2, 3) @ tg.ones(2), tg.ShapeError, ["matmul", "(2, 3)", "(2,)"]),
    (lambda: tg.ones(2, 3).expand(4, 3), tg.ShapeError, ["expand", "(2, 3)", "(4, 3)"]),
    (lambda: tg.cat([tg.ones(2, 3), tg.ones(2, 4)]), tg.ShapeError, ["cat", "(2, 3)", "(2, 4)"]),
    (lambda: tg.cat([tg.ones(2, 3), tg.ones(3)]), tg.ShapeError, ["cat", "(2, 3)", "(3,)"]),
    (lambda: tg.stack([tg.ones(2), tg.ones(3)]), tg.ShapeError, ["stack", "(2,)", "(3,)"]),
    (lambda: tg.ones(2, 3).permute(0, 0), tg.ShapeError, ["permute", "(2, 3)"]),
    (lambda: tg.ones(2, 3).sum(dim=2), IndexError, ["sum", "dim 2"]),
    (lambda: tg.ones(2, 3).max(dim=-3), IndexError, ["max", "dim -3"]),
    (lambda: tg.ones(2, 3).softmax(dim=5), IndexError, ["softmax", "dim 5"]),
    (lambda: tg.ones(2, 3).transpose(0, 2), IndexError, ["transpose", "dim 2"]),
    (lambda: tg.ones(2, 3).unsqueeze(3), IndexError, ["unsqueeze", "dim 3"]),
    (lambda: tg.cat([tg.ones(2), tg.ones(2)], dim=1), IndexError, ["cat", "dim 1"]),
    (lambda: tg.ones(2, 3)[5], IndexError, ["(2, 3)"]),
    (lambda: tg.ones(2, 3)[0:1, 7], IndexError, ["(2, 3)", "7"]),
    (lambda: tg.ones(2, 3)[[0, 5]], IndexError, ["(2, 3)"]),
    (lambda: tg.ones(2, 3)[0, [0, 3]], IndexError, ["(2, 3)"]),  # ints first, then arrays, as PyTorch
    (lambda: tg.ones(2, 3).item(), tg.ShapeError, ["item", "(2, 3)"]),
]


@pytest.mark.parametrize("mistake, error, words", MISTAKES, ids=[", ".join(w) for _, _, w in MISTAKES])
def test_a_mistake_is_caught_at_the_op_with_a_message_naming_it_and_the_shapes(mistake, error, words):
    with pytest.raises(error) as caught:
        mistake()
    message = str(caught.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"
    # the user sees our message, not a chained NumPy traceback from inside the engine
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


def test_shape_error_is_both_a_value_error_and_a_runtime_error():
    with pytest.raises(ValueError):
        tg.ones(2, 3) + tg.ones(4)
    with pytest.raises(RuntimeError):
        tg.ones(2, 3) + tg.ones(4)


def test_a_shape_error_in_a_custom_function_names_it():
    class Outer(tg.Function):
        def forward(self, a, b):
            return np.outer(a, b) + a  # (3, 2) + (3,): a user's bug

        def backward(self, grad_out):
            return None, None

    with pytest.raises(tg.ShapeError, match=r"Outer.*\(3,\).*\(2,\)"):
        Outer.apply(tg.ones(3), tg.ones(2))


# ---- the same computations in PyTorch, when it is installed (an extra cross-check only) ----------

# Each fn is written with names both libraries share, so one lambda runs in both.
TORCH_CASES = [
    ("mlp", lambda x, w, b: ((x @ w + b).tanh() @ w.T).sigmoid().sum(), [(4, 3), (3, 3), (3,)]),
    ("softmax cross-entropy", lambda z, t: -(z.log_softmax(dim=1) * t).sum() / 4, [(4, 5), (4, 5)]),
    (
        "reductions",
        lambda x: x.amax(dim=1).sum() + x.mean(dim=(0, 2)).exp().sum() + x.logsumexp(dim=2).sum(),
        [(2, 3, 4)],
    ),
    ("indexing and broadcasting", lambda x, y: (x[:, [0, 0, 2]] * y[None, :3]).clamp(-1.0, 1.0).sum(), [(4, 3), (5,)]),
    ("maximum, where, abs, pow", lambda a, b: (a.maximum(b) + (a.abs() + 1.0) ** b - b.relu()).sum(), [(3, 4), (4,)]),
]


@pytest.mark.parametrize("name, fn, shapes", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_gradients_match_pytorch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours = [tg.tensor(a, requires_grad=True, dtype=tg.float64) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    fn(*ours).backward()
    fn(*theirs).backward()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.data, reference.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- pow at 0: PyTorch's conventions where the formula has 0 * inf ---------------------------------


def test_pow_with_exponent_0_has_gradient_0_everywhere_even_at_0():
    # x^0 = 1 for every x, so d/dx = 0; the formula 0 * x^(-1) would give nan at x = 0.
    x = tg.tensor([0.0, 2.0, -3.0], dtype=tg.float64, requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0])


def test_pow_gradient_in_the_exponent_at_base_0():
    # d(a^b)/db = a^b log(a): 0 where a = 0 and b >= 0 (a^b stays 0 or 1), inf * -inf = -inf where b < 0.
    a = tg.tensor([0.0, 0.0, 0.0, 2.0], dtype=tg.float64)
    b = tg.tensor([0.0, 2.0, -1.0, 3.0], dtype=tg.float64, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (a**b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.0, -np.inf, 8.0 * np.log(2.0)])


# ---- retain_grad: the gradient of an intermediate tensor -----------------------------------------


def test_retain_grad_keeps_an_intermediate_gradient_and_accumulates_it():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    assert h.retains_grad and not (x * 3).retains_grad
    (h * h).sum().backward(retain_graph=True)
    np.testing.assert_array_equal(h.grad.numpy(), 2 * h.detach().numpy())  # d sum(h^2)/dh = 2h
    np.testing.assert_array_equal(x.grad.numpy(), 8 * x.detach().numpy())  # and x's is unchanged by it
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), 4 * h.detach().numpy())  # accumulates, like a leaf's
    unretained = x * 5
    (unretained * 1).sum().backward()
    assert unretained.grad is None


def test_a_retained_gradient_is_its_own_array():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x + 0
    h.retain_grad()
    (h + x).sum().backward()  # the same gradient array reaches h, then x through Add
    h.grad.data[0] = 100.0
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_retain_grad_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="retain_grad"):
        tg.ones(2).retain_grad()


@pytest.mark.parametrize(
    "value, error, words",
    [
        (0.0, TypeError, "expected to be a Tensor or None but got grad of type float"),
        (tg.zeros(3), tg.ShapeError, "different size: shape (3,) for a tensor of shape (2, 3)"),
        (tg.zeros(1, 3), tg.ShapeError, "different size: shape (1, 3)"),
        (tg.zeros(2, 3, dtype=tg.float64), tg.DtypeError, "different type: float64 for a tensor of dtype float32"),
    ],
)
def test_assigning_a_wrong_grad_is_refused_at_once_as_pytorch(value, error, words):
    x = tg.ones(2, 3, requires_grad=True)
    with pytest.raises(error) as caught:
        x.grad = value
    assert words in str(caught.value) and x.grad is None
    x.grad = tg.full((2, 3), 5.0)  # a right one is kept, and backward adds to it
    (x * 2).sum().backward()
    assert x.grad.tolist() == [[7.0] * 3] * 2


@pytest.mark.parametrize("flag", [True, np.True_, 1], ids=["bool", "numpy bool", "int"])
def test_requires_grad_assigned_a_bool_like_value_records_one_and_two_input_ops(flag):
    # apply looks requires_grad up in its table of needs_input_grad tuples: any value equal to True finds it
    x = tg.tensor([1.0, 2.0])
    x.requires_grad = flag
    ((x * x).exp() * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, 4 * x.data * np.exp(x.data**2), rtol=1e-6)
