"""``python -m routellm_core.cli ...``: the ``routellm`` command."""

import sys

from routellm_core.cli import main

sys.exit(main())
