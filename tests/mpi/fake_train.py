#!/usr/bin/python3
"""A stand-in for a training program (tests/mpi/test_external.sh): writes the exact predicted
geometry of `ufmsweep theory` for its options as a network file (W k x d, H n x d with the
examples in a shuffled order, labels), so that measuring it must give the prediction back.
--seed picks what goes wrong: 1 exits 1 with a message (and terminal escapes) on stderr, 2 never
finishes, 3 takes a second before writing, 4 writes a file whose labels are out of range."""
import argparse
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--k", type=int, required=True)
ap.add_argument("--d", type=int, required=True)
ap.add_argument("--R", required=True)
ap.add_argument("--n-min", required=True)
ap.add_argument("--rho", default="0.5")
ap.add_argument("--loss", required=True)
ap.add_argument("--gamma", default="0")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--out", required=True)
a = ap.parse_args()
print(" ".join(f"{v}={os.environ.get(v, '')}" for v in
               ("UFMSWEEP_POINT", "UFMSWEEP_SEED", "UFMSWEEP_OUT", "UFMSWEEP_RANK")), flush=True)
if a.seed == 1:
    # with terminal escapes (clear the screen, set the title), as a hostile or careless program
    print("fake_train.py: CUDA out of memory (pretend)\x1b[2J\x1b]0;pwned\x07", file=sys.stderr)
    sys.exit(1)
if a.seed == 2:
    time.sleep(1000)
if a.seed == 3:
    time.sleep(1.0)
t = json.loads(subprocess.run(
    [a.bin, "theory", "--k", str(a.k), "--R", a.R, "--n-min", a.n_min, "--rho", a.rho, "--loss", a.loss,
     "--gamma", a.gamma, "--matrices", "--json"],
    check=True, capture_output=True, text=True).stdout)
GW, Z = np.array(t["G_W"]), np.array(t["Z"])
lam, U = np.linalg.eigh(GW)
keep = lam > 1e-12 * lam.max()
W = (U[:, keep] * np.sqrt(lam[keep])).T            # d x k with W^T W = G_W
Hbar = np.linalg.lstsq(W.T, Z, rcond=None)[0]       # W^T Hbar = Z
pad = a.d - W.shape[0]                              # the point's d: zero rows added
W = np.vstack([W, np.zeros((pad, W.shape[1]))])
Hbar = np.vstack([Hbar, np.zeros((pad, Hbar.shape[1]))])
counts = [int(round(c)) for c in t["counts"]]
labels = np.repeat(np.arange(len(counts)), counts)
np.random.default_rng(0).shuffle(labels)
with h5py.File(a.out, "w") as f:
    f["W"] = W.T
    f["H"] = Hbar[:, labels].T
    f["labels"] = labels + (len(counts) if a.seed == 4 else 0)
print(f"fake_train.py: wrote {a.out} (d = {W.shape[0]})")
