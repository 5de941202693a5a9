#!/usr/bin/python3
"""Plain numpy implementation of one UFM sgdm iteration (CE, weight decay), the reference the
C solver is measured against. usage: numpy_ufm.py K D N_MIN R ITERS
Run with OPENBLAS_NUM_THREADS=1 (bench/run.sh does). Prints iter_us=..."""
import sys
import time

import numpy as np


def main():
    k, d, n_min, R, iters = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    k_maj = k - k // 2
    counts = [int(R * n_min)] * k_maj + [int(n_min)] * (k - k_maj)
    y = np.repeat(np.arange(k), counts)
    n = y.size
    rng = np.random.default_rng(0)
    W = rng.uniform(-1 / np.sqrt(d), 1 / np.sqrt(d), (d, k))
    H = rng.uniform(-1 / np.sqrt(n), 1 / np.sqrt(n), (d, n))
    vW, vH = np.zeros_like(W), np.zeros_like(H)
    Y = np.zeros((k, n))
    Y[y, np.arange(n)] = 1.0
    lr, mu, wd = 0.1, 0.9, 5e-4

    def step(W, H, vW, vH):
        Z = W.T @ H
        Z -= Z.max(axis=0)
        P = np.exp(Z)
        P /= P.sum(axis=0)
        G = (P - Y) / n
        gW = H @ G.T + wd * W
        gH = W @ G + wd * H
        vW *= mu
        vW += gW
        vH *= mu
        vH += gH
        W -= lr * vW
        H -= lr * vH

    step(W, H, vW, vH)
    best = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(iters):
            step(W, H, vW, vH)
        best.append((time.perf_counter() - t0) / iters)
    best.sort()
    print("k=%d d=%d n=%d numpy_iter_us=%.2f" % (k, d, n, best[2] * 1e6))


if __name__ == "__main__":
    main()
