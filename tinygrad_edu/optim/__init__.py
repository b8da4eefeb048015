"""tinygrad_edu.optim: optimizers that update parameters in place from their gradients, as torch.optim.

- `optimizer.py`: the Optimizer base (param groups, state, zero_grad, state_dict/load_state_dict)
- `sgd.py`: SGD (momentum, dampening, Nesterov, weight decay); `adam.py`: Adam, AdamW

Example:
    >>> opt = tg.optim.SGD(net.parameters(), lr=0.1)
    >>> opt.zero_grad(); loss.backward(); opt.step()
"""

from tinygrad_edu.optim.adam import Adam, AdamW
from tinygrad_edu.optim.optimizer import Optimizer
from tinygrad_edu.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]
