"""tinygrad_edu.utils: helpers around training, as torch.utils.

`data.py` (`tg.utils.data`): datasets and the DataLoader.
"""

from tinygrad_edu.utils import data

__all__ = ["data"]
