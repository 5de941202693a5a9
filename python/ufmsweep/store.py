"""Reading layer: an ufmsweep store as labelled arrays.

    from ufmsweep import open_store
    s = open_store("results/demo.h5")
    s.axes                  # [("R", array([1, 2, ...])), ("loss", array(['ce', 'cdt', 'ldt'])), ...]
    s.results["w_norm_ratio"]   # xarray.DataArray over the grid axes (NaN where not done)
    s.theory["w_norm_ratio"]    # the prediction at every point
    s.traces["dist_gw"]         # grid axes + trace_iter
    s.state                     # 0 pending, 1 done, 2 failed, 3 not converged,
                                # 4 not in the study (a grid point in no block of the spec)
    s.spec_text, s.runs, s.attrs
    s.progress()                # counts, rate (points/s), eta_s, writing

A store in the points layout (s.layout == "points": a union mostly of holes, a long zip, a
sampled design) holds every array over one dimension `point` with each axis as a coordinate
over it; s.axes lists each axis's distinct values all the same. s.as_grid() gives the dense
view over the axes (NaN and state 4 where no point is) when the points fit in a product of
at most 10^7 cells, so that .sel works as on a grid store:
    g = s.as_grid()
    g.results["w_norm_ratio"].sel(loss="cdt")

It works while a run writes the store: it opens it in HDF5's single-writer/multiple-reader
(SWMR) mode without file locks (open_group does the same for one group), sees every point
committed so far, and never blocks or changes the writer.

Pending (and failed) points are NaN in results and traces whatever the file holds. Stores with a
newer schema_version than this code knows are refused with a clear message. Needs Debian's
/usr/bin/python3 with h5py, numpy and xarray (python3-xarray, python3-h5netcdf).
"""
import h5py
import numpy as np
import xarray as xr

SCHEMA_VERSIONS = (1, 2, 3)


class StoreError(Exception):
    """A store this code cannot read (missing, damaged, or a newer schema)."""


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _h5_open(path, module=h5py):
    """Open a store read-only the way that works while a run writes it: HDF5's single-writer/
    multiple-reader (SWMR) mode without file locks, so that reading never blocks or changes the
    writer. Stores made before ufmsweep 0.2 (HDF5 1.8 format) cannot do SWMR and are opened the
    plain way. module is h5py or h5netcdf (whose File passes these options on to h5py)."""
    extra = {} if module is h5py else {"decode_vlen_strings": True}  # str labels, as xarray's
    try:
        return module.File(path, "r", swmr=True, locking=False, **extra)
    except TypeError:  # h5py older than 3.5 has no locking argument
        return module.File(path, "r", swmr=True, **extra)
    except OSError as e:
        if "SWMR" in str(e) or "superblock" in str(e):
            return module.File(path, "r", **extra)
        raise


def open_group(path, group):
    """One group of a store (results, theory, status, traces) as an xarray.Dataset, loaded into
    memory; works while a run writes the store (see _h5_open)."""
    import warnings
    import h5netcdf
    with _h5_open(path, h5netcdf) as f, warnings.catch_warnings():
        # NaN commit times (pending points) decode to NaT with a RuntimeWarning of xarray's
        warnings.simplefilter("ignore", RuntimeWarning)
        store = xr.backends.H5NetCDFStore(f, group=group)
        ds = xr.open_dataset(store).load()
        ds.close()
    return ds


# the state codes of stores made before /status/state carried its flag attributes
DEFAULT_STATE_CODES = {"pending": 0, "done": 1, "failed": 2, "not_converged": 3, "not_in_study": 4}


class Store:
    def __init__(self, path):
        self.path = path
        try:
            f = _h5_open(path)
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
            # the state codes as the store names them (CF flag_values / flag_meanings of
            # /status/state, written from the program's one list of states)
            sa = f["status/state"].attrs
            if "flag_values" in sa and "flag_meanings" in sa:
                self.codes = {name: int(v) for name, v in
                              zip(_text(sa["flag_meanings"]).split(), sa["flag_values"])}
            else:
                self.codes = dict(DEFAULT_STATE_CODES)
        # the state first: a point it calls done had its data committed before it, so that a
        # store read while a run writes is consistent (points done later stay NaN here)
        self.status = self._group("status")
        self.state = self.status["state"]
        self.theory = self._group("theory")
        self.layout = str(self.attrs.get("layout", "grid"))
        if self.layout == "points":
            # each axis's distinct values (sorted when numeric), in the store's axis order
            names = _text(f_coordinates(self.path)).split()
            self.axes = [(n, _distinct(self.state[n].values)) for n in names]
        else:
            self.axes = [(d, self.state[d].values) for d in self.state.dims]
        done = self.state == self.codes["done"]
        self.results = self._group("results", mask=done) if self.has_results else None
        self.traces = self._group("traces", mask=done) if self.has_traces else None

    def _group(self, group, mask=None):
        try:
            ds = open_group(self.path, group)
        except OSError as e:
            raise StoreError(f"{self.path}: cannot read /{group}: {e}") from e
        if mask is not None:
            for name in list(ds.data_vars):
                if ds[name].dtype.kind == "f":
                    ds[name] = ds[name].where(mask)
        return ds

    def as_grid(self, max_cells=10_000_000):
        """The dense view of a points-layout store: every group unstacked over the axes (a
        grid-layout store is returned as it is). Cells no point fills are NaN, with state 4
        (not in the study). StoreError when the product of the axes passes max_cells (a sampled
        design: plot it as points, e.g. against s.state["R"] and s.state["gamma"])."""
        if self.layout != "points":
            return self
        cells = 1
        for _, v in self.axes:
            cells *= len(v)
        if cells > max_cells:
            raise StoreError(f"{self.path}: its points span a product of {cells} cells "
                             f"(more than {max_cells}): use the point arrays as they are")
        import copy
        g = copy.copy(self)
        names = self.axis_names
        unstack = (lambda ds: ds.set_index(point=names).unstack("point")
                   .transpose(*names, ...))
        g.status = unstack(self.status)
        nis = self.codes["not_in_study"]
        g.state = g.status["state"].fillna(nis).astype(self.state.dtype)
        g.status["state"] = g.state
        g.theory = unstack(self.theory)
        g.results = unstack(self.results) if self.results is not None else None
        g.traces = unstack(self.traces) if self.traces is not None else None
        g.axes = [(d, g.state[d].values) for d in g.state.dims]
        g.layout = "grid"
        return g

    @property
    def axis_names(self):
        return [a for a, _ in self.axes]

    def numeric_axes(self):
        """Axes with numeric values and at least two of them."""
        return [a for a, v in self.axes if v.dtype.kind in "fiu" and len(v) > 1]

    def categorical_axes(self):
        return [a for a, v in self.axes if v.dtype.kind not in "fiu" and len(v) > 1]

    def counts(self):
        """Points of the study by state (total: the points in the study, not_in_study: the
        others of the grid) and, of the finished ones, how many were computed and how many
        are copies of an equal point (points_reused; /status/source, stores of schema 3)."""
        s = self.state.values
        c = self.codes
        n = {name: int((s == c[name]).sum()) if name in c else 0
             for name in ("done", "failed", "not_converged", "pending", "not_in_study")}
        fin = (s == c["done"]) | (s == c["failed"]) | (s == c["not_converged"])
        src = self.status["source"].values if "source" in self.status else np.full(s.shape, -1)
        return {**n, "total": int(s.size - n["not_in_study"]),
                "points_computed": int((fin & (src == -1)).sum()),
                "points_reused": int((fin & (src != -1)).sum())}

    def progress(self, window_s=300.0, now=None):
        """counts() plus the rate (points/s committed over the last window_s seconds, or since
        the running run started when that is shorter), the ETA at that rate (None when unknown)
        and whether a run is writing. Stores made before 0.2 have no commit times: rate 0."""
        import time
        c = self.counts()
        now = time.time() if now is None else now
        last = self.runs[-1] if self.runs else None
        running = last is not None and last.get("exit_reason") == "running" and \
            int(self.attrs.get("open_for_writing", 0)) == 1
        rate, window = 0.0, window_s
        if running and "commit_time" in self.status:
            t = self.status["commit_time"].values
            if np.issubdtype(t.dtype, np.datetime64):
                t = (t - np.datetime64(0, "s")) / np.timedelta64(1, "s")
            t = np.asarray(t, dtype=float)
            ok = np.isfinite(t) & (self.state.values != 0)
            start = _utc_seconds(last.get("start_utc", ""))
            if start is not None and now - start < window:
                window = max(now - start, 1e-9)
            rate = float(((t[ok] > now - window_s) & (t[ok] <= now + 1)).sum()) / window
        eta = c["pending"] / rate if rate > 0 else (0.0 if c["pending"] == 0 else None)
        return dict(c, rate=rate, window_s=window, eta_s=eta, writing=running)


def f_coordinates(path):
    """The axes of a points-layout store, as its /status/state names them (`coordinates`)."""
    with _h5_open(path) as f:
        return f["status/state"].attrs.get("coordinates", b"")


def _distinct(values):
    """The distinct values of a coordinate: sorted numbers, text in order of appearance."""
    if values.dtype.kind in "fiu":
        return np.unique(values)
    seen = {}
    for v in values:
        seen.setdefault(v, None)
    return np.array(list(seen), dtype=object)


def _utc_seconds(text):
    import calendar
    import time
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return None


def open_store(path):
    """Open an ufmsweep store read-only as labelled arrays (see the module docstring)."""
    return Store(path)
