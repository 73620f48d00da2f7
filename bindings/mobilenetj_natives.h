/*
 * The native surface mobilenetj binds with jextract: the oneDNN C API plus the
 * two OpenMP runtime calls that set the thread count of the calling thread.
 * The oneDNN jar ships no omp.h; libgomp, libomp, libiomp5 and vcomp all
 * export these two symbols with these signatures.
 */
#include "oneapi/dnnl/dnnl.h"
#include "oneapi/dnnl/dnnl_debug.h"

void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);
