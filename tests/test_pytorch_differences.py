"""README's table of deliberate differences from PyTorch stays true: each row's tinygrad_edu side is checked here.

A row added to the table needs a check here, and a check whose row is gone fails, so the two cannot drift.
"""

import re
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.torch_tensor import TorchTensor

README = Path(__file__).resolve().parents[1] / "README.md"


def table_rows() -> dict[str, str]:
    """The table under the header `| what | tinygrad_edu | PyTorch |`: {what: what tinygrad_edu does}."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| what | tinygrad_edu | PyTorch |") + 2  # past the header and its |---| rule
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        what, ours, _theirs = (cell.strip() for cell in line.strip("|").split(" | "))
        rows[what] = ours
    return rows


def _second_backward_without_saved_values():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x + 1).sum()
    loss.backward()
    loss.backward()


def _in_place_on_a_reshape_view():
    h = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True) * 2
    view = h.reshape(2, 2)
    view += 1


def _adam_step_state():
    p = nn.Parameter(tg.zeros(2))
    opt = optim.Adam([p])
    p.grad = tg.ones(2)
    opt.step()
    return opt.state[p]["step"]


def _check_random_stream():
    tg.manual_seed(0)
    ours = tg.randn(3).numpy()
    np.testing.assert_array_equal(ours, np.random.default_rng(0).standard_normal(3).astype(np.float32))


def _check_save_never_unpickles(tmp_path):
    path = tmp_path / "model.npz"
    tg.save(nn.Linear(2, 1).state_dict(), path)
    with np.load(path, allow_pickle=False) as archive:  # a pickled entry would raise here
        assert archive.files
    assert set(tg.load(path)) == {"weight", "bias"}


def _check(what: str, tmp_path: Path) -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    if what.startswith("`nn.MSELoss` / `nn.L1Loss`"):
        for loss in (nn.MSELoss(), nn.L1Loss()):
            with pytest.raises(tg.ShapeError, match=r"\(4,\).*\(4, 1\)"):
                loss(tg.zeros(4, 1), tg.zeros(4))
    elif what.startswith("`state_dict()` values"):
        assert all(type(value) is np.ndarray for value in nn.Linear(2, 1).state_dict().values())
        assert type(x.data) is np.ndarray
        assert x.data.std() == 0.5 and np.isclose(x.std().item(), 0.5**0.5)  # NumPy divides by n, PyTorch by n - 1
        assert not any(hasattr(x.data, name) for name in ("normal_", "fill_", "zero_"))
    elif what.startswith("printing a tensor"):
        assert repr(tg.tensor([1.0, 2.0])) == "tensor([1., 2.], dtype=float32)"
        assert type(tg.zeros(2, 3).shape) is tuple and str(tg.zeros(2).dtype) == "float32"
        assert repr(tg.Size([2, 3])) == "Size([2, 3])" and str(tg.float32) == "<class 'numpy.float32'>"
        assert str(tg.tensor([1 / 3])) == "tensor([0.33333334], dtype=float32)"  # 8 digits, torch's 4
    elif what.startswith("`Tensor(data)`"):
        assert tg.Tensor([1, 2]).dtype == np.int64 and tg.Tensor([1.0, 2.0]).dtype == np.float32
        # (as-torch's torch.Tensor: tests/test_torch_parity_as_torch.py and tests/test_as_torch.py run a script)
        assert TorchTensor([1, 2]).dtype == np.float32 and TorchTensor(2, 3).numpy().tolist() == [[0.0] * 3] * 2
    elif what.startswith("`repr(y.grad_fn)`"):
        assert repr((x * 2).grad_fn) == "<MulBackward>"
    elif what.startswith("an in-place op (`v += 1`) on a reshape"):
        with pytest.raises(RuntimeError, match="reshape or permute view"):
            _in_place_on_a_reshape_view()
    elif what.startswith("an in-place write into a slice of an `expand()`ed"):
        with pytest.raises(RuntimeError, match="clone"):
            tg.tensor([1.0, 2.0]).expand(2, 2)[0][0] = 1.0
    elif what.startswith("a view (`x[0]`, `x.t()`"):
        h = x * 2
        with tg.no_grad():
            views = [x[0], x.view(-1), x.unsqueeze(0).t(), h[0], h.view(-1)]
        assert not any(v.requires_grad for v in views) and all(v.is_leaf for v in views)
    elif what.startswith("a second `backward()`"):
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            _second_backward_without_saved_values()
    elif what.startswith("random numbers"):
        _check_random_stream()
    elif what == "devices":
        with pytest.raises(Exception):  # noqa: B017 (any error: there is no CUDA to move to)
            tg.zeros(2).to("cuda")
    elif what.startswith("the order in which the `register_hook` hooks"):
        assert _hook_order() == ["z", "y", "x", "weight", "bias"]
    elif what.startswith("`autograd.grad(out, [y, x])` with a `register_hook`"):
        y = x * 1
        y.register_hook(lambda g: g * 5)
        grad_y, grad_x = tg.autograd.grad((y * y).sum(), [y, x])
        np.testing.assert_array_equal(grad_y.numpy(), grad_x.numpy())  # both after the hook: 5 * 2y
    elif what.startswith("`tg.save` / `tg.load`"):
        _check_save_never_unpickles(tmp_path)
    elif what.startswith("an Adam parameter's"):
        step = _adam_step_state()
        assert type(step) is np.ndarray and step.shape == () and step.dtype == np.float64 and step == 1
    elif what.startswith("`F.interpolate` of a uint8 image"):
        image = tg.zeros(1, 3, 4, 4, dtype=tg.uint8)
        for mode in ("bilinear", "bicubic"):
            with pytest.raises(NotImplementedError, match=r"\.float\(\)"):
                nn.functional.interpolate(image, scale_factor=2, mode=mode)
        assert nn.functional.interpolate(image, scale_factor=2).dtype == np.uint8
    else:
        pytest.fail(f"README's differences table has a row this file does not check: {what!r}")


ROWS = table_rows() if README.exists() else {}


def test_the_table_is_there_and_lists_the_known_differences():
    assert len(ROWS) >= 11, (
        "README.md lost rows of its table of differences from PyTorch"
    )  # (issue 13 removed the int dtype row)


@pytest.mark.parametrize("what", list(ROWS), ids=[re.sub(r"\W+", "_", what)[:40] for what in ROWS])
def test_readme_difference_row_holds(what, tmp_path):
    _check(what, tmp_path)


def _hook_order() -> list[str]:
    """Which tensors' hooks ran, in order, in the backward of exp(Linear(x)) (see the README row)."""
    layer, log = nn.Linear(2, 2), []
    layer.weight.register_hook(lambda g: log.append("weight"))
    layer.bias.register_hook(lambda g: log.append("bias"))
    x = tg.ones(1, 2, requires_grad=True)
    x.register_hook(lambda g: log.append("x"))
    y = layer(x)
    y.register_hook(lambda g: log.append("y"))
    z = y.exp()
    z.register_hook(lambda g: log.append("z"))
    z.sum().backward()
    return log
