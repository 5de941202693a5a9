#!/usr/bin/python3
"""Reading layer of ufmsweep stores, for scripts run from the repository or from
share/ufmsweep/analysis: the ufmsweep Python package's `ufmsweep.store` (python/ufmsweep), found
beside this directory when the package is not installed. New code imports the package:

    import ufmsweep
    s = ufmsweep.open_store("results/demo.h5")

(`python/README.md`; install it with `pip install --no-build-isolation --no-index python/`).
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
for _p in (os.path.join(_here, "..", "python"),):
    if os.path.isdir(os.path.join(_p, "ufmsweep")) and _p not in sys.path:
        sys.path.insert(0, _p)

from ufmsweep import store as _impl  # noqa: E402

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})
