"""compare(a, b): which points of two stores differ, and by how much.

    from ufmsweep import compare
    c = compare("run-a.h5", "run-b.h5")
    c["only_a"], c["only_b"]            # points (coordinate dicts) one store has finished and the
                                        # other not
    c["fields"]["results/w_norm_ratio"] # {"points": n compared, "differ": n not bitwise equal,
                                        #  "max_abs": ..., "max_rel": ..., "worst": coordinates}

Points are matched by their coordinates (the values of every axis), so stores of either layout,
of different runs, shards, rank counts or MPI libraries compare alike; only points finished
(done or not converged) in both are compared, value by value, NaN equal to NaN. Two runs of
one spec give differ = 0 everywhere: ufmsweep's numbers depend only on a point's parameters and
seed.
"""
import numpy as np

from .store import open_store


def _finished_points(s):
    """{coordinates tuple: point index} of the finished points, and the axis names"""
    names = s.axis_names
    state = s.state.values.reshape(-1)
    codes = (s.codes["done"], s.codes["not_converged"])
    if s.layout == "points":
        cols = [np.asarray(s.state[n].values).reshape(-1) for n in names]
    else:
        grids = np.meshgrid(*[np.asarray(v) for _, v in s.axes], indexing="ij")
        cols = [g.reshape(-1) for g in grids]
    out = {}
    for i in np.flatnonzero(np.isin(state, codes)):
        out[tuple(_key(c[i]) for c in cols)] = int(i)
    return names, out


def _key(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, (np.floating, float, np.integer, int)):
        return float(v)
    return str(v)


def compare(a, b):
    """Compare the finished points of stores a and b (paths or open Store objects): see the
    module's documentation. Raises StoreError when a store cannot be read, ValueError when
    their axes differ."""
    sa = open_store(a) if isinstance(a, str) else a
    sb = open_store(b) if isinstance(b, str) else b
    na, pa = _finished_points(sa)
    nb, pb = _finished_points(sb)
    if sorted(na) != sorted(nb):
        raise ValueError(f"the stores have different axes: {na} and {nb}")
    order = [nb.index(n) for n in na]
    pb = {tuple(k[j] for j in order): v for k, v in pb.items()}
    common = sorted(set(pa) & set(pb))
    label = lambda k: dict(zip(na, k))  # noqa: E731
    result = {"axes": na, "points": len(common),
              "only_a": [label(k) for k in sorted(set(pa) - set(pb))],
              "only_b": [label(k) for k in sorted(set(pb) - set(pa))], "fields": {}}
    ia = np.array([pa[k] for k in common], dtype=int)
    ib = np.array([pb[k] for k in common], dtype=int)
    for group in ("theory", "results"):
        ga, gb = getattr(sa, group), getattr(sb, group)
        if ga is None or gb is None:
            continue
        for name in ga.data_vars:
            if name not in gb.data_vars or ga[name].dtype.kind != "f":
                continue
            x = np.asarray(ga[name].values).reshape(-1)
            y = np.asarray(gb[name].values).reshape(-1)
            if x.size != sa.state.size or y.size != sb.state.size or not len(common):
                continue
            x, y = x[ia], y[ib]
            same = (x == y) | (np.isnan(x) & np.isnan(y))
            diff = np.where(same, 0.0, np.abs(x - y))
            diff = np.where(np.isnan(diff), np.inf, diff)
            rel = diff / np.maximum(np.abs(y), 1e-300)
            worst = int(np.argmax(diff)) if diff.size else 0
            result["fields"][f"{group}/{name}"] = {
                "points": int(x.size), "differ": int((~same).sum()),
                "max_abs": float(diff.max()) if diff.size else 0.0,
                "max_rel": float(rel.max()) if rel.size else 0.0,
                "worst": label(common[worst]) if diff.size and diff[worst] > 0 else None}
    return result
