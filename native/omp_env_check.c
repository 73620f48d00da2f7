/*
 * omp_env_check: does libgomp honour OpenMP settings that a process sets with setenv() before it
 * loads libgomp with dlopen()? (The Java loader could do exactly this before System.load of
 * libdnnl, which pulls libgomp in through its NEEDED entry.)
 *
 *   omp_env_check LIBGOMP_OR_LIBDNNL_PATH before|after|none [NAME=VALUE ...]
 *
 * `before`: setenv(NAME, VALUE) for each pair, then dlopen; `after`: dlopen, then setenv; `none`: no
 * setenv. It then runs one 2-thread parallel region through libgomp's GOMP_parallel, lets the
 * process idle for 200 ms (usleep on the calling thread) and prints the CPU time the process used in
 * that idle window. An idle worker that spins (OMP_WAIT_POLICY=active, or a large GOMP_SPINCOUNT)
 * burns ~200 ms of CPU; one that sleeps (OMP_WAIT_POLICY=passive, GOMP_SPINCOUNT=0) burns ~0.
 * libgomp reads its environment once, in its constructor: so `before` changes the result and
 * `after` does not.
 *
 * Build: gcc -O2 -o build/omp_env_check omp_env_check.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double) u.ru_utime.tv_sec + (double) u.ru_utime.tv_usec * 1e-6 + (double) u.ru_stime.tv_sec
            + (double) u.ru_stime.tv_usec * 1e-6;
}

static volatile double sink;

static void region(void *data) {
    (void) data;
    double x = 0;
    for (int i = 0; i < 100000; i++) x += i * 1e-9;
    sink = x;
}

static void set_all(int argc, char **argv) {
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "omp_env_check: expected NAME=VALUE, got %s\n", argv[i]);
            exit(2);
        }
        *eq = '\0';
        setenv(argv[i], eq + 1, 1);
        *eq = '=';
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: omp_env_check LIB before|after|none [NAME=VALUE ...]\n");
        return 2;
    }
    const char *when = argv[2];
    if (strcmp(when, "before") == 0) set_all(argc, argv);
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        fprintf(stderr, "omp_env_check: dlopen %s: %s\n", argv[1], dlerror());
        return 2;
    }
    if (strcmp(when, "after") == 0) set_all(argc, argv);
    /* libgomp's entry point for `#pragma omp parallel num_threads(n)` (GCC >= 4.9 ABI). */
    void (*gomp_parallel)(void (*)(void *), void *, unsigned, unsigned) =
            (void (*)(void (*)(void *), void *, unsigned, unsigned)) dlsym(RTLD_DEFAULT, "GOMP_parallel");
    if (!gomp_parallel) {
        fprintf(stderr, "omp_env_check: GOMP_parallel not found (is %s libgomp or linked to it?)\n", argv[1]);
        return 2;
    }
    for (int i = 0; i < 20; i++) gomp_parallel(region, NULL, 2, 0);
    double c0 = cpu_seconds();
    usleep(200000);
    double c1 = cpu_seconds();
    printf("omp_env_check: setenv %s dlopen; CPU used while idle for 200 ms: %.1f ms\n", when, (c1 - c0) * 1e3);
    return 0;
}
