/*
 * Windows (mingw-w64) portability for mobilenet_bench.c, included by it only under _WIN32, after
 * the C library headers. Builds with native/build-mingw.sh; the result runs against the real
 * dnnl.dll of org.bytedeco:dnnl:<version>:windows-x86_64 on Windows or under Wine.
 *
 * What differs from Linux:
 *  - aligned_alloc: neither msvcrt nor the UCRT has it (C11 7.22.3.1 is optional for them), and
 *    _aligned_malloc memory must be released with _aligned_free, not free. Every allocation of the
 *    program therefore goes through the _aligned_* family (malloc, calloc, realloc, free and
 *    aligned_alloc are redirected together, so any pointer the program frees came from it).
 *  - cpu_set_t / sched_getaffinity / CPU_COUNT: GetProcessAffinityMask (one processor group, up to
 *    64 CPUs, which is what a process gets by default).
 *  - clock_gettime(CLOCK_MONOTONIC): QueryPerformanceCounter, so the timing does not depend on
 *    which threading variant (win32 or posix) of mingw-w64 compiled the program.
 *  - omp_set_num_threads / omp_get_max_threads come from vcomp140.dll (MSVC's OpenMP runtime, which
 *    dnnl.dll imports), not from libgomp: build-mingw.sh links an import library for it.
 */
#ifndef MOBILENETJ_WIN_COMPAT_H
#define MOBILENETJ_WIN_COMPAT_H
#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- allocation: one family for every pointer the program allocates and frees ---- */

enum { WIN_COMPAT_MIN_ALIGN = 16 }; /* what malloc guarantees on x64 */

static inline void *win_compat_malloc(size_t n) {
    return _aligned_malloc(n ? n : 1, WIN_COMPAT_MIN_ALIGN);
}

static inline void *win_compat_calloc(size_t count, size_t size) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    size_t total = count * size;
    void *p = win_compat_malloc(total);
    if (p) memset(p, 0, total > 0 ? total : 1);
    return p;
}

static inline void *win_compat_realloc(void *p, size_t n) {
    return _aligned_realloc(p, n ? n : 1, WIN_COMPAT_MIN_ALIGN);
}

static inline void *win_compat_aligned_alloc(size_t alignment, size_t n) {
    return _aligned_malloc(n ? n : 1, alignment < WIN_COMPAT_MIN_ALIGN ? WIN_COMPAT_MIN_ALIGN : alignment);
}

static inline void win_compat_free(void *p) {
    _aligned_free(p);
}

#undef malloc
#undef calloc
#undef realloc
#undef free
#undef aligned_alloc
#define malloc(n) win_compat_malloc(n)
#define calloc(c, s) win_compat_calloc(c, s)
#define realloc(p, n) win_compat_realloc(p, n)
#define free(p) win_compat_free(p)
#define aligned_alloc(a, n) win_compat_aligned_alloc(a, n)

/* ---- CPU affinity ---- */

typedef struct {
    DWORD_PTR mask;
} win_compat_cpu_set_t;
#define cpu_set_t win_compat_cpu_set_t

static inline int win_compat_sched_getaffinity(int pid, size_t size, win_compat_cpu_set_t *set) {
    (void) pid;
    (void) size;
    DWORD_PTR process = 0, system = 0;
    if (!GetProcessAffinityMask(GetCurrentProcess(), &process, &system)) return -1;
    set->mask = process;
    return 0;
}

static inline int win_compat_cpu_count(const win_compat_cpu_set_t *set) {
    int n = 0;
    for (DWORD_PTR m = set->mask; m; m &= m - 1) n++;
    return n;
}

#undef CPU_COUNT
#define sched_getaffinity(pid, size, set) win_compat_sched_getaffinity(pid, size, set)
#define CPU_COUNT(set) win_compat_cpu_count(set)

/* ---- monotonic clock ---- */

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 1
#endif

static inline int win_compat_clock_gettime(int clock, struct timespec *ts) {
    (void) clock;
    LARGE_INTEGER frequency, counter;
    ts->tv_sec = 0;
    ts->tv_nsec = 0;
    if (!QueryPerformanceFrequency(&frequency) || !QueryPerformanceCounter(&counter)) return -1;
    ts->tv_sec = (time_t) (counter.QuadPart / frequency.QuadPart);
    ts->tv_nsec = (long) ((counter.QuadPart % frequency.QuadPart) * 1000000000LL / frequency.QuadPart);
    return 0;
}

#undef clock_gettime
#define clock_gettime(clock, ts) win_compat_clock_gettime(clock, ts)

#endif /* _WIN32 */
#endif /* MOBILENETJ_WIN_COMPAT_H */
