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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, run  # noqa: E402  (the tests' one harness)

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
    check = Checks()

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "s.yaml")
        store = os.path.join(tmp, "s.h5")
        with open(spec, "w") as f:
            f.write(SPEC)
        # a partial store: only the even shard of the grid is computed
        r = run("run", spec, "--store", store, "--shard", "0/2")
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
        check("counts", c == {"done": 27, "failed": 0, "not_converged": 0, "pending": 27, "total": 54,
                              "not_in_study": 0, "points_computed": 11, "points_reused": 16}, str(c))
        check("provenance", "analysis test" in s.spec_text and len(s.runs) == 1
              and s.runs[0]["exit_reason"] == "complete")

        out = os.path.join(tmp, "report")
        r = subprocess.run([sys.executable, os.path.join(SRC, "analysis", "report.py"), store, out],
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
        r = subprocess.run([sys.executable, phase, store, "--x", "R", "--y", "gamma", "--metric",
                            "w_norm_ratio", "--panels", "loss", "--where", "seed=0", "-o", png],
                           capture_output=True, text=True)
        check("phase.py draws", r.returncode == 0 and os.path.getsize(png) > 5000, r.stderr)
        for args, want in [(["--x", "Rr", "--y", "gamma", "--metric", "dist_gw"], "no axis 'Rr'"),
                           (["--x", "R", "--y", "gamma", "--metric", "nope"], "no metric 'nope'"),
                           (["--x", "R", "--y", "gamma", "--metric", "dist_gw", "--where", "seed=7"],
                            "not a value of seed")]:
            r = subprocess.run([sys.executable, phase, store] + args + ["-o", png],
                               capture_output=True, text=True)
            check(f"phase.py refuses: {want}", r.returncode == 1 and want in r.stderr, r.stderr)

        # report.py's options
        report = os.path.join(SRC, "analysis", "report.py")

        def run_report(st, outdir, *args):
            return subprocess.run([sys.executable, report, st, outdir] + list(args),
                                  capture_output=True, text=True)
        out2 = os.path.join(tmp, "report2")
        r = run_report(store, out2, "--metrics", "dist_gw,h_norm_ratio", "--axes", "R,gamma",
                       "--where", "loss=cdt", "--where", "seed=0", "--format", "svg", "--dpi", "80")
        figs2 = sorted(os.listdir(out2)) if os.path.isdir(out2) else []
        check("report.py --metrics --axes --where --format svg",
              r.returncode == 0 and "phase_dist_gw_R_gamma.svg" in figs2
              and "phase_h_norm_ratio_R_gamma.svg" in figs2
              and not any(p.endswith(".png") for p in figs2)
              and open(os.path.join(out2, "phase_dist_gw_R_gamma.svg")).read(5) in ("<?xml", "<svg "),
              r.stderr + str(figs2))
        page2 = open(os.path.join(out2, "index.html")).read() if r.returncode == 0 else ""
        check("--where values are named in the captions", "loss=cdt" in page2 and "seed=0" in page2,
              page2[-2000:])
        sys.path.insert(0, os.path.join(SRC, "analysis"))
        import report as rep
        flat = np.full((3, 4), 1.25)
        noise = 1e-16 * np.random.default_rng(1).standard_normal((3, 4))
        check("no contour levels for a constant or numerically zero prediction, or too few points",
              rep.prediction_levels(flat, False) is None and rep.prediction_levels(noise, False) is None
              and rep.prediction_levels(flat + noise, True) is None
              and rep.prediction_levels(np.array([[1.0, np.nan], [2.0, np.nan]]), False) is None
              and len(rep.prediction_levels(np.arange(12.0).reshape(3, 4), False)) == 6)
        check("coordinates written as people write them",
              rep.fmt_value(0.30000000000000004) == "0.3" and rep.fmt_value(1e-5) == "1e-05"
              and rep.fmt_value(np.str_("cdt")) == "cdt" and rep.fmt_value(np.float64(4.0)) == "4")
        for args, want in [(["--metrics", "nope"], "no metric 'nope'"),
                           (["--axes", "R,loss"], "give two different numeric axes"),
                           (["--where", "seed=9"], "not a value of seed"),
                           (["--where", "gamma"], "is not AXIS=VALUE")]:
            r = run_report(store, os.path.join(tmp, "bad"), *args)
            check(f"report.py refuses {' '.join(args)}", r.returncode == 1 and want in r.stderr,
                  r.stderr)

        # stores that used to crash the report: a prediction constant over the plane (LDT at
        # gamma = 1/2 is the ETF whatever R and lr), every point failed (all metrics NaN), a
        # single-valued axis, and the theory alone
        cases = {
            "constant": "fixed: {k: 4, n_min: 2, d: 4, loss: ldt, gamma: 0.5, opt: ngd, iters: 200, "
                        "trace_points: 4}\ngrid:\n  R: [1, 2, 4]\n  lr: [0.1, 0.2, 0.4]\n",
            "allfailed": "fixed: {k: 4, n_min: 2, d: 4, opt: gd, lr: 1e300, iters: 50, trace_points: 4}"
                         "\ngrid:\n  R: [1, 2, 4]\n  gamma: [0, 0.5]\n  loss: [cdt, ldt]\n",
            "onevalue": "fixed: {k: 4, n_min: 2, d: 4, opt: ngd, lr: 0.2, iters: 100, trace_points: 4}"
                        "\ngrid:\n  R: [4]\n  gamma: {linspace: [0, 1, 11]}\n  loss: [ldt]\n",
            "theoryonly": "fixed: {k: 4, solver: none}\ngrid:\n  R: [1, 2, 4, 8]\n"
                          "  gamma: {linspace: [-1, 1, 5]}\n  loss: [cdt, ldt]\n",
        }
        for name, body in cases.items():
            sp, st, od = (os.path.join(tmp, f"{name}.{e}") for e in ("yaml", "h5", "d"))
            with open(sp, "w") as f:
                f.write(f"name: {name}\n" + body)
            r = run("run", sp, "--store", st)
            # every point of "allfailed" diverges: that run exits 4 (points failed)
            want_rc = 4 if name == "allfailed" else 0
            rr = run_report(st, od) if r.returncode == want_rc else r
            page = open(os.path.join(od, "index.html")).read() if rr.returncode == 0 else ""
            extra = True
            if name == "constant":
                # phase diagrams drawn, and no contour of the constant prediction
                extra = os.path.exists(os.path.join(od, "phase_w_norm_ratio_R_lr.png")) and \
                    "trained w_norm_ratio over (R, lr)" in page
            if name == "theoryonly":
                extra = "Theory only" in page and "phase_w_norm_ratio_R_gamma.png" in page \
                    and "phase_dist_gw" not in page  # the prediction's distance to itself is 0
            if name == "onevalue":
                extra = "curves_gamma.png" in page and "gamma=0.300000000000" not in page
            check(f"report.py on a store with {name}", r.returncode == want_rc and rr.returncode == 0
                  and "Traceback" not in rr.stderr and extra, (r.stderr + rr.stderr)[-800:])

        with h5py.File(store, "a") as f:
            f.attrs["schema_version"] = 99
        try:
            open_store(store)
            check("newer schema refused", False)
        except StoreError as e:
            check("newer schema refused", "newer than this analysis code reads" in str(e), str(e))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
