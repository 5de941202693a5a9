#!/usr/bin/python3
"""Archival: `verify` passes on fresh, resumed and merged stores and fails with a precise finding
on a flipped byte in a data chunk, a removed dataset, a done flag without data and a changed
spec text; the CSV export round-trips (numbers equal, NaN where pending); the netCDF export opens
in xarray with coordinates and passes `ncdump -h`; `compact` output verifies and answers the
same queries. Needs $UFMSWEEP and $UFMSWEEP_SOURCE_DIR (CTest sets them)."""
import csv
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, SPECS, Checks, run  # noqa: E402  (the tests' one harness)



def main():
    check = Checks()

    def verify(path):
        r = run("verify", path)
        return r.returncode, r.stdout + r.stderr

    tmp = tempfile.mkdtemp()
    try:
        small = os.path.join(SPECS, "small.yaml")
        fresh = os.path.join(tmp, "fresh.h5")
        # small.yaml's diverging points fail: the run exits 4
        check("fresh run", run("run", small, "--store", fresh).returncode == 4)
        rc, out = verify(fresh)
        check("verify passes on a fresh store (with its journal)", rc == 0, out)

        # resumed: stopped by SIGUSR1, then --resume
        resumed = os.path.join(tmp, "resumed.h5")
        go = os.path.join(tmp, "go")
        env = dict(os.environ, UFMSWEEP_TEST_HOLD="2:" + go)   # held once 2 points are saved
        p = subprocess.Popen([BIN, "run", os.path.join(SPECS, "slow.yaml"), "--store", resumed,
                              "--progress", "100"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        while not os.path.exists(go + ".held") and p.poll() is None:
            time.sleep(0.02)
        p.send_signal(signal.SIGUSR1)
        open(go, "w").close()
        rc1 = p.wait()
        r = run("run", os.path.join(SPECS, "slow.yaml"), "--store", resumed, "--resume")
        rc, out = verify(resumed)
        check("verify passes on a resumed store", rc1 == 3 and r.returncode == 0 and rc == 0,
              f"first rc {rc1}, resume rc {r.returncode}: {out}")

        shards = [os.path.join(tmp, f"s{i}.h5") for i in range(2)]
        for i, s in enumerate(shards):
            run("run", small, "--store", s, "--shard", f"{i}/2")
        merged = os.path.join(tmp, "merged.h5")
        r = run("merge", merged, *shards)
        rc, out = verify(merged)
        check("verify passes on a merged store", r.returncode == 0 and rc == 0, out + r.stderr)
        rc, out = verify(shards[0])
        check("verify passes on a partial (shard) store", rc == 0, out)

        # damage, one kind per copy (the journal is left behind: only the store is damaged)
        def copy(name):
            dst = os.path.join(tmp, name)
            shutil.copy(fresh, dst)
            return dst

        flipped = copy("flipped.h5")
        with h5py.File(flipped, "r") as f:
            info = f["results/w_norm_ratio"].id.get_chunk_info(0)
        with open(flipped, "r+b") as fh:
            fh.seek(info.byte_offset + info.size // 2)
            b = fh.read(1)
            fh.seek(info.byte_offset + info.size // 2)
            fh.write(bytes([b[0] ^ 0xFF]))
        rc, out = verify(flipped)
        check("flipped byte in a data chunk: checksum finding naming the dataset",
              rc == 1 and "/results/w_norm_ratio: cannot be read: checksum" in out, out)

        removed = copy("removed.h5")
        with h5py.File(removed, "a") as f:
            del f["results/dist_z"]
        rc, out = verify(removed)
        check("removed dataset: finding", rc == 1 and "/results/dist_z: missing" in out, out)

        flagged = os.path.join(tmp, "flagged.h5")
        shutil.copy(shards[0], flagged)
        with h5py.File(flagged, "a") as f:
            st = f["status/state"]
            a = st[()]
            idx = np.argwhere(a == 0)[0]
            a[tuple(idx)] = 1
            st[...] = a
        rc, out = verify(flagged)
        check("done flag without data: finding", rc == 1 and "done point(s) without their data" in out, out)

        respec = copy("respec.h5")
        with h5py.File(respec, "a") as f:
            text = f["provenance/spec"][()].decode()
            del f["provenance/spec"]
            f["provenance/spec"] = np.bytes_(text.replace("small test sweep", "another sweep"))
        rc, out = verify(respec)
        check("changed spec text: finding", rc == 1 and "the spec text was changed" in out, out)

        # CSV round trip on the partial store
        csvp = os.path.join(tmp, "s0.csv")
        r = run("export", shards[0], "--format", "csv", "-o", csvp)
        check("csv export", r.returncode == 0, r.stderr)
        with open(csvp) as fh:
            lines = [ln for ln in fh if not ln.startswith("#")]
        rows = list(csv.DictReader(lines))
        with h5py.File(shards[0], "r") as f:
            state = f["status/state"][()].ravel()
            w = f["results/w_norm_ratio"][()].ravel()
            th = f["theory/dist_gw"][()].ravel()
            loss = [x.decode() for x in f["coords/loss"][()]]
        ok = len(rows) == state.size
        for r_ in rows:
            p = int(r_["point"])
            v = float(r_["w_norm_ratio"])
            ok = ok and int(r_["state"]) == state[p]
            ok = ok and ((math.isnan(v) and math.isnan(w[p])) or v == w[p])
            tv = float(r_["theory_dist_gw"])
            ok = ok and ((math.isnan(tv) and math.isnan(th[p])) or tv == th[p])
            ok = ok and r_["loss"] in loss
            if state[p] == 0:
                ok = ok and math.isnan(v)
        check("csv round-trips: every number equal, NaN where pending", ok)

        ncp = os.path.join(tmp, "fresh.nc")
        r = run("export", fresh, "--format", "netcdf", "-o", ncp)
        d = subprocess.run(["ncdump", "-h", ncp], capture_output=True, text=True)
        ds = xr.open_dataset(ncp)
        with h5py.File(fresh, "r") as f:
            wr = f["results/w_norm_ratio"][()]
        check("netcdf export: ncdump -h and xarray with coordinates",
              r.returncode == 0 and d.returncode == 0 and "dimensions:" in d.stdout
              and set(["rho", "R", "loss", "gamma", "lr"]) <= set(ds.coords)
              and np.array_equal(ds["w_norm_ratio"].values, wr, equal_nan=True)
              and list(ds["loss"].values) == ["ce", "cdt", "ldt"], d.stderr + r.stderr)
        ds.close()
        r = run("export", fresh, "--format", "netcdf", "-o", ncp)
        check("export refuses to overwrite", r.returncode == 1 and "already exists" in r.stderr, r.stderr)

        # CF-1.8: read back every attribute of the export (no CF checker is packaged by Debian)
        def cf_problems(ds, raw=False):
            bad = []
            if ds.attrs.get("Conventions") != "CF-1.8":
                bad.append(f"Conventions {ds.attrs.get('Conventions')!r}")
            for key in ("title", "history", "source"):
                if not ds.attrs.get(key):
                    bad.append(f"no global {key}")
            for name, v in list(ds.coords.items()) + list(ds.data_vars.items()):
                if not v.attrs.get("long_name"):
                    bad.append(f"{name}: no long_name")
                if "flag_values" in v.attrs:
                    fv, fm = np.atleast_1d(v.attrs["flag_values"]), v.attrs.get("flag_meanings", "")
                    if len(fv) != len(fm.split()) or fv.dtype != v.dtype:
                        bad.append(f"{name}: flag_values {fv} ({fv.dtype}) against '{fm}' ({v.dtype})")
                elif v.dtype.kind == "f" and "units" not in v.attrs and v.dtype.kind != "M" \
                        and "units" not in v.encoding:
                    bad.append(f"{name}: no units")
            return bad
        ds = xr.open_dataset(ncp, engine="h5netcdf")
        probs = cf_problems(ds)
        check("netcdf export is CF-1.8: Conventions, title, history, long_name and units on every "
              "variable and coordinate, flags as flag_values + flag_meanings", not probs, str(probs))
        fm = {n: ds[n].attrs.get("flag_meanings") for n in ("state", "theory_source", "outcome")}
        check("state, theory_source and outcome flags", fm == {
            "state": "pending done failed not_converged not_in_study",
            "theory_source": "pending none closed_form convex",
            "outcome": "pending_or_no_solve converged_gradient converged_loss max_iter diverged"}
            and list(ds["state"].attrs["flag_values"]) == [0, 1, 2, 3, 4], str(fm))
        fixed_ok = (int(ds["k"].values) == 4 and ds["k"].dtype == np.int64 and int(ds["d"].values) == 5
                    and str(ds["opt"].values) == "ngd" and int(ds["iters"].values) == 400)
        check("fixed parameters are scalar variables (k, d, iters as integers; opt as text)", fixed_ok,
              str({k: ds[k].values for k in ("k", "d", "opt", "iters") if k in ds}))
        with h5py.File(fresh, "r") as f:
            st_raw = f["status/state"][()]
            wall = f["status/wall_s"][()]
        msg = ds["message"].values
        check("messages, outcomes, wall times and ranks are exported",
              all("diverged" in str(m) for m in msg[st_raw == 2]) and (msg[st_raw == 1] == "").all()
              and np.array_equal(ds["wall_s"].values, wall, equal_nan=True)
              and set(np.unique(ds["outcome"].values)) <= {-1, 1, 2, 3, 4} and "rank" in ds
              and "commit_time" in ds, str(msg.ravel()[:4]))
        ds.close()
        # integer axes (seed) as integers
        seedspec = os.path.join(tmp, "seeds.yaml")
        with open(seedspec, "w") as f:
            f.write("name: seeds\nfixed: {k: 4, n_min: 1, d: 4, opt: ngd, lr: 0.2, iters: 20}\n"
                    "grid:\n  R: [1, 2]\n  seed: [0, 1, 2]\n")
        sst, snc = os.path.join(tmp, "seeds.h5"), os.path.join(tmp, "seeds.nc")
        r1, r2 = run("run", seedspec, "--store", sst), run("export", sst, "--format", "netcdf", "-o", snc)
        ds = xr.open_dataset(snc, engine="h5netcdf") if r2.returncode == 0 else None
        check("seed is an integer coordinate in the export",
              ds is not None and ds["seed"].dtype == np.int64 and list(ds["seed"].values) == [0, 1, 2]
              and ds["R"].dtype == np.float64, r1.stderr + r2.stderr)
        if ds is not None:
            ds.close()
        # a key fixed and also varied in a block (n_min here, zipped with R there): the axis is the
        # variable, not a second one of the same name (netCDF refused the export)
        uspec = os.path.join(tmp, "union.yaml")
        with open(uspec, "w") as f:
            f.write("name: union\nlayout: grid\nfixed: {k: 4, n_min: 2, d: 4, opt: ngd, lr: 0.2, iters: 20}\n"
                    "grids:\n  - {R: [1, 2]}\n  - zip: {R: [4, 16], n_min: [4, 1]}\n")
        ust, unc = os.path.join(tmp, "union.h5"), os.path.join(tmp, "union.nc")
        r1, r2 = run("run", uspec, "--store", ust), run("export", ust, "--format", "netcdf", "-o", unc)
        ds = xr.open_dataset(unc, engine="h5netcdf") if r2.returncode == 0 else None
        check("netcdf export of a key both fixed and in a block: n_min is the axis",
              ds is not None and "n_min" in ds.dims and sorted(ds["n_min"].values.tolist()) == [1, 2, 4],
              r1.stderr + r2.stderr)
        if ds is not None:
            ds.close()
        # ncdump reads the raw store and the export in full (it aborted on the raw store:
        # a fixed-length string dataset, which netCDF-C mis-sizes)
        for path in (fresh, ncp):
            d1 = subprocess.run(["ncdump", "-h", path], capture_output=True, text=True)
            d2 = subprocess.run(["ncdump", path], capture_output=True, text=True)
            check(f"ncdump -h and ncdump read {os.path.basename(path)}",
                  d1.returncode == 0 and d2.returncode == 0 and "diverged (NaN or Inf)" in d2.stdout,
                  (d1.stderr + d2.stderr)[-400:])
        # the raw store carries the CF attributes too, group by group
        probs = []
        with h5py.File(fresh, "r") as f:
            if f.attrs.get("Conventions") not in ("CF-1.8", b"CF-1.8"):
                probs.append("raw store: no Conventions")
        for group in ("results", "theory", "status", "traces"):
            g = xr.open_dataset(fresh, engine="h5netcdf", group=group)
            g.attrs.update({"Conventions": "CF-1.8", "title": "-", "history": "-", "source": "-"})
            probs += [f"/{group}/{p}" for p in cf_problems(g, raw=True)]
            g.close()
        check("the raw store: Conventions, long_name and units on every dataset, CF flags",
              not probs, str(probs))
        try:
            pv = xr.open_dataset(fresh, engine="h5netcdf", group="provenance")
            ok_prov = pv.sizes.get("run") == 1 and "spec" in pv and "runs" in pv
            pv.close()
        except ValueError as e:  # h5netcdf asks for phony_dims when a dimension has no scale
            ok_prov = False
            print(e)
        check("xarray opens /provenance without phony dimensions", ok_prov)

        newer = copy("newer.h5")
        with h5py.File(newer, "a") as f:
            f.attrs["schema_version"] = np.int64(1000)  # far beyond any schema this build reads
        r1, r2 = run("status", newer), run("verify", newer)
        check("a newer schema_version is refused by status and verify",
              r1.returncode == 1 and "newer than this program reads" in r1.stderr
              and r2.returncode == 1 and "newer than this program reads" in r2.stdout, r1.stderr + r2.stdout)

        truncated = copy("truncated.h5")
        with open(truncated, "r+b") as fh:
            fh.truncate(os.path.getsize(truncated) // 2)
        rc, out = verify(truncated)
        check("truncated store: a finding, no crash", rc == 1 and len(out) > 0, out)

        comp = os.path.join(tmp, "compact.h5")
        r = run("compact", fresh, "-o", comp, "--drop-traces")
        same = True
        with h5py.File(fresh, "r") as a, h5py.File(comp, "r") as b:
            for g in ("results", "theory"):
                for k in a[g]:
                    if a[g][k].ndim == 5:
                        same = same and np.array_equal(a[g][k][()], b[g][k][()], equal_nan=True)
            same = same and np.array_equal(a["status/state"][()], b["status/state"][()])
            same = same and "traces" not in b and len(b["provenance/runs"]) == len(a["provenance/runs"])
        check("compact --drop-traces verifies and answers the same queries",
              r.returncode == 0 and same and not os.path.exists(comp + ".journal"), r.stdout + r.stderr)
    finally:
        shutil.rmtree(tmp)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
