#!/usr/bin/python3
"""reproduction_tables.py RESULTS_DIR: the numbers of docs/REPRODUCTION.md from the stores that
scripts/reproduce.sh writes (results/repro-a.h5 ... repro-e.h5). Prints one table per question;
a store that is missing is skipped with a note."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

from ufmstore import StoreError, open_store  # noqa: E402


def load(d, x):
    try:
        return open_store(os.path.join(d, f"repro-{x}.h5"))
    except StoreError as e:
        print(f"({x}) skipped: {e}\n")
        return None


SLOW_A = 1e-2  # (a): a run is slow when its final dist_gw is above this (the fast runs end near 6e-4)


def table_a(s):
    n_seeds = s.results.sizes.get("seed", 1)
    print(f"(a) CE + normalized GD: distance to SELI after training, over {n_seeds} seeds per R")
    print(f"(a run is slow when its final dist_gw > {SLOW_A:g}; the outcome is bimodal)")
    print(f"{'R':>6} {'median final dist_gw':>21} {'slow runs':>10} {'median of fast runs':>20} "
          f"{'median iters to dist_gw<0.1':>28}")
    d = s.results["dist_gw"]
    tr = s.traces["dist_gw"]
    it = s.traces["iter"].isel(seed=0)
    for R in s.results["R"].values:
        final = d.sel(R=R).values
        slow = final > SLOW_A
        firsts = []
        for row in tr.sel(R=R).transpose("seed", ...).values:
            k = np.where(row < 0.1)[0]
            firsts.append(float(it.sel(R=R).values[k[0]]) if k.size else np.inf)
        med_first = np.median(firsts)
        print(f"{R:>6g} {np.median(final):>21.3g} {int(slow.sum()):>4}/{final.size:<5} "
              f"{np.median(final[~slow]) if (~slow).any() else float('nan'):>20.3g} "
              f"{('not reached' if not np.isfinite(med_first) else f'{med_first:.0f}'):>28}")
    print()


def table_b(s):
    print("(b) published setting (sgdm, wd 5e-4, 6000 epochs): trained vs predicted")
    print(f"{'loss':>5} {'gamma':>6} {'w_ratio GD':>11} {'theory':>9} {'h_ratio GD':>11} {'theory':>9} "
          f"{'dist_gw':>8} {'loss':>9}")
    for loss in s.results["loss"].values:
        for g in s.results["gamma"].values:
            r = s.results.sel(loss=loss, gamma=g)
            t = s.theory.sel(loss=loss, gamma=g)
            print(f"{loss:>5} {g:>6.2f} {float(r.w_norm_ratio):>11.4g} {float(t.w_norm_ratio):>9.4g} "
                  f"{float(r.h_norm_ratio):>11.4g} {float(t.h_norm_ratio):>9.4g} "
                  f"{float(r.dist_gw):>8.3f} {float(r.train_loss):>9.2e}")
    print()


def table_c(s):
    print("(c) LDT after 40000 normalized-GD steps: which prediction?")
    print(f"{'gamma':>6} {'w_ratio GD':>11} {'ours':>8} {'SELI':>8} {'w_cos_majmin GD':>16} {'ours':>8} "
          f"{'SELI':>8} {'dist_gw to ours':>16} {'closer to':>10}")
    seli = s.theory.sel(loss="ce")
    for g in s.results["gamma"].values:
        r = s.results.sel(loss="ldt", gamma=g)
        t = s.theory.sel(loss="ldt", gamma=g)
        se = seli.sel(gamma=g)
        e_ours = abs(np.log(float(r.w_norm_ratio) / float(t.w_norm_ratio))) + \
            abs(float(r.w_cos_majmin) - float(t.w_cos_majmin))
        e_seli = abs(np.log(float(r.w_norm_ratio) / float(se.w_norm_ratio))) + \
            abs(float(r.w_cos_majmin) - float(se.w_cos_majmin))
        verdict = "ours" if e_ours < e_seli else ("SELI" if e_seli < e_ours else "both")
        if abs(g) < 1e-12:
            verdict = "(equal)"
        print(f"{g:>6.2f} {float(r.w_norm_ratio):>11.4g} {float(t.w_norm_ratio):>8.4g} "
              f"{float(se.w_norm_ratio):>8.4g} {float(r.w_cos_majmin):>16.4f} {float(t.w_cos_majmin):>8.4f} "
              f"{float(se.w_cos_majmin):>8.4f} {float(r.dist_gw):>16.3g} {verdict:>10}")
    print()


def table_d(s):
    print("(d) gradient descent with weight decay wd: minority geometry against SELI (lambda -> 0)")
    print("    h_norm_ratio trained / SELI prediction (1 = SELI)")
    Rs = s.results["R"].values
    print(f"{'wd':>8} " + " ".join(f"{'R=%g' % R:>8}" for R in Rs))
    for wd in s.results["wd"].values:
        vals = [float(s.results.h_norm_ratio.sel(wd=wd, R=R) / s.theory.h_norm_ratio.sel(wd=wd, R=R))
                for R in Rs]
        print(f"{wd:>8.0e} " + " ".join(f"{v:>8.3f}" for v in vals))
    print("    w_cos_minmin trained (SELI prediction in the last row)")
    for wd in s.results["wd"].values:
        vals = [float(s.results.w_cos_minmin.sel(wd=wd, R=R)) for R in Rs]
        print(f"{wd:>8.0e} " + " ".join(f"{v:>8.3f}" for v in vals))
    print(f"{'SELI':>8} " + " ".join(f"{float(s.theory.w_cos_minmin.sel(wd=s.results['wd'].values[0], R=R)):>8.3f}"
                                     for R in Rs))
    print()


def table_e(s):
    print("(e) LDT gamma = 1/2 across rho: classifiers should be a simplex ETF (ratio 1, cosines -1/9)")
    print(f"{'rho':>5} {'max |w_ratio - 1|':>18} {'max |cos + 1/9| (all pairs)':>28} {'max dist_gw':>12}")
    for rho in s.results["rho"].values:
        r = s.results.sel(rho=rho)
        dev_ratio = float(np.nanmax(abs(r.w_norm_ratio - 1)))
        dev_cos = max(float(np.nanmax(abs(r[c] + 1 / 9))) for c in ("w_cos_majmaj", "w_cos_minmin", "w_cos_majmin")
                      if np.isfinite(r[c].values).any())
        print(f"{rho:>5g} {dev_ratio:>18.4f} {dev_cos:>28.4f} {float(np.nanmax(r.dist_gw)):>12.4f}")
    print()


def main(argv):
    d = argv[1] if len(argv) > 1 else "results"
    for x, fn in [("a", table_a), ("b", table_b), ("c", table_c), ("d", table_d), ("e", table_e)]:
        s = load(d, x)
        if s is not None:
            fn(s)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
