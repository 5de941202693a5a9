#!/bin/bash
# Configure refuses a ScaLAPACK or an HDF5 built on another MPI than the one found, naming
# both, before anything is built (the binary would load two MPIs and abort at start). Needs
# Debian's MPICH ScaLAPACK and compiler next to Open MPI (scripts/install-deps.sh --mpich);
# skipped otherwise.
set -u
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
other=/usr/lib/x86_64-linux-gnu/libscalapack-mpich.so
[ -e "$other" ] || { echo "no $other: skipped"; exit 77; }
dir=$(mktemp -d /tmp/ufcfg.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT
out=$(cmake -S "$UFMSWEEP_SOURCE_DIR" -B "$dir" -DSCALAPACK_LIBRARIES="$other" 2>&1)
rc=$?
flat=$(echo "$out" | tr -s ' \n' '  ') # CMake wraps its messages
[ $rc -ne 0 ] && [[ "$flat" == *"is built on MPICH, but the MPI found is openmpi"* ]] && [ ! -e "$dir/Makefile" ] &&
  ok "configure refuses the MPICH ScaLAPACK with Open MPI" || bad "configure with a mismatched ScaLAPACK: rc=$rc $(echo "$out" | grep -A3 Error | head -5)"
# MPICH's compiler while CMake finds Open MPI's HDF5 first (no HDF5_ROOT): a module-style mistake
if [ -x /usr/bin/mpicc.mpich ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  out=$(cmake -S "$UFMSWEEP_SOURCE_DIR" -B "$dir" -DMPI_C_COMPILER=/usr/bin/mpicc.mpich 2>&1)
  rc=$?
  flat=$(echo "$out" | tr -s ' \n' '  ')
  [ $rc -ne 0 ] && [[ "$flat" == *"HDF5 "*"is built on Open MPI, but the MPI found is mpich"* ]] &&
    [[ "$flat" == *"HDF5_ROOT"* ]] && [ ! -e "$dir/Makefile" ] &&
    ok "configure refuses Open MPI's HDF5 with MPICH's compiler, naming HDF5_ROOT" ||
    bad "configure with a mismatched HDF5: rc=$rc $(echo "$out" | grep -A3 Error | head -5)"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
