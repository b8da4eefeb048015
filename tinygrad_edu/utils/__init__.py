"""tinygrad_edu.utils: helpers around training, as torch.utils.

`data.py` (`tg.utils.data`): datasets and the DataLoader.
`hooks.py` (`tg.utils.hooks`): the handle a hook registration returns.
"""

from tinygrad_edu.utils import data, hooks

__all__ = ["data", "hooks"]
