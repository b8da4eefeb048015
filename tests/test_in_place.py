"""In-place ops and autograd: version counters refuse a backward that would read changed values, and
in-place writes into tensors in the graph are recorded (PyTorch's CopySlices) so gradients stay exact."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

# ---- a saved tensor changed in place: backward refuses (issue 10, item 1) -------------------------


def _plus_10(a):
    a += 10


def _minus_1(a):
    a -= 1


def _times_2(a):
    a *= 2


def _divided_by_2(a):
    a /= 2


def _first_set(a):
    a[0] = 5.0


def _zeroed(a):
    a.zero_()


def _detached_zeroed(a):
    a.detach().zero_()  # detach() shares the version counter, as in PyTorch


CHANGES = {
    "+=": _plus_10,
    "-=": _minus_1,
    "*=": _times_2,
    "/=": _divided_by_2,
    "a[0] =": _first_set,
    "zero_": _zeroed,
    "detach().zero_()": _detached_zeroed,
}


@pytest.mark.parametrize("change", CHANGES)
def test_backward_refuses_an_input_that_an_op_saved_and_that_changed_in_place(change):
    a = tg.tensor([1.0, 2.0])
    w = tg.tensor([1.0, 1.0], requires_grad=True)
    y = (w * a).sum()  # Mul saves a for w's gradient
    CHANGES[change](a)
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    for words in (
        "modified by an inplace operation",
        "input 1 of Mul",
        "shape (2,)",
        "float32",
        "is at version 1; expected version 0",
    ):
        assert words in message, message
    assert w.grad is None


@pytest.mark.parametrize("change", CHANGES)
def test_backward_refuses_an_output_that_an_op_saved_and_that_changed_in_place(change):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    CHANGES[change](y)
    with pytest.raises(RuntimeError, match=r"output 0 of Exp .*shape \(2,\).* is at version 1; expected version 0"):
        y.sum().backward()


def test_an_input_that_no_op_saved_may_change_in_place_after_use():
    # as PyTorch: w + a saves nothing, and w * c saves only c (for w's gradient), so a may change
    a = tg.tensor([1.0, 2.0])
    c = tg.tensor([5.0, 7.0])
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    y = (w + a).sum() + (w * c).sum()
    a += 10
    y.backward()
    assert np.array_equal(w.grad.data, [6.0, 8.0])  # 1 + c


@pytest.mark.parametrize(
    "b",
    [
        pytest.param(lambda: tg.tensor(2.0, dtype=tg.float64, requires_grad=True), id="0-d float64 leaf"),
        pytest.param(lambda: tg.tensor(2.0, dtype=tg.float64), id="0-d float64 constant"),
        pytest.param(lambda: tg.tensor([2, 2]), id="int64"),
    ],
)
def test_backward_refuses_a_saved_input_changed_in_place_when_the_op_saw_a_copy_cast_by_promotion(b):
    # a / b casts b to float32 first; Div saves that copy, PyTorch the tensor itself (a regression: the
    # change of b went unseen)
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = b()
    y = (a / b).sum()
    with tg.no_grad():
        b *= 3
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    for words in ("input 1 of Div", f"a {b.dtype} tensor of shape {b.shape}", "is at version 1; expected version 0"):
        assert words in message, message


def test_a_copy_cast_by_promotion_gives_the_same_gradient_when_nothing_changed():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor(4.0, dtype=tg.float64, requires_grad=True)
    c = tg.tensor([5.0, 6.0])  # changed in place, but no op saved it
    (a / b + c).sum().backward()
    assert np.array_equal(a.grad.data, [0.25, 0.25]) and a.grad.dtype == np.float32  # 1 / b
    assert np.array_equal(b.grad.data, -3.0 / 16.0) and b.grad.dtype == np.float64  # -sum(a) / b^2


def test_every_in_place_op_counts_one_version():
    a = tg.zeros(3)
    steps = [
        lambda: a.__iadd__(1),
        lambda: a.__isub__(1),
        lambda: a.__imul__(2),
        lambda: a.__itruediv__(2),
        lambda: a.__setitem__(0, 1.0),
        lambda: a.zero_(),
    ]
    for expected, step in enumerate(steps, start=1):
        step()
        assert a._version == expected
    a.data[0] = 7.0  # writes through .data are not counted, as in PyTorch (the documented escape hatch)
    assert a._version == len(steps)


# (LBFGS steps only with a closure: tests/test_torch_parity_optim_extra.py checks it the same way)
OPTIMIZERS = [name for name in tg.optim.__all__ if name not in ("Optimizer", "lr_scheduler", "swa_utils", "LBFGS")]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_step_between_two_backwards_of_a_retained_graph_is_refused(name):
    # every optimizer's step changes the parameters in place, as PyTorch's do through p.add_(...)
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = getattr(tg.optim, name)([w], lr=0.1)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match=r"Mul .* is at version [1-9]\d*; expected version 0"):
        y.backward()


# ---- in-place writes are recorded, so gradients reach what was written (issue 10, item 2) ---------


def test_assigning_an_element_of_a_tensor_that_requires_grad_sends_the_gradient_to_it():
    a = tg.zeros(3)
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a[0] = w[0]
    assert a.requires_grad and not a.is_leaf
    (a * 4).sum().backward()
    assert np.array_equal(w.grad.data, [4.0, 0.0, 0.0])  # PyTorch gives 4 (it was dropped: 1 before)


def test_a_mask_assignment_of_a_tensor_that_requires_grad_joins_the_graph():
    t = tg.zeros(4)
    v = tg.tensor(2.0, requires_grad=True)
    t[tg.tensor([True, False, True, False])] = v
    (t * tg.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert v.grad.item() == 101.0


@pytest.mark.parametrize("name", ["h[0] = 0", "h[1] -= 1", "h *= 3", "h.zero_()"])
def test_in_place_ops_on_an_intermediate_give_pytorchs_gradient(name):
    # written out by hand: h = 2x, then the in-place change, then loss = sum(h * c)
    c = np.array([1.0, 10.0, 100.0])
    expected = {
        "h[0] = 0": [0.0, 20.0, 200.0],
        "h[1] -= 1": [2.0, 20.0, 200.0],
        "h *= 3": [6.0, 60.0, 600.0],
        "h.zero_()": [0.0, 0.0, 0.0],
    }[name]
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    exec(name, {"h": h})
    (h * tg.tensor(c)).sum().backward()
    assert np.array_equal(x.grad.data, expected)


def test_ops_recorded_before_an_in_place_op_send_their_gradient_to_the_grad_fn_of_that_time():
    # z used h before h[0] = 0: its gradient must go through h's old grad_fn (x * 2), not SetItem
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    z = h + 1  # Add saves nothing, so the later change of h is allowed
    h[0] = 0.0
    (z.sum() + h.sum()).backward()
    assert np.array_equal(x.grad.data, [2.0, 4.0, 4.0])


def test_in_place_on_a_leaf_that_requires_grad_is_pytorchs_error_and_is_allowed_under_no_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    for change in CHANGES.values():
        if change is _detached_zeroed:
            continue
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            change(w)
    with tg.no_grad():
        w -= 1
    assert np.array_equal(w.data, [0.0, 1.0]) and w.is_leaf and w._version == 1


def test_an_in_place_op_that_would_change_the_dtype_is_refused():
    a = tg.tensor([1, 2], dtype=tg.int64)
    with pytest.raises(tg.DtypeError, match="can't be cast"):
        a += 1.5


def test_the_error_names_the_version_the_op_saved_and_the_version_now():
    a = tg.tensor([1.0, 2.0, 3.0])
    a += 1
    a *= 2  # version 2 when the op saves it
    w = tg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = (w * a).sum()
    a[0] = 0.0
    a.zero_()
    a -= 1
    with pytest.raises(RuntimeError, match=r"input 1 of Mul .*shape \(3,\).* is at version 5; expected version 2"):
        y.backward()


VIEWS = {
    "a[0:1]": lambda a: a[0:1],
    "a[0]": lambda a: a[0],
    "a.reshape(2, 1)": lambda a: a.reshape(2, 1),
    "a.view(-1)": lambda a: a.view(-1),
    "a.unsqueeze(0)": lambda a: a.unsqueeze(0),
    "a.T": lambda a: a.T,
    "a.detach()": lambda a: a.detach(),
    "a.reshape(2, 1)[1]": lambda a: a.reshape(2, 1)[1],
}


@pytest.mark.parametrize("view", VIEWS)
def test_a_change_through_a_view_is_seen_by_the_graphs_that_saved_its_base(view):
    # the view's data is base's memory (a NumPy view): as PyTorch, they share one version counter
    a = tg.tensor([1.0, 2.0])
    w = tg.tensor([1.0, 1.0], requires_grad=True)
    y = (w * a).sum()
    v = VIEWS[view](a)
    v += 10
    assert a.data[0] == 11.0 or a.data[1] == 12.0  # the write went into a's data
    assert a._version == v._version == 1
    with pytest.raises(RuntimeError, match="input 1 of Mul .* is at version 1; expected version 0"):
        y.backward()


def test_a_copy_made_by_advanced_indexing_has_its_own_version():
    a = tg.tensor([1.0, 2.0, 3.0])
    picked = a[[0, 2]]  # a copy, not a view: changing it leaves a alone
    picked += 1
    assert a._version == 0 and a.tolist() == [1.0, 2.0, 3.0]


def test_an_in_place_change_that_would_leave_a_reshaped_view_with_a_wrong_graph_is_refused_and_undone():
    # PyTorch regenerates any view's graph; we do it for slices (see test_torch_parity) and refuse,
    # rather than give a wrong gradient, for a reshape or permute view
    x = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    h = x * 2
    square = h.reshape(2, 2)
    with pytest.raises(RuntimeError, match="also changes another tensor in the graph"):
        h[0] = 5.0
    assert h.tolist() == [2.0, 4.0, 6.0, 8.0] and square.tolist() == [[2.0, 4.0], [6.0, 8.0]]
    with pytest.raises(RuntimeError, match="a reshape or permute view"):
        square += 1
    with pytest.raises(RuntimeError, match="a view of a leaf that requires grad"):
        x[0:2].zero_()
    with tg.no_grad():  # outside the graph every in-place change is allowed, as in PyTorch
        square += 1
    assert h.tolist() == [3.0, 5.0, 7.0, 9.0]


def test_load_state_dict_and_nn_init_count_as_in_place_changes_of_the_weights():
    for change in (
        lambda layer, saved: layer.load_state_dict(saved),
        lambda layer, saved: tg.nn.init.zeros_(layer.weight),
    ):
        layer = tg.nn.Linear(2, 1)
        saved = {k: v.copy() for k, v in layer.state_dict().items()}
        x = tg.tensor([[1.0, 2.0]], requires_grad=True)
        y = layer(x).sum()  # saves the weight for x's gradient
        change(layer, saved)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


# ---- an in-place op whose input overlaps the written memory: PyTorch's rule ------------------------------


def _ramp():
    return tg.arange(4.0) + 1  # [1, 2, 3, 4], a tensor of its own


# (what it does, the result PyTorch gives): the same memory laid out the same way, or none in common
OVERLAPS_ALLOWED = {
    "x += x": (lambda x: x.add_(x), [2.0, 4.0, 6.0, 8.0]),
    "x *= x[:]": (lambda x: x.mul_(x[:]), [1.0, 4.0, 9.0, 16.0]),
    "x -= x.detach()": (lambda x: x.sub_(x.detach()), [0.0, 0.0, 0.0, 0.0]),
    "x += x.flip(0)": (lambda x: x.add_(x.flip(0)), [5.0, 5.0, 5.0, 5.0]),  # flip: a copy in PyTorch
    "x[:2] += x[2:]": (lambda x: x[:2].add_(x[2:]), [4.0, 6.0, 3.0, 4.0]),
    "x[:] = x": (lambda x: x.__setitem__(slice(None), x), [1.0, 2.0, 3.0, 4.0]),
    "x[:2] = x[2:]": (lambda x: x.__setitem__(slice(None, 2), x[2:]), [3.0, 4.0, 3.0, 4.0]),
    # PyTorch drops the value's leading 1s: (1, 4) -> (4,), laid out as the written y[0]
    "y[0] = y, y of shape (1, 4)": (lambda x: (lambda y: y.__setitem__(0, y))(x.view(1, 4)), [1.0, 2.0, 3.0, 4.0]),
}

OVERLAPS_REFUSED = {
    "x[1:] += x[:-1]": (lambda x: x[1:].add_(x[:-1]), "+=: "),
    "x += x[0]": (lambda x: x.__iadd__(x[0]), "+=: "),
    "x /= x[1:2]": (lambda x: x.div_(x[1:2]), "/=: "),
    "y += y.T": (lambda x: x.view(2, 2).add_(x.view(2, 2).T), "+=: "),
    "y.T.pow_(y)": (lambda x: x.view(2, 2).T.pow_(x.view(2, 2)), "pow_: "),
    "x[1:] = x[:-1]": (lambda x: x.__setitem__(slice(1, None), x[:-1]), "__setitem__: "),
    "x[[0, 1, 2, 3]] = x": (lambda x: x.__setitem__([0, 1, 2, 3], x), "__setitem__: "),
    # y[0] of shape (1,) expanded to (1, 1): the new dim's stride is not y[0:1]'s, so PyTorch calls it partial
    "y[0:1] = y[0], y of shape (4, 1)": (
        lambda x: (lambda y: y.__setitem__(slice(0, 1), y[0]))(x.view(4, 1)),
        "__setitem__: ",
    ),
}


@pytest.mark.parametrize("name", OVERLAPS_ALLOWED)
def test_an_in_place_op_on_the_same_memory_or_none_in_common_computes_as_pytorch(name):
    change, expected = OVERLAPS_ALLOWED[name]
    x = _ramp()
    change(x)
    assert np.array_equal(x.data, expected)


@pytest.mark.parametrize("name", OVERLAPS_REFUSED)
def test_an_in_place_op_whose_input_overlaps_the_written_memory_in_part_is_refused(name):
    change, op = OVERLAPS_REFUSED[name]
    x = _ramp()
    with pytest.raises(RuntimeError) as error:
        change(x)
    message = str(error.value)
    for words in (op, "refer to a single memory location", "clone()"):
        assert words in message, message
    assert np.array_equal(x.data, [1.0, 2.0, 3.0, 4.0])  # nothing was written


@pytest.mark.parametrize("grad", [False, True], ids=["outside-the-graph", "in-the-graph"])
@pytest.mark.parametrize(
    ("shape", "other_shape"),
    [((), (1,)), ((1,), (2, 1)), ((3,), (1, 3))],
    ids=["0-d -= (1,)", "(1,) += (2,1)", "(3,) += (1,3)"],
)
def test_an_in_place_op_whose_broadcast_shape_is_larger_than_the_tensor_is_refused(shape, other_shape, grad):
    # NumPy would write a (1,) value into a 0-d array by dropping the size-1 dim; PyTorch refuses.
    x = tg.ones(shape, requires_grad=grad).clone() if grad else tg.ones(shape)
    with pytest.raises(RuntimeError, match=r"doesn't match the broadcast shape"):
        x.sub_(tg.ones(other_shape))
    assert x.shape == shape and np.all(x.detach().numpy() == 1.0)  # nothing was written


# ---- ops that PyTorch computes into a new tensor: their results share nothing with the input ----------------

NEW_TENSOR_OPS = {
    "flip(1)": lambda x: x.flip(1),
    "flip(0, 1)": lambda x: x.flip(0, 1),
    "fliplr()": lambda x: x.fliplr(),
    "flipud()": lambda x: x.flipud(),
    "rot90(1)": lambda x: x.rot90(1, (0, 1)),
    "rot90(2)": lambda x: x.rot90(2, (0, 1)),
    "roll(1, 1)": lambda x: x.roll(1, 1),
}


@pytest.mark.parametrize("name", NEW_TENSOR_OPS)
def test_changing_a_flipped_or_rotated_tensor_in_place_leaves_its_input_as_it_was(name):
    x = tg.arange(6.0).reshape(2, 3)
    before = x.numpy().copy()
    y = NEW_TENSOR_OPS[name](x)
    y.add_(100.0)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x._version == 0  # not a view of x: x itself was not changed


@pytest.mark.parametrize("name", NEW_TENSOR_OPS)
def test_a_flipped_or_rotated_tensor_has_pytorchs_strides(name):
    torch = pytest.importorskip("torch")
    ours = NEW_TENSOR_OPS[name](tg.arange(6.0).reshape(2, 3))
    theirs = NEW_TENSOR_OPS[name](torch.arange(6.0).reshape(2, 3))
    assert ours.stride() == theirs.stride()
    assert ours.is_contiguous() == theirs.is_contiguous()


INDEXING_RESULTS = {
    "x[:, [2, 0, 1]]": lambda x, t: x[:, t([2, 0, 1])],
    "x[..., [3, 1]]": lambda x, t: x[..., t([3, 1])],
    "x[:, [2, 0], [1, 1]]": lambda x, t: x[:, t([2, 0]), t([1, 1])],
    "x.index_select(2, [1, 0])": lambda x, t: x.index_select(2, t([1, 0])),
    "x.roll(1, 1)": lambda x, t: x.roll(1, 1),
}


@pytest.mark.parametrize("name", INDEXING_RESULTS)
def test_an_integer_array_index_gives_a_contiguous_tensor_as_in_pytorch(name):
    torch = pytest.importorskip("torch")
    ours = INDEXING_RESULTS[name](tg.arange(24.0).reshape(2, 3, 4), tg.tensor)
    theirs = INDEXING_RESULTS[name](torch.arange(24.0).reshape(2, 3, 4), torch.tensor)
    assert ours.stride() == theirs.stride()
    np.testing.assert_array_equal(ours.view(-1).numpy(), theirs.view(-1).numpy())  # view needs the layout


# ---- shape changes in place ------------------------------------------------------------------------------------

SHAPE_IN_PLACE = {
    "unsqueeze_(1)": lambda x: x.unsqueeze_(1),
    "squeeze_()": lambda x: x.unsqueeze_(0).squeeze_(),
    "squeeze_(0)": lambda x: x.unsqueeze_(0).squeeze_(0),
    "t_()": lambda x: x.t_(),
    "transpose_(0, 1)": lambda x: x.transpose_(0, 1),
    "swapdims_(1, 0)": lambda x: x.swapdims_(1, 0),
}


@pytest.mark.parametrize("name", SHAPE_IN_PLACE)
def test_a_shape_change_in_place_returns_the_tensor_reshaped_as_pytorchs(name):
    torch = pytest.importorskip("torch")
    ours, theirs = tg.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    assert SHAPE_IN_PLACE[name](ours) is ours
    SHAPE_IN_PLACE[name](theirs)
    assert ours.shape == tuple(theirs.shape) and ours.tolist() == theirs.tolist()
    assert ours.stride() == theirs.stride()


def test_a_shape_change_in_place_of_a_tensor_that_requires_grad_is_refused_with_what_to_write():
    x = tg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"x = x\.unsqueeze"):
        x.unsqueeze_(0)
    assert x.shape == (2, 3)
