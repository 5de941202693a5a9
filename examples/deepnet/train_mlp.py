#!/usr/bin/python3
"""Train a small MLP on an imbalanced subsample of the digits data and write its last layer and
penultimate-layer features in the format of `ufmsweep measure`.

    examples/deepnet/train_mlp.py --loss cdt --gamma 0.5 --R 10 --n-min 10 --seed 0 --out run.h5

Data: the 8x8 handwritten digits that ship with scikit-learn (Debian's python3-sklearn; 1797
images, 10 classes of about 180), standardized, subsampled to STEP imbalance: the first
(1 - rho) k classes (majorities) keep R n_min images each, the others n_min (the same counts
as `ufmsweep theory --profile step --k K --rho RHO --R R --n-min N`).

Model: 64 -> width -> width (ReLU) -> d (linear: the features h_i, unconstrained as in the UFM)
-> k (the classifier W, no bias unless --bias). Loss: CE, CDT (logits scaled by Delta_c) or LDT
(logits scaled by Delta_y), Delta_c proportional to n_c^gamma with mean 1, as ufmsweep's presets.
Trained full-batch with Adam until the training error (of the loss's logits: Delta_c z_c for
CDT) is zero, then for --extra-epochs more (the terminal phase, where the geometry settles).

Output (HDF5, float64; written to a temporary file and renamed, so it appears whole or not at
all): W (k x d, like fc.weight), H (n x d, one row per training example), labels (n), b (k)
with --bias; attributes: the options, the epochs run and the final training error.
Exit status 0 when the network reached zero training error, 2 when it did not (nothing written).
Needs Debian's /usr/bin/python3 with python3-torch, python3-sklearn and python3-h5py.
"""
import argparse
import os
import sys
import tempfile
import time


def step_counts(k, rho, R, n_min):
    k_min = int(round(rho * k))
    if abs(rho * k - k_min) > 1e-9 or not 1 <= k_min <= k - 1:
        sys.exit(f"train_mlp.py: rho*k = {rho * k:g} is not a number of minority classes in 1..{k - 1}")
    n_maj = R * n_min
    if abs(n_maj - round(n_maj)) > 1e-9:
        sys.exit(f"train_mlp.py: R*n_min = {n_maj:g} is not a whole number of examples")
    return [int(round(n_maj))] * (k - k_min) + [int(n_min)] * k_min


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--loss", choices=["ce", "cdt", "ldt"], default="ce")
    ap.add_argument("--gamma", type=float, default=0.0)
    ap.add_argument("--R", type=float, default=1.0, help="imbalance ratio n_maj/n_min")
    ap.add_argument("--rho", type=float, default=0.5, help="fraction of minority classes")
    ap.add_argument("--n-min", type=int, default=10, help="examples per minority class")
    ap.add_argument("--k", type=int, default=10, help="classes (digits 0..k-1)")
    ap.add_argument("--d", type=int, default=32, help="feature dimension")
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--opt", choices=["adam", "sgd"], default="adam",
                    help="Adam, or SGD with momentum 0.9 (PyTorch's weight decay with either)")
    ap.add_argument("--lr", type=float, default=1e-3, help="learning rate")
    ap.add_argument("--wd", type=float, default=0.0)
    ap.add_argument("--max-epochs", type=int, default=5000)
    ap.add_argument("--extra-epochs", type=int, default=2000,
                    help="epochs after zero training error")
    ap.add_argument("--bias", action="store_true", help="a bias in the classifier")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    import h5py
    import numpy as np
    import torch
    from sklearn.datasets import load_digits

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    counts = step_counts(a.k, a.rho, a.R, a.n_min)
    X, y = load_digits(return_X_y=True)
    idx = []
    for c, n_c in enumerate(counts):
        pool = np.flatnonzero(y == c)
        if n_c > len(pool):
            sys.exit(f"train_mlp.py: class {c} has {len(pool)} images, {n_c} asked "
                     f"(R*n_min = {a.R * a.n_min:g} is too many)")
        idx.extend(rng.choice(pool, size=n_c, replace=False))
    idx = np.array(sorted(idx))
    X = X[idx].astype(np.float64)
    X = (X - X.mean(0)) / (X.std(0) + 1e-8)
    y = y[idx].astype(np.int64)
    n_c = np.bincount(y, minlength=a.k).astype(np.float64)
    Delta = n_c ** a.gamma
    Delta = Delta * a.k / Delta.sum()

    torch.set_default_dtype(torch.float64)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    Dt = torch.from_numpy(Delta)
    body = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], a.width), torch.nn.ReLU(),
        torch.nn.Linear(a.width, a.width), torch.nn.ReLU(),
        torch.nn.Linear(a.width, a.d))
    fc = torch.nn.Linear(a.d, a.k, bias=a.bias)
    params = list(body.parameters()) + list(fc.parameters())
    if a.opt == "adam":
        opt = torch.optim.Adam(params, lr=a.lr, weight_decay=a.wd)
    else:
        opt = torch.optim.SGD(params, lr=a.lr, momentum=0.9, weight_decay=a.wd)

    def logits(h):
        z = fc(h)
        if a.loss == "cdt":
            return z * Dt
        if a.loss == "ldt":
            return z * Dt[yt].unsqueeze(1)
        return z

    t0 = time.time()
    zero_at, epoch, err = None, 0, 1.0
    for epoch in range(1, a.max_epochs + 1):
        opt.zero_grad()
        h = body(Xt)
        u = logits(h)
        loss = torch.nn.functional.cross_entropy(u, yt)
        loss.backward()
        opt.step()
        if epoch % 50 == 0 or epoch == a.max_epochs:
            with torch.no_grad():
                # the error of the loss's own logits (CDT: Delta_c z_c), which it separates
                err = float((logits(body(Xt)).argmax(1) != yt).double().mean())
            if err == 0.0 and zero_at is None:
                zero_at = epoch
            if zero_at is not None and epoch >= zero_at + a.extra_epochs:
                break
    if zero_at is None:
        print(f"train_mlp.py: training error {err:.3g} after {epoch} epochs (not zero)",
              file=sys.stderr)
        return 2
    with torch.no_grad():
        H = body(Xt).numpy()
        W = fc.weight.detach().numpy()
        b = fc.bias.detach().numpy() if a.bias else None
    out = os.path.abspath(a.out)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(out) + ".tmp-", dir=os.path.dirname(out))
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f["W"] = W
            f["H"] = H
            f["labels"] = y
            if b is not None:
                f["b"] = b
            for key in ("loss", "gamma", "R", "rho", "n_min", "k", "d", "width", "opt", "lr", "wd",
                        "seed"):
                f.attrs[key] = getattr(a, key)
            f.attrs["dataset"] = "sklearn digits (8x8), standardized"
            f.attrs["epochs"] = epoch
            f.attrs["zero_error_epoch"] = zero_at
            f.attrs["final_loss"] = float(loss)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"train_mlp.py: {a.loss} gamma={a.gamma:g} R={a.R:g}: zero training error at epoch "
          f"{zero_at}, stopped at {epoch} ({time.time() - t0:.1f} s), loss {float(loss):.3g}; "
          f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
