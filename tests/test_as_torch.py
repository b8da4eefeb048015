"""PyTorch scripts run unchanged on tinygrad_edu: `python -m tinygrad_edu as-torch SCRIPT ARGS` and `tg.as_torch()`.

Each script runs in a fresh Python (a subprocess), because as_torch changes `sys.modules` for the whole process,
and prints what it found; the tests assert the printed lines. None of this needs PyTorch installed: the point is
that `import torch` never reaches it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def write(folder: Path, source: str) -> Path:
    script = folder / "script.py"
    script.write_text(textwrap.dedent(source))
    return script


def test_every_import_form_gives_the_same_tinygrad_edu_module_objects(tmp_path):
    write(
        tmp_path,
        """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim.lr_scheduler
        import torch.utils.data
        import torch.autograd
        from torch import nn as nn2, optim
        from torch.utils.data import DataLoader
        import tinygrad_edu

        print(__name__, sys.argv)
        print(torch is tinygrad_edu, nn is nn2 is tinygrad_edu.nn, F is tinygrad_edu.nn.functional)
        print(optim is tinygrad_edu.optim, torch.optim.lr_scheduler is tinygrad_edu.optim.lr_scheduler)
        print(DataLoader is tinygrad_edu.utils.data.DataLoader, torch.autograd is tinygrad_edu.autograd)
        print(sorted(name for name, m in sys.modules.items() if name.startswith("torch") and m is None))
        """,
    )
    out = run(["-m", "tinygrad_edu", "as-torch", "script.py", "7", "--flag"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "__main__ ['script.py', '7', '--flag']",  # runs as __main__ with the script's argv
        "True True True",
        "True True",
        "True True",
        "[]",
    ]


def test_a_training_script_runs_and_learns(tmp_path):
    write(
        tmp_path,
        """
        import torch
        from torch import nn
        from torch.optim.lr_scheduler import StepLR
        from torch.utils.data import DataLoader, TensorDataset

        torch.manual_seed(0)
        x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        y = torch.tensor([0, 1, 1, 0])
        model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        sched = StepLR(opt, step_size=100, gamma=0.5)
        loss_fn = nn.CrossEntropyLoss()
        for epoch in range(150):
            for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4):
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            sched.step()
        with torch.no_grad():
            print(model(x).argmax(1).tolist(), loss.item() < 0.05, sched.get_last_lr())
        """,
    )
    out = run(["-m", "tinygrad_edu", "as-torch", "script.py"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[0,", "1,", "1,", "0]", "True", "[0.025]"]


def test_d2l_names_resolve_to_tinygrad_edus(tmp_path):
    """torch.nn.LazyLinear, torch.Size and torch.set_printoptions, as a d2l script uses them."""
    write(
        tmp_path,
        """
        import torch
        from torch import nn
        import tinygrad_edu

        net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
        net(torch.rand(2, 20))  # d2l's dry run
        print(nn.LazyLinear is tinygrad_edu.nn.LazyLinear, [type(m).__name__ for m in net], net[0].weight.shape)
        print(torch.Size is tinygrad_edu.Size, torch.Size([2, 3]).numel(), isinstance(torch.Size([2]), torch.Size))
        torch.set_printoptions(precision=2)
        print(torch.tensor([1 / 3]))
        """,
    )
    out = run(["-m", "tinygrad_edu", "as-torch", "script.py"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "True ['Linear', 'ReLU', 'Linear'] (8, 20)",
        "True 6 True",
        "tensor([0.33], dtype=float32)",
    ]


def test_torch_tensor_is_the_legacy_constructor_and_size_prints_as_torchs(tmp_path):
    """torch.Tensor(...) gives the default dtype, as PyTorch's legacy constructor; every tensor is a torch.Tensor;
    a Size prints as `torch.Size([...])` (tests/test_torch_parity_as_torch.py compares with PyTorch itself)."""
    write(
        tmp_path,
        """
        import sys
        import torch
        import tinygrad_edu

        print(torch.Tensor([1, 2]), torch.Tensor(2, 3).shape, torch.Tensor().shape, torch.tensor([1, 2]).dtype)
        print(isinstance(torch.zeros(1), torch.Tensor), issubclass(torch.nn.Parameter, torch.Tensor))
        print(torch.Tensor is tinygrad_edu.Tensor, type(torch.Tensor([1])) is sys.modules["tinygrad_edu.tensor"].Tensor)
        print(torch.Size([2, 3]), torch.Size([2, 3])[1:])
        """,
    )
    out = run(["-m", "tinygrad_edu", "as-torch", "script.py"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "tensor([1., 2.], dtype=float32) (2, 3) (0,) int64",
        "True True",
        "True True",
        "torch.Size([2, 3]) torch.Size([3])",
    ]
    # this process never called as_torch: tinygrad_edu's own names are as they were
    assert repr(tg.Size([2, 3])) == "Size([2, 3])" and tg.Tensor([1, 2]).dtype == np.int64


def test_as_torch_inside_a_running_program(tmp_path):
    source = (
        "import tinygrad_edu; t = tinygrad_edu.as_torch(); import torch.nn as nn; print(t is tinygrad_edu, nn.ReLU)"
    )
    out = run(["-c", source], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "True <class 'tinygrad_edu.nn.activation.ReLU'>\n"


MISSING = [
    (
        "torch.fft.fft",
        "AttributeError: module 'tinygrad_edu' has no attribute 'fft': tinygrad_edu does not implement torch.fft",
    ),
    ("torch.nn.SyncBatchNorm", "tinygrad_edu does not implement torch.nn.SyncBatchNorm"),
    ("torch.nn.functional.ctc_loss", "tinygrad_edu does not implement torch.nn.functional.ctc_loss"),
    ("torch.optim.SparseAdam", "tinygrad_edu does not implement torch.optim.SparseAdam"),
]


@pytest.mark.parametrize("expression, message", MISSING)
def test_a_missing_torch_name_fails_where_it_is_used_with_its_name(tmp_path, expression, message):
    write(tmp_path, f"import torch\nimport torch.nn\nimport torch.optim\nprint('before')\n{expression}\n")
    out = run(["-m", "tinygrad_edu", "as-torch", "script.py"], tmp_path)
    assert out.returncode == 1 and out.stdout == "before\n"
    assert "AttributeError" in out.stderr and message in out.stderr


def test_a_missing_torch_module_is_an_import_error_naming_it(tmp_path):
    write(tmp_path, "import torch.fft\n")
    out = run(["-m", "tinygrad_edu", "as-torch", "script.py"], tmp_path)
    assert out.returncode == 1
    assert "ModuleNotFoundError: tinygrad_edu does not implement torch.fft" in out.stderr


def test_the_attribute_error_names_the_torch_name_also_without_as_torch():
    with pytest.raises(AttributeError, match=r"tinygrad_edu does not implement torch\.nn\.SyncBatchNorm \("):
        tg.nn.SyncBatchNorm  # noqa: B018
    assert not hasattr(tg, "fft") and hasattr(tg, "nn")


def test_the_cli_usage_and_a_missing_script(tmp_path):
    assert run(["-m", "tinygrad_edu", "as-torch", "--help"], tmp_path).stdout.startswith(
        "usage: tinygrad-edu as-torch SCRIPT [ARGS...]"
    )
    out = run(["-m", "tinygrad_edu", "as-torch", "nothing.py"], tmp_path)
    assert out.returncode == 2 and "no such script: nothing.py" in out.stderr


def test_the_real_torch_already_imported_is_refused(tmp_path):
    pytest.importorskip("torch")
    out = run(["-c", "import torch, tinygrad_edu; tinygrad_edu.as_torch()"], tmp_path)
    assert out.returncode == 1 and "call tinygrad_edu.as_torch() before the first `import torch`" in out.stderr
