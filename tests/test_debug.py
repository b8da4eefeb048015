"""Tests for the gradient debugging tools: check_grads, locate_bad_backward and detect_anomaly.

Every expected gradient here comes from a formula derived beside the test, from finite differences
computed in the test, or from the deliberate mistake in a broken op (a backward that is half the
true one gives a numerical / analytic ratio of exactly 2).
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.autograd import hooks
from tinygrad_edu.debug import (
    AnomalyError,
    BadBackward,
    GradReport,
    check_grads,
    detect_anomaly,
    is_anomaly_enabled,
    locate_bad_backward,
)


def next_line() -> int:
    """The number of the line after the caller's: where the op under test is created."""
    return sys._getframe(1).f_lineno + 1


@pytest.fixture(autouse=True)
def anomaly_mode_off():
    """A failing test must not leave anomaly mode on for the next one."""
    yield
    from tinygrad_edu.debug import anomaly

    anomaly._MODE.depth = 0
    anomaly._OPEN[0] = 0
    while any(type(w).__name__ == "_AnomalyWatcher" for w in hooks.watchers):
        hooks.watchers.remove(next(w for w in hooks.watchers if type(w).__name__ == "_AnomalyWatcher"))
    hooks.active = bool(hooks.watchers)


# ---- users' own ops: right and deliberately wrong ---------------------------------------------


class Square(tg.Function):
    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, grad_out):
        (x,) = self.saved
        return grad_out * 2 * x  # d x^2/dx = 2x


class BadSquare(tg.Function):
    """x^2 with the factor 2 forgotten: its gradient is exactly half the true one."""

    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, grad_out):
        (x,) = self.saved
        return grad_out * x


class BadCube(tg.Function):
    """x^3 with the gradient 2x instead of 3x^2 (the two agree only at x = 0 and x = 2/3)."""

    def forward(self, x):
        self.save(x)
        return x**3

    def backward(self, grad_out):
        (x,) = self.saved
        return grad_out * 2 * x


class ForgetsGradOut(tg.Function):
    """x^2 whose backward returns the derivative 2x without multiplying by grad_out."""

    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, grad_out):
        (x,) = self.saved
        return 2 * x


class SwappedMul(tg.Function):
    """a * b whose backward swaps the two gradients."""

    def forward(self, a, b):
        self.save(a, b)
        return a * b

    def backward(self, grad_out):
        a, b = self.saved
        return grad_out * a, grad_out * b


class ForgetsSecondInput(tg.Function):
    """a + b whose backward gives b no gradient."""

    def forward(self, a, b):
        return a + b

    def backward(self, grad_out):
        return grad_out, None


class UntransposedMatMul(ops.MatMul):
    """a @ b whose backward forgets to transpose b: right shape for square matrices, wrong values."""

    def backward(self, grad_out):
        a, b = self.saved
        return grad_out @ b, a.T @ grad_out


class Scale(tg.Function):
    """x * factor, with factor a keyword option (the op must be re-run with the same option)."""

    def forward(self, x, factor=1.0):
        self.factor = factor
        return x * factor

    def backward(self, grad_out):
        return grad_out * self.factor  # d(x * factor)/dx = factor


class ScaledBy(Scale):
    """x * factor whose backward deliberately uses factor + 1."""

    def backward(self, grad_out):
        return grad_out * (self.factor + 1)


# ---- a duck-typed model: anything with named_parameters() --------------------------------------


class TinyNet:
    """x -> activation(x W1 + b1) W2 + b2, with the activation a Function class (e.g. Square)."""

    def __init__(self, activation=Square, dtype=np.float32, seed=0):
        rng = np.random.default_rng(seed)
        self.activation = activation
        self.w1 = tg.tensor(rng.standard_normal((3, 5)) * 0.5, dtype=dtype, requires_grad=True)
        self.b1 = tg.tensor(rng.standard_normal(5) * 0.5, dtype=dtype, requires_grad=True)
        self.w2 = tg.tensor(rng.standard_normal((5, 2)) * 0.5, dtype=dtype, requires_grad=True)
        self.b2 = tg.tensor(rng.standard_normal(2) * 0.5, dtype=dtype, requires_grad=True)

    def named_parameters(self):
        return [("w1", self.w1), ("b1", self.b1), ("w2", self.w2), ("b2", self.b2)]

    def __call__(self, x):
        hidden = self.activation.apply(x @ self.w1 + self.b1)
        return hidden @ self.w2 + self.b2


def squared_error(model, x, y):
    return ((model(x) - y) ** 2).sum()


X = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
Y = np.random.default_rng(2).standard_normal((4, 2)).astype(np.float32)


# ---- check_grads --------------------------------------------------------------------------------


def test_check_grads_passes_a_correct_float32_model_and_reports_one_row_per_parameter():
    model = TinyNet()
    report = check_grads(model, squared_error, X, Y)
    assert isinstance(report, GradReport)
    assert report.ok and report.failed == [] and report.culprit is None
    assert [(row.name, row.shape) for row in report.rows] == [
        ("w1", (3, 5)),
        ("b1", (5,)),
        ("w2", (5, 2)),
        ("b2", (2,)),
    ]
    assert report.model_dtype == "float32" and report.checked_in == "float64"
    assert all(row.max_abs_err < 1e-6 for row in report.rows)


def test_the_numerical_gradient_is_the_textbook_one():
    # For loss = sum((x W + b - y)^2): d/dW = 2 x^T r and d/db = 2 sum_rows(r), with r = x W + b - y.
    class Affine:
        def __init__(self):
            self.w = tg.tensor(np.random.default_rng(3).standard_normal((3, 2)), requires_grad=True)
            self.b = tg.tensor([0.5, -1.0], requires_grad=True)

        def named_parameters(self):
            yield "weight", self.w
            yield "bias", self.b

        def __call__(self, x):
            return x @ self.w + self.b

    model = Affine()
    report = check_grads(model, squared_error, X, Y)
    x, y = X.astype(np.float64), Y.astype(np.float64)
    r = x @ model.w.data.astype(np.float64) + model.b.data.astype(np.float64) - y
    weight, bias = report.rows
    np.testing.assert_allclose(weight.numerical, 2 * x.T @ r, rtol=1e-7)
    np.testing.assert_allclose(bias.numerical, 2 * r.sum(axis=0), rtol=1e-7)
    np.testing.assert_allclose(weight.analytic, 2 * x.T @ r, rtol=1e-5)  # autograd ran in float64


def test_the_users_model_is_left_untouched():
    model = TinyNet()
    for _, p in model.named_parameters():
        p.grad = tg.tensor(np.full(p.shape, 7.0), dtype=np.float32)
    before = {name: (p.data, p.data.copy(), p.grad) for name, p in model.named_parameters()}
    check_grads(model, squared_error, X, Y)
    for name, p in model.named_parameters():
        data, values, grad = before[name]
        assert p.data is data and p.dtype == np.float32
        np.testing.assert_array_equal(p.data, values)
        assert p.grad is grad and np.all(p.grad.data == 7.0)


def test_float32_is_checked_correctly_where_differentiating_in_float32_fails():
    model = TinyNet()
    report = check_grads(model, squared_error, X, Y)
    assert report.ok
    # The same central difference taken in float32 itself (what a float32 gradcheck does): with a
    # step of 1e-6 the difference of two losses ~10 is all rounding, and the check fails.
    w1, eps = model.w1, np.float32(1e-6)
    naive = np.zeros(w1.shape)
    for index in np.ndindex(*w1.shape):
        original = w1.data[index]
        w1.data[index] = original + eps
        plus = squared_error(model, X, Y).item()
        w1.data[index] = original - eps
        minus = squared_error(model, X, Y).item()
        w1.data[index] = original
        naive[index] = (plus - minus) / (2 * eps)
    true = report.rows[0].numerical
    assert not np.allclose(naive, true, atol=1e-5, rtol=1e-3)


def test_pytorch_gradcheck_fails_on_a_correct_float32_function():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w = torch.tensor(rng.standard_normal((3, 5)), dtype=torch.float32, requires_grad=True)
    x = torch.tensor(X)
    with pytest.warns(UserWarning):  # torch itself warns that the input is not double precision
        assert not torch.autograd.gradcheck(lambda w: (x @ w).tanh().sum(), (w,), raise_exception=False)

    class Tanh:
        def __init__(self):
            self.w = tg.tensor(w.detach().numpy(), requires_grad=True)

        def named_parameters(self):
            yield "w", self.w

    assert check_grads(Tanh(), lambda m, x: (x @ m.w).tanh().sum(), X).ok


def test_step_and_tolerance_follow_the_precision_the_loss_is_computed_in():
    # A loss_fn that casts to float32 itself computes in float32 even on the float64 copy. check_grads
    # sees it from the loss's dtype and uses a larger step and looser tolerances; float64's settings
    # would fail this correct model.
    def float32_loss(model, x, y):
        return ((model(x).float() - y.float()) ** 2).sum()

    model = TinyNet()
    x, y = tg.tensor(X), tg.tensor(Y)
    report = check_grads(model, float32_loss, x, y)
    assert report.checked_in == "float32" and report.ok
    strict = check_grads(model, float32_loss, x, y, eps=1e-6, atol=1e-5, rtol=1e-3)
    assert not strict.ok
    assert check_grads(model, squared_error, X, Y).checked_in == "float64"


def test_explicit_step_and_tolerances_are_used():
    report = check_grads(TinyNet(), squared_error, X, Y, eps=1e-4, atol=1e-20, rtol=1e-20)
    assert (report.eps, report.atol, report.rtol) == (1e-4, 1e-20, 1e-20)
    assert not report.ok  # no finite difference agrees to 1e-20


def test_print_table_prints_the_report(capsys):
    report = check_grads(TinyNet(), squared_error, X, Y, print_table=True)
    printed = capsys.readouterr().out
    assert printed.strip() == str(report).strip()
    header = re.split(r"\s{2,}", printed.splitlines()[1].strip())
    assert header == ["parameter", "shape", "max abs err", "max rel err", "result"]
    for name in ("w1", "b1", "w2", "b2"):
        assert any(line.split()[0] == name and line.endswith("pass") for line in printed.splitlines())
    assert "all 4 parameters pass" in printed


def test_a_wrong_op_in_the_middle_fails_the_parameters_before_it_and_is_named():
    report = check_grads(TinyNet(activation=BadSquare), squared_error, X, Y)
    assert not report.ok
    # w1 and b1 get their gradient through BadSquare's backward; w2 and b2 come after it.
    assert report.failed == ["w1", "b1"]
    culprit = report.culprit
    assert isinstance(culprit, BadBackward) and culprit.name == "BadSquare"
    assert culprit.input_shapes == ((4, 5),) and culprit.input_index == 0
    assert culprit.numerical == pytest.approx(2 * culprit.analytic, rel=1e-6)  # the missing factor 2
    text = str(report)
    assert "2 of 4 parameters FAIL: w1, b1" in text
    assert "BadSquare (inputs of shape (4, 5)): backward disagrees with finite differences for input 0" in text


def test_an_unused_parameter_has_zero_gradient_and_passes():
    model = TinyNet()

    def first_layer_only(model, x):
        return (x @ model.w1).sum()

    report = check_grads(model, first_layer_only, X)
    assert report.ok
    for row in report.rows[1:]:
        assert np.all(row.analytic == 0) and np.all(row.numerical == 0)


def test_float_inputs_become_float64_and_integer_inputs_are_passed_as_they_are():
    # Cross-entropy with integer class labels: loss = mean(-log_softmax(logits)[i, label_i]).
    labels = np.array([0, 1, 1, 0])
    seen = []

    def cross_entropy(model, x, labels):
        seen.append((type(x), x.dtype, labels.dtype))
        return -model(x).log_softmax(dim=1)[np.arange(4), labels].mean()

    assert check_grads(TinyNet(), cross_entropy, X, labels).ok
    assert set(seen) == {(np.ndarray, np.dtype(np.float64), labels.dtype)}


@pytest.mark.parametrize(
    "bad_loss, message",
    [
        (lambda model, x, y: model(x) - y, "one-element Tensor, got shape (4, 2)"),
        (lambda model, x, y: 3.0, "one-element Tensor, got float"),
    ],
)
def test_loss_fn_must_return_a_one_element_tensor(bad_loss, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_grads(TinyNet(), bad_loss, X, Y)


def test_a_model_without_parameters_is_refused():
    class Empty:
        def named_parameters(self):
            return []

    with pytest.raises(ValueError, match="no parameter"):
        check_grads(Empty(), lambda m: tg.tensor(0.0))


def test_check_grads_on_nn_modules():
    nn = pytest.importorskip("tinygrad_edu.nn")
    if not all(hasattr(nn, name) for name in ("Sequential", "Linear")):
        pytest.skip("tinygrad_edu.nn has no Sequential and Linear yet")
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    report = check_grads(model, lambda m, x, y: ((m(x).tanh() - y) ** 2).mean(), X, Y)
    assert report.ok
    assert [row.name for row in report.rows] == [name for name, _ in model.named_parameters()]
    assert all(p.dtype == np.float32 for p in model.parameters())


# ---- locate_bad_backward ------------------------------------------------------------------------

rng = np.random.default_rng(4)
A = tg.tensor(rng.standard_normal((3, 4)), dtype=np.float64, requires_grad=True)
B = tg.tensor(rng.standard_normal((3, 4)), dtype=np.float64, requires_grad=True)
ROW = tg.tensor(rng.standard_normal((1, 4)), dtype=np.float64, requires_grad=True)
SQUARE = tg.tensor(rng.standard_normal((3, 3)), dtype=np.float64, requires_grad=True)
NEGATIVE = tg.tensor(-np.abs(rng.standard_normal((3, 4))) - 0.1, dtype=np.float64, requires_grad=True)

# Graphs of built-in ops, several with kinks (relu at an exact 0, ties in max): no op is to blame.
CORRECT_GRAPHS = [
    ("broadcast arithmetic", lambda: ((A + ROW) * B - A / (B * B + 1)) ** 2),
    ("exp, log, sqrt", lambda: (A.exp() + 1).log() * (B * B + 1).sqrt()),
    ("activations", lambda: A.sigmoid() * B.tanh() + A.relu()),
    ("matmul and reductions", lambda: (A @ B.T).softmax(dim=1).sum(dim=0) + (A @ B.T).mean()),
    ("linear x W^T + b", lambda: ops.Linear.apply(A, B[:2], ROW[0, :2]).logsumexp(dim=1)),
    ("movement", lambda: tg.cat([A.reshape(4, 3), B.T], dim=0).permute(1, 0)[1:, ::2]),
    ("fancy index", lambda: A[np.array([0, 0, 2]), np.array([1, 1, 3])] * 3),
    ("stack, max, min", lambda: tg.stack([A, B], dim=0).max(dim=0).values - tg.stack([A, B]).min()),
    ("relu of relu (kink at 0)", lambda: A.relu().relu() * B),
    ("max of tied zeros", lambda: NEGATIVE.relu().amax(dim=1) + NEGATIVE.relu().amax()),
    ("abs and clamp at their kinks", lambda: (A.relu() - A.relu()).abs() + A.clamp(min=0.0).clamp(min=0.0)),
    ("where with a bool condition", lambda: tg.where(A.data > 0, A, B * 2)),
    ("casts to float32 and back", lambda: (A.float() * 2).double() + B),
    ("user's own ops", lambda: Square.apply(A) + Scale.apply(B, factor=3.0)),
]


@pytest.mark.parametrize("name, build", CORRECT_GRAPHS, ids=[c[0] for c in CORRECT_GRAPHS])
def test_correct_graphs_have_no_culprit(name, build):
    out = build()
    assert out.grad_fn is not None
    assert locate_bad_backward(out) is None


# (broken op, its inputs, the input whose gradient is wrong)
BROKEN_OPS = [
    (BadSquare, [A], 0),
    (ForgetsGradOut, [A], 0),  # caught because grad_out is random, not ones
    (SwappedMul, [A, B], 0),
    (ForgetsSecondInput, [A, B], 1),
    (UntransposedMatMul, [SQUARE, SQUARE * 2], 0),
]


@pytest.mark.parametrize("op, inputs, wrong_input", BROKEN_OPS, ids=[c[0].__name__ for c in BROKEN_OPS])
def test_a_broken_op_is_named_with_its_shapes_and_input(op, inputs, wrong_input):
    out = (op.apply(*inputs).tanh() * 3).sum()
    bad = locate_bad_backward(out)
    assert bad is not None and bad.name == op.__name__ and type(bad.op) is op
    assert bad.input_shapes == tuple(x.shape for x in inputs)
    assert bad.input_index == wrong_input
    assert abs(bad.analytic - bad.numerical) > 1e-3
    assert str(bad).startswith(
        f"{op.__name__} (inputs of shape {', '.join(str(x.shape) for x in inputs)}): "
        f"backward disagrees with finite differences for input {wrong_input} at element ("
    )


def test_the_message_gives_the_element_and_both_values():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64, requires_grad=True)
    bad = locate_bad_backward(BadSquare.apply(x).sum())
    assert bad.element == (0, 0)
    # grad_out is random (g): analytic g * x, numerical 2 g * x at x = 1
    assert bad.numerical == pytest.approx(2 * bad.analytic, rel=1e-6)
    assert f"element (0, 0): analytic {bad.analytic:.6g}, numerical {bad.numerical:.6g}" in str(bad)


def test_an_option_of_the_op_is_used_when_it_is_re_run():
    # ScaledBy's backward is wrong by design: d(x * factor)/dx is factor, it returns factor + 1.
    x = tg.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
    bad = locate_bad_backward(ScaledBy.apply(x, factor=3.0).sum())
    assert bad.name == "ScaledBy"
    assert bad.analytic == pytest.approx(bad.numerical * 4 / 3, rel=1e-6)


@pytest.mark.parametrize("first, second", [(BadSquare, BadCube), (BadCube, BadSquare)])
def test_the_op_nearest_the_inputs_is_named_first(first, second):
    x = tg.tensor(np.linspace(0.3, 1.2, 6).reshape(2, 3), dtype=np.float64, requires_grad=True)
    out = second.apply(first.apply(x).exp()).sum()
    assert locate_bad_backward(out).name == first.__name__


def test_a_float32_graph_is_checked_in_float64_and_left_as_it_was():
    x = tg.tensor(rng.standard_normal((3, 4)), dtype=np.float32, requires_grad=True)
    hidden = (x * 2).tanh()
    out = (hidden @ tg.tensor(rng.standard_normal((4, 2)), dtype=np.float32)).sum()
    out.backward()  # the saved arrays are freed; the check re-runs each op from its inputs
    kept = [t.data.copy() for t in (x, hidden, out)]
    assert locate_bad_backward(out) is None
    for t, values in zip((x, hidden, out), kept):
        assert t.dtype == np.float32
        np.testing.assert_array_equal(t.data, values)
    assert locate_bad_backward(ops.Sum.apply(BadSquare.apply(x))).name == "BadSquare"


def test_only_max_elements_are_checked_in_a_large_input():
    x = tg.tensor(rng.standard_normal(20_000), dtype=np.float64, requires_grad=True)
    bad = locate_bad_backward(BadSquare.apply(x).sum(), max_elements=20)
    assert bad.name == "BadSquare"


@pytest.mark.parametrize(
    "value, expected",
    [
        (tg.tensor([1.0], requires_grad=True), None),  # a leaf: no op to check
        (tg.tensor([1.0]) * 2, None),  # made without grad: no graph
    ],
)
def test_nothing_to_check(value, expected):
    assert locate_bad_backward(value) is expected


def test_a_non_tensor_is_refused():
    with pytest.raises(TypeError, match="expected a Tensor"):
        locate_bad_backward(np.ones(3))


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-3, 3), min_size=6, max_size=6))
def test_random_inputs_never_blame_a_correct_op(values):
    x = tg.tensor(np.reshape(values, (2, 3)), dtype=np.float64, requires_grad=True)
    out = ((x.sigmoid() * x).relu() @ x.T).max(dim=1).values.abs().sum() + (x * x).clamp(max=1.0).mean()
    assert locate_bad_backward(out) is None


# ---- detect_anomaly ---------------------------------------------------------------------------


def test_anomaly_mode_is_off_by_default_and_costs_nothing(monkeypatch):
    calls = []
    monkeypatch.setattr(hooks, "forward", lambda fn, out: calls.append(fn))
    monkeypatch.setattr(hooks, "backward", lambda fn, g: calls.append(fn))
    assert not is_anomaly_enabled()
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        y = x.log()  # -inf, and no error
        (x.sqrt() * 2).sum().backward()  # inf in backward, and no error
    assert np.isneginf(y.data[0]) and np.isinf(x.grad.data[0])
    assert calls == []  # the engine never called a hook
    assert not hasattr(y.grad_fn, "created_at")  # and recorded nothing


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forward_stops_at_the_op_that_made_inf_and_names_the_line():
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError) as error:
        with detect_anomaly():
            line = next_line()
            (x + 1).log() * x.log()  # log(1 + x) is finite, log(0) = -inf
    message = str(error.value)
    assert message.startswith("Log produced inf in its output (input shapes (2,)) at ")
    assert f"{__file__}:{line}: (x + 1).log() * x.log()" in message
    assert isinstance(error.value, RuntimeError)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "method, args, scale, op, what",
    [
        ("sqrt", (), 1.0, "Sqrt", "inf"),  # d sqrt(x)/dx = 1 / (2 sqrt(0)) = inf
        ("sqrt", (), 0.0, "Sqrt", "nan"),  # grad_out 0: 0 / (2 sqrt(0)) = nan
        ("pow", (0.5,), 1.0, "Pow", "inf"),  # 0.5 * 0^(-0.5) = inf
    ],
)
def test_backward_stops_at_the_op_whose_gradient_is_not_finite(method, args, scale, op, what):
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        line = next_line()
        y = getattr(x, method)(*args) * scale
        with pytest.raises(AnomalyError) as error:
            y.sum().backward()
    message = str(error.value)
    assert message.startswith(f"{op}'s backward produced {what} in the gradient for input 0 ")
    assert f"op created at {__file__}:{line}: y = getattr(x, method)(*args) * scale" in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_division_by_zero_in_backward_names_the_input():
    # In float32, a / b = 1e30 is finite but d(a/b)/db = -a / b^2 = -1 / 0 = -inf: b^2 = 1e-60 underflows.
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1e-30], requires_grad=True)
    with detect_anomaly():
        line = next_line()
        y = a / b
        with pytest.raises(
            AnomalyError,
            match=r"Div's backward produced inf in the gradient for input 1 "
            rf"\(input shapes \(1,\), \(1,\)\), op created at .*:{line}:",
        ):
            y.sum().backward()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_users_own_op_is_checked_like_the_built_in_ones():
    class Reciprocal(tg.Function):
        def forward(self, x):
            self.save(x)
            return 1 / x

        def backward(self, grad_out):
            (x,) = self.saved
            return -grad_out / (x * x)  # d(1/x)/dx = -1/x^2

    x = tg.tensor([0.0, 2.0], requires_grad=True)
    with pytest.raises(AnomalyError, match="Reciprocal produced inf in its output"):
        with detect_anomaly():
            Reciprocal.apply(x)
    assert locate_bad_backward(Reciprocal.apply(x[1:]).sum()) is None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_nan_from_outside_is_reported_as_already_in_the_input():
    x = tg.tensor([np.nan, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError, match="Exp produced nan in its output .*its input 0 already held nan"):
        with detect_anomaly():
            x.exp()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forward_is_checked_under_no_grad_too():
    with pytest.raises(AnomalyError, match=r"Log produced inf in its output \(output shape \(1,\)\)"):
        with detect_anomaly(), tg.no_grad():
            tg.tensor([0.0]).log()


def test_finite_computations_are_unchanged_under_anomaly_mode():
    def run():
        x = tg.tensor([[0.5, -1.0], [2.0, 3.0]], requires_grad=True)
        y = ((x.exp() + 1).log() @ x.T).softmax(dim=1).sum()
        y.backward()
        return y.item(), x.grad.data

    plain = run()
    with detect_anomaly():
        checked = run()
    assert checked[0] == plain[0]
    np.testing.assert_array_equal(checked[1], plain[1])


def test_nesting_restores_the_previous_mode_even_after_an_error():
    assert not is_anomaly_enabled()
    with detect_anomaly():
        with detect_anomaly():
            assert is_anomaly_enabled()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    with pytest.raises(ValueError):
        with detect_anomaly():
            raise ValueError("user error")
    assert not is_anomaly_enabled()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_detect_anomaly_as_a_decorator():
    seen = []

    @detect_anomaly()
    def step(x):
        seen.append(is_anomaly_enabled())
        return x.log()

    assert step(tg.tensor([1.0])).item() == 0.0
    with pytest.raises(AnomalyError, match="Log produced inf"):
        step(tg.tensor([0.0]))
    assert seen == [True, True] and not is_anomaly_enabled()


def test_check_grads_runs_under_anomaly_mode():
    with detect_anomaly():
        assert check_grads(TinyNet(), squared_error, X, Y).ok


# ---- a report is usable in an assert, and raises with its table on request ----------------------


def test_a_report_is_truthy_exactly_when_every_parameter_passes_and_raises_with_its_table():
    good = tg.check_grads(_SquareModel(), lambda m, x: m(x).sum(), np.array([[1.0, -2.0]]))
    assert good and good.raise_if_failed() is good
    bad = tg.check_grads(_SquareModel(square=_WrongSquare), lambda m, x: m(x).sum(), np.array([[1.0, -2.0]]))
    assert not bad
    with pytest.raises(tg.GradcheckError, match="FAIL") as caught:
        bad.raise_if_failed()
    assert "_WrongSquare" in str(caught.value)


class _WrongSquare(tg.Function):
    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, grad_out):
        (x,) = self.saved
        return grad_out * x  # wrong: d x^2/dx = 2x


class _SquareModel:
    """A duck-typed model: a weight, and a square op that may be swapped for a wrong one."""

    def __init__(self, square=None):
        self.weight = tg.tensor([[0.5, -1.5]], dtype=tg.float64, requires_grad=True)
        self.square = square

    def named_parameters(self):
        yield "weight", self.weight

    def __call__(self, x):
        z = self.weight * x
        return z * z if self.square is None else self.square.apply(z)


def test_a_loss_module_is_called_the_pytorch_way_on_the_model_output_and_the_target():
    nn = pytest.importorskip("tinygrad_edu.nn")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x, y = tg.randn(5, 3), tg.randn(5, 2)
    report = tg.check_grads(model, nn.MSELoss(), x, y)
    assert report.ok and [row.name for row in report.rows] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    # the loss it checked is MSELoss of model(x) against y, computed here in float64
    twin = model.double()
    expected = ((twin(x.double()) - y.double()) ** 2).mean().item()
    assert report.loss == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="target"):
        tg.check_grads(model, nn.MSELoss(), x)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_mode_watches_double_backward_and_names_the_line_that_made_the_gradient():
    # d/dx x^1.5 = 1.5 x^0.5 is 0 at x = 0, but its derivative 0.75 x^-0.5 is inf there: the second
    # backward goes through the Pow that the first backward recorded (x^0.5), at the create_graph line.
    x = tg.tensor([0.0, 4.0], dtype=tg.float64, requires_grad=True)
    with detect_anomaly():
        line = next_line()
        (g,) = tg.autograd.grad((x**1.5).sum(), x, create_graph=True)
        assert np.array_equal(g.detach().numpy(), [0.0, 3.0])  # the first gradient is finite
        with pytest.raises(AnomalyError) as error:
            g.sum().backward()
    message = str(error.value)
    assert message.startswith("Pow's backward produced inf in the gradient for input 0 (input shapes (2,), ())")
    assert f"op created at {__file__}:{line}: (g,) = tg.autograd.grad(" in message
