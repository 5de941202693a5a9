#!/bin/bash
# cmake --install into a temporary prefix: the installed ufmsweep runs a sweep, the installed
# ufmsweep-report (the configured Python, the analysis package from share/) writes its report,
# and the job scripts, specs and docs are where docs/INSTALL.md says.
set -u
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
BUILD=${UFMSWEEP_BUILD_DIR:?}
prefix=$(mktemp -d /tmp/ufinst.XXXXXX) || exit 1
trap 'rm -rf "$prefix"' EXIT
cmake --install "$BUILD" --prefix "$prefix" >install.log 2>&1 && ok "cmake --install" ||
  bad "cmake --install: $(tail -3 install.log)"
"$prefix/bin/ufmsweep" --version >v.out 2>&1 && grep -q "ufmsweep 0\." v.out &&
  ok "installed ufmsweep --version" || bad "installed ufmsweep: $(cat v.out)"
for f in share/ufmsweep/analysis/ufmstore.py share/ufmsweep/python/ufmsweep/store.py \
         share/ufmsweep/python/pyproject.toml share/ufmsweep/jobs/slurm/sweep.sbatch \
         share/ufmsweep/jobs/ufmsweep-mpirun share/ufmsweep/specs/demo.yaml \
         share/doc/ufmsweep/README.md share/doc/ufmsweep/INSTALL.md; do
  [ -e "$prefix/$f" ] || bad "missing $f"
done
[ -x "$prefix/share/ufmsweep/jobs/ufmsweep-mpirun" ] && ok "job scripts, specs and docs installed" ||
  bad "jobs/ufmsweep-mpirun not executable"
cat >s.yaml <<'YAML'
name: installed
fixed: {k: 4, n_min: 2, d: 4, opt: ngd, lr: 0.2, iters: 100, trace_points: 4}
grid:
  R: [1, 2, 4]
  gamma: [0, 0.5]
  loss: [cdt, ldt]
YAML
rm -rf s.h5 s.h5.journal rep
"$prefix/bin/ufmsweep" run s.yaml --store s.h5 >run.out 2>&1 && ok "installed ufmsweep runs a sweep" ||
  bad "installed run: $(tail -3 run.out)"
# from another directory, so that nothing is found relative to the source tree
(cd / && "$prefix/bin/ufmsweep-report" "$OLDPWD/s.h5" "$OLDPWD/rep") >rep.out 2>&1 &&
  [ -s rep/index.html ] && ls rep/*.png >/dev/null 2>&1 &&
  ok "installed ufmsweep-report writes the report (the package from share/)" || bad "installed report: $(tail -5 rep.out)"
grep -q "ufmsweep's Python package: $prefix/share/ufmsweep/python" install.log &&
  ok "cmake --install prints where the Python package is" || bad "install message: $(grep -i python install.log)"
head -5 "$prefix/bin/ufmsweep-report" | grep -q "${UFMSWEEP_PYTHON:-/usr/bin/python3}" &&
  ok "ufmsweep-report runs the configured Python" || bad "wrapper interpreter: $(head -5 "$prefix/bin/ufmsweep-report")"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
