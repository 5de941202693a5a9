"""ufmsweep's Python side: read a store (also while a run writes it), compare two, draw them.

    import ufmsweep
    s = ufmsweep.open_store("results/demo.h5")   # .results, .theory, .traces, .status, .state,
                                                 # .axes, .progress(), .as_grid()
    r = ufmsweep.open_group("results/demo.h5", "results")   # one group as an xarray.Dataset
    c = ufmsweep.compare("a.h5", "b.h5")         # which points differ, and by how much

Commands: ufmsweep-report STORE OUTDIR (every figure and index.html; --watch during a run) and
ufmsweep-phase (one phase diagram). The stores' schema: docs/STORE.md of ufmsweep.
"""
from .compare import compare
from .store import Store, StoreError, open_group, open_store

__version__ = "0.4.0"
__all__ = ["Store", "StoreError", "compare", "open_group", "open_store"]
