#!/bin/bash
# install-deps.sh [--slurm] [--mpich] - install every Debian package ufmsweep needs to build,
# test and plot; --slurm adds slurm-wlm and munge for the job-script tests (tests/slurm, label
# slurm); --mpich adds Debian's MPICH stack (MPICH, its parallel HDF5 and ScaLAPACK).
#
# Run as root: installs what is missing (apt only). Run as another user: prints the exact apt
# command and exits 1 when something is missing. Exits 0 at once when everything is present.
# The list is the single source of truth; docs/ARCHITECTURE.md explains what each is for.
set -euo pipefail

PACKAGES=(
  # build (bc: arithmetic in bench/ scripts)
  build-essential cmake pkg-config bc
  # MPI, parallel HDF5 (+ h5dump/h5diff), ScaLAPACK, BLAS/LAPACK (OpenBLAS: CBLAS and LAPACK)
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libscalapack-openmpi-dev
  libopenblas-dev
  # spec parsing (YAML), JSON output, SHA-256 of specs (OpenSSL), journal CRCs (zlib)
  libyaml-dev libjansson-dev libssl-dev zlib1g-dev
  # netCDF-4 export (ufmsweep export --format netcdf): the netCDF built on libhdf5-openmpi, so
  # that one HDF5 serves the whole process (libnetcdf-dev is built on serial HDF5); ncdump
  libnetcdf-mpi-dev netcdf-bin
  # tests and analysis: Debian's python3 (/usr/bin/python3) with its numeric stack
  python3 python3-numpy python3-h5py python3-matplotlib python3-xarray python3-h5netcdf
  # the Python package's offline install into a virtual environment (tests/python/test_package.sh)
  python3-venv python3-pip python3-setuptools
  # the live report page's browser test (tests/mpi/test_live.sh): headless Chromium
  chromium
  # real networks (examples/deepnet, tests/python/test_deepnet.sh): PyTorch and the digits data
  python3-torch python3-sklearn
)
for opt in "$@"; do
  case $opt in
    --slurm) PACKAGES+=(slurm-wlm munge) ;;
    # the second MPI stack, for the MPICH build that .ci/run tests too
    --mpich) PACKAGES+=(libmpich-dev mpich libhdf5-mpich-dev libscalapack-mpich-dev) ;;
    *) echo "install-deps: unknown option '$opt' (use --slurm, --mpich)" >&2; exit 1 ;;
  esac
done

if [ ! -e /etc/debian_version ] || ! command -v dpkg-query >/dev/null; then
  echo "install-deps: not a Debian system: no packages installed. ufmsweep needs a C11 compiler," \
       "CMake >= 3.20, pkg-config, an MPI (Open MPI or MPICH), HDF5 built on it (parallel)," \
       "ScaLAPACK for that MPI, BLAS/LAPACK, libyaml, jansson, OpenSSL's libcrypto and zlib;" \
       "optionally netCDF built on the same HDF5; for analysis and tests Python 3 with h5py," \
       "numpy, matplotlib, xarray and h5netcdf (give it with -DPython3_EXECUTABLE=...)." \
       "docs/INSTALL.md shows module-based clusters." >&2
  exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

apt_opts=(-o DPkg::Lock::Timeout=900)
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or run:" >&2
  echo "  sudo apt-get ${apt_opts[*]} update && sudo apt-get ${apt_opts[*]} install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
