/* blasinfo.h - what BLAS the process runs on, and one thread per rank, for any vendor.
 *
 * The binary links "a BLAS": OpenBLAS, MKL, BLIS, FlexiBLAS or a reference one, chosen when it
 * was built or at run time (Debian's alternatives, a cluster's `module load`). Their thread and
 * version calls differ, so they are looked up by name in the running process (dlsym) instead of
 * being called directly; a BLAS without them is reported as such. Any rank; no MPI. */
#ifndef UFMSWEEP_BLASINFO_H
#define UFMSWEEP_BLASINFO_H

#include <stddef.h>

/* blas_pin_one_thread - One BLAS thread per process (ranks share the cores), through whichever
 * of openblas_set_num_threads, MKL_Set_Num_Threads, bli_thread_set_num_threads or
 * flexiblas_set_num_threads the process has. Returns the vendor's name ("OpenBLAS", "MKL",
 * "BLIS", "FlexiBLAS"), or NULL when the BLAS has no such call (then OMP_NUM_THREADS=1 is the
 * way: a reference BLAS is single-threaded anyway). */
const char *blas_pin_one_thread(void);

/* blas_describe - the BLAS's own configuration or version string (e.g. "OpenBLAS 0.3.21
 * DYNAMIC_ARCH ... Zen"), or "unknown BLAS (no vendor version call)". */
void blas_describe(char *buf, size_t cap);

#endif /* UFMSWEEP_BLASINFO_H */
