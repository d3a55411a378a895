#include <malloc.h>

/* glibc's malloc hands freed heap back to the kernel once its top grows past a threshold that it
   raises only after an mmap'd block is freed: a server that parses a 1 MiB JSON body (tens of MiB of
   values, freed at once) then faults every page back in for the next one (~2,600 faults a parse).
   Fixed thresholds keep up to 64 MiB of freed heap per arena for reuse; blocks of 32 MiB and more
   still come from mmap and go straight back. Swift's Glibc module does not export malloc.h. */
static inline void connections_keep_freed_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}
