#!/bin/bash
# `ufmsweep solve` from the command line: bad options exit 1 naming option and value before any
# work; JSON carries every documented key; the trace CSV matches the JSON trace; runs are
# bitwise reproducible; divergence is an outcome (exit 0).
set -u
BIN=${UFMSWEEP:?set UFMSWEEP to the ufmsweep binary}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

expect_error() {
  local name=$1 want=$2
  shift 2
  local err rc
  err=$("$BIN" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 1 ]; then bad "$name: exit $rc (want 1): $err"
  elif [[ "$err" != *"$want"* ]]; then bad "$name: stderr lacks '$want': $err"
  else ok "$name"; fi
}

expect_error neg-iters "iters = -5 must be >= 0" solve --iters -5
expect_error zero-lr "lr = 0: the learning rate" solve --lr 0
expect_error neg-lr "lr = -0.1" solve --lr -0.1
expect_error momentum-1 "momentum = 1 must lie in [0, 1)" solve --momentum 1
expect_error bad-opt "unknown optimizer 'adam'" solve --opt adam
expect_error bad-loss "unknown loss 'focal'" solve --loss focal
expect_error bad-init "unknown initialization 'xavier'" solve --init xavier
expect_error bad-gauss "init gauss:-1" solve --init gauss:-1
expect_error bad-bias "'maybe' is not on/off" solve --bias maybe
expect_error milestones-order "milestones must increase" solve --milestones 200,100
expect_error milestones-frac "milestones[0] = 1.5" solve --milestones 1.5
expect_error malformed-vector "malformed list '1,,2'" solve --k 3 --omega 1,,2
expect_error omega-length "omega has 2 values but k = 10" solve --omega 1,2
expect_error solver-unknown "unknown solver 'svn'" solve --solver svn
expect_error reg-needs-lambda "needs a ridge" solve --solver reg
expect_error svm-no-trace "apply to --solver ufm only" solve --solver svm --trace-points 5
expect_error svm-example-integer "integer class counts" solve --solver svm-example --counts 3.5,2
expect_error svm-too-large "it takes at most 10000" solve --solver svm-example --k 10 --R 100 --n-min 50
expect_error reg-example-too-large "it takes at most 20000" solve --solver reg-example --lambda 1e-2 --k 10 --R 100 --n-min 50
expect_error solver-unknown "unknown solver 'lbfgs'" solve --solver lbfgs
expect_error real-counts "class 0 would have 12.5 examples" solve --R 2.5
expect_error trace-too-many "trace_points = 20 exceeds iters + 1 = 11" solve --iters 10 --trace-points 20
expect_error trace-unwritable "cannot write '/nonexistent/dir/t.csv'" solve --iters 5 --trace-csv /nonexistent/dir/t.csv
expect_error too-large "too large for one rank" solve --k 1000 --R 1000 --n-min 1000 --rho 0.5 --iters 1

"$BIN" solve --help | grep -q -- "--milestones i1,i2" && ok help || bad help

# JSON: keys, outcome, values; trace CSV equals the JSON trace
out=$("$BIN" solve --k 4 --R 5 --rho 0.5 --n-min 2 --d 6 --opt ngd --lr 0.2 --iters 3000 \
      --trace-points 12 --trace-csv trace.csv --json)
rc=$?
if [ $rc -eq 0 ] && "$PY" - "$out" <<'PYEOF'
import csv, json, math, sys
d = json.loads(sys.argv[1])
for key in ["w_norm_ratio", "h_norm_ratio", "w_cos_majmaj", "w_cos_minmin", "w_cos_majmin",
            "h_cos_majmaj", "h_cos_minmin", "h_cos_majmin", "wh_cos_maj", "wh_cos_min",
            "dist_gw", "dist_gh", "dist_z", "nc1", "loss", "train_acc", "margin", "k_maj",
            "k_min", "outcome", "iters", "wall_s", "grad_norm", "theory_source", "trace"]:
    assert key in d, key
assert d["outcome"] == "max_iter" and d["iters"] == 3000, (d["outcome"], d["iters"])
assert d["train_acc"] == 1.0 and d["dist_gw"] < 0.01, d["dist_gw"]
assert d["theory_source"] == "closed_form" and d["problem"] == "uf-svm"
t = d["trace"]
assert len(t["iter"]) == 12 and t["iter"][0] == 0 and t["iter"][-1] == 3000
rows = list(csv.DictReader(open("trace.csv")))
assert len(rows) == 12
for r, it, dg in zip(rows, t["iter"], t["dist_gw"]):
    assert int(r["iter"]) == it and float(r["dist_gw"]) == dg
assert t["dist_gw"][-1] < 0.5 * t["dist_gw"][3]
PYEOF
then ok json-and-trace; else bad "json-and-trace (rc=$rc)"; fi

# bitwise reproducible across invocations; the seed changes the result
a=$("$BIN" solve --iters 300 --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); d.pop("wall_s"); print(json.dumps(d, sort_keys=True))')
b=$("$BIN" solve --iters 300 --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); d.pop("wall_s"); print(json.dumps(d, sort_keys=True))')
c=$("$BIN" solve --iters 300 --seed 1 --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); d.pop("wall_s"); print(json.dumps(d, sort_keys=True))')
if [ -n "$a" ] && [ "$a" == "$b" ] && [ "$a" != "$c" ]; then ok reproducible; else bad reproducible; fi

# divergence is an outcome, not an error
out=$("$BIN" solve --opt gd --lr 1e200 --iters 50 --json)
rc=$?
if [ $rc -eq 0 ] && "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["outcome"] == "diverged" and d["reason"] == "nan_or_inf"
assert isinstance(d["iters"], int) and 0 < d["iters"] < 50 and isinstance(d["wall_s"], float)
' "$out"; then ok divergence; else bad "divergence (rc=$rc): $out"; fi

# no closed form: the reference is the certified convex solve, distances are computed
out=$("$BIN" solve --loss cdt --gamma 0.5 --rho 0.3 --iters 50 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["theory_source"] == "convex" and d["theory_method"] == "svm_convex"
assert d["dist_gw"] is not None and d["w_norm_ratio"] is not None
' "$out"; then ok convex-reference; else bad "convex-reference: $out"; fi
# the reference solvers agree with each other and with the theory: svm-example (no collapse
# assumed) and svm-gd (non-convex, in (W, H)) reach the certified class-level geometry
for solver in svm svm-example svm-gd; do
  out=$("$BIN" solve --k 4 --R 5 --n-min 2 --rho 0.25 --loss cdt --gamma 1 --solver $solver --json)
  if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1]); s = sys.argv[2]
assert d["solver"] == s and d["outcome"] == "converged" and d["theory_source"] == "convex", d
tol = 1e-4 if s == "svm-gd" else 1e-8
assert d["dist_gw"] < tol and d["dist_gh"] < tol and d["dist_z"] < tol, (s, d["dist_gw"])
assert d["train_acc"] == 1.0 and d["objective"] > 0
if s != "svm":
    assert d["spread"] < (1e-5 if s == "svm-gd" else 1e-8), d["spread"]
if s == "svm-gd":
    assert 0 <= d["optimum_gap"] < 1e-6, d["optimum_gap"]
' "$out" $solver; then ok "reference-$solver"; else bad "reference-$solver: $out"; fi
done
# a truncated certified solve is an outcome, not an error
out=$("$BIN" solve --k 10 --R 10 --rho 0.3 --loss cdt --gamma 1 --solver svm --iters 1 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["outcome"] == "max_iter" and d["iters"] == 1 and d["certificate"] > 1e-10
' "$out"; then ok svm-truncated; else bad "svm-truncated: $out"; fi
# reg: the certified regularized minimizer
out=$("$BIN" solve --k 4 --R 3 --lambda 1e-2 --solver reg --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["solver"] == "reg" and d["outcome"] == "converged" and d["certificate"] <= 1e-10
assert d["certificate_kind"] == "residual" and d["objective"] > 0
' "$out"; then ok reg; else bad "reg: $out"; fi
# reg-example: the same minimizer on all 16 examples, from a start where no class is collapsed
out_c=$("$BIN" solve --k 4 --R 3 --n-min 2 --lambda 1e-2 --loss cdt --gamma 1 --solver reg --json)
out_e=$("$BIN" solve --k 4 --R 3 --n-min 2 --lambda 1e-2 --loss cdt --gamma 1 --solver reg-example --json)
if "$PY" -c '
import json, sys
c, e = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert e["solver"] == "reg-example" and e["outcome"] == "converged" and e["spread"] < 1e-8
assert abs(e["objective"] - c["objective"]) < 1e-10 * c["objective"]
for m in ("w_norm_ratio", "h_norm_ratio", "w_cos_majmaj", "h_cos_minmin"):
    assert abs(e[m] - c[m]) < 1e-8, m
' "$out_c" "$out_e"; then ok reg-example; else bad "reg-example: $out_e"; fi

# with weight decay the reported objective is the function gradient descent minimizes, mean loss
# + (wd/2)(||W||^2 + ||H||^2): at convergence it equals the certified regularized minimum of
# `theory --lambda wd` (loss + wd ||Z||_*), and it exceeds the mean loss by the decay term
out_wd=$("$BIN" solve --k 4 --R 2 --n-min 2 --wd 1e-2 --opt gd --lr 0.5 --iters 20000 --json)
out_th=$("$BIN" theory --k 4 --R 2 --n-min 2 --lambda 1e-2 --json)
if "$PY" -c '
import json, sys
s, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert s["grad_norm"] < 1e-10, s["grad_norm"]
assert abs(s["objective"] - t["objective"]) < 1e-9 * t["objective"], (s["objective"], t["objective"])
wf, hf = s["w_fro"], s["h_fro"]
assert abs(s["objective"] - (s["loss"] + 0.5e-2 * (wf**2 + hf**2))) < 1e-12, s
assert s["objective"] > 2 * s["loss"]
' "$out_wd" "$out_th"; then ok "objective with --wd equals the certified regularized minimum"
else bad "objective with --wd: $out_wd | $out_th"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
