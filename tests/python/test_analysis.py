#!/usr/bin/python3
"""analysis/: the reading layer returns exactly what the store holds, labelled, with pending
points NaN; report.py on a partially finished store writes non-empty PNGs and an index.html that
references each; phase.py draws one diagram and refuses unknown axes and values. Needs
$UFMSWEEP and $UFMSWEEP_SOURCE_DIR (set by CTest)."""
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SRC = os.environ["UFMSWEEP_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SRC, "analysis"))
from ufmstore import StoreError, open_store  # noqa: E402

SPEC = """
name: analysis test
fixed: {k: 4, n_min: 2, d: 4, opt: ngd, lr: 0.2, iters: 300, trace_points: 6}
grid:
  R: [1, 2, 4]
  loss: [ce, cdt, ldt]
  gamma: {linspace: [-0.5, 0.5, 3]}
  seed: [0, 1]
"""


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

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "s.yaml")
        store = os.path.join(tmp, "s.h5")
        with open(spec, "w") as f:
            f.write(SPEC)
        # a partial store: only the even shard of the grid is computed
        r = subprocess.run([os.environ["UFMSWEEP"], "run", spec, "--store", store, "--shard", "0/2"],
                           capture_output=True, text=True)
        check("partial sweep runs", r.returncode == 0, r.stderr)
        s = open_store(store)
        check("axes in spec order with their values",
              [a for a, _ in s.axes] == ["R", "loss", "gamma", "seed"]
              and list(s.axes[1][1]) == ["ce", "cdt", "ldt"]
              and np.allclose(s.axes[2][1], [-0.5, 0, 0.5]), str(s.axes))
        with h5py.File(store, "r") as f:
            raw = f["results/w_norm_ratio"][()]
            th = f["theory/dist_gw"][()]
            state = f["status/state"][()]
            tr = f["traces/dist_z"][()]
        check("shapes", s.results["w_norm_ratio"].shape == (3, 3, 3, 2)
              and s.traces["dist_z"].shape == (3, 3, 3, 2, 6))
        done = state == 1
        check("half the points pending", done.sum() == 27 and (state == 0).sum() == 27)
        v = s.results["w_norm_ratio"].values
        check("done values equal the store", np.array_equal(v[done], raw[done], equal_nan=True))
        check("pending values are NaN", np.isnan(v[~done]).all()
              and np.isnan(s.traces["dist_z"].values[~done]).all())
        check("theory everywhere", np.array_equal(s.theory["dist_gw"].values, th, equal_nan=True))
        check("traces equal the store", np.array_equal(s.traces["dist_z"].values[done], tr[done], equal_nan=True))
        check("labelled selection", float(s.results["w_norm_ratio"].sel(R=1, loss="ce", gamma=-0.5, seed=0))
              == raw[0, 0, 0, 0])
        c = s.counts()
        check("counts", c == {"done": 27, "failed": 0, "not_converged": 0, "pending": 27, "total": 54}, str(c))
        check("provenance", "analysis test" in s.spec_text and len(s.runs) == 1
              and s.runs[0]["exit_reason"] == "complete")

        out = os.path.join(tmp, "report")
        r = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "analysis", "report.py"), store, out],
                           capture_output=True, text=True)
        check("report.py runs", r.returncode == 0, r.stderr)
        pngs = sorted(p for p in os.listdir(out) if p.endswith(".png"))
        check("report writes phase, curve and convergence figures",
              any(p.startswith("phase_") for p in pngs) and any(p.startswith("curves_") for p in pngs)
              and "convergence_dist_gw.png" in pngs, str(pngs))
        check("every PNG is a non-empty image",
              all(open(os.path.join(out, p), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
                  and os.path.getsize(os.path.join(out, p)) > 5000 for p in pngs))
        page = open(os.path.join(out, "index.html")).read()
        refs = set(re.findall(r'src="([^"]+\.png)"', page))
        check("index.html references each figure and shows the spec",
              refs == set(pngs) and "analysis test" in page and "27 pending" in page, str(refs))

        png = os.path.join(tmp, "p.png")
        phase = os.path.join(SRC, "analysis", "phase.py")
        r = subprocess.run(["/usr/bin/python3", phase, store, "--x", "R", "--y", "gamma", "--metric",
                            "w_norm_ratio", "--panels", "loss", "--where", "seed=1", "-o", png],
                           capture_output=True, text=True)
        check("phase.py draws", r.returncode == 0 and os.path.getsize(png) > 5000, r.stderr)
        for args, want in [(["--x", "Rr", "--y", "gamma", "--metric", "dist_gw"], "no axis 'Rr'"),
                           (["--x", "R", "--y", "gamma", "--metric", "nope"], "no metric 'nope'"),
                           (["--x", "R", "--y", "gamma", "--metric", "dist_gw", "--where", "seed=7"],
                            "not a value of seed")]:
            r = subprocess.run(["/usr/bin/python3", phase, store] + args + ["-o", png],
                               capture_output=True, text=True)
            check(f"phase.py refuses: {want}", r.returncode == 1 and want in r.stderr, r.stderr)

        with h5py.File(store, "a") as f:
            f.attrs["schema_version"] = 99
        try:
            open_store(store)
            check("newer schema refused", False)
        except StoreError as e:
            check("newer schema refused", "newer than this analysis code reads" in str(e), str(e))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
