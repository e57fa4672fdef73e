"""``python -m routellm_core.testing``: the same as ``routellm fake-provider``."""

import sys

from routellm_core.testing.fake_provider import main

sys.exit(main())
