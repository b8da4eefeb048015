"""`python -m tinygrad_edu.bench`: the same as `tinygrad-edu bench`."""

import sys

from tinygrad_edu.bench import main

sys.exit(main())
