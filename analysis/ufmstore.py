#!/usr/bin/python3
"""Reading layer: an ufmsweep store as labelled arrays.

    from ufmstore import open_store
    s = open_store("results/demo.h5")
    s.axes                  # [("R", array([1, 2, ...])), ("loss", array(['ce', 'cdt', 'ldt'])), ...]
    s.results["w_norm_ratio"]   # xarray.DataArray over the grid axes (NaN where not done)
    s.theory["w_norm_ratio"]    # the prediction at every point
    s.traces["dist_gw"]         # grid axes + trace_iter
    s.state                     # 0 pending, 1 done, 2 failed, 3 not converged
    s.spec_text, s.runs, s.attrs

Pending (and failed) points are NaN in results and traces whatever the file holds. Stores with a
newer schema_version than this code knows are refused with a clear message. Needs Debian's
/usr/bin/python3 with h5py, numpy and xarray (python3-xarray, python3-h5netcdf).
"""
import h5py
import numpy as np
import xarray as xr

SCHEMA_VERSIONS = (1,)


class StoreError(Exception):
    """A store this code cannot read (missing, damaged, or a newer schema)."""


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


class Store:
    def __init__(self, path):
        self.path = path
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise StoreError(f"{path}: cannot open: {e}") from e
        with f:
            version = int(f.attrs.get("schema_version", -1))
            if version not in SCHEMA_VERSIONS:
                if version > max(SCHEMA_VERSIONS):
                    raise StoreError(f"{path}: schema_version {version} is newer than this analysis "
                                     f"code reads ({max(SCHEMA_VERSIONS)}): update ufmsweep")
                raise StoreError(f"{path}: not a ufmsweep store (schema_version {version})")
            self.attrs = {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                          for k, v in f.attrs.items()}
            self.spec_text = _text(f["provenance/spec"][()])
            self.effective = _text(f["provenance/effective"][()])
            runs = f["provenance/runs"][()]
            self.runs = [{name: (_text(r[name]) if r.dtype[name].kind == "S" else r[name].item())
                          for name in runs.dtype.names} for r in runs]
            self.has_results = "results" in f
            self.has_traces = "traces" in f
        self.theory = self._group("theory")
        self.status = self._group("status")
        self.state = self.status["state"]
        self.axes = [(d, self.state[d].values) for d in self.state.dims]
        done = self.state == 1
        self.results = self._group("results", mask=done) if self.has_results else None
        self.traces = self._group("traces", mask=done) if self.has_traces else None

    def _group(self, group, mask=None):
        ds = xr.open_dataset(self.path, engine="h5netcdf", group=group).load()
        ds.close()
        if mask is not None:
            for name in list(ds.data_vars):
                if ds[name].dtype.kind == "f":
                    ds[name] = ds[name].where(mask)
        return ds

    @property
    def axis_names(self):
        return [a for a, _ in self.axes]

    def numeric_axes(self):
        """Axes with numeric values and at least two of them."""
        return [a for a, v in self.axes if v.dtype.kind in "fiu" and len(v) > 1]

    def categorical_axes(self):
        return [a for a, v in self.axes if v.dtype.kind not in "fiu" and len(v) > 1]

    def counts(self):
        s = self.state.values
        return {"done": int((s == 1).sum()), "failed": int((s == 2).sum()),
                "not_converged": int((s == 3).sum()), "pending": int((s == 0).sum()),
                "total": int(s.size)}


def open_store(path):
    """Open an ufmsweep store read-only as labelled arrays (see the module docstring)."""
    return Store(path)
