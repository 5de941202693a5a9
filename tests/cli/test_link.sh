#!/bin/bash
# The binary loads exactly one MPI library and one HDF5 library (plus its high-level part):
# two MPIs abort at start, two HDF5s share symbol names and corrupt each other. ldd lists every
# shared library the process will load, direct and indirect.
set -u
BIN=${UFMSWEEP:?}
. "${UFMSWEEP_SOURCE_DIR:?}/tests/lib.sh"
libs=$(ldd "$BIN" 2>/dev/null | awk '{print $1}')
if [ -z "$libs" ]; then echo "ldd cannot read $BIN: skipped"; exit 77; fi
mpis=$(echo "$libs" | grep -E '^lib(mpi|mpich|mpi_mpifh|mpichf90)?\.so|^libmpi(ch)?\.so' | sort -u)
hdf5=$(echo "$libs" | grep -E '^libhdf5(_[a-z]+)?\.so' | grep -v '_hl' | sort -u)
n_mpi=$(echo "$mpis" | grep -c . )
n_hdf5=$(echo "$hdf5" | grep -c . )
[ "$n_mpi" -eq 1 ] && ok "one MPI library: $mpis" || bad "MPI libraries: $(echo $mpis)"
[ "$n_hdf5" -eq 1 ] && ok "one HDF5 library: $hdf5" || bad "HDF5 libraries: $(echo $hdf5)"
# and they belong together: the HDF5 is the parallel build of that MPI (Debian names both)
case "$mpis:$hdf5" in
  libmpi.so*:libhdf5_openmpi*|libmpich.so*:libhdf5_mpich*) ok "HDF5 built on that MPI" ;;
  libmpi.so*:libhdf5_mpich*|libmpich.so*:libhdf5_openmpi*) bad "HDF5 of another MPI: $hdf5 with $mpis" ;;
  *) ok "HDF5 and MPI of a non-Debian naming: $hdf5 with $mpis (not judged)" ;;
esac
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
