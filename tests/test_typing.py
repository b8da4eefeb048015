"""What a user's type checker sees: the package is typed (py.typed), and calling a module gives a Tensor."""

import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import tinygrad_edu
from tinygrad_edu import Tensor, nn


def test_the_package_says_it_is_typed():
    assert (Path(tinygrad_edu.__file__).parent / "py.typed").exists()


def test_calling_a_module_is_annotated_as_a_tensor():
    assert typing.get_type_hints(nn.Module.__call__)["return"] is Tensor


def test_mypy_sees_model_of_x_as_a_tensor(tmp_path):
    pytest.importorskip("mypy", reason="mypy is in the `lint` extra")
    user_code = tmp_path / "user.py"
    user_code.write_text(
        "import tinygrad_edu as tg\nfrom tinygrad_edu import nn\n"
        "model = nn.Sequential(nn.Linear(2, 1))\nreveal_type(model(tg.randn(3, 2)))\n"
    )
    # MYPYPATH: an editable install is found by an import hook, which mypy does not run.
    env = dict(os.environ, MYPYPATH=str(Path(tinygrad_edu.__file__).parent.parent))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--config-file", "", str(user_code)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert 'Revealed type is "tinygrad_edu.tensor.Tensor"' in result.stdout, result.stdout + result.stderr
