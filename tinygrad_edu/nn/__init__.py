"""tinygrad_edu.nn: define networks PyTorch-style, from Modules holding Parameters, layers, activations and losses.

- `module.py`: Module, Parameter; `container.py`: Sequential, ModuleList
- `linear.py`: Linear, Identity, Flatten; `activation.py`: Sigmoid, ReLU, LeakyReLU, Softplus, Tanh, Softmax,
  LogSoftmax
- `loss.py`: the losses as modules; `functional.py` (`nn.functional`, usually imported as F): the same as functions
- `init.py` (`nn.init`): PyTorch's initialisations, and the tutorials' draws
- `utils.py` (`nn.utils`): gradient clipping, parameters to and from one vector

Example:
    >>> from tinygrad_edu import nn
    >>> net = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    >>> loss = nn.BCELoss()(net(tg.tensor([[0.0, 1.0]])), tg.tensor([[1.0]]))
"""

from tinygrad_edu.nn import functional, init, utils
from tinygrad_edu.nn.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from tinygrad_edu.nn.container import ModuleList, Sequential
from tinygrad_edu.nn.linear import Flatten, Identity, Linear
from tinygrad_edu.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from tinygrad_edu.nn.module import Module, Parameter

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList",
    "Linear", "Identity", "Flatten",
    "Sigmoid", "ReLU", "LeakyReLU", "Softplus", "Tanh", "Softmax", "LogSoftmax",
    "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "functional", "init", "utils",
]
