#!/bin/bash
# `ufmsweep theory` from the command line: bad inputs exit 1 naming the option and value (and
# never crash); the JSON output carries every documented key with the expected values.
# Needs $UFMSWEEP (set by CTest) and Debian's /usr/bin/python3 for JSON parsing.
set -u
BIN=${UFMSWEEP:?set UFMSWEEP to the ufmsweep binary}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# expect_error NAME EXPECTED_SUBSTRING ARGS...
expect_error() {
  local name=$1 want=$2
  shift 2
  local out err rc
  err=$("$BIN" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 1 ]; then
    bad "$name: exit $rc (want 1) for: $*; stderr: $err"
  elif [[ "$err" != *"$want"* ]]; then
    bad "$name: stderr lacks '$want': $err"
  else
    ok "$name"
  fi
}

expect_error unknown-command "unknown command 'theroy'" theroy
expect_error unknown-option "unknown option '--kk'" theory --kk 3
expect_error missing-value "--R needs a value" theory --R
expect_error not-a-number "--R: 'ten' is not a number" theory --R ten
expect_error trailing-junk "--R: '10x' is not a number" theory --R 10x
expect_error not-an-integer "--k: '2.5' is not an integer" theory --k 2.5
expect_error R-below-1 "R = 0.5" theory --R 0.5
expect_error R-nan "R = nan is not finite" theory --R nan
expect_error R-inf "R = inf is not finite" theory --R inf
expect_error k-below-2 "k = 1" theory --k 1
expect_error rho-k-not-integer "rho = 0.25: rho*k = 2.5" theory --k 10 --rho 0.25
expect_error no-minority "k_min = 0" theory --rho 0
expect_error n-min-below-1 "n_min = 0.5" theory --n-min 0.5
expect_error d-too-small "d = 5 < k-1 = 9" theory --d 5
expect_error bad-profile "unknown profile 'zipf'" theory --profile zipf
expect_error bad-loss "unknown loss 'focal'" theory --loss focal
expect_error counts-negative "counts[1] = -3 must be > 0" theory --counts 5,-3,2
expect_error counts-malformed "malformed list '5,,2'" theory --counts 5,,2
expect_error counts-item "item 1 'x' is not a number" theory --counts 5,x,2
expect_error counts-one "at least 2 classes" theory --counts 5
expect_error counts-vs-k "k = 4 does not match the 3 values" theory --k 4 --counts 5,3,2
expect_error counts-vs-profile "--counts was given with --profile lt" theory --profile lt --counts 5,3
expect_error counts-missing "--profile counts needs --counts" theory --profile counts
expect_error Delta-length "Delta has 3 values but k = 10" theory --loss cdt --Delta 1,2,3
expect_error Delta-zero "Delta[1] = 0 must be > 0" theory --k 2 --loss cdt --Delta 1,0
expect_error omega-negative "omega[0] = -1 must be > 0" theory --k 2 --omega -1,1
expect_error lambda-negative "lambda_w = -1" theory --lambda -1
expect_error gamma-nan "gamma = nan is not finite" theory --gamma nan
expect_error flag-with-value "--json takes no value" theory --json=1
expect_error positional "unexpected argument 'extra'" theory extra
# no closed form (CDT at rho != 1/2): the certified convex solve, with its certificate
out=$("$BIN" theory --k 10 --R 10 --loss cdt --gamma 0.5 --rho 0.3 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["theory_source"] == "convex" and d["theory_method"] == "svm_convex", d["theory_source"]
assert d["path"] == "newton", d["path"]  # every margin active: the Newton path certified it
assert d["outcome"] == "converged" and 0 <= d["certificate_gap"] <= 1e-10
assert d["lower_bound"] <= d["objective"] and 0 <= d["certificate_violation"] < 1e-9
assert d["dist_gw"] < 1e-12 and -1 < d["w_cos_majmaj"] < 1
' "$out"; then ok cdt-convex; else bad "cdt-convex: $out"; fi
# where a closed form exists the convex solve must reproduce it: compare through `solve`
out=$("$BIN" solve --k 10 --R 10 --loss cdt --gamma 0.5 --rho 0.5 --solver svm --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["theory_source"] == "closed_form" and d["solver"] == "svm" and d["outcome"] == "converged"
assert d["dist_gw"] < 1e-8 and d["dist_gh"] < 1e-8 and d["certificate"] <= 1e-10
' "$out"; then ok svm-vs-closed-form; else bad "svm-vs-closed-form: $out"; fi
# k = 150 (beyond the interior-point method): the all-margins-active Newton path certifies it
out=$("$BIN" theory --k 150 --R 10 --loss cdt --gamma 0.5 --rho 0.3 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["theory_source"] == "convex" and d["certificate_gap"] <= 1e-10 and d["k"] == 150
' "$out"; then ok convex-k150; else bad "convex-k150: $out"; fi
# LT profile with VS: no closed form, the certified convex solve; gamma = +1/2 on the CDT form
# makes the classifier and embedding cosines identical (docs/THEORY.md, Closed forms)
out=$("$BIN" theory --profile lt --loss vs --gamma 0.3 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["theory_source"] == "convex" and d["certificate_gap"] <= 1e-10
' "$out"; then ok lt-vs-convex; else bad "lt-vs-convex: $out"; fi
out=$("$BIN" theory --k 8 --R 20 --rho 0.25 --loss cdt --gamma 0.5 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
for g in ("majmaj", "minmin", "majmin"):
    assert abs(d["w_cos_" + g] - d["h_cos_" + g]) < 1e-8, g
' "$out"; then ok cdt-half-symmetry; else bad "cdt-half-symmetry: $out"; fi

# --help documents every option with its default and exits 0
help=$("$BIN" theory --help)
rc=$?
missing=""
for o in k profile R rho n-min counts d loss gamma tau lambda lambda-w lambda-h omega Delta iota json matrices; do
  grep -q -- "--$o " <<<"$help" || missing="$missing $o"
done
if [ $rc -eq 0 ] && [ -z "$missing" ] && grep -q "default: 10" <<<"$help"; then ok help; else bad "help: rc=$rc missing:$missing"; fi
"$BIN" --help | grep -q theory && ok top-help || bad top-help
"$BIN" --version | grep -q "HDF5: 1\." && ok version || bad version

# JSON: the anchor of docs/THEORY.md, Closed forms and every documented key
json_check() {
  local name=$1 script=$2
  shift 2
  local out rc
  out=$("$BIN" "$@" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then bad "$name: exit $rc: $out"; return; fi
  if msg=$("$PY" -c "$script" "$out" 2>&1); then ok "$name"; else bad "$name: $msg"; fi
}

KEYS='["w_norm_ratio","h_norm_ratio","w_cos_majmaj","w_cos_minmin","w_cos_majmin","h_cos_majmaj","h_cos_minmin","h_cos_majmin","wh_cos_maj","wh_cos_min","dist_gw","dist_gh","dist_z","nc1","loss","train_acc","margin","k_maj","k_min","outcome","iters","wall_s","theory_source"]'

json_check anchor-json "
import json, sys, math
d = json.loads(sys.argv[1])
for key in $KEYS:
    assert key in d, key
assert abs(d['w_norm_ratio'] - 2.672) < 5e-4, d['w_norm_ratio']
assert abs(d['w_cos_majmaj'] + 0.1440) < 5e-5, d['w_cos_majmaj']
assert d['k_maj'] == 5 and d['k_min'] == 5
assert d['theory_source'] == 'closed_form' and d['theory_method'] == 'seli_matrix'
assert d['train_acc'] == 1.0 and d['dist_gw'] < 1e-14 and d['nc1'] == 0.0
" theory --k 10 --R 10 --rho 0.5 --json

json_check one-class-group-null "
import json, sys
d = json.loads(sys.argv[1])
assert d['k_min'] == 1 and d['w_cos_minmin'] is None and d['h_cos_minmin'] is None
assert d['w_cos_majmaj'] is not None
" theory --k 4 --rho 0.25 --json

json_check ldt-symmetry "
import json, sys
d = json.loads(sys.argv[1])
assert d['problem'] == 'margin-cs-svm'
assert abs(d['w_norm_ratio'] - 1) < 1e-12 and abs(d['w_cos_majmin'] + 1/9) < 1e-12
assert abs(d['h_norm_ratio'] - 1/25) < 1e-12   # ||h_min||/||h_maj|| = sqrt(R)
" theory --k 10 --R 25 --rho 0.3 --loss ldt --gamma 0.5 --json

json_check cdt-matrices "
import json, sys
d = json.loads(sys.argv[1])
assert d['theory_method'] == 'cdt_step' and d['Z'] is None and d['wh_cos_maj'] is None
G = d['G_H']
assert len(G) == 10 and abs(G[0][0] - G[9][9]) < 1e-12 * G[0][0]   # gamma = -1/2: equal norms
" theory --loss cdt --gamma -0.5 --json --matrices

json_check counts "
import json, sys
d = json.loads(sys.argv[1])
assert d['profile'] == 'counts' and d['k'] == 4 and d['counts'] == [100, 50, 20, 5]
assert d['k_maj'] == 2 and d['rho'] is None
" theory --counts 100,50,20,5 --json

json_check regularized "
import json, sys
d = json.loads(sys.argv[1])
assert d['theory_source'] == 'convex' and d['theory_method'] == 'reg_convex', d['theory_source']
assert d['certificate_residual'] <= 1e-9 and d['iters'] > 0
# finite ridge bends the minority geometry: not SELI's ratio 2.672 and not ETF
assert d['w_norm_ratio'] > 1.0 and abs(d['w_norm_ratio'] - 2.672) > 0.05, d['w_norm_ratio']
" theory --k 10 --R 10 --lambda 1e-3 --n-min 5 --json

# theory --lambda is a sweep's `solver: reg` point: the same solve, the same numbers bit for bit
out_t=$("$BIN" theory --k 5 --rho 0.4 --R 4 --n-min 2 --lambda 3e-3 --loss cdt --gamma 0.5 --json)
out_s=$("$BIN" solve --k 5 --rho 0.4 --R 4 --n-min 2 --lambda 3e-3 --loss cdt --gamma 0.5 --solver reg --json)
if "$PY" -c '
import json, sys
t, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert t["objective"] == s["objective"], (t["objective"], s["objective"])
for m in ("w_norm_ratio", "h_norm_ratio", "w_fro", "h_fro", "w_cos_majmin", "margin"):
    assert t[m] == s[m], (m, t[m], s[m])
assert t["iters"] == s["iters"] and t["certificate_residual"] <= 1e-10, t
' "$out_t" "$out_s"; then ok "theory --lambda equals solve --solver reg bit for bit"
else bad "theory --lambda against solve --solver reg: $out_t | $out_s"; fi

# human-readable output mentions the method and the anchor
out=$("$BIN" theory --k 10 --R 10 --rho 0.5)
if [[ "$out" == *"seli_matrix"* && "$out" == *"2.672"* ]]; then ok text-output; else bad "text-output: $out"; fi

# minority collapse under a ridge: the minority vectors are 1e-15, so no angle or norm ratio
# involving them is reported (it used to print w_cos_minmin 0.953, a cosine of round-off)
out=$("$BIN" theory --k 10 --R 20 --n-min 5 --lambda 1e-2 --json)
if "$PY" -c '
import json, sys
d = json.loads(sys.argv[1])
for m in ("w_cos_minmin", "w_cos_majmin", "h_cos_minmin", "h_cos_majmin", "wh_cos_min",
          "w_norm_ratio", "h_norm_ratio"):
    assert d[m] is None, (m, d[m])
assert abs(d["w_cos_majmaj"] + 0.25) < 1e-9 and abs(d["wh_cos_maj"] - 1) < 1e-9, d
assert d["dist_gw"] < 1e-12
' "$out"; then ok "minority collapse: vanished vectors give null metrics"; else bad "minority collapse: $out"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
