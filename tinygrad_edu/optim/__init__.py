"""tinygrad_edu.optim: optimizers that update parameters in place from their gradients, as torch.optim.

- `optimizer.py`: the Optimizer base (param groups, state, zero_grad, state_dict/load_state_dict)
- `sgd.py`: SGD (momentum, dampening, Nesterov, weight decay); `adam.py`: Adam, AdamW
- `rmsprop.py`: RMSprop, Adagrad, Adadelta; `adam_variants.py`: Adamax, NAdam, RAdam
- `lr_scheduler.py` (`optim.lr_scheduler`): learning-rate schedules, as torch.optim.lr_scheduler
- `lbfgs.py`: LBFGS (closure-driven, strong Wolfe line search); `rprop.py`: Rprop; `asgd.py`: ASGD;
  `adafactor.py`: Adafactor; `lr_scheduler_extra.py`: PolynomialLR; `swa_utils.py` (`optim.swa_utils`): weight averaging

Example:
    >>> opt = tg.optim.SGD(net.parameters(), lr=0.1)
    >>> opt.zero_grad(); loss.backward(); opt.step()
"""

from tinygrad_edu.optim import lr_scheduler
from tinygrad_edu.optim.adam import Adam, AdamW
from tinygrad_edu.optim.adam_variants import Adamax, NAdam, RAdam
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.rmsprop import Adadelta, Adagrad, RMSprop
from tinygrad_edu.optim.sgd import SGD
from tinygrad_edu.torch_alias import torch_attribute_error

# A missing name is an AttributeError that names the torch name we lack (as_torch maps torch's modules here).
__getattr__ = torch_attribute_error(__name__)

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "lr_scheduler",
]

# Appended: LBFGS (closure-driven quasi-Newton), Rprop and ASGD, each in its own file.
from tinygrad_edu.optim.asgd import ASGD  # noqa: E402
from tinygrad_edu.optim.lbfgs import LBFGS  # noqa: E402
from tinygrad_edu.optim.rprop import Rprop  # noqa: E402

__all__ += ["LBFGS", "Rprop", "ASGD"]
from tinygrad_edu.optim.adafactor import Adafactor  # noqa: E402

__all__ += ["Adafactor"]
from tinygrad_edu.optim import swa_utils  # noqa: E402  # optim.swa_utils: AveragedModel, SWALR, update_bn

__all__ += ["swa_utils"]
