#!/usr/bin/python3
"""reg_phase.py UFMSWEEP OUT.png [--k K] [--rho RHO]: the (lambda, R) phase diagram of minority
geometry of the certified regularized global minimizer (`ufmsweep theory --lambda`), CE loss,
n_min = 1: the embedding norm ratio relative to SELI (colour, log scale) and where the minority
classifiers collapse (cos(w_min, w_min') > 0.99, hatched). docs/REPRODUCTION.md (d)."""
import json
import os
import subprocess
import sys

os.environ.setdefault("MPLBACKEND", "Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402


def theory(binary, k, rho, R, lam):
    args = [binary, "theory", "--k", str(k), "--rho", str(rho), "--n-min", "1", "--R", str(R), "--json"]
    if lam > 0:
        args += ["--lambda", repr(lam)]
    r = subprocess.run(args, capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) > 1 else 1
    binary, out = argv[1], argv[2]
    k = int(argv[argv.index("--k") + 1]) if "--k" in argv else 10
    rho = float(argv[argv.index("--rho") + 1]) if "--rho" in argv else 0.5
    lams = np.logspace(-4, -1, 13)
    Rs = [1, 2, 5, 10, 20, 50, 100]
    ratio = np.full((len(lams), len(Rs)), np.nan)
    collapsed = np.zeros_like(ratio, dtype=bool)
    for j, R in enumerate(Rs):
        seli = theory(binary, k, rho, R, 0)
        for i, lam in enumerate(lams):
            d = theory(binary, k, rho, R, lam)
            if d is None or d["h_norm_ratio"] is None:
                collapsed[i, j] = True
                continue
            ratio[i, j] = d["h_norm_ratio"] / seli["h_norm_ratio"]
            collapsed[i, j] = (d["w_cos_minmin"] or 0) > 0.99 or ratio[i, j] > 1e6
    fig, ax = plt.subplots(figsize=(6.2, 4.6), constrained_layout=True)
    shown = np.where(collapsed, np.nan, ratio)
    im = ax.pcolormesh(np.arange(len(Rs) + 1) - 0.5, np.arange(len(lams) + 1) - 0.5,
                       np.ma.masked_invalid(shown), norm=LogNorm(vmin=0.5, vmax=20), cmap="viridis")
    for i in range(len(lams)):
        for j in range(len(Rs)):
            if collapsed[i, j]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                           edgecolor="crimson", lw=0))
    ax.set_xticks(range(len(Rs)))
    ax.set_xticklabels([str(r) for r in Rs])
    ax.set_yticks(range(len(lams)))
    ax.set_yticklabels([f"{v:.1e}" for v in lams], fontsize=7)
    ax.set_xlabel("imbalance ratio R")
    ax.set_ylabel("ridge / weight decay lambda")
    fig.colorbar(im, ax=ax, label="h_norm_ratio / SELI (1 = SELI)")
    ax.set_title(f"Regularized global minimizer, CE, k = {k}, rho = {rho}\n"
                 "hatched: minority collapse (cos(w_min, w_min') > 0.99 or Z = 0)", fontsize=9)
    fig.savefig(out, dpi=120)
    print(f"reg_phase.py: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
