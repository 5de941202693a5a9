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

BIN = os.environ["UFMSWEEP"]
SPECS = os.path.join(os.environ["UFMSWEEP_SOURCE_DIR"], "tests", "specs")


def run(*args, **kw):
    return subprocess.run([BIN, *args], capture_output=True, text=True, **kw)


def main():
    passed = failed = 0

    def check(name, cond, detail=""):
        nonlocal passed, failed
        if cond:
            passed += 1
            print("PASS", name)
        else:
            failed += 1
            print("FAIL", name, detail)

    def verify(path):
        r = run("verify", path)
        return r.returncode, r.stdout + r.stderr

    tmp = tempfile.mkdtemp()
    try:
        small = os.path.join(SPECS, "small.yaml")
        fresh = os.path.join(tmp, "fresh.h5")
        check("fresh run", run("run", small, "--store", fresh).returncode == 0)
        rc, out = verify(fresh)
        check("verify passes on a fresh store (with its journal)", rc == 0, out)

        # resumed: stopped by SIGUSR1, then --resume
        resumed = os.path.join(tmp, "resumed.h5")
        p = subprocess.Popen([BIN, "run", os.path.join(SPECS, "slow.yaml"), "--store", resumed,
                              "--progress", "100"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        p.send_signal(signal.SIGUSR1)
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

        newer = copy("newer.h5")
        with h5py.File(newer, "a") as f:
            f.attrs["schema_version"] = np.int64(2)
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
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
