#!/usr/bin/python3
"""The store as labelled arrays: xarray's h5netcdf engine opens every data group with named
dimensions and coordinates equal to the spec's axes, and values equal to what h5py reads; pending
points are NaN. Runs a small theory-and-solve sweep itself (needs $UFMSWEEP)."""
import os
import sys
import tempfile

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, run  # noqa: E402  (the tests' one harness)

SPEC = """
name: xarray test
fixed: {k: 4, n_min: 2, d: 4, opt: ngd, lr: 0.2, iters: 200, trace_points: 5}
grid:
  R: [1, 3]
  loss: [ce, ldt]
  gamma: {linspace: [0, 0.5, 2]}
"""


def main():
    check = Checks()

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "s.yaml")
        store = os.path.join(tmp, "s.h5")
        with open(spec, "w") as f:
            f.write(SPEC)
        r = run("run", spec, "--store", store)
        check("sweep runs", r.returncode == 0, r.stderr)
        for group in ["results", "theory", "traces", "status"]:
            ds = xr.open_dataset(store, engine="h5netcdf", group=group)
            dims = dict(ds.sizes)
            want = {"R": 2, "loss": 2, "gamma": 2}
            if group == "traces":
                want["trace_iter"] = 5
            check(f"{group}: named dimensions {want}", dims == want, str(dims))
            check(f"{group}: coordinates", list(ds["loss"].values) == ["ce", "ldt"]
                  and np.allclose(ds["R"].values, [1, 3]) and np.allclose(ds["gamma"].values, [0, 0.5]),
                  str(ds.coords))
            ds.close()
        ds = xr.open_dataset(store, engine="h5netcdf", group="results")
        with h5py.File(store, "r") as f:
            raw = f["results/w_norm_ratio"][()]
            it = f["traces/trace_iter"][()]
        check("values equal h5py", np.array_equal(ds["w_norm_ratio"].values, raw))
        v = float(ds["w_norm_ratio"].sel(R=3, loss="ldt", gamma=0.5))
        check("labelled selection (LDT gamma=1/2 near ETF ratio 1)", abs(v - 1) < 0.1, str(v))
        tr = xr.open_dataset(store, engine="h5netcdf", group="traces")
        check("trace coordinate is the iteration schedule",
              list(tr["trace_iter"].values) == list(it) and it[0] == 0 and it[-1] == 200, str(it))
        tr.close()
        ds.close()

        # a store with pending points reads NaN there
        store2 = os.path.join(tmp, "p.h5")
        with h5py.File(store, "r") as f:
            pass
        r = run("run", spec, "--store", store2, "--shard", "0/2")
        check("shard run", r.returncode == 0, r.stderr)
        ds = xr.open_dataset(store2, engine="h5netcdf", group="results")
        st = xr.open_dataset(store2, engine="h5netcdf", group="status")
        pending = st["state"].values == 0
        check("pending points are NaN, done points finite",
              pending.sum() == 4 and np.isnan(ds["w_norm_ratio"].values[pending]).all()
              and np.isfinite(ds["w_norm_ratio"].values[~pending]).all())
        ds.close()
        st.close()

        # generated coordinates are the decimals meant: linspace(0, 1, 11) is 0, 0.1, ..., 1
        # exactly as Python writes them, so .sel(gamma=0.3) works; the same in the parameters
        spec3 = os.path.join(tmp, "g.yaml")
        store3 = os.path.join(tmp, "g.h5")
        with open(spec3, "w") as f:
            f.write("name: decimals\nfixed: {k: 4, solver: none}\n"
                    "grid:\n  gamma: {linspace: [0, 1, 11]}\n  tau: {logspace: [-2, 0, 5]}\n"
                    "  lambda: {linspace: [-1e-3, 1e-3, 3]}\n")
        r = run("run", spec3, "--store", store3)
        # lambda has a negative value: refused, naming it; with [0, 2e-3, 3] it runs
        check("a negative generated lambda is refused", r.returncode == 1 and "lambda" in r.stderr,
              r.stderr)
        with open(spec3, "w") as f:
            f.write("name: decimals\nfixed: {k: 4, loss: ldt, solver: none}\n"
                    "grid:\n  gamma: {linspace: [0, 1, 11]}\n  tau: {logspace: [-2, 0, 5]}\n")
        r = run("run", spec3, "--store", store3)
        check("decimal sweep runs", r.returncode == 0, r.stderr)
        th = xr.open_dataset(store3, engine="h5netcdf", group="theory")
        g = list(th["gamma"].values)
        check("linspace(0, 1, 11) coordinates are the decimals",
              g == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], str(g))
        t = list(th["tau"].values)
        check("logspace(-2, 0, 5) to 12 significant digits",
              t == [0.01, 0.0316227766017, 0.1, 0.316227766017, 1.0], str(t))
        v = float(th["w_norm_ratio"].sel(gamma=0.3, tau=0.1))
        r = run("solve", "--spec", spec3, "--point", "gamma=0.3,tau=0.1", "--json")
        import json
        p = json.loads(r.stdout) if r.returncode == 0 else {}
        check("the point's parameters are the coordinates (gamma=0.3 names it; its values equal the store)",
              p.get("label") == "gamma=0.3, tau=0.1" and p.get("theory", {}).get("w_norm_ratio") == v,
              r.stdout[:300] + r.stderr)
        th.close()
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
