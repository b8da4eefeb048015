"""Names the docstring examples use without importing, so each `>>>` block reads like a user's session.

pytest runs every docstring example as a test (`--doctest-modules` in pyproject.toml). Each example gets a
fresh namespace: the usual imports (`tg`, `np`, `nn`, `F`, `optim`) and the small objects the examples take
as given: the XOR data (`x`, `y`), a model (`model`, an nn.Sequential; `net`, with
`fc1` and `fc2`), an optimizer `opt` over `net`, its `loss`, a `train_step` and a `loss_fn`. Each runs in a
temporary directory, so an example that saves a file leaves nothing behind.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn import functional as F


class Net(nn.Module):
    """The tutorials' 2-4-1 sigmoid network, with named layers."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        return self.fc2(self.fc1(x).sigmoid()).sigmoid()


def _example_names():
    tg.set_default_dtype(tg.float32)  # an example may have changed it, as users may
    tg.manual_seed(0)
    x, y = tg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), tg.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    net = Net()
    opt = optim.SGD(net.parameters(), lr=0.1)

    def train_step(x, y):
        opt.zero_grad()
        loss = nn.BCELoss()(net(x), y)
        loss.backward()
        opt.step()
        return loss

    def loss_fn(model, x):
        return model(x).pow(2).mean()

    return dict(
        tg=tg,
        np=np,
        nn=nn,
        F=F,
        optim=optim,
        x=x,
        y=y,
        model=model,
        net=net,
        opt=opt,
        loss=nn.BCELoss()(net(x), y),
        train_step=train_step,
        loss_fn=loss_fn,
        trained=nn.Linear(2, 1),
        new_layer=nn.Linear(4, 4),
    )


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace, tmp_path, monkeypatch):
    if type(request.node).__name__ == "DoctestItem":
        doctest_namespace.clear()
        doctest_namespace.update(_example_names())
        monkeypatch.chdir(tmp_path)
    yield
