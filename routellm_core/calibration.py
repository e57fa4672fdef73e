"""Moved to ``routellm_core.routing.calibration``; this module keeps imports written against
routellm-plugins 0.1.0 (and its docs) working."""

from routellm_core.routing.calibration import *  # noqa: F403
from routellm_core.routing.calibration import DEFAULT_STRONG_FRACTION, N_QUANTILES  # noqa: F401
