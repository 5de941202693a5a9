# tests/lib.sh - helpers shared by the test scripts (source it): PASS/FAIL lines and counters,
# and a comparison of stores' reproducible data. A script ends with
#   echo "$pass passed, $fail failed"; [ $fail -eq 0 ]
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
same_data() { # A B: /results /theory /traces equal (h5diff compares values exactly)
  local g
  for g in results theory traces; do
    h5diff -q "$1" "$2" "/$g" "/$g" >/dev/null 2>&1 || { echo "  $1 and $2 differ in /$g"; return 1; }
  done
}
