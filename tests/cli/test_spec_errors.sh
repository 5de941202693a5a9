#!/bin/bash
# Malformed specs: each exits 1 before any work, names file:line and the key, and creates no
# store (nor journal, nor lock file).
set -u
BIN=${UFMSWEEP:?}
pass=0
fail=0
rm -rf specwork && mkdir specwork && cd specwork || exit 1

# case NAME EXPECTED_SUBSTRING <<< spec text
case_() {
  local name=$1 want=$2
  cat >spec.yaml
  local err rc
  err=$("$BIN" run spec.yaml --store out.h5 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 1 ]; then
    fail=$((fail + 1)); echo "FAIL $name: exit $rc, want 1: $err"
  elif [[ "$err" != *"$want"* ]]; then
    fail=$((fail + 1)); echo "FAIL $name: message lacks '$want': $err"
  elif ls out.h5* >/dev/null 2>&1; then
    fail=$((fail + 1)); echo "FAIL $name: created $(ls out.h5*)"
  else
    pass=$((pass + 1)); echo "PASS $name"
  fi
}

case_ yaml-syntax "spec.yaml:4: YAML syntax error: did not find expected ',' or ']'" <<'EOF2'
name: x
grid:
  R: [1, 2
  loss: [ce]
EOF2
case_ not-a-mapping "spec.yaml:1: a spec is a mapping" <<'EOF2'
- just
- a list
EOF2
case_ empty-file "the file is empty" </dev/null
case_ unknown-top-key "spec.yaml:2: unknown key 'gird'" <<'EOF2'
name: x
gird:
  R: [1, 2]
EOF2
case_ option-at-top "spec.yaml:2: unknown key 'lr' (a spec has name, store, layout, seed_base, ranks_per_solve, group_min_work, process_grid, fixed, grid or grids); put options under fixed or grid" <<'EOF2'
name: x
lr: 0.1
grid:
  R: [1, 2]
EOF2
case_ missing-grid "grid: missing" <<'EOF2'
name: x
fixed:
  k: 4
EOF2
case_ unknown-fixed-key "spec.yaml:3: fixed: unknown key 'learning_rate'" <<'EOF2'
name: x
fixed:
  learning_rate: 0.1
grid:
  R: [1, 2]
EOF2
case_ unknown-axis "spec.yaml:3: grid: unknown key 'Rr'" <<'EOF2'
name: x
grid:
  Rr: [1, 2]
EOF2
case_ wrong-type "spec.yaml:3: k: 'ten' is not an integer" <<'EOF2'
name: x
fixed:
  k: ten
grid:
  R: [1, 2]
EOF2
case_ wrong-type-in-axis "spec.yaml:5: R: 'big' is not a number" <<'EOF2'
name: x
grid:
  R:
    - 1
    - big
EOF2
case_ unknown-loss "spec.yaml:3: loss: unknown loss 'focal'" <<'EOF2'
name: x
grid:
  loss: [ce, focal]
EOF2
case_ empty-axis "spec.yaml:3: R: the axis has no values" <<'EOF2'
name: x
grid:
  R: []
EOF2
case_ empty-range "spec.yaml:3: seed: the axis is empty" <<'EOF2'
name: x
grid:
  seed: {range: [5, 5]}
EOF2
case_ bad-generator "spec.yaml:3: gamma: unknown generator 'linspac'" <<'EOF2'
name: x
grid:
  gamma: {linspac: [0, 1, 3]}
EOF2
case_ linspace-args "spec.yaml:3: gamma: linspace takes [a, b, n], got 2 values" <<'EOF2'
name: x
grid:
  gamma: {linspace: [0, 1]}
EOF2
case_ scalar-axis "spec.yaml:3: R: an axis is a list of values" <<'EOF2'
name: x
grid:
  R: 10
EOF2
case_ axis-also-fixed "spec.yaml:5: grid: 'R' is also fixed (line 3)" <<'EOF2'
name: x
fixed:
  R: 10
grid:
  R: [1, 2]
EOF2
case_ duplicate-value "spec.yaml:3: R: value '2' appears twice" <<'EOF2'
name: x
grid:
  R: [1, 2, 2]
EOF2
case_ duplicate-number-forms "spec.yaml:3: R: value '1' (number 1) and '1e0' (number 4) are the same value" <<'EOF2'
name: x
grid:
  R: [1, 2, 3, 1e0]
EOF2
case_ duplicate-zero-signs "spec.yaml:3: gamma: value '0' (number 1) and '-0' (number 2) are the same value" <<'EOF2'
name: x
grid:
  gamma: [0, -0]
EOF2
case_ duplicate-hex "spec.yaml:3: gamma: value '0x10' (number 1) and '0x1p4' (number 2)" <<'EOF2'
name: x
grid:
  gamma: [0x10, 0x1p4]
EOF2
case_ second-document "spec.yaml:3: a second YAML document" <<'EOF2'
name: x
grid: {R: [2]}
---
name: y
EOF2
case_ fixed-key-twice "spec.yaml:2: fixed: 'lambda' is given twice" <<'EOF2'
name: x
fixed: {lambda: 0.1, lambda: 0.2}
grid: {R: [2]}
EOF2
printf 'name: x\ngrid: {R: [2]}\nfixed: {k: 4}\nother: "a\0b"\n' | case_ nul-byte "spec.yaml:4: a NUL byte"
printf 'name: x\ngrid: {R: [2]}\n\nname2: "\xff\xfe"\n' | case_ invalid-utf8 "spec.yaml:4: invalid leading UTF-8 octet"
"${UFMSWEEP_PYTHON:-/usr/bin/python3}" -c "print('name: x\ngrid:\n  R: ' + '[' * 100000 + ']' * 100000)" | case_ deep-nesting "spec.yaml:3: collections nested more than 64 deep"
"${UFMSWEEP_PYTHON:-/usr/bin/python3}" -c "print('name: x\ngrid:\n  gamma: {linspace: [0, 1, 80000]}\n  R: {linspace: [1, 2, 80000]}')" |
  case_ two-wide-axes "spec.yaml:2: grid: the block holds 6.4e+09 points, more than the 100000000 one store holds"
case_ duplicate-key "spec.yaml:3: name: key given twice" <<'EOF2'
name: x
grid: {R: [1]}
name: y
EOF2
case_ trace-points-axis "spec.yaml:3: trace_points: cannot be a grid axis" <<'EOF2'
name: x
grid:
  trace_points: [5, 10]
EOF2
case_ impossible-rho "spec.yaml:5: rho: at grid point 1 (rho=0.25): rho = 0.25: rho*k = 2.5" <<'EOF2'
name: x
fixed:
  k: 10
grid:
  rho: [0.5, 0.25]
EOF2
case_ impossible-R "spec.yaml:3: R: at grid point 0 (R=0.5, loss=ce): R = 0.5" <<'EOF2'
name: x
grid:
  R: [0.5, 2]
  loss: [ce]
EOF2
case_ impossible-lr "spec.yaml:3: lr: at grid point 0" <<'EOF2'
name: x
fixed:
  lr: -1
grid:
  R: [2]
EOF2
case_ d-too-small "spec.yaml:4: d: at grid point 0 (R=2): d = 3 < k-1 = 9" <<'EOF2'
name: x
fixed:
  k: 10
  d: 3
grid:
  R: [2]
EOF2
case_ counts-vector-axis-bad "spec.yaml:4: counts: at grid point 1" <<'EOF2'
name: x
fixed: {solver: none}
grid:
  counts: [[5, 3, 2], [5, -1, 2]]
EOF2
case_ too-large "too large for one rank" <<'EOF2'
name: x
fixed: {k: 1000, n_min: 1000, rho: 0.5}
grid:
  R: [1000]
EOF2
case_ reg-without-ridge "at grid point 1 (lambda=0): --solver reg needs a ridge" <<'EOF2'
name: x
fixed: {k: 4, solver: reg}
grid:
  lambda: [0.01, 0]
EOF2
case_ svm-example-fractional-counts "needs integer class counts (class 0 has 2.5" <<'EOF2'
name: x
fixed: {k: 4, n_min: 1, solver: svm-example}
grid:
  R: [2, 2.5]
EOF2
case_ bad-ranks-per-solve "spec.yaml:2: ranks_per_solve: '0' is not a rank count in 1..4096" <<'EOF2'
name: x
ranks_per_solve: 0
grid:
  R: [2]
EOF2
case_ bad-process-grid "spec.yaml:2: process_grid: '2by1' is not PxQ" <<'EOF2'
name: x
process_grid: 2by1
grid:
  R: [2]
EOF2
err=$("$BIN" run nope.yaml --store out.h5 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ "$err" == *"nope.yaml: cannot read"* ]]; then pass=$((pass + 1)); echo "PASS missing-file"; else fail=$((fail + 1)); echo "FAIL missing-file: $err"; fi
cat >ok.yaml <<'EOF2'
name: x
grid: {R: [2]}
EOF2
err=$("$BIN" run ok.yaml 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ "$err" == *"no store path"* ]]; then pass=$((pass + 1)); echo "PASS no-store-path"; else fail=$((fail + 1)); echo "FAIL no-store-path: $err"; fi
err=$("$BIN" run ok.yaml --store /nonexistent/dir/x.h5 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ "$err" == *"/nonexistent/dir/x.h5.lock: cannot create the lock file"* ]]; then pass=$((pass + 1)); echo "PASS unwritable-dir"; else fail=$((fail + 1)); echo "FAIL unwritable-dir: $err"; fi
err=$("$BIN" run ok.yaml --store x.h5 --shard 3/3 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ "$err" == *"--shard: '3/3' is not I/N"* ]]; then pass=$((pass + 1)); echo "PASS bad-shard"; else fail=$((fail + 1)); echo "FAIL bad-shard: $err"; fi
err=$("$BIN" run ok.yaml --store x.h5 --resume 2>&1); rc=$?
if [ $rc -eq 1 ] && [[ "$err" == *"nothing to resume"* ]]; then pass=$((pass + 1)); echo "PASS resume-nothing"; else fail=$((fail + 1)); echo "FAIL resume-nothing: $err"; fi
# --check validates without running; the spec shown in README.md is valid
awk '/^## The spec, by example/{f=1} f&&/^```yaml/{p=1; next} p&&/^```/{exit} p' \
  "${UFMSWEEP_SOURCE_DIR:?}/README.md" >readme.yaml
out=$("$BIN" run readme.yaml --check 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ "$out" == *"valid: 546 points in the study"* ]] && \
   [[ "$out" == *"grid: R: 7 x loss: 2 x gamma: 13 x seed: 3"* ]] && \
   [ ! -e results/cdt-vs-ldt.h5 ]; then pass=$((pass + 1)); echo "PASS readme-spec-check"; else fail=$((fail + 1)); echo "FAIL readme-spec-check: $out"; fi
for f in "$UFMSWEEP_SOURCE_DIR"/specs/*.yaml; do
  out=$("$BIN" run "$f" --check 2>&1); rc=$?
  if [ $rc -eq 0 ] && [[ "$out" == *"valid:"* ]]; then pass=$((pass + 1)); echo "PASS check $(basename "$f")"; else fail=$((fail + 1)); echo "FAIL check $f: $out"; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
