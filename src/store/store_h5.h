/* store_h5.h - the one way to open a store's file with HDF5 directly, for the commands that
 * read datasets themselves (verify, export). Root rank only. No MPI. */
#ifndef UFMSWEEP_STORE_H5_H
#define UFMSWEEP_STORE_H5_H

#include <hdf5.h>

/* store_h5_open - H5Fopen of a store: in SWMR mode (writers: H5F_ACC_SWMR_WRITE; readers:
 * H5F_ACC_SWMR_READ without file locks, so that a reader never blocks a writer) for stores in
 * HDF5 1.10's format, the plain way with HDF5's locks for stores made before 0.2. *live (may be
 * NULL) is set to 1 when opened in SWMR mode; *locked (may be NULL) to 1 when it failed
 * because another process holds HDF5's lock on the file. Returns the file id or a negative
 * value (store_open turns the reasons into project codes). The caller closes it (H5Fclose). */
hid_t store_h5_open(const char *path, int writable, int *live, int *locked);

#endif /* UFMSWEEP_STORE_H5_H */
