#!/usr/bin/python3
"""The generative differential tester of ufmsweep (docs/RELIABILITY.md, "The generative tester").

Each case draws a random study over the spec language (grid: or grids:, zip:, 1 to 4 axes of
every kind, solvers ufm, svm, reg, none and external with a small fake training command, seeds,
traces, diverging points) and runs it under a random combination of: 1, 2 or 3 ranks (and the
MPICH build when given), command-line overrides against the same edit in the file, --reuse from
an earlier random store, shards and merge, kill -9 at a random moment then --resume, SIGTERM to
the ranks then --resume, compact, and CSV and netCDF export. The oracle checks invariants, never
golden files:
  - the store is bitwise the one a plain 1-rank --no-reuse run of the edited file gives
    (/results, /theory, /traces, /status/state), so copies and reused points equal computed ones;
  - points equal `solve --spec --point` bitwise;
  - export values equal store values; verify passes; status counts add up;
  - every exit status agrees with the store (0 only when every study point is done, 4 when
    some failed, 3 after a stop with points pending).
"Random moments" are states, not times: the run is held by UFMSWEEP_TEST_HOLD=K:FILE after K
recorded points, signalled there, and released.

On a violation it prints the seed, the case, the spec and the command lines; with --case K it
runs that case alone and keeps its directory. The last line is "N passed, M failed".

  scripts/prop.sh [--seed S] [--cases N] [--first K] [--case K] [--mpich BUILD2] [--keep DIR] BUILD
"""
import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
FAKE = os.path.join(SRC, "tests", "mpi", "fake_train.py")
EXIT_OK, EXIT_FAIL, EXIT_STOPPED, EXIT_POINTS_FAILED = 0, 1, 3, 4


class Violation(Exception):
    pass


def mpiexec_of(build):
    """the MPI launcher the build was configured with (CMakeCache), else mpirun"""
    try:
        for line in open(os.path.join(build, "CMakeCache.txt")):
            if line.startswith("MPIEXEC_EXECUTABLE:"):
                return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return "mpirun"


# ---- generating a study ------------------------------------------------------------------

def gen_study(rng, py, binary):
    """A random spec (a dict written as YAML flow) of at most 24 study points."""
    kind = rng.choices(["ufm", "svm", "reg", "none", "external"], [55, 12, 10, 13, 10])[0]
    fixed = {"k": 4, "n_min": rng.choice([1, 2]), "d": rng.choice([4, 5])}
    if kind != "external" and rng.random() < 0.15:
        fixed.update({"k": 3, "profile": "lt", "d": 3})
    pool = {}  # axis name -> candidate value lists
    pool["R"] = [[1, 4], [1, 2, 4], [2, 8], {"logspace": [0, 1, 2]}]
    pool["loss"] = [["ce", "cdt"], ["cdt", "ldt"], ["la", "vs"], ["wce", "ce", "ldt"], ["ce"]]
    pool["gamma"] = [[0, 0.5], [-0.5, 0.5], {"linspace": [-1, 1, 3]}]
    pool["seed"] = [{"range": [0, 2]}, [0, 3]]
    pool["n_min"] = [[1, 2], [2, 3]]
    pool["tau"] = [[0.5, 1]]
    if kind == "ufm":
        fixed.update({"opt": rng.choice(["gd", "ngd", "sgdm"]), "lr": rng.choice([0.2, 0.5]),
                      "iters": rng.choice([8, 12, 20, 30])})
        if rng.random() < 0.5:
            fixed["trace_points"] = rng.choice([2, 3, 4])
        if rng.random() < 0.2:
            fixed["init"] = "gauss:0.3"
        if rng.random() < 0.15:
            fixed["bias"] = "on"
        if rng.random() < 0.15:
            fixed["milestones"] = [4]
        if rng.random() < 0.15:
            fixed["tol_grad"] = 1e-3
        pool["lr"] = [[0.2, 0.5], [0.5, 1e300]]  # 1e300 diverges: failed points
        pool["opt"] = [["gd", "ngd"], ["sgdm", "gd"]]
        pool["momentum"] = [[0.5, 0.9]]          # unread with gd and ngd: copies
        pool["wd"] = [[0, 0.001]]
        pool["iters"] = [[6, 10]]
        pool["solver"] = [["ufm", "svm"], ["ufm", "none"]]
    elif kind == "svm":
        fixed["solver"] = "svm"
        pool["solver"] = [["svm", "none"]]
    elif kind == "reg":
        fixed.update({"solver": "reg", "lambda": rng.choice([0.01, 0.05]), "iters": 3000})
        pool["lambda"] = [[0.01, 0.05]]
    elif kind == "none":
        fixed["solver"] = "none"
        pool["rho"] = [[0.5, 0.25]] if fixed["k"] == 4 else []
    else:
        fixed.update({"solver": "external", "external_timeout": 120, "loss": "ce", "d": 4,
                      "n_min": 2,
                      "command": f"{py} {FAKE} --bin {binary} --k {{k}} --d {{d}} --R {{R}} "
                                 f"--n-min {{n_min}} --loss {{loss}} --gamma {{gamma}} "
                                 f"--seed {{seed}} --out {{out}}"})
        pool = {"R": [[1, 4], [2]], "loss": [["ce", "cdt"]], "gamma": [[0, 0.5]],
                "seed": [[0, 1], [0, 4], [0]]}   # fake seeds 1 and 4 fail
    pool = {k: v for k, v in pool.items() if v}
    for _ in range(200):
        names = list(pool)
        n_axes = rng.randint(1, min(4, len(names)))
        layout = rng.choices(["grid", "grids", "zip"], [50, 30, 20])[0]
        spec = {"name": "prop", "store": "STORE", "seed_base": rng.choice([0, 0, 3]),
                "fixed": dict(fixed)}
        if layout == "grids":
            blocks = []
            for _b in range(2):
                ax = rng.sample(names, rng.randint(1, n_axes))
                blocks.append({a: rng.choice(pool[a]) for a in ax})
            spec["grids"] = blocks
        else:
            ax = rng.sample(names, n_axes)
            block = {a: rng.choice(pool[a]) for a in ax}
            if layout == "zip":
                lists = [a for a in block if isinstance(block[a], list) and len(block[a]) == 2]
                if len(lists) >= 2:
                    z = rng.sample(lists, 2)
                    block["zip"] = {a: block.pop(a) for a in z}
            spec["grid"] = block
        # a sampled design inside the (first) block: R on integers with a continuous option
        # (continuous options any value of which is valid: rho * k must be a whole number)
        cont = [a for a in ("lr", "gamma") if a in pool and kind != "external"]
        if cont and rng.random() < 0.2:
            blk = spec["grids"][0] if "grids" in spec else spec["grid"]
            c = rng.choice(cont)
            ranges = {"R": {"int": [1, 6]}, c: {"lr": [0.1, 0.6], "gamma": [-0.5, 0.5]}[c]}
            for a in ranges:
                blk.pop(a, None)
                blk.get("zip", {}).pop(a, None)
            if "zip" in blk and len(blk["zip"]) < 2:
                blk.update(blk.pop("zip"))
            blk["sample"] = {"method": rng.choice(["sobol", "lhs", "random"]),
                             "n": rng.choice([3, 5, 8]), "seed": rng.randint(0, 9),
                             "ranges": ranges}
        # the layout: chosen by the spec now and then (else the default: points for a sample
        # or a union mostly of holes)
        if rng.random() < 0.3:
            spec["layout"] = rng.choice(["grid", "points"])
        for a in list(spec["fixed"]):  # an axis is not also fixed in a plain grid
            if "grid" in spec and (a in spec["grid"] or a in spec["grid"].get("zip", {}) or
                                   a in spec["grid"].get("sample", {}).get("ranges", {})):
                del spec["fixed"][a]
        n = study_points(spec)
        if 1 <= n <= 24 and (kind != "external" or n <= 4):
            return spec
    return {"name": "prop", "store": "STORE", "fixed": fixed, "grid": {"R": [1, 4]}}


def axis_len(v):
    if isinstance(v, list):
        return len(v)
    if "range" in v:
        return len(range(*v["range"]))
    return v.get("linspace", v.get("logspace"))[2]


def block_points(b):
    n = 1
    for k, v in b.items():
        n *= (axis_len(next(iter(v.values()))) if k == "zip" else v["n"] if k == "sample"
              else axis_len(v))
    return n


def study_points(spec):
    blocks = spec["grids"] if "grids" in spec else [spec["grid"]]
    return sum(block_points(b) for b in blocks)


def to_yaml(spec, store):
    s = dict(spec)
    s["store"] = store
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in s.items())


def gen_edit(rng, spec):
    """An edit of the study as overrides (KEY=VALUE) and the same edit applied to the dict."""
    edited = json.loads(json.dumps(spec))
    overrides = []
    fixed = spec["fixed"]
    choices = []
    blocks = ("grids", spec["grids"]) if "grids" in spec else ("grid", [spec["grid"]])
    on_axis = {a for b in blocks[1] for a in b} | {a for b in blocks[1] for a in b.get("zip", {})}
    for key, vals in (("iters", [7, 9, 11]), ("lr", [0.3]), ("seed_base", [5])):
        # an option that is also an axis: KEY=VALUE would make it fixed everywhere
        if (key in fixed and key not in on_axis) or key == "seed_base":
            choices.append(("fixed", key, vals))
    for bi, b in enumerate(blocks[1]):
        for a, v in b.items():
            if a != "zip" and isinstance(v, list) and len(v) >= 2 and a != "solver":
                choices.append(("axis", (bi, a), v))
    for _ in range(rng.randint(1, 2)):
        if not choices:
            break
        what, key, vals = rng.choice(choices)
        if what == "fixed":
            v = rng.choice(vals)
            if key == "seed_base":
                edited["seed_base"] = v
            else:
                edited["fixed"][key] = v
            overrides.append(f"{key}={json.dumps(v)}")
        else:
            bi, a = key
            sub = vals[:-1] if rng.random() < 0.5 else list(reversed(vals))
            if blocks[0] == "grids":
                edited["grids"][bi][a] = sub
                overrides.append(f"grids.{bi}.{a}={json.dumps(sub)}")
            else:
                edited["grid"][a] = sub
                overrides.append(f"grid.{a}={json.dumps(sub)}")
    return overrides, edited


# ---- running ---------------------------------------------------------------------------------

class Case:
    def __init__(self, args, seed, index, root):
        self.args = args
        self.seed, self.index = seed, index
        self.rng = random.Random(f"ufmsweep-prop:{seed}:{index}")
        self.dir = os.path.join(root, f"case-{seed}-{index}")
        os.makedirs(self.dir)
        self.log = []
        self.env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
                        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
                        HYDRA_LAUNCHER="fork")
        self.env.pop("UFMSWEEP_TEST_HOLD", None)

    def path(self, name):
        return os.path.join(self.dir, name)

    def cmd(self, argv, impl=None, ranks=1, env=None):
        """argv with the binary (and the launcher for ranks > 1) of an implementation"""
        b = self.args.builds[impl or "openmpi"]
        full = [b["bin"], *argv]
        if ranks > 1:
            full = [b["mpiexec"], "-n", str(ranks), *full]
        return full

    def run(self, argv, impl=None, ranks=1, env=None, expect=None):
        full = self.cmd(argv, impl, ranks)
        self.log.append(" ".join(full))
        r = subprocess.run(full, cwd=self.dir, env=dict(self.env, **(env or {})),
                           capture_output=True, text=True, timeout=600)
        if expect is not None and r.returncode not in expect:
            raise Violation(f"exit {r.returncode} (expected {sorted(expect)}) from "
                            f"{' '.join(full)}:\n{r.stderr[-1500:]}")
        return r

    def run_held(self, argv, impl, ranks, k, action):
        """run held after k recorded points, do action (kill9 or term) there, release"""
        go = self.path(f"go{len(self.log)}")
        env = dict(self.env, UFMSWEEP_TEST_HOLD=f"{k}:{go}")
        full = self.cmd(argv, impl, ranks)
        self.log.append(f"UFMSWEEP_TEST_HOLD={k}:{go} " + " ".join(full) + f"  # then {action}")
        p = subprocess.Popen(full, cwd=self.dir, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        t0 = time.time()
        while not os.path.exists(go + ".held") and p.poll() is None:
            if time.time() - t0 > 300:
                os.killpg(p.pid, signal.SIGKILL)
                raise Violation("the run never reached its hold")
            time.sleep(0.01)
        reached = os.path.exists(go + ".held")
        if reached:
            token = argv[argv.index("--store") + 1]
            pids = rank_pids(token, self.dir)
            if action == "kill9":
                for q in pids:
                    try:
                        os.kill(q, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            else:
                for q in pids:  # as SLURM does: SIGTERM to every rank
                    try:
                        os.kill(q, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            open(go, "w").close()
        out, err = p.communicate(timeout=600)
        return p.returncode, reached, err

    # ---- the case ----------------------------------------------------------------------

    def execute(self):
        rng = self.rng
        a = self.args
        py = a.python
        spec = gen_study(rng, py, a.builds["openmpi"]["bin"])
        overrides, edited = gen_edit(rng, spec) if rng.random() < 0.4 else ([], spec)
        impl = "mpich" if "mpich" in a.builds and rng.random() < 0.3 else "openmpi"
        ranks = rng.choice([1, 2, 3])
        mode = rng.choices(["plain", "reuse", "shards", "kill9", "term"], [25, 20, 20, 20, 15])[0]
        self.plan = dict(impl=impl, ranks=ranks, mode=mode, overrides=overrides)
        with open(self.path("spec.yaml"), "w") as f:
            f.write(to_yaml(spec, "x.h5"))
        with open(self.path("edited.yaml"), "w") as f:
            f.write(to_yaml(edited, "ref.h5"))
        self.spec, self.edited = spec, edited

        # the oracle's store: the edited file, one rank, every point computed
        r = self.run(["run", "edited.yaml", "--store", "ref.h5", "--no-reuse"],
                     expect={EXIT_OK, EXIT_POINTS_FAILED})
        self.check_exit(r.returncode, "ref.h5")

        base = ["run", "spec.yaml", *overrides]
        if mode == "plain":
            r = self.run([*base, "--store", "v.h5"], impl, ranks,
                         expect={EXIT_OK, EXIT_POINTS_FAILED})
            self.check_exit(r.returncode, "v.h5")
        elif mode == "reuse":
            # an earlier store: the same study at another budget or seed base, or the edit
            old = json.loads(json.dumps(rng.choice([spec, edited])))
            if rng.random() < 0.5 and "iters" in old["fixed"]:
                old["fixed"]["iters"] = old["fixed"]["iters"] + rng.choice([0, 1])
            if rng.random() < 0.3:
                old["seed_base"] = rng.choice([0, 3, 5])
            with open(self.path("old.yaml"), "w") as f:
                f.write(to_yaml(old, "old.h5"))
            self.run(["run", "old.yaml", "--store", "old.h5"], expect={EXIT_OK, EXIT_POINTS_FAILED})
            r = self.run([*base, "--store", "v.h5", "--reuse", "old.h5"], impl, ranks,
                         expect={EXIT_OK, EXIT_POINTS_FAILED})
            self.check_exit(r.returncode, "v.h5")
        elif mode == "shards":
            n = rng.choice([2, 3])
            for i in range(n):
                r = self.run([*base, "--store", f"s{i}.h5", "--shard", f"{i}/{n}"], impl, ranks,
                             expect={EXIT_OK, EXIT_POINTS_FAILED})
                self.check_exit(r.returncode, f"s{i}.h5", shard=(i, n))
            self.run(["merge", "v.h5", *[f"s{i}.h5" for i in range(n)]], expect={EXIT_OK})
        else:
            n_study = int((state_of(self.path("ref.h5")) != 4).sum())
            k = rng.randint(0, max(0, n_study - 1))
            argv = [*base, "--store", "v.h5"]
            rc, reached, err = self.run_held(argv, impl, ranks, k, mode)
            if mode == "term" and reached:
                if rc not in (EXIT_STOPPED, EXIT_OK, EXIT_POINTS_FAILED):
                    raise Violation(f"SIGTERM: exit {rc}:\n{err[-1500:]}")
                if rc == EXIT_STOPPED and (state_of(self.path("v.h5")) == 0).sum() == 0:
                    pass  # stopped after the last point: nothing left, still a stop
                elif rc != EXIT_STOPPED:
                    self.check_exit(rc, "v.h5")
            elif not reached:
                self.check_exit(rc, "v.h5")
            r = self.run([*base, "--store", "v.h5", "--resume"], impl, ranks,
                         expect={EXIT_OK, EXIT_POINTS_FAILED})
            self.check_exit(r.returncode, "v.h5")
        self.check_store("v.h5")
        if rng.random() < 0.3:
            drop = rng.random() < 0.5
            self.run(["compact", "v.h5", "-o", "c.h5", *(["--drop-traces"] if drop else [])],
                     expect={EXIT_OK})
            self.check_same("ref.h5", "c.h5", traces=not drop)
        self.check_solve_points("v.h5")
        self.check_status_verify("v.h5")
        self.check_export("v.h5", rng.random() < 0.3)

    # ---- the oracle ----------------------------------------------------------------------

    def check_exit(self, rc, store, shard=None):
        st = state_of(self.path(store))
        idx = np.arange(st.size).reshape(st.shape)
        mine = st != 4
        if shard is not None:
            mine &= idx % shard[1] == shard[0]
        s = st[mine]
        if (s == 0).any():
            raise Violation(f"{store}: exit {rc} but {(s == 0).sum()} points pending")
        want = EXIT_POINTS_FAILED if (s == 2).any() else EXIT_OK
        if rc != want:
            raise Violation(f"{store}: exit {rc}, but its states say {want} "
                            f"({(s == 2).sum()} failed of {s.size})")

    def check_same(self, a, b, traces=True):
        fa, fb = h5py.File(self.path(a), "r"), h5py.File(self.path(b), "r")
        try:
            groups = ["results", "theory"] + (["traces"] if traces else [])
            for g in groups:
                if (g in fa) != (g in fb):
                    raise Violation(f"/{g} in one of {a}, {b} only")
                if g not in fa:
                    continue
                for k in fa[g]:
                    if not isinstance(fa[g][k], h5py.Dataset):
                        continue
                    if k not in fb[g]:
                        raise Violation(f"/{g}/{k} missing from {b}")
                    if not bits_equal(fa[g][k][()], fb[g][k][()]):
                        raise Violation(f"/{g}/{k} differs between {a} and {b}")
            if not np.array_equal(fa["status/state"][()], fb["status/state"][()]):
                raise Violation(f"/status/state differs between {a} and {b}")
        finally:
            fa.close()
            fb.close()

    def check_store(self, store):
        self.check_same("ref.h5", store)

    def check_solve_points(self, store):
        f = h5py.File(self.path(store), "r")
        st = f["status/state"][()]
        dims = dims_of(f)
        done = np.argwhere((st == 1) | (st == 3) | (st == 2))
        if len(done) == 0 or self.spec["fixed"].get("solver") == "external":
            f.close()
            return
        for pick in self.rng.sample(list(done), min(2, len(done))):
            idx = tuple(int(i) for i in pick)
            parts = []
            for n in dims:
                v = value_at(f, dims, idx, n)
                parts.append(f"{n}={v.decode() if isinstance(v, bytes) else repr(float(v))}")
            r = self.run(["solve", "--spec", "edited.yaml", "--point", ",".join(parts), "--json"])
            if r.returncode != 0:
                raise Violation(f"solve --point {','.join(parts)}: exit {r.returncode}: {r.stderr}")
            j = json.loads(r.stdout)
            for name in f["theory"]:
                d = f["theory/" + name]
                if name == "theory_source" or name in dims or name == "point" or \
                        name.endswith("_strlen") or d.ndim != st.ndim:
                    continue
                if not same_json(j["theory"].get(name), d[idx]):
                    raise Violation(f"solve --point {','.join(parts)}: theory {name} "
                                    f"{j['theory'].get(name)!r} != store {d[idx]!r}")
            if "results" in f:
                for name in f["results"]:
                    d = f["results/" + name]
                    if d.ndim != st.ndim or name not in j or name in dims or name == "point" or \
                            name.endswith("_strlen"):
                        continue
                    if not same_json(j[name], d[idx]):
                        raise Violation(f"solve --point {','.join(parts)}: {name} {j[name]!r} "
                                        f"!= store {d[idx]!r}")
        f.close()

    def check_status_verify(self, store):
        r = self.run(["verify", store])
        if r.returncode != 0:
            raise Violation(f"verify {store}: {r.stdout[-1500:]}{r.stderr[-500:]}")
        r = self.run(["status", store, "--json"], expect={0})
        s = json.loads(r.stdout)
        st = state_of(self.path(store))
        want = {"points": int((st != 4).sum()), "done": int(((st == 1) | (st == 3)).sum()),
                "failed": int((st == 2).sum()), "pending": int((st == 0).sum()),
                "not_in_study": int((st == 4).sum())}
        for k, v in want.items():
            if k in s and s[k] != v and not (k == "done" and s[k] == int((st == 1).sum())):
                raise Violation(f"status --json {k} = {s[k]}, the store says {v}")
        if s.get("points_computed", 0) + s.get("points_reused", 0) != \
                int(((st == 1) | (st == 2) | (st == 3)).sum()):
            raise Violation(f"status: computed {s.get('points_computed')} + reused "
                            f"{s.get('points_reused')} != finished points")

    def check_export(self, store, netcdf):
        self.run(["export", store, "--format", "csv", "-o", "e.csv"], expect={0})
        import csv
        rows = list(csv.DictReader(line for line in open(self.path("e.csv"))
                                   if not line.startswith("#")))
        f = h5py.File(self.path(store), "r")
        st = f["status/state"][()]
        dims = dims_of(f)
        if len(rows) != int((st != 4).sum()):
            raise Violation(f"export csv: {len(rows)} rows for {(st != 4).sum()} study points")
        for row in rows[:6]:
            idx = tuple(int(i) for i in np.unravel_index(int(row["point"]), st.shape))
            for n in dims:  # the row's coordinates are the point's
                v = value_at(f, dims, idx, n)
                v = v.decode() if isinstance(v, bytes) else v
                if (str(v) if isinstance(v, str) else float(v)) != \
                        (row[n] if isinstance(v, str) else float(row[n])):
                    raise Violation(f"export csv: point {row['point']} {n} = {row[n]}, the store "
                                    f"says {v!r}")
            for g, prefix in (("theory", "theory_"), ("results", "")):
                if g not in f:
                    continue
                for name in ("w_norm_ratio", "dist_gw", "h_cos_majmin"):
                    col = prefix + name
                    if col not in row or name not in f[g]:
                        continue
                    v = f[g][name][idx]
                    got = float(row[col]) if row[col] not in ("", "nan", "NaN") else float("nan")
                    if not (got == v or (math.isnan(got) and math.isnan(v))):
                        raise Violation(f"export csv {col} at {idx}: {row[col]} != {v!r}")
        f.close()
        if netcdf:
            r = self.run(["export", store, "--format", "netcdf", "-o", "e.nc"])
            if r.returncode == 0:
                with h5py.File(self.path("e.nc"), "r") as n, h5py.File(self.path(store), "r") as s:
                    for name in ("w_norm_ratio", "dist_gw"):
                        for key in (name, "theory_" + name):
                            if key in n and ("results/" + name in s or key.startswith("theory")):
                                src = s[("theory/" if key.startswith("theory") else "results/") + name][()]
                                if not bits_equal(np.asarray(n[key][()], dtype=float), src):
                                    raise Violation(f"export netcdf {key} differs from the store")


def rank_pids(token, cwd):
    """the ufmsweep processes whose command line names token and that run in cwd (the ranks of
    one run of one case, whatever else runs on the machine)"""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            cmd = open(f"/proc/{d}/cmdline", "rb").read().split(b"\0")
            here = os.readlink(f"/proc/{d}/cwd")
        except OSError:
            continue
        if any(c.endswith(b"ufmsweep") for c in cmd[:1]) and token.encode() in cmd and \
                os.path.realpath(here) == os.path.realpath(cwd):
            pids.append(int(d))
    return pids


def dims_of(f):
    """the axis names of a store, in order: its dimension scales (grid layout) or the
    coordinates of its one dimension `point` (points layout)"""
    coords = f["status/state"].attrs.get("coordinates")
    if coords is not None:
        return (coords.decode() if isinstance(coords, bytes) else str(coords)).split()
    return [d[0].name.rsplit("/", 1)[-1] for d in f["status/state"].dims]


def value_at(f, dims, idx, n):
    """axis n's coordinate at the point of index tuple idx"""
    c = f["coords/" + n]
    if "coordinates" not in f["status/state"].attrs:
        return c[idx[dims.index(n)]]
    v = c[idx[0]]
    return b"".join(v.tolist()).rstrip(b"\0") if c.ndim == 2 else v  # labels: characters


def state_of(path):
    with h5py.File(path, "r") as f:
        return f["status/state"][()]


def bits_equal(x, y):
    if x.shape != y.shape:
        return False
    if x.dtype.kind == "f" and y.dtype.kind == "f":
        xv, yv = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        both_nan = np.isnan(xv) & np.isnan(yv)
        return bool(np.all(both_nan | (xv.view(np.uint64) == yv.view(np.uint64))))
    return np.array_equal(x, y)


def same_json(j, v):
    v = float(v)
    if j is None:
        return not math.isfinite(v)
    return float(j) == v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--first", type=int, default=0, help="the first case number")
    ap.add_argument("--case", type=int, help="run this case alone and keep its directory")
    ap.add_argument("--replay", help="SEED:CASE,... cases that once failed (regressions), run "
                                     "after the --cases of --seed")
    ap.add_argument("--mpich", help="a build on MPICH: its runs join the random choices")
    ap.add_argument("--keep", help="keep every case's directory under this one")
    ap.add_argument("--python", default=os.environ.get("UFMSWEEP_PYTHON", "/usr/bin/python3"))
    a = ap.parse_args()
    a.builds = {"openmpi": {"bin": os.path.abspath(os.path.join(a.build, "ufmsweep")),
                            "mpiexec": mpiexec_of(a.build)}}
    if a.mpich:
        a.builds["mpich"] = {"bin": os.path.abspath(os.path.join(a.mpich, "ufmsweep")),
                             "mpiexec": mpiexec_of(a.mpich)}
    for b in a.builds.values():
        if not os.access(b["bin"], os.X_OK):
            print(f"prop: {b['bin']} is not an executable ufmsweep", file=sys.stderr)
            return 2
    cases = [(a.seed, a.case)] if a.case is not None else \
        [(a.seed, i) for i in range(a.first, a.first + a.cases)]
    if a.replay:
        cases += [tuple(int(x) for x in pair.split(":")) for pair in a.replay.split(",") if pair]
    keep = a.keep or (tempfile.mkdtemp(prefix="ufmsweep-prop-") if a.case is not None else None)
    root = keep or tempfile.mkdtemp(prefix="ufmsweep-prop-")
    os.makedirs(root, exist_ok=True)
    passed = failed = 0
    t0 = time.time()
    for seed, i in cases:
        c = None
        try:
            c = Case(a, seed, i, root)  # its directory: case-SEED-K
            c.execute()
            passed += 1
            print(f"PASS case {i} of seed {seed} ({c.plan['mode']}, {c.plan['ranks']} ranks, {c.plan['impl']}"
                  f"{', overrides' if c.plan['overrides'] else ''})", flush=True)
            if keep is None:
                shutil.rmtree(c.dir, ignore_errors=True)
        except Exception as e:  # a crash of the oracle is a failed case too, with its repro
            failed += 1
            print(f"FAIL case {i} of seed {seed}: {type(e).__name__ + ': ' if not isinstance(e, Violation) else ''}{e}", flush=True)
            if c is not None:
                print(f"  plan: {getattr(c, 'plan', None)}")
                print("  spec.yaml:\n" + "".join("    " + l for l in open(c.path("spec.yaml"))))
                if os.path.exists(c.path("edited.yaml")):
                    print("  edited.yaml:\n" + "".join("    " + l for l in open(c.path("edited.yaml"))))
                print("  commands (in " + c.dir + "):")
                for l in c.log:
                    print("    " + l)
                print(f"  reproduce: scripts/prop.sh --seed {seed} --case {i} {a.build}"
                      + (f" --mpich {a.mpich}" if a.mpich else ""), flush=True)
    if keep is None:
        shutil.rmtree(root, ignore_errors=True)
    print(f"prop: {len(cases)} cases (seed {a.seed} from case {cases[0][1]}"
          f"{', and replays' if a.replay else ''}), {time.time() - t0:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
