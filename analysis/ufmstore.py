#!/usr/bin/python3
"""Reading layer of ufmsweep stores, for scripts run from the repository or from
share/ufmsweep/analysis: the ufmsweep Python package's `ufmsweep.store` (python/ufmsweep), found
beside this directory when the package is not installed. New code imports the package:

    import ufmsweep
    s = ufmsweep.open_store("results/demo.h5")

(`python/README.md`; install it with `pip install --no-build-isolation --no-index python/`).
"""
import sys

import _package  # noqa: F401  (the package, from beside this directory)

from ufmsweep import store as _impl  # noqa: E402

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})
