#include "blasinfo.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* a function of the running process by name (the program and the libraries it loaded), or NULL */
static void (*process_symbol(const char *name))(void)
{
    void *self = dlopen(NULL, RTLD_NOW);
    if (self == NULL)
        return NULL;
    void *p = dlsym(self, name);
    void (*f)(void) = NULL;
    if (p != NULL)
        memcpy(&f, &p, sizeof f); /* object to function pointer, as POSIX allows */
    dlclose(self);
    return f;
}

const char *blas_pin_one_thread(void)
{
    void (*f)(void);
    if ((f = process_symbol("openblas_set_num_threads")) != NULL) {
        ((void (*)(int))f)(1);
        return "OpenBLAS";
    }
    if ((f = process_symbol("MKL_Set_Num_Threads")) != NULL) {
        ((void (*)(int))f)(1);
        return "MKL";
    }
    if ((f = process_symbol("bli_thread_set_num_threads")) != NULL) {
        ((void (*)(int64_t))f)(1); /* dim_t: 64-bit in Debian's and Spack's BLIS */
        return "BLIS";
    }
    if ((f = process_symbol("flexiblas_set_num_threads")) != NULL) {
        ((void (*)(int))f)(1);
        return "FlexiBLAS";
    }
    return NULL;
}

void blas_describe(char *buf, size_t cap)
{
    void (*f)(void);
    if ((f = process_symbol("openblas_get_config")) != NULL) {
        snprintf(buf, cap, "%s", ((const char *(*)(void))f)());
    } else if ((f = process_symbol("MKL_Get_Version_String")) != NULL) {
        char v[200] = "";
        ((void (*)(char *, int))f)(v, (int)sizeof v);
        snprintf(buf, cap, "%s", v);
    } else if ((f = process_symbol("bli_info_get_version_str")) != NULL) {
        snprintf(buf, cap, "BLIS %s", ((const char *(*)(void))f)());
    } else {
        snprintf(buf, cap, "unknown BLAS (no vendor version call)");
    }
}
