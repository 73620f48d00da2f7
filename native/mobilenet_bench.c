/*
 * mobilenet_bench: MobileNetV1 inference through oneDNN's C API, with the same compilation and
 * execution policy as the Java library (io.github.mobilenetj.nn.NetworkCompiler, CompiledNetwork,
 * Execution), so that Java/C latency ratios show what the FFM layer costs.
 *
 * Policy mirrored from the Java path:
 *  - every convolution: src/weights/dst format_tag_any, bias f32 tag a, ReLU (eltwise_relu 0,0) or
 *    ReLU6 (eltwise_clip 0,6) as a post-op, forward_inference, convolution_direct;
 *  - a reorder wherever the layout the previous primitive wrote differs (dnnl_memory_desc_equal)
 *    from what the next one chose; the NCHW f32 input is reordered to the first conv's choice;
 *  - BatchNorm folded into conv weights and bias in double precision:
 *    s = gamma / sqrt(var + eps), w' = (float)(w * s), b' = (float)(beta + (0 - mean) * s);
 *  - global average pooling: pooling_avg_exclude_padding, kernel H x W, stride 1, src = whatever
 *    the last conv wrote, dst any;
 *  - inner product: src = the pooling dst, weights {classes, C, 1, 1} any (user layout nchw),
 *    dst {N, classes} any, then a reorder to nc (ab) only if oneDNN chose something else;
 *  - every primitive attr has scratchpad_mode_user; one scratch buffer sized to the largest
 *    scratchpad; two ping-pong activation buffers sized to the largest intermediate dst;
 *    weights reordered once at build time; exec-arg arrays built once;
 *  - timed region = execute every primitive + dnnl_stream_wait.
 *
 * Weights: a safetensors file in the reference PyTorch layout (model.{i}.{j}.weight / bias /
 * running_mean / running_var, fc.weight, fc.bias), F32, F16, BF16 (or F64).
 */
#define _GNU_SOURCE
#include <errno.h>
#ifndef _WIN32
#include <pthread.h>
#endif
#include <limits.h>
#include <math.h>
#ifndef _WIN32
#include <dirent.h>
#endif
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _WIN32
#include "win_compat.h"
#endif

#include "oneapi/dnnl/dnnl.h"
#include "oneapi/dnnl/dnnl_debug.h"

/* From the OpenMP runtime oneDNN is built with (libgomp); declared here to avoid needing omp.h. */
extern void omp_set_num_threads(int n);
extern int omp_get_max_threads(void);
#ifndef _WIN32
/* libgomp's entry point for `#pragma omp parallel` (GCC ABI), used only by --idle-team (Linux). */
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static char g_context[160] = "";

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("mobilenet_bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void check_status(dnnl_status_t status, const char *function) {
    if (status != dnnl_success) {
        die("%s failed: %s%s%s%s", function, dnnl_status2str(status), g_context[0] ? " (" : "", g_context,
                g_context[0] ? ")" : "");
    }
}

/* Calls a oneDNN function and on failure prints its name and dnnl_status2str. */
#define DNNL(fn, ...) check_status(fn(__VA_ARGS__), #fn)

static void *xmalloc(size_t bytes) {
    void *p = malloc(bytes ? bytes : 1);
    if (!p) die("out of memory (%zu bytes)", bytes);
    return p;
}

/* 64-byte aligned, at least 64 bytes (like the Java arenas' allocate(max(size, 1), 64)). */
static void *alloc64(size_t bytes) {
    size_t n = (bytes + 63) / 64 * 64;
    if (n == 0) n = 64;
    void *p = aligned_alloc(64, n);
    if (!p) die("out of memory (%zu bytes)", bytes);
    return p;
}

/* ------------------------------------------------------------------------------------------ */
/* Safetensors                                                                                 */
/* ------------------------------------------------------------------------------------------ */

enum { ST_MAX_DIMS = 8 };

typedef enum { DT_F32, DT_F16, DT_BF16, DT_F64, DT_I8, DT_OTHER } st_dtype;

typedef struct {
    char *name;
    char dtype_name[16];
    st_dtype dtype;
    int ndim;
    uint64_t shape[ST_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

typedef struct {
    const char *path;
    unsigned char *bytes;
    size_t size;
    const unsigned char *data; /* byte buffer after the header */
    uint64_t data_size;
    st_entry *entries;
    int count, capacity;
    /* __metadata__: string values only (others are skipped) */
    char **meta_keys, **meta_values;
    int meta_count;
} st_file;

typedef struct {
    const char *p, *end;
    const char *path;
} json_cursor;

static void json_fail(json_cursor *c, const char *what) {
    die("%s: malformed safetensors header: %s", c->path, what);
}

static void json_ws(json_cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int json_peek(json_cursor *c) {
    json_ws(c);
    return c->p < c->end ? (unsigned char) *c->p : -1;
}

static void json_expect(json_cursor *c, char ch) {
    if (json_peek(c) != (unsigned char) ch) {
        char msg[32];
        snprintf(msg, sizeof msg, "expected '%c'", ch);
        json_fail(c, msg);
    }
    c->p++;
}

static void put_utf8(char **out, unsigned cp) {
    unsigned char *o = (unsigned char *) *out;
    if (cp < 0x80) {
        *o++ = (unsigned char) cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char) (0xC0 | (cp >> 6));
        *o++ = (unsigned char) (0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char) (0xE0 | (cp >> 12));
        *o++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char) (0x80 | (cp & 0x3F));
    } else {
        *o++ = (unsigned char) (0xF0 | (cp >> 18));
        *o++ = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
        *o++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char) (0x80 | (cp & 0x3F));
    }
    *out = (char *) o;
}

static unsigned json_hex4(json_cursor *c) {
    if (c->end - c->p < 4) json_fail(c, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = *c->p++;
        v <<= 4;
        if (h >= '0' && h <= '9') v |= (unsigned) (h - '0');
        else if (h >= 'a' && h <= 'f') v |= (unsigned) (h - 'a' + 10);
        else if (h >= 'A' && h <= 'F') v |= (unsigned) (h - 'A' + 10);
        else json_fail(c, "bad \\u escape");
    }
    return v;
}

/* Parses a string; returns a malloc'd UTF-8 copy (escapes decoded). */
static char *json_string(json_cursor *c) {
    json_expect(c, '"');
    /* Decoded text is never longer than the escaped text. */
    const char *start = c->p;
    char *out = xmalloc((size_t) (c->end - start) + 1);
    char *o = out;
    for (;;) {
        if (c->p >= c->end) json_fail(c, "unterminated string");
        unsigned char ch = (unsigned char) *c->p++;
        if (ch == '"') break;
        if (ch < 0x20) json_fail(c, "control character in string");
        if (ch != '\\') {
            *o++ = (char) ch;
            continue;
        }
        if (c->p >= c->end) json_fail(c, "unterminated escape");
        char e = *c->p++;
        switch (e) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '/': *o++ = '/'; break;
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            case 'u': {
                unsigned cp = json_hex4(c);
                if (cp >= 0xD800 && cp < 0xDC00) {
                    if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u') json_fail(c, "lone surrogate");
                    c->p += 2;
                    unsigned lo = json_hex4(c);
                    if (lo < 0xDC00 || lo >= 0xE000) json_fail(c, "bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    json_fail(c, "lone surrogate");
                }
                put_utf8(&o, cp);
                break;
            }
            default: json_fail(c, "bad escape");
        }
    }
    *o = '\0';
    return out;
}

/* A non-negative integer without sign, fraction or exponent (all the header's numbers are). */
static uint64_t json_uint(json_cursor *c) {
    json_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') json_fail(c, "expected a non-negative integer");
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned) (*c->p++ - '0');
        if (v > (UINT64_MAX - d) / 10) json_fail(c, "integer overflow");
        v = v * 10 + d;
    }
    if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) json_fail(c, "expected an integer");
    return v;
}

static void json_skip_value(json_cursor *c, int depth) {
    if (depth > 64) json_fail(c, "nested too deeply");
    int ch = json_peek(c);
    if (ch == '"') {
        free(json_string(c));
    } else if (ch == '{') {
        c->p++;
        if (json_peek(c) == '}') { c->p++; return; }
        for (;;) {
            free(json_string(c));
            json_expect(c, ':');
            json_skip_value(c, depth + 1);
            if (json_peek(c) == ',') { c->p++; continue; }
            json_expect(c, '}');
            return;
        }
    } else if (ch == '[') {
        c->p++;
        if (json_peek(c) == ']') { c->p++; return; }
        for (;;) {
            json_skip_value(c, depth + 1);
            if (json_peek(c) == ',') { c->p++; continue; }
            json_expect(c, ']');
            return;
        }
    } else if (ch == '-' || (ch >= '0' && ch <= '9')) {
        c->p++;
        while (c->p < c->end && strchr("0123456789+-.eE", *c->p)) c->p++;
    } else {
        static const char *const words[] = {"true", "false", "null"};
        for (int i = 0; i < 3; i++) {
            size_t n = strlen(words[i]);
            if ((size_t) (c->end - c->p) >= n && memcmp(c->p, words[i], n) == 0) {
                c->p += n;
                return;
            }
        }
        json_fail(c, "unexpected value");
    }
}

static size_t dtype_size(st_dtype t) {
    switch (t) {
        case DT_F32: return 4;
        case DT_F16: case DT_BF16: return 2;
        case DT_F64: return 8;
        case DT_I8: return 1;
        default: return 0;
    }
}

static void st_parse_tensor(json_cursor *c, st_entry *e) {
    int have_dtype = 0, have_shape = 0, have_offsets = 0;
    json_expect(c, '{');
    if (json_peek(c) == '}') json_fail(c, "empty tensor entry");
    for (;;) {
        char *field = json_string(c);
        json_expect(c, ':');
        if (strcmp(field, "dtype") == 0) {
            char *d = json_string(c);
            snprintf(e->dtype_name, sizeof e->dtype_name, "%s", d);
            e->dtype = strcmp(d, "F32") == 0 ? DT_F32 : strcmp(d, "F16") == 0 ? DT_F16
                    : strcmp(d, "BF16") == 0 ? DT_BF16 : strcmp(d, "F64") == 0 ? DT_F64 : strcmp(d, "I8") == 0 ? DT_I8 : DT_OTHER;
            free(d);
            have_dtype = 1;
        } else if (strcmp(field, "shape") == 0) {
            json_expect(c, '[');
            e->ndim = 0;
            if (json_peek(c) == ']') {
                c->p++;
            } else {
                for (;;) {
                    if (e->ndim == ST_MAX_DIMS) json_fail(c, "too many dimensions");
                    e->shape[e->ndim++] = json_uint(c);
                    if (json_peek(c) == ',') { c->p++; continue; }
                    json_expect(c, ']');
                    break;
                }
            }
            have_shape = 1;
        } else if (strcmp(field, "data_offsets") == 0) {
            json_expect(c, '[');
            e->begin = json_uint(c);
            json_expect(c, ',');
            e->end = json_uint(c);
            json_expect(c, ']');
            have_offsets = 1;
        } else {
            json_skip_value(c, 1);
        }
        free(field);
        if (json_peek(c) == ',') { c->p++; continue; }
        json_expect(c, '}');
        break;
    }
    if (!have_dtype || !have_shape || !have_offsets) {
        die("%s: tensor '%s' lacks dtype, shape or data_offsets", c->path, e->name);
    }
}

/* The __metadata__ object: keeps string values, skips any other kind of value. */
static void st_parse_metadata(json_cursor *c, st_file *st) {
    json_expect(c, '{');
    if (json_peek(c) == '}') { c->p++; return; }
    for (;;) {
        char *key = json_string(c);
        json_expect(c, ':');
        if (json_peek(c) == '"') {
            st->meta_keys = realloc(st->meta_keys, (size_t) (st->meta_count + 1) * sizeof *st->meta_keys);
            st->meta_values = realloc(st->meta_values, (size_t) (st->meta_count + 1) * sizeof *st->meta_values);
            if (!st->meta_keys || !st->meta_values) die("out of memory");
            st->meta_keys[st->meta_count] = key;
            st->meta_values[st->meta_count] = json_string(c);
            st->meta_count++;
        } else {
            json_skip_value(c, 1);
            free(key);
        }
        if (json_peek(c) == ',') { c->p++; continue; }
        json_expect(c, '}');
        return;
    }
}

static void st_open(st_file *st, const char *path) {
    memset(st, 0, sizeof *st);
    st->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek %s", path);
    long size = ftell(f);
    if (size < 0) die("cannot size %s", path);
    rewind(f);
    st->size = (size_t) size;
    st->bytes = xmalloc(st->size);
    if (st->size && fread(st->bytes, 1, st->size, f) != st->size) die("cannot read %s", path);
    fclose(f);

    if (st->size < 8) die("%s: too short for a safetensors file (%zu bytes)", path, st->size);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--) header_len = (header_len << 8) | st->bytes[i];
    if (header_len < 2 || header_len > st->size - 8) {
        die("%s: header length %llu does not fit in the file (%zu bytes)", path, (unsigned long long) header_len, st->size);
    }
    st->data = st->bytes + 8 + header_len;
    st->data_size = st->size - 8 - header_len;

    json_cursor c = {(const char *) st->bytes + 8, (const char *) st->bytes + 8 + header_len, path};
    json_expect(&c, '{');
    if (json_peek(&c) != '}') {
        for (;;) {
            char *key = json_string(&c);
            json_expect(&c, ':');
            if (strcmp(key, "__metadata__") == 0) {
                st_parse_metadata(&c, st);
                free(key);
            } else {
                for (int i = 0; i < st->count; i++) {
                    if (strcmp(st->entries[i].name, key) == 0) die("%s: tensor '%s' appears twice", path, key);
                }
                if (st->count == st->capacity) {
                    st->capacity = st->capacity ? st->capacity * 2 : 128;
                    st->entries = realloc(st->entries, (size_t) st->capacity * sizeof *st->entries);
                    if (!st->entries) die("out of memory");
                }
                st_entry *e = &st->entries[st->count++];
                memset(e, 0, sizeof *e);
                e->name = key;
                st_parse_tensor(&c, e);
                /* Bounds: offsets inside the byte buffer, length = elements x element size. */
                if (e->begin > e->end || e->end > st->data_size) {
                    die("%s: tensor '%s' data_offsets [%llu, %llu] outside the %llu-byte data buffer", path, key,
                            (unsigned long long) e->begin, (unsigned long long) e->end,
                            (unsigned long long) st->data_size);
                }
                size_t es = dtype_size(e->dtype);
                if (es) {
                    uint64_t n = 1;
                    for (int d = 0; d < e->ndim; d++) {
                        if (e->shape[d] && n > UINT64_MAX / e->shape[d]) die("%s: tensor '%s' shape overflows", path, key);
                        n *= e->shape[d];
                    }
                    if (n > UINT64_MAX / es || n * es != e->end - e->begin) {
                        die("%s: tensor '%s' has %llu elements of %s but %llu data bytes", path, key,
                                (unsigned long long) n, e->dtype_name, (unsigned long long) (e->end - e->begin));
                    }
                }
            }
            if (json_peek(&c) == ',') { c.p++; continue; }
            json_expect(&c, '}');
            break;
        }
    } else {
        c.p++;
    }
    /* Only padding (spaces) may follow the header object. */
    json_ws(&c);
    while (c.p < c.end && *c.p == '\0') c.p++;
    if (c.p != c.end) json_fail(&c, "trailing characters after the header object");
}

static const st_entry *st_find(const st_file *st, const char *name) {
    for (int i = 0; i < st->count; i++) {
        if (strcmp(st->entries[i].name, name) == 0) return &st->entries[i];
    }
    return NULL;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t) (h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F;
    uint32_t mant = h & 0x3FF;
    uint32_t bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13); /* inf / NaN (payload kept) */
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        /* subnormal: value = mant x 2^-24, exact in float */
        float v = (float) mant * 0x1p-24f;
        memcpy(&bits, &v, 4);
        bits |= sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* The entry `name`, after checking that it exists and has the given shape. */
static const st_entry *st_checked(const st_file *st, const char *name, int ndim, const uint64_t *shape) {
    const st_entry *e = st_find(st, name);
    if (!e) die("%s: no tensor '%s'", st->path, name);
    int same = e->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = e->shape[d] == shape[d];
    if (!same) {
        char got[128] = "", want[128] = "";
        for (int d = 0; d < e->ndim; d++) {
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", d ? ", " : "", (unsigned long long) e->shape[d]);
        }
        for (int d = 0; d < ndim; d++) {
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%llu", d ? ", " : "", (unsigned long long) shape[d]);
        }
        die("%s: tensor '%s' has shape [%s], the configured model needs [%s]", st->path, name, got, want);
    }
    return e;
}

/* Reads an I8 tensor after checking its shape; the caller frees the result. */
static int8_t *st_read_i8(const st_file *st, const char *name, int ndim, const uint64_t *shape) {
    const st_entry *e = st_checked(st, name, ndim, shape);
    if (e->dtype != DT_I8) die("%s: tensor '%s' has dtype %s; expected I8", st->path, name, e->dtype_name);
    size_t n = (size_t) (e->end - e->begin);
    int8_t *out = xmalloc(n);
    memcpy(out, st->data + e->begin, n);
    return out;
}

/* Reads a tensor as float32 after checking its shape; the caller frees the result. */
static float *st_read(const st_file *st, const char *name, int ndim, const uint64_t *shape) {
    const st_entry *e = st_checked(st, name, ndim, shape);
    if (dtype_size(e->dtype) == 0 || e->dtype == DT_I8) {
        die("%s: tensor '%s' has dtype %s; weights must be F32, F16 or BF16", st->path, name, e->dtype_name);
    }
    size_t n = (size_t) ((e->end - e->begin) / dtype_size(e->dtype));
    float *out = xmalloc(n * sizeof(float));
    const unsigned char *src = st->data + e->begin;
    for (size_t i = 0; i < n; i++) {
        switch (e->dtype) {
            case DT_F32: {
                const unsigned char *b = src + 4 * i;
                uint32_t bits = (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24;
                memcpy(&out[i], &bits, 4);
                break;
            }
            case DT_F16: out[i] = half_to_float((uint16_t) (src[2 * i] | src[2 * i + 1] << 8)); break;
            case DT_BF16: {
                uint32_t bits = (uint32_t) (src[2 * i] | src[2 * i + 1] << 8) << 16;
                memcpy(&out[i], &bits, 4);
                break;
            }
            case DT_F64: {
                uint64_t bits = 0;
                for (int k = 7; k >= 0; k--) bits = (bits << 8) | src[8 * i + (size_t) k];
                double d;
                memcpy(&d, &bits, 8);
                out[i] = (float) d;
                break;
            }
            default: die("unreachable");
        }
    }
    return out;
}

static void st_close(st_file *st) {
    for (int i = 0; i < st->meta_count; i++) {
        free(st->meta_keys[i]);
        free(st->meta_values[i]);
    }
    free(st->meta_keys);
    free(st->meta_values);
    for (int i = 0; i < st->count; i++) free(st->entries[i].name);
    free(st->entries);
    free(st->bytes);
}

/* ------------------------------------------------------------------------------------------ */
/* Precision                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef enum { PREC_F32, PREC_BF16, PREC_INT8 } precision_t;
/* bf16 variants: bf16 tensors end to end, or f32 tensors with fpmath_mode bf16 (bf16 compute). */
typedef enum { BF16_TENSORS, BF16_FPMATH } bf16_variant_t;
/* How one layer computes. */
typedef enum { C_F32, C_BF16, C_BF16_FPMATH, C_INT8 } compute_t;
typedef enum { LK_FIRST, LK_DW, LK_PW, LK_FC } layer_kind_t;

typedef struct {
    precision_t precision;
    bf16_variant_t bf16_variant;
    int int8_first, int8_dw, int8_pw, int8_fc; /* --precision int8: which layer kinds run in int8 */
    precision_t fallback;                      /* PREC_F32 or PREC_BF16: the other layers */
    int weight_max;                            /* 127 (8-bit weights) or 63 (7-bit, for CPUs without VNNI) */
} precision_config;

static const char *const COMPUTE_NAMES[] = {"f32", "bf16", "bf16-fpmath", "int8"};

static compute_t float_compute(const precision_config *pc, precision_t p) {
    if (p == PREC_BF16) return pc->bf16_variant == BF16_FPMATH ? C_BF16_FPMATH : C_BF16;
    return C_F32;
}

static compute_t layer_compute(const precision_config *pc, layer_kind_t kind) {
    if (pc->precision == PREC_F32) return C_F32;
    if (pc->precision == PREC_BF16) return float_compute(pc, PREC_BF16);
    int on = kind == LK_FIRST ? pc->int8_first : kind == LK_DW ? pc->int8_dw : kind == LK_PW ? pc->int8_pw : pc->int8_fc;
    return on ? C_INT8 : float_compute(pc, pc->fallback);
}

/* The data type a layer computing in `c` reads; int8 reads u8 (after ReLU), or s8 for the network input. */
static dnnl_data_type_t input_dt(compute_t c, int network_input) {
    switch (c) {
        case C_BF16: return dnnl_bf16;
        case C_INT8: return network_input ? dnnl_s8 : dnnl_u8;
        default: return dnnl_f32;
    }
}

static int is_int_dt(dnnl_data_type_t t) {
    return t == dnnl_u8 || t == dnnl_s8;
}

static dnnl_data_type_t md_dt(const_dnnl_memory_desc_t md) {
    dnnl_data_type_t t = dnnl_data_type_undef;
    DNNL(dnnl_memory_desc_query, md, dnnl_query_data_type, &t);
    return t;
}

/* ------------------------------------------------------------------------------------------ */
/* Network                                                                                     */
/* ------------------------------------------------------------------------------------------ */

enum { MAX_SCALES = 3 };

typedef struct {
    char label[96];
    const char *operation;
    char impl[128];
    char types[48];                /* "u8:s8->u8" etc. */
    int layer;                     /* model layer (conv / fc) this step computes, -1 otherwise */
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t src, dst;   /* owned */
    dnnl_memory_t weights, bias;   /* owned, NULL when absent */
    void *weights_buf, *bias_buf;
    dnnl_memory_desc_t scratchpad; /* owned, NULL when the primitive needs none */
    int reorder;
    /* run-time scales, passed as DNNL_ARG_ATTR_SCALES | scale_arg[i] */
    int nscales;
    int scale_arg[MAX_SCALES];
    void *scale_buf[MAX_SCALES];
    dnnl_memory_t scale_mem[MAX_SCALES];
    /* execution */
    dnnl_memory_t dst_mem; /* owned unless it is the network output */
    dnnl_memory_t scratch_mem;
    void *dst_buf;
    dnnl_exec_arg_t args[5 + MAX_SCALES];
    int nargs;
} step_t;

enum { MAX_STEPS = 160 };

typedef struct {
    dnnl_engine_t engine; /* not owned */
    dnnl_stream_t stream; /* not owned */
    step_t steps[MAX_STEPS];
    int count;
    dnnl_memory_desc_t input_md, output_md;
    /* execution */
    void *input_buf, *output_buf, *ping[2], *scratch_buf;
    dnnl_memory_t input_mem, output_mem;
    size_t activation_bytes, scratchpad_bytes;
} net_t;

typedef enum { ACT_RELU, ACT_RELU6 } activation_t;

static dnnl_memory_desc_t md_tag(int ndims, const dnnl_dims_t dims, dnnl_data_type_t dt, dnnl_format_tag_t tag) {
    dnnl_memory_desc_t md;
    DNNL(dnnl_memory_desc_create_with_tag, &md, ndims, dims, dt, tag);
    return md;
}

static dnnl_memory_desc_t md_clone(const_dnnl_memory_desc_t md) {
    dnnl_memory_desc_t copy;
    DNNL(dnnl_memory_desc_clone, &copy, md);
    return copy;
}

static dnnl_memory_desc_t query_md(const_dnnl_primitive_desc_t pd, dnnl_query_t what, const char *name) {
    const_dnnl_memory_desc_t md = dnnl_primitive_desc_query_md(pd, what, 0);
    if (!md) die("primitive descriptor has no %s memory descriptor (%s)", name, g_context);
    return md_clone(md);
}

/* The scratchpad descriptor, or NULL when the primitive needs none (an empty descriptor). */
static dnnl_memory_desc_t query_scratchpad(const_dnnl_primitive_desc_t pd) {
    const_dnnl_memory_desc_t md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (!md || dnnl_memory_desc_get_size(md) == 0) return NULL;
    return md_clone(md);
}

/* Attributes with the user-managed scratchpad, as every Java PrimitiveAttr. */
static dnnl_primitive_attr_t new_attr(void) {
    dnnl_primitive_attr_t attr;
    DNNL(dnnl_primitive_attr_create, &attr);
    DNNL(dnnl_primitive_attr_set_scratchpad_mode, attr, dnnl_scratchpad_mode_user);
    return attr;
}

static step_t *add_step(net_t *net, const char *label, const char *operation, const_dnnl_primitive_desc_t pd,
        const_dnnl_memory_desc_t src, const_dnnl_memory_desc_t dst, int reorder) {
    if (net->count == MAX_STEPS) die("too many primitives");
    step_t *s = &net->steps[net->count++];
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "%s", label);
    s->operation = operation;
    s->layer = -1;
    const char *impl = NULL;
    DNNL(dnnl_primitive_desc_query, pd, dnnl_query_impl_info_str, 0, (void *) &impl);
    snprintf(s->impl, sizeof s->impl, "%s", impl ? impl : "?");
    DNNL(dnnl_primitive_create, &s->primitive, pd);
    s->src = md_clone(src);
    s->dst = md_clone(dst);
    s->scratchpad = query_scratchpad(pd);
    s->reorder = reorder;
    snprintf(s->types, sizeof s->types, "%s->%s", dnnl_dt2str(md_dt(src)), dnnl_dt2str(md_dt(dst)));
    return s;
}

/* A run-time scale argument (DNNL_ARG_ATTR_SCALES | arg) with `n` f32 values, copied. */
static void add_scales(net_t *net, step_t *s, int arg, const float *values, int n) {
    if (s->nscales == MAX_SCALES) die("internal: too many scale arguments");
    int k = s->nscales++;
    s->scale_arg[k] = arg;
    s->scale_buf[k] = alloc64((size_t) n * sizeof(float));
    memcpy(s->scale_buf[k], values, (size_t) n * sizeof(float));
    dnnl_dims_t dims = {n};
    dnnl_memory_desc_t md = md_tag(1, dims, dnnl_f32, dnnl_a);
    DNNL(dnnl_memory_create, &s->scale_mem[k], md, net->engine, s->scale_buf[k]);
    DNNL(dnnl_memory_desc_destroy, md);
}

/*
 * Appends a reorder from `from` to `to` unless they are the same (layout and data type).
 * dst_scale > 0 quantizes (float -> u8/s8: q = x / dst_scale, rounded, saturated).
 */
static void reorder_if_needed(net_t *net, const char *label, const_dnnl_memory_desc_t from,
        const_dnnl_memory_desc_t to, float dst_scale) {
    if (dnnl_memory_desc_equal(from, to)) return;
    char step_label[96];
    snprintf(step_label, sizeof step_label, "reorder %s", label);
    snprintf(g_context, sizeof g_context, "%s", step_label);
    dnnl_primitive_attr_t attr = new_attr();
    int quantize = dst_scale > 0 && is_int_dt(md_dt(to)) && !is_int_dt(md_dt(from));
    if (quantize) DNNL(dnnl_primitive_attr_set_scales_mask, attr, DNNL_ARG_DST, 0);
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_reorder_primitive_desc_create, &pd, from, net->engine, to, net->engine, attr);
    step_t *s = add_step(net, step_label, "reorder", pd, from, to, 1);
    if (quantize) add_scales(net, s, DNNL_ARG_DST, &dst_scale, 1);
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
}

/*
 * Runs one reorder now, from `src` (described by from_md) into `dst` (to_md). With dst_scales (mask
 * `mask`), it quantizes: dst = saturate(round(src / dst_scale)).
 */
static void reorder_once(dnnl_engine_t engine, dnnl_stream_t stream, const_dnnl_memory_desc_t from_md, const void *src,
        const_dnnl_memory_desc_t to_md, void *dst, const float *dst_scales, int nscales, int mask) {
    dnnl_memory_t source, target;
    DNNL(dnnl_memory_create, &source, from_md, engine, (void *) src);
    DNNL(dnnl_memory_create, &target, to_md, engine, dst);
    dnnl_primitive_attr_t attr = new_attr();
    if (dst_scales) DNNL(dnnl_primitive_attr_set_scales_mask, attr, DNNL_ARG_DST, mask);
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_reorder_primitive_desc_create, &pd, from_md, engine, to_md, engine, attr);
    dnnl_primitive_t reorder;
    DNNL(dnnl_primitive_create, &reorder, pd);
    dnnl_memory_desc_t scratch_md = query_scratchpad(pd);
    void *scratch = NULL, *scales_buf = NULL;
    dnnl_memory_t scratch_mem = NULL, scales_mem = NULL;
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, target}, {0, NULL}, {0, NULL}};
    int nargs = 2;
    if (scratch_md) {
        scratch = alloc64(dnnl_memory_desc_get_size(scratch_md));
        DNNL(dnnl_memory_create, &scratch_mem, scratch_md, engine, scratch);
        args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_SCRATCHPAD, scratch_mem};
    }
    if (dst_scales) {
        dnnl_dims_t dims = {nscales};
        dnnl_memory_desc_t smd = md_tag(1, dims, dnnl_f32, dnnl_a);
        scales_buf = alloc64((size_t) nscales * sizeof(float));
        memcpy(scales_buf, dst_scales, (size_t) nscales * sizeof(float));
        DNNL(dnnl_memory_create, &scales_mem, smd, engine, scales_buf);
        DNNL(dnnl_memory_desc_destroy, smd);
        args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_ATTR_SCALES | DNNL_ARG_DST, scales_mem};
    }
    DNNL(dnnl_primitive_execute, reorder, stream, nargs, args);
    DNNL(dnnl_stream_wait, stream);
    if (scales_mem) DNNL(dnnl_memory_destroy, scales_mem);
    free(scales_buf);
    if (scratch_mem) DNNL(dnnl_memory_destroy, scratch_mem);
    if (scratch_md) DNNL(dnnl_memory_desc_destroy, scratch_md);
    free(scratch);
    DNNL(dnnl_primitive_destroy, reorder);
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_memory_destroy, source);
    DNNL(dnnl_memory_destroy, target);
}

/*
 * Copies `values` (plain layout `user_tag`, data type `user_dt`) into a buffer laid out as `target`,
 * once, with a reorder when the layouts or types differ (it also computes the s8 compensation a
 * target may carry). Returns the memory object; *buffer receives its storage.
 */
static dnnl_memory_t upload_typed(net_t *net, const void *values, dnnl_data_type_t user_dt, int ndims,
        const dnnl_dims_t dims, dnnl_format_tag_t user_tag, const_dnnl_memory_desc_t target, void **buffer) {
    size_t bytes = dnnl_memory_desc_get_size(target);
    *buffer = alloc64(bytes);
    dnnl_memory_t stored;
    DNNL(dnnl_memory_create, &stored, target, net->engine, *buffer);
    dnnl_memory_desc_t user = md_tag(ndims, dims, user_dt, user_tag);
    size_t plain_bytes = dnnl_memory_desc_get_size(user);
    if (dnnl_memory_desc_equal(user, target)) {
        memcpy(*buffer, values, plain_bytes);
        DNNL(dnnl_memory_desc_destroy, user);
        return stored;
    }
    void *plain = alloc64(plain_bytes);
    memcpy(plain, values, plain_bytes);
    reorder_once(net->engine, net->stream, user, plain, target, *buffer, NULL, 0, 0);
    DNNL(dnnl_memory_desc_destroy, user);
    free(plain);
    return stored;
}

static dnnl_memory_t upload(net_t *net, const float *values, int ndims, const dnnl_dims_t dims,
        dnnl_format_tag_t user_tag, const_dnnl_memory_desc_t target, void **buffer) {
    return upload_typed(net, values, dnnl_f32, ndims, dims, user_tag, target, buffer);
}

typedef struct {
    int in_c, out_c, kernel, stride, pad, groups;
} conv_spec;

/* ------------------------------------------------------------------------------------------ */
/* Model data: folded weights, quantized weights, activation scales                            */
/* ------------------------------------------------------------------------------------------ */

enum { MAX_LAYERS = 32 };

typedef struct {
    layer_kind_t kind;
    conv_spec cs;        /* for the classifier: in_c = features, out_c = classes, kernel 1 */
    char module[24];     /* reference state_dict prefix: "model.3.0", "model.3.3", "fc" */
    char act[24];        /* the ReLU module whose output this conv produces: "model.3.2"; "" for fc */
    size_t wcount;       /* weight elements (reference layout [O, I/g, KH, KW] or [classes, C]) */
    float *w;            /* folded float weights (dequantized when the file had only I8) */
    float *bias;         /* [out_c], folded */
    int8_t *wq;          /* s8 weights, reference layout; NULL until quantized or loaded */
    float *wscale;       /* [out_c], with wq: w ~ wscale[o] * wq */
    float act_scale;     /* u8 scale of this conv's output (x ~ act_scale * q); 0 = not calibrated */
} layer_t;

typedef struct {
    double alpha;
    int resolution, classes, batch, in_channels;
    double epsilon;
    activation_t activation;
} model_config;

typedef struct {
    model_config cfg;
    layer_t layers[MAX_LAYERS];
    int count;            /* 27 convolutions, then the classifier */
    float input_scale;    /* s8 scale of the network input; 0 = not calibrated */
    int quantized_file;   /* weights came from a quantized safetensors file */
    int file_weight_max;
    char calibration[200];
    size_t calibration_samples;
    /* metadata passed through to a quantized file */
    char **meta_keys, **meta_values;
    int meta_count;
} model_t;

/* Weights as oneDNN sees them: dims, user tag, and the per-output-channel scale mask. */
static int layer_weight_dims(const layer_t *L, dnnl_dims_t wdims, dnnl_format_tag_t *tag, int *mask) {
    const conv_spec *cs = &L->cs;
    if (L->kind == LK_FC) {
        wdims[0] = cs->out_c;
        wdims[1] = cs->in_c;
        wdims[2] = 1;
        wdims[3] = 1;
        *tag = dnnl_nchw;
        *mask = 1;
        return 4;
    }
    if (cs->groups > 1) {
        wdims[0] = cs->groups;
        wdims[1] = cs->out_c / cs->groups;
        wdims[2] = cs->in_c / cs->groups;
        wdims[3] = cs->kernel;
        wdims[4] = cs->kernel;
        *tag = dnnl_goihw;
        *mask = 3; /* dims 0 (G) and 1 (O/G): one scale per output channel */
        return 5;
    }
    wdims[0] = cs->out_c;
    wdims[1] = cs->in_c;
    wdims[2] = cs->kernel;
    wdims[3] = cs->kernel;
    *tag = dnnl_nchw;
    *mask = 1;
    return 4;
}

/* What one layer of a built network computes and in which types. */
typedef struct {
    compute_t compute;
    dnnl_data_type_t src_dt, dst_dt;
    float src_scale; /* int8: scale of the quantized source */
    float dst_scale; /* int8 with an integer destination: scale of the output; else 0 */
} layer_exec;

static void append_activation(dnnl_post_ops_t post_ops, activation_t act) {
    if (act == ACT_RELU) {
        DNNL(dnnl_post_ops_append_eltwise, post_ops, dnnl_eltwise_relu, 0.0f, 0.0f);
    } else {
        DNNL(dnnl_post_ops_append_eltwise, post_ops, dnnl_eltwise_clip, 0.0f, 6.0f);
    }
}

/* The attribute of a conv / inner product computing as `x` says (scales, fpmath). */
static dnnl_primitive_attr_t layer_attr(const layer_exec *x, int weight_mask) {
    dnnl_primitive_attr_t attr = new_attr();
    if (x->compute == C_INT8) {
        DNNL(dnnl_primitive_attr_set_scales_mask, attr, DNNL_ARG_SRC, 0);
        DNNL(dnnl_primitive_attr_set_scales_mask, attr, DNNL_ARG_WEIGHTS, weight_mask);
        if (is_int_dt(x->dst_dt)) DNNL(dnnl_primitive_attr_set_scales_mask, attr, DNNL_ARG_DST, 0);
    } else if (x->compute == C_BF16_FPMATH) {
        DNNL(dnnl_primitive_attr_set_fpmath_mode, attr, dnnl_fpmath_mode_bf16);
    }
    return attr;
}

static dnnl_data_type_t weight_dt(compute_t c) {
    return c == C_INT8 ? dnnl_s8 : c == C_BF16 ? dnnl_bf16 : dnnl_f32;
}

/* Weights and bias into the layout the primitive chose, plus the int8 scale arguments. */
static void attach_parameters(net_t *net, step_t *s, const layer_t *L, const layer_exec *x,
        const_dnnl_primitive_desc_t pd, int layer_index) {
    dnnl_dims_t wdims = {0};
    dnnl_format_tag_t tag;
    int mask;
    int wnd = layer_weight_dims(L, wdims, &tag, &mask);
    dnnl_memory_desc_t weights_md = query_md(pd, dnnl_query_weights_md, "weights");
    dnnl_dims_t bias_dims = {L->cs.out_c};
    dnnl_memory_desc_t bias_md = md_tag(1, bias_dims, dnnl_f32, dnnl_a);
    if (x->compute == C_INT8) {
        if (!L->wq) die("internal: layer %s has no quantized weights", L->module);
        s->weights = upload_typed(net, L->wq, dnnl_s8, wnd, wdims, tag, weights_md, &s->weights_buf);
    } else {
        s->weights = upload(net, L->w, wnd, wdims, tag, weights_md, &s->weights_buf);
    }
    s->bias = upload(net, L->bias, 1, bias_dims, dnnl_a, bias_md, &s->bias_buf);
    s->layer = layer_index;
    if (x->compute == C_INT8) {
        add_scales(net, s, DNNL_ARG_SRC, &x->src_scale, 1);
        add_scales(net, s, DNNL_ARG_WEIGHTS, L->wscale, L->cs.out_c);
        if (is_int_dt(x->dst_dt)) add_scales(net, s, DNNL_ARG_DST, &x->dst_scale, 1);
    }
    snprintf(s->types, sizeof s->types, "%s %s:%s->%s", COMPUTE_NAMES[x->compute], dnnl_dt2str(md_dt(s->src)),
            dnnl_dt2str(md_dt(weights_md)), dnnl_dt2str(md_dt(s->dst)));
    DNNL(dnnl_memory_desc_destroy, weights_md);
    DNNL(dnnl_memory_desc_destroy, bias_md);
}

/*
 * A convolution with folded BatchNorm and fused activation; returns the layout of its output.
 * `current_scale` is the quantization scale of the tensor in flight (used if it must be quantized).
 */
static const_dnnl_memory_desc_t add_conv(net_t *net, const char *label, const layer_t *L, int layer_index,
        const layer_exec *x, int batch, int h, int w, activation_t act, const_dnnl_memory_desc_t current,
        float current_scale, int *out_h, int *out_w) {
    const conv_spec *cs = &L->cs;
    snprintf(g_context, sizeof g_context, "%s", label);
    int oh = (h + 2 * cs->pad - cs->kernel) / cs->stride + 1;
    int ow = (w + 2 * cs->pad - cs->kernel) / cs->stride + 1;
    if (h + 2 * cs->pad - cs->kernel < 0 || w + 2 * cs->pad - cs->kernel < 0) die("%s: input %dx%d too small", label, h, w);
    /* Full DNNL_MAX_NDIMS arrays: the API's parameter type is dnnl_dims_t. */
    dnnl_dims_t src_dims = {batch, cs->in_c, h, w};
    dnnl_dims_t dst_dims = {batch, cs->out_c, oh, ow};
    dnnl_dims_t wdims = {0};
    dnnl_format_tag_t tag;
    int mask;
    int wnd = layer_weight_dims(L, wdims, &tag, &mask);
    dnnl_dims_t bias_dims = {cs->out_c};
    dnnl_memory_desc_t src_any = md_tag(4, src_dims, x->src_dt, dnnl_format_tag_any);
    dnnl_memory_desc_t weights_any = md_tag(wnd, wdims, weight_dt(x->compute), dnnl_format_tag_any);
    dnnl_memory_desc_t bias_md = md_tag(1, bias_dims, dnnl_f32, dnnl_a);
    dnnl_memory_desc_t dst_any = md_tag(4, dst_dims, x->dst_dt, dnnl_format_tag_any);

    dnnl_post_ops_t post_ops;
    DNNL(dnnl_post_ops_create, &post_ops);
    append_activation(post_ops, act);
    dnnl_primitive_attr_t attr = layer_attr(x, mask);
    DNNL(dnnl_primitive_attr_set_post_ops, attr, post_ops);

    dnnl_dims_t strides = {cs->stride, cs->stride};
    dnnl_dims_t pad_l = {cs->pad, cs->pad};
    dnnl_dims_t pad_r = {cs->pad, cs->pad};
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_convolution_forward_primitive_desc_create, &pd, net->engine, dnnl_forward_inference,
            dnnl_convolution_direct, src_any, weights_any, bias_md, dst_any, strides, NULL, pad_l, pad_r, attr);

    dnnl_memory_desc_t src = query_md(pd, dnnl_query_src_md, "src");
    char reorder_label[80];
    snprintf(reorder_label, sizeof reorder_label, "to %s", label);
    reorder_if_needed(net, reorder_label, current, src, current_scale);
    snprintf(g_context, sizeof g_context, "%s", label);

    dnnl_memory_desc_t dst = query_md(pd, dnnl_query_dst_md, "dst");
    step_t *s = add_step(net, label, "convolution", pd, src, dst, 0);
    attach_parameters(net, s, L, x, pd, layer_index);

    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_post_ops_destroy, post_ops);
    DNNL(dnnl_memory_desc_destroy, src_any);
    DNNL(dnnl_memory_desc_destroy, weights_any);
    DNNL(dnnl_memory_desc_destroy, bias_md);
    DNNL(dnnl_memory_desc_destroy, dst_any);
    DNNL(dnnl_memory_desc_destroy, src);
    DNNL(dnnl_memory_desc_destroy, dst);
    *out_h = oh;
    *out_w = ow;
    return s->dst;
}

/* Global average pooling; the output keeps the source's data type (u8 keeps its scale). */
static const_dnnl_memory_desc_t add_global_avg_pool(net_t *net, const char *label, int batch, int c, int h, int w,
        const_dnnl_memory_desc_t current) {
    snprintf(g_context, sizeof g_context, "%s", label);
    dnnl_dims_t dst_dims = {batch, c, 1, 1};
    dnnl_memory_desc_t dst_any = md_tag(4, dst_dims, md_dt(current), dnnl_format_tag_any);
    dnnl_dims_t strides = {1, 1}, kernel = {h, w}, zeros = {0};
    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_pooling_forward_primitive_desc_create, &pd, net->engine, dnnl_forward_inference,
            dnnl_pooling_avg_exclude_padding, current, dst_any, strides, kernel, zeros, zeros, zeros, attr);
    dnnl_memory_desc_t dst = query_md(pd, dnnl_query_dst_md, "dst");
    step_t *s = add_step(net, label, "pooling", pd, current, dst, 0);
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_memory_desc_destroy, dst_any);
    DNNL(dnnl_memory_desc_destroy, dst);
    return s->dst;
}

static const_dnnl_memory_desc_t add_inner_product(net_t *net, const char *label, const layer_t *L, int layer_index,
        const layer_exec *x, int batch, const_dnnl_memory_desc_t current, float current_scale) {
    snprintf(g_context, sizeof g_context, "%s", label);
    /* The source keeps the layout the pooling produced (4-D); the weights follow it. */
    dnnl_dims_t wdims = {0};
    dnnl_format_tag_t tag;
    int mask;
    int wnd = layer_weight_dims(L, wdims, &tag, &mask);
    dnnl_dims_t bias_dims = {L->cs.out_c};
    dnnl_dims_t dst_dims = {batch, L->cs.out_c};
    dnnl_memory_desc_t weights_any = md_tag(wnd, wdims, weight_dt(x->compute), dnnl_format_tag_any);
    dnnl_memory_desc_t bias_md = md_tag(1, bias_dims, dnnl_f32, dnnl_a);
    dnnl_memory_desc_t dst_any = md_tag(2, dst_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_primitive_attr_t attr = layer_attr(x, mask);
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_inner_product_forward_primitive_desc_create, &pd, net->engine, dnnl_forward_inference, current,
            weights_any, bias_md, dst_any, attr);
    dnnl_memory_desc_t src = query_md(pd, dnnl_query_src_md, "src");
    char reorder_label[80];
    snprintf(reorder_label, sizeof reorder_label, "to %s", label);
    reorder_if_needed(net, reorder_label, current, src, current_scale);
    snprintf(g_context, sizeof g_context, "%s", label);
    dnnl_memory_desc_t dst = query_md(pd, dnnl_query_dst_md, "dst");
    step_t *s = add_step(net, label, "inner product", pd, src, dst, 0);
    attach_parameters(net, s, L, x, pd, layer_index);
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_memory_desc_destroy, weights_any);
    DNNL(dnnl_memory_desc_destroy, bias_md);
    DNNL(dnnl_memory_desc_destroy, dst_any);
    DNNL(dnnl_memory_desc_destroy, src);
    DNNL(dnnl_memory_desc_destroy, dst);
    return s->dst;
}

/* ------------------------------------------------------------------------------------------ */
/* MobileNetV1                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Model.{1..13}: input and output channels at alpha = 1, stride (Architecture.SEPARABLE). */
static const int SEPARABLE[13][3] = {
    {32, 64, 1}, {64, 128, 2}, {128, 128, 1}, {128, 256, 2}, {256, 256, 1}, {256, 512, 2},
    {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 512, 1},
    {512, 1024, 2}, {1024, 1024, 1}
};
enum { FEATURES = 1024 };

static int channels(const model_config *cfg, int base) {
    return (int) (base * cfg->alpha);
}

/* The tensor names the configuration needs, in state_dict order, with their shapes. */
typedef struct {
    char name[48];
    int ndim;
    uint64_t shape[4];
} expected_tensor;

static int expected_tensors(const model_config *cfg, expected_tensor *out) {
    int n = 0;
#define PUT(nd, s0, s1, s2, s3, ...)                                   \
    do {                                                               \
        snprintf(out[n].name, sizeof out[n].name, __VA_ARGS__);        \
        out[n].ndim = nd;                                              \
        out[n].shape[0] = (uint64_t) (s0);                             \
        out[n].shape[1] = (uint64_t) (s1);                             \
        out[n].shape[2] = (uint64_t) (s2);                             \
        out[n].shape[3] = (uint64_t) (s3);                             \
        n++;                                                           \
    } while (0)
#define BN(prefix_i, j, c)                                                                       \
    do {                                                                                         \
        PUT(1, c, 0, 0, 0, "model.%d.%d.weight", prefix_i, j);                                   \
        PUT(1, c, 0, 0, 0, "model.%d.%d.bias", prefix_i, j);                                     \
        PUT(1, c, 0, 0, 0, "model.%d.%d.running_mean", prefix_i, j);                             \
        PUT(1, c, 0, 0, 0, "model.%d.%d.running_var", prefix_i, j);                              \
    } while (0)
    int first = channels(cfg, 32);
    PUT(4, first, cfg->in_channels, 3, 3, "model.0.0.weight");
    BN(0, 1, first);
    for (int i = 0; i < 13; i++) {
        int in = channels(cfg, SEPARABLE[i][0]), outc = channels(cfg, SEPARABLE[i][1]);
        PUT(4, in, 1, 3, 3, "model.%d.0.weight", i + 1);
        BN(i + 1, 1, in);
        PUT(4, outc, in, 1, 1, "model.%d.3.weight", i + 1);
        BN(i + 1, 4, outc);
    }
    PUT(2, cfg->classes, channels(cfg, FEATURES), 0, 0, "fc.weight");
    PUT(1, cfg->classes, 0, 0, 0, "fc.bias");
#undef BN
#undef PUT
    return n;
}

static const expected_tensor *find_expected(const expected_tensor *list, int n, const char *name) {
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i].name, name) == 0) return &list[i];
    }
    return NULL;
}

static float *read_expected(const st_file *st, const expected_tensor *list, int n, const char *fmt, ...) {
    char name[48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    const expected_tensor *t = find_expected(list, n, name);
    if (!t) die("internal: no expected tensor %s", name);
    return st_read(st, name, t->ndim, t->shape);
}

/*
 * Folds BatchNorm `prefix` into conv weights in place (Conv2d.foldBatchNorm, no conv bias):
 * s = gamma / sqrt(var + eps), w' = (float) (w * s), b' = (float) (beta + (0 - mean) * s).
 * Returns the new bias (malloc'd).
 */
static float *fold_batch_norm(const st_file *st, const expected_tensor *list, int n, const char *prefix, float *weights,
        int out_c, size_t per_filter, double eps) {
    float *gamma = read_expected(st, list, n, "%sweight", prefix);
    float *beta = read_expected(st, list, n, "%sbias", prefix);
    float *mean = read_expected(st, list, n, "%srunning_mean", prefix);
    float *var = read_expected(st, list, n, "%srunning_var", prefix);
    float *bias = xmalloc((size_t) out_c * sizeof(float));
    for (int o = 0; o < out_c; o++) {
        if (!((double) var[o] + eps > 0)) {
            die("batch norm %s channel %d: variance + epsilon must be > 0, got %g + %g", prefix, o, (double) var[o], eps);
        }
        double scale = (double) gamma[o] / sqrt((double) var[o] + eps);
        for (size_t i = 0; i < per_filter; i++) {
            size_t k = (size_t) o * per_filter + i;
            weights[k] = (float) ((double) weights[k] * scale);
        }
        double old_bias = 0.0;
        bias[o] = (float) ((double) beta[o] + (old_bias - (double) mean[o]) * scale);
    }
    free(gamma);
    free(beta);
    free(mean);
    free(var);
    return bias;
}

/* The layer list (geometry and names) of the configured network, without weights. */
static void model_layout(model_t *m) {
    const model_config *cfg = &m->cfg;
    m->count = 0;
    layer_t *L = &m->layers[m->count++];
    memset(L, 0, sizeof *L);
    L->kind = LK_FIRST;
    L->cs = (conv_spec) {cfg->in_channels, channels(cfg, 32), 3, 2, 1, 1};
    snprintf(L->module, sizeof L->module, "model.0.0");
    snprintf(L->act, sizeof L->act, "model.0.2");
    L->wcount = (size_t) L->cs.out_c * (size_t) L->cs.in_c * 9;
    int c = L->cs.out_c;
    for (int b = 0; b < 13; b++) {
        int out_c = channels(cfg, SEPARABLE[b][1]);
        L = &m->layers[m->count++];
        memset(L, 0, sizeof *L);
        L->kind = LK_DW;
        L->cs = (conv_spec) {c, c, 3, SEPARABLE[b][2], 1, c};
        snprintf(L->module, sizeof L->module, "model.%d.0", b + 1);
        snprintf(L->act, sizeof L->act, "model.%d.2", b + 1);
        L->wcount = (size_t) c * 9;
        L = &m->layers[m->count++];
        memset(L, 0, sizeof *L);
        L->kind = LK_PW;
        L->cs = (conv_spec) {c, out_c, 1, 1, 0, 1};
        snprintf(L->module, sizeof L->module, "model.%d.3", b + 1);
        snprintf(L->act, sizeof L->act, "model.%d.5", b + 1);
        L->wcount = (size_t) out_c * (size_t) c;
        c = out_c;
    }
    L = &m->layers[m->count++];
    memset(L, 0, sizeof *L);
    L->kind = LK_FC;
    L->cs = (conv_spec) {c, cfg->classes, 1, 1, 0, 1};
    snprintf(L->module, sizeof L->module, "fc");
    L->wcount = (size_t) cfg->classes * (size_t) c;
}

/* Reference-layout float weights (BatchNorm folded here), as Weights.from validates them. */
static void load_reference_weights(model_t *m, const st_file *st) {
    const model_config *cfg = &m->cfg;
    const char *weights_path = st->path;
    expected_tensor list[160];
    int n = expected_tensors(cfg, list);

    /* Same validation as Weights.from: every expected tensor present, no unexpected ones. */
    int problems = 0;
    for (int i = 0; i < n; i++) {
        if (!st_find(st, list[i].name)) {
            fprintf(stderr, "mobilenet_bench: %s: missing tensor '%s'\n", weights_path, list[i].name);
            problems++;
        }
    }
    for (int i = 0; i < st->count; i++) {
        const char *name = st->entries[i].name;
        size_t len = strlen(name), suffix = strlen(".num_batches_tracked");
        int ignored = len >= suffix && strcmp(name + len - suffix, ".num_batches_tracked") == 0;
        if (!ignored && !find_expected(list, n, name)) {
            fprintf(stderr, "mobilenet_bench: %s: unexpected tensor '%s'\n", weights_path, name);
            problems++;
        }
    }
    if (problems) {
        die("%s does not match MobileNetV1 alpha %g, %d classes, %d input channels (reference layout)", weights_path,
                cfg->alpha, cfg->classes, cfg->in_channels);
    }
    for (int i = 0; i < m->count; i++) {
        layer_t *L = &m->layers[i];
        char name[48];
        if (L->kind == LK_FC) {
            L->w = read_expected(st, list, n, "fc.weight");
            L->bias = read_expected(st, list, n, "fc.bias");
            continue;
        }
        snprintf(name, sizeof name, "%s.weight", L->module);
        L->w = read_expected(st, list, n, "%s", name);
        /* model.i.0 -> BN model.i.1; model.i.3 -> BN model.i.4 */
        char prefix[32];
        size_t len = strlen(L->module);
        snprintf(prefix, sizeof prefix, "%.*s%c.", (int) (len - 1), L->module, L->module[len - 1] + 1);
        L->bias = fold_batch_norm(st, list, n, prefix, L->w, L->cs.out_c, L->wcount / (size_t) L->cs.out_c,
                cfg->epsilon);
    }
}

static const char *st_meta(const st_file *st, const char *key) {
    for (int i = 0; i < st->meta_count; i++) {
        if (strcmp(st->meta_keys[i], key) == 0) return st->meta_values[i];
    }
    return NULL;
}

static const char QUANTIZED_FORMAT[] = "mobilenetj-quantized";

/*
 * A quantized safetensors file (see README "Quantized safetensors"): per conv / fc module
 * `<m>.weight` (I8 with `<m>.weight_scale` F32 [O], or F32), `<m>.bias` F32 [O]; `input.scale` and
 * `<relu>.scale` F32 [1]; BatchNorm already folded.
 */
static void load_quantized_weights(model_t *m, const st_file *st) {
    const model_config *cfg = &m->cfg;
    const char *version = st_meta(st, "quantization_version");
    if (!version || strcmp(version, "1") != 0) {
        die("%s: metadata quantization_version is '%s'; this program reads version 1", st->path, version ? version : "(missing)");
    }
    const char *act = st_meta(st, "activation");
    if (act && strcmp(act, cfg->activation == ACT_RELU ? "relu" : "relu6") != 0) {
        die("%s: metadata activation is '%s' but the network is configured with %s (--relu6)", st->path, act,
                cfg->activation == ACT_RELU ? "relu" : "relu6");
    }
    const char *wmax = st_meta(st, "weight_max");
    m->file_weight_max = wmax ? atoi(wmax) : 127;
    const char *cal = st_meta(st, "calibration_method");
    const char *samples = st_meta(st, "calibration_samples");
    snprintf(m->calibration, sizeof m->calibration, "from %s (calibration %s, %s samples)", st->path,
            cal ? cal : "?", samples ? samples : "?");
    /* Every tensor we read is ticked off; anything left over is an error. */
    int *used = calloc((size_t) st->count + 1, sizeof(int));
    if (!used) die("out of memory");
#define MARK(tensor)                                                             \
    do {                                                                         \
        for (int k_ = 0; k_ < st->count; k_++)                                   \
            if (strcmp(st->entries[k_].name, (tensor)) == 0) used[k_] = 1;       \
    } while (0)
    uint64_t one[1] = {1};
    float *s = st_read(st, "input.scale", 1, one);
    m->input_scale = s[0];
    free(s);
    MARK("input.scale");
    if (!(m->input_scale > 0) || !isfinite(m->input_scale)) die("%s: input.scale must be > 0, got %g", st->path, m->input_scale);
    for (int i = 0; i < m->count; i++) {
        layer_t *L = &m->layers[i];
        char name[64];
        uint64_t shape[4];
        int nd;
        if (L->kind == LK_FC) {
            nd = 2;
            shape[0] = (uint64_t) L->cs.out_c;
            shape[1] = (uint64_t) L->cs.in_c;
        } else {
            nd = 4;
            shape[0] = (uint64_t) L->cs.out_c;
            shape[1] = (uint64_t) (L->cs.in_c / L->cs.groups);
            shape[2] = shape[3] = (uint64_t) L->cs.kernel;
        }
        uint64_t oc[1] = {(uint64_t) L->cs.out_c};
        snprintf(name, sizeof name, "%s.weight", L->module);
        const st_entry *e = st_find(st, name);
        if (!e) die("%s: missing tensor '%s'", st->path, name);
        MARK(name);
        if (e->dtype == DT_I8) {
            L->wq = st_read_i8(st, name, nd, shape);
            snprintf(name, sizeof name, "%s.weight_scale", L->module);
            if (!st_find(st, name)) die("%s: tensor '%s.weight' is I8 but '%s' is missing", st->path, L->module, name);
            L->wscale = st_read(st, name, 1, oc);
            MARK(name);
            size_t per = L->wcount / (size_t) L->cs.out_c;
            L->w = xmalloc(L->wcount * sizeof(float));
            for (int o = 0; o < L->cs.out_c; o++) {
                if (!(L->wscale[o] > 0) || !isfinite(L->wscale[o])) {
                    die("%s: %s[%d] must be a finite value > 0, got %g", st->path, name, o, (double) L->wscale[o]);
                }
                for (size_t k = 0; k < per; k++) L->w[(size_t) o * per + k] = L->wscale[o] * (float) L->wq[(size_t) o * per + k];
            }
        } else {
            L->w = st_read(st, name, nd, shape);
        }
        snprintf(name, sizeof name, "%s.bias", L->module);
        L->bias = st_read(st, name, 1, oc);
        MARK(name);
        if (L->kind != LK_FC) {
            snprintf(name, sizeof name, "%s.scale", L->act);
            s = st_read(st, name, 1, one);
            L->act_scale = s[0];
            free(s);
            MARK(name);
            if (!(L->act_scale > 0) || !isfinite(L->act_scale)) die("%s: %s must be > 0, got %g", st->path, name, L->act_scale);
        }
    }
#undef MARK
    for (int k = 0; k < st->count; k++) {
        if (!used[k]) die("%s: unexpected tensor '%s' in a quantized MobileNetV1 file", st->path, st->entries[k].name);
    }
    free(used);
    m->quantized_file = 1;
}

/* Loads a reference-layout float file or a quantized file (metadata format=mobilenetj-quantized). */
static void load_model(model_t *m, const char *path) {
    model_layout(m);
    st_file st;
    st_open(&st, path);
    const char *format = st_meta(&st, "format");
    if (format && strcmp(format, QUANTIZED_FORMAT) == 0) {
        load_quantized_weights(m, &st);
    } else {
        load_reference_weights(m, &st);
    }
    /* Keep the metadata to pass it through when writing a quantized file. */
    m->meta_count = st.meta_count;
    m->meta_keys = st.meta_keys;
    m->meta_values = st.meta_values;
    st.meta_keys = st.meta_values = NULL;
    st.meta_count = 0;
    st_close(&st);
}

static void free_model(model_t *m) {
    for (int i = 0; i < m->count; i++) {
        free(m->layers[i].w);
        free(m->layers[i].bias);
        free(m->layers[i].wq);
        free(m->layers[i].wscale);
    }
    for (int i = 0; i < m->meta_count; i++) {
        free(m->meta_keys[i]);
        free(m->meta_values[i]);
    }
    free(m->meta_keys);
    free(m->meta_values);
}

/*
 * Builds the network with the per-layer precision `pc` asks for. Each tensor between layers gets
 * the type its consumer reads: an int8 layer writes u8 (with its dst scale) for an int8 consumer
 * and f32/bf16 (dequantized, free) for a float one; a float layer cannot write u8 (oneDNN 3.13 has
 * no f32/bf16 convolution with an integer destination), so a quantizing reorder follows it when
 * its consumer is int8. The pooling keeps its source type and scale.
 */
/*
 * Thread count per layer: oneDNN sizes a primitive's parallel work when it is created (from
 * omp_get_max_threads), so a layer created under omp_set_num_threads(1) runs on the calling thread
 * alone (no OpenMP fork/join, no barrier) even when the others use g_threads.
 * --single-thread-below MACS does that for every layer with fewer multiply-adds (batch included).
 */
static int g_threads = 1;
static double g_single_below = 0;

static void set_layer_threads(double macs) {
    omp_set_num_threads(macs < g_single_below ? 1 : g_threads);
}

static void build_net(net_t *net, const model_t *m, const precision_config *pc) {
    const model_config *cfg = &m->cfg;
    int batch = cfg->batch;
    dnnl_dims_t in_dims = {batch, cfg->in_channels, cfg->resolution, cfg->resolution};
    net->input_md = md_tag(4, in_dims, dnnl_f32, dnnl_nchw);
    const_dnnl_memory_desc_t current = net->input_md;
    float current_scale = m->input_scale; /* scale of the tensor in flight if it is quantized */
    int h = cfg->resolution, w = cfg->resolution;
    char label[64];
    compute_t comp[MAX_LAYERS];
    for (int i = 0; i < m->count; i++) {
        comp[i] = layer_compute(pc, m->layers[i].kind);
        if (comp[i] == C_INT8 && !m->layers[i].wq) die("internal: layer %s not quantized", m->layers[i].module);
    }
    int convs = m->count - 1;
    for (int i = 0; i < convs; i++) {
        const layer_t *L = &m->layers[i];
        int oh = (h + 2 * L->cs.pad - L->cs.kernel) / L->cs.stride + 1;
        double macs = (double) batch * oh * oh * L->cs.out_c * (L->cs.in_c / L->cs.groups) * L->cs.kernel * L->cs.kernel;
        set_layer_threads(macs);
        layer_exec x = {comp[i], input_dt(comp[i], i == 0), dnnl_f32, 0, 0};
        /* The consumer: the next conv, or (through the pooling) the classifier. */
        dnnl_data_type_t wanted = input_dt(comp[i + 1], 0);
        if (x.compute == C_INT8) {
            x.src_scale = current_scale;
            x.dst_dt = wanted;
            if (is_int_dt(wanted)) x.dst_scale = L->act_scale;
        } else {
            x.dst_dt = is_int_dt(wanted) ? input_dt(comp[i], 0) : wanted;
        }
        if (x.compute == C_INT8 || is_int_dt(wanted)) {
            if (!(L->act_scale > 0) && is_int_dt(wanted)) die("internal: no activation scale for %s", L->act);
            if (!(current_scale > 0) && is_int_dt(x.src_dt)) die("internal: no scale for the input of %s", L->module);
        }
        const char *kind = L->kind == LK_FIRST ? "Conv2d" : L->kind == LK_DW ? "Conv2d dw" : "Conv2d 1x1";
        snprintf(label, sizeof label, "%d: %s", i, kind);
        current = add_conv(net, label, L, i, &x, batch, h, w, cfg->activation, current, current_scale, &h, &w);
        current_scale = L->act_scale;
    }
    const layer_t *fc = &m->layers[convs];
    set_layer_threads((double) batch * fc->cs.in_c * fc->cs.out_c);
    /* A float last conv feeding an int8 classifier: quantize before the pooling. */
    dnnl_data_type_t pool_dt = input_dt(comp[convs], 0);
    if (md_dt(current) != pool_dt) {
        const dnnl_dims_t *dims;
        DNNL(dnnl_memory_desc_query, current, dnnl_query_dims, (void *) &dims);
        dnnl_memory_desc_t q = md_tag(4, *dims, pool_dt, dnnl_nhwc);
        reorder_if_needed(net, "to pooling", current, q, current_scale);
        current = net->steps[net->count - 1].dst;
        DNNL(dnnl_memory_desc_destroy, q);
    }
    snprintf(label, sizeof label, "%d: GlobalAvgPool", convs);
    current = add_global_avg_pool(net, label, batch, fc->cs.in_c, h, w, current);
    {
        layer_exec x = {comp[convs], input_dt(comp[convs], 0), dnnl_f32, current_scale, 0};
        snprintf(label, sizeof label, "%d: Linear", convs + 1);
        current = add_inner_product(net, label, fc, convs, &x, batch, current, current_scale);
    }
    dnnl_dims_t out_dims = {batch, cfg->classes};
    net->output_md = md_tag(2, out_dims, dnnl_f32, dnnl_nc);
    reorder_if_needed(net, "to output", current, net->output_md, 0);
    g_context[0] = '\0';
    omp_set_num_threads(g_threads);
}

/* Buffers, memory objects and argument arrays, all made once (Execution's constructor). */
static void prepare_execution(net_t *net) {
    size_t act = 0, scratch = 0;
    for (int i = 0; i < net->count; i++) {
        step_t *s = &net->steps[i];
        if (i < net->count - 1) {
            size_t b = dnnl_memory_desc_get_size(s->dst);
            if (b > act) act = b;
        }
        if (s->scratchpad) {
            size_t b = dnnl_memory_desc_get_size(s->scratchpad);
            if (b > scratch) scratch = b;
        }
    }
    net->activation_bytes = act;
    net->scratchpad_bytes = scratch;
    net->input_buf = alloc64(dnnl_memory_desc_get_size(net->input_md));
    net->output_buf = alloc64(dnnl_memory_desc_get_size(net->output_md));
    net->ping[0] = alloc64(act ? act : 1);
    net->ping[1] = alloc64(act ? act : 1);
    net->scratch_buf = alloc64(scratch ? scratch : 1);
    DNNL(dnnl_memory_create, &net->input_mem, net->input_md, net->engine, net->input_buf);
    DNNL(dnnl_memory_create, &net->output_mem, net->output_md, net->engine, net->output_buf);
    dnnl_memory_t src = net->input_mem;
    for (int i = 0; i < net->count; i++) {
        step_t *s = &net->steps[i];
        int last = i == net->count - 1;
        dnnl_memory_t dst;
        if (last) {
            dst = net->output_mem;
            s->dst_buf = net->output_buf;
        } else {
            DNNL(dnnl_memory_create, &s->dst_mem, s->dst, net->engine, net->ping[i % 2]);
            dst = s->dst_mem;
            s->dst_buf = net->ping[i % 2];
        }
        int k = 0;
        s->args[k++] = (dnnl_exec_arg_t) {s->reorder ? DNNL_ARG_FROM : DNNL_ARG_SRC, src};
        s->args[k++] = (dnnl_exec_arg_t) {s->reorder ? DNNL_ARG_TO : DNNL_ARG_DST, dst};
        if (s->weights) s->args[k++] = (dnnl_exec_arg_t) {DNNL_ARG_WEIGHTS, s->weights};
        if (s->bias) s->args[k++] = (dnnl_exec_arg_t) {DNNL_ARG_BIAS, s->bias};
        if (s->scratchpad) {
            DNNL(dnnl_memory_create, &s->scratch_mem, s->scratchpad, net->engine, net->scratch_buf);
            s->args[k++] = (dnnl_exec_arg_t) {DNNL_ARG_SCRATCHPAD, s->scratch_mem};
        }
        for (int j = 0; j < s->nscales; j++) {
            s->args[k++] = (dnnl_exec_arg_t) {DNNL_ARG_ATTR_SCALES | s->scale_arg[j], s->scale_mem[j]};
        }
        s->nargs = k;
        src = dst;
    }
}

static void execute_step(net_t *net, step_t *s) {
    dnnl_status_t status = dnnl_primitive_execute(s->primitive, net->stream, s->nargs, s->args);
    if (status != dnnl_success) {
        snprintf(g_context, sizeof g_context, "%s", s->label);
        check_status(status, "dnnl_primitive_execute");
    }
}

/* The timed unit: every primitive, then wait for the stream. */
static void run_network(net_t *net) {
    for (int i = 0; i < net->count; i++) execute_step(net, &net->steps[i]);
    DNNL(dnnl_stream_wait, net->stream);
}

static void destroy_network(net_t *net) {
    for (int i = 0; i < net->count; i++) {
        step_t *s = &net->steps[i];
        if (s->scratch_mem) DNNL(dnnl_memory_destroy, s->scratch_mem);
        if (s->dst_mem) DNNL(dnnl_memory_destroy, s->dst_mem);
        if (s->weights) DNNL(dnnl_memory_destroy, s->weights);
        if (s->bias) DNNL(dnnl_memory_destroy, s->bias);
        for (int j = 0; j < s->nscales; j++) {
            DNNL(dnnl_memory_destroy, s->scale_mem[j]);
            free(s->scale_buf[j]);
        }
        free(s->weights_buf);
        free(s->bias_buf);
        if (s->scratchpad) DNNL(dnnl_memory_desc_destroy, s->scratchpad);
        DNNL(dnnl_memory_desc_destroy, s->src);
        DNNL(dnnl_memory_desc_destroy, s->dst);
        DNNL(dnnl_primitive_destroy, s->primitive);
    }
    if (net->input_mem) DNNL(dnnl_memory_destroy, net->input_mem);
    if (net->output_mem) DNNL(dnnl_memory_destroy, net->output_mem);
    DNNL(dnnl_memory_desc_destroy, net->input_md);
    DNNL(dnnl_memory_desc_destroy, net->output_md);
    free(net->input_buf);
    free(net->output_buf);
    free(net->ping[0]);
    free(net->ping[1]);
    free(net->scratch_buf);
}

static net_t *new_net(dnnl_engine_t engine, dnnl_stream_t stream, const model_t *m, const precision_config *pc) {
    net_t *net = calloc(1, sizeof *net);
    if (!net) die("out of memory");
    net->engine = engine;
    net->stream = stream;
    build_net(net, m, pc);
    prepare_execution(net);
    return net;
}

/* ------------------------------------------------------------------------------------------ */
/* Inputs, calibration and weight quantization                                                 */
/* ------------------------------------------------------------------------------------------ */

/* A set of NCHW float images: from a file (raw little-endian f32) or generated. */
typedef struct {
    float *data;
    size_t count, image_floats;
} image_set;

static uint64_t rng_next(uint64_t *state) {
    /* xorshift64* */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Roughly N(0, 1) per pixel (Irwin-Hall of 4 uniforms), like normalized image data; seeded. */
static image_set random_images(size_t count, size_t image_floats, uint64_t seed) {
    image_set set = {xmalloc(count * image_floats * sizeof(float)), count, image_floats};
    uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t i = 0; i < count * image_floats; i++) {
        double sum = 0;
        for (int k = 0; k < 4; k++) sum += (double) (rng_next(&state) >> 11) * 0x1p-53;
        set.data[i] = (float) ((sum - 2.0) * sqrt(3.0));
    }
    return set;
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek %s", path);
    long n = ftell(f);
    if (n < 0) die("cannot size %s", path);
    rewind(f);
    unsigned char *bytes = xmalloc((size_t) n);
    if (n && fread(bytes, 1, (size_t) n, f) != (size_t) n) die("cannot read %s", path);
    fclose(f);
    *size = (size_t) n;
    return bytes;
}

static image_set file_images(const char *path, size_t image_floats) {
    size_t size;
    unsigned char *raw = read_file(path, &size);
    size_t image_bytes = image_floats * 4;
    if (size == 0 || size % image_bytes != 0) {
        die("%s has %zu bytes, not a whole number of %zu-byte images (float32 [C, H, W])", path, size, image_bytes);
    }
    image_set set = {xmalloc(size), size / image_bytes, image_floats};
    for (size_t i = 0; i < size / 4; i++) {
        uint32_t bits = (uint32_t) raw[4 * i] | (uint32_t) raw[4 * i + 1] << 8 | (uint32_t) raw[4 * i + 2] << 16
                | (uint32_t) raw[4 * i + 3] << 24;
        memcpy(&set.data[i], &bits, 4);
    }
    free(raw);
    return set;
}

/* Copies images [first, first + batch) into the net's input; past the end repeats image `first`. */
static void load_batch(net_t *net, const image_set *set, size_t first, int batch) {
    float *in = net->input_buf;
    for (int b = 0; b < batch; b++) {
        size_t k = first + (size_t) b < set->count ? first + (size_t) b : first;
        memcpy(in + (size_t) b * set->image_floats, set->data + k * set->image_floats, set->image_floats * sizeof(float));
    }
}

/*
 * Min/max calibration on the f32 network: the largest |input| (s8, scale max/127) and the largest
 * value of every conv output after its activation (u8, scale max/255; ReLU6 caps it at 6).
 */
static void calibrate(model_t *m, dnnl_engine_t engine, dnnl_stream_t stream, const image_set *set, const char *what) {
    precision_config f32 = {PREC_F32, BF16_TENSORS, 0, 0, 0, 0, PREC_F32, 127};
    net_t *net = new_net(engine, stream, m, &f32);
    double input_max = 0, act_max[MAX_LAYERS] = {0};
    int batch = m->cfg.batch;
    for (size_t first = 0; first < set->count; first += (size_t) batch) {
        load_batch(net, set, first, batch);
        size_t n_in = (size_t) batch * set->image_floats;
        const float *in = net->input_buf;
        for (size_t i = 0; i < n_in; i++) {
            if (fabs((double) in[i]) > input_max) input_max = fabs((double) in[i]);
        }
        for (int i = 0; i < net->count; i++) {
            step_t *s = &net->steps[i];
            execute_step(net, s);
            DNNL(dnnl_stream_wait, net->stream);
            if (s->layer >= 0 && m->layers[s->layer].kind != LK_FC) {
                /* Whole buffer: blocked layouts pad with zeros, which cannot raise a max of values >= 0. */
                size_t n = dnnl_memory_desc_get_size(s->dst) / sizeof(float);
                const float *v = s->dst_buf;
                double mx = act_max[s->layer];
                for (size_t k = 0; k < n; k++) {
                    if (v[k] > mx) mx = v[k];
                }
                act_max[s->layer] = mx;
            }
        }
    }
    m->input_scale = input_max > 0 ? (float) (input_max / 127.0) : 1.0f;
    for (int i = 0; i < m->count - 1; i++) {
        double mx = act_max[i];
        if (m->cfg.activation == ACT_RELU6 && mx > 6) mx = 6;
        m->layers[i].act_scale = mx > 0 ? (float) (mx / 255.0) : 1.0f;
    }
    snprintf(m->calibration, sizeof m->calibration, "min/max over %zu %s", set->count, what);
    m->calibration_samples = set->count;
    destroy_network(net);
    free(net);
}

/*
 * s8 weights with one symmetric scale per output channel: scale = max|w| / weight_max, quantized
 * once with a oneDNN reorder that carries the scales (q = saturate(round_half_even(w / scale))),
 * into the plain reference layout (what a quantized file stores).
 */
static void quantize_layer(layer_t *L, dnnl_engine_t engine, dnnl_stream_t stream, int weight_max) {
    int oc = L->cs.out_c;
    size_t per = L->wcount / (size_t) oc;
    L->wscale = xmalloc((size_t) oc * sizeof(float));
    for (int o = 0; o < oc; o++) {
        float mx = 0;
        for (size_t k = 0; k < per; k++) mx = fmaxf(mx, fabsf(L->w[(size_t) o * per + k]));
        L->wscale[o] = mx > 0 ? mx / (float) weight_max : 1.0f;
    }
    dnnl_dims_t wdims = {0};
    dnnl_format_tag_t tag;
    int mask;
    int nd = layer_weight_dims(L, wdims, &tag, &mask);
    dnnl_memory_desc_t from = md_tag(nd, wdims, dnnl_f32, tag);
    dnnl_memory_desc_t to = md_tag(nd, wdims, dnnl_s8, tag);
    L->wq = xmalloc(L->wcount);
    reorder_once(engine, stream, from, L->w, to, L->wq, L->wscale, oc, mask);
    DNNL(dnnl_memory_desc_destroy, from);
    DNNL(dnnl_memory_desc_destroy, to);
}

/*
 * Quantizes the weights of every layer that `pc` runs in int8 and that has none yet. 7-bit weights
 * (--weight-bits 7) apply to the layers that read u8; the first conv reads s8, for which oneDNN
 * itself halves the weights on CPUs without VNNI (its s8s8 compensation path): 7 bits there would
 * leave 6.
 */
static void quantize_model(model_t *m, const precision_config *pc, dnnl_engine_t engine, dnnl_stream_t stream) {
    for (int i = 0; i < m->count; i++) {
        layer_t *L = &m->layers[i];
        int weight_max = L->kind == LK_FIRST ? 127 : pc->weight_max;
        if (layer_compute(pc, L->kind) == C_INT8 && !L->wq) quantize_layer(L, engine, stream, weight_max);
    }
}

static void json_write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char) *s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

/* ------------------------------------------------------------------------------------------ */
/* Quantized safetensors writer                                                                */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    char name[64];
    const char *dtype;
    int ndim;
    uint64_t shape[4];
    const void *data; /* F32: float values (written little-endian); I8: bytes */
    size_t bytes;
} out_tensor;

static void put_tensor(out_tensor *list, int *n, const char *name, const char *dtype, int ndim, const uint64_t *shape,
        const void *data) {
    out_tensor *t = &list[(*n)++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->dtype = dtype;
    t->ndim = ndim;
    size_t count = 1;
    for (int d = 0; d < ndim; d++) {
        t->shape[d] = shape[d];
        count *= (size_t) shape[d];
    }
    t->data = data;
    t->bytes = count * (strcmp(dtype, "I8") == 0 ? 1 : 4);
}

static void write_metadata_entry(FILE *f, int *first, const char *key, const char *value) {
    fputs(*first ? "" : ",", f);
    *first = 0;
    json_write_string(f, key);
    fputc(':', f);
    json_write_string(f, value);
}

/* Writes the quantized model (the README's "Quantized safetensors" spec). */
static void save_quantized(const model_t *m, const precision_config *pc, const char *path, const char *source) {
    const model_config *cfg = &m->cfg;
    out_tensor *list = xmalloc(4 * MAX_LAYERS * sizeof *list + sizeof *list);
    int n = 0;
    uint64_t one[1] = {1};
    put_tensor(list, &n, "input.scale", "F32", 1, one, &m->input_scale);
    for (int i = 0; i < m->count; i++) {
        const layer_t *L = &m->layers[i];
        uint64_t shape[4];
        int nd;
        if (L->kind == LK_FC) {
            nd = 2;
            shape[0] = (uint64_t) L->cs.out_c;
            shape[1] = (uint64_t) L->cs.in_c;
        } else {
            nd = 4;
            shape[0] = (uint64_t) L->cs.out_c;
            shape[1] = (uint64_t) (L->cs.in_c / L->cs.groups);
            shape[2] = shape[3] = (uint64_t) L->cs.kernel;
        }
        uint64_t oc[1] = {(uint64_t) L->cs.out_c};
        char name[64];
        int int8 = layer_compute(pc, L->kind) == C_INT8 && L->wq;
        snprintf(name, sizeof name, "%s.weight", L->module);
        put_tensor(list, &n, name, int8 ? "I8" : "F32", nd, shape, int8 ? (const void *) L->wq : (const void *) L->w);
        if (int8) {
            snprintf(name, sizeof name, "%s.weight_scale", L->module);
            put_tensor(list, &n, name, "F32", 1, oc, L->wscale);
        }
        snprintf(name, sizeof name, "%s.bias", L->module);
        put_tensor(list, &n, name, "F32", 1, oc, L->bias);
        if (L->kind != LK_FC) {
            snprintf(name, sizeof name, "%s.scale", L->act);
            put_tensor(list, &n, name, "F32", 1, one, &L->act_scale);
        }
    }
    /* Header into a temporary file (open_memstream is POSIX, not Windows), padded with spaces to a multiple of 8. */
    char *header = NULL;
    size_t header_len = 0;
    FILE *h = tmpfile();
    if (!h) die("tmpfile failed: %s", strerror(errno));
    fputs("{\"__metadata__\":{", h);
    int first = 1;
    char value[64];
    write_metadata_entry(h, &first, "format", QUANTIZED_FORMAT);
    write_metadata_entry(h, &first, "quantization_version", "1");
    write_metadata_entry(h, &first, "architecture", "mobilenet_v1");
    snprintf(value, sizeof value, "%g", cfg->alpha);
    write_metadata_entry(h, &first, "width_multiplier", value);
    snprintf(value, sizeof value, "%d", cfg->resolution);
    write_metadata_entry(h, &first, "resolution", value);
    snprintf(value, sizeof value, "%d", cfg->in_channels);
    write_metadata_entry(h, &first, "in_channels", value);
    snprintf(value, sizeof value, "%d", cfg->classes);
    write_metadata_entry(h, &first, "num_classes", value);
    write_metadata_entry(h, &first, "activation", cfg->activation == ACT_RELU ? "relu" : "relu6");
    snprintf(value, sizeof value, "%g", cfg->epsilon);
    write_metadata_entry(h, &first, "bn_eps", value);
    write_metadata_entry(h, &first, "bn_folded", "true");
    write_metadata_entry(h, &first, "weight_quantization", "s8_symmetric_per_output_channel");
    snprintf(value, sizeof value, "%d", m->quantized_file ? m->file_weight_max : pc->weight_max);
    write_metadata_entry(h, &first, "weight_max", value);
    write_metadata_entry(h, &first, "activation_quantization", "u8_per_tensor_zero_point_0");
    write_metadata_entry(h, &first, "input_quantization", "s8_per_tensor_zero_point_0");
    write_metadata_entry(h, &first, "calibration_method", "minmax");
    snprintf(value, sizeof value, "%zu", m->calibration_samples);
    if (m->calibration_samples) write_metadata_entry(h, &first, "calibration_samples", value);
    write_metadata_entry(h, &first, "calibration", m->calibration);
    write_metadata_entry(h, &first, "producer", "native/mobilenet_bench");
    write_metadata_entry(h, &first, "source_weights", source);
    /* Pass through the source's preprocessing and labels. */
    static const char *const keep[] = {"input_transform", "mean", "std", "labels", "dataset"};
    for (int i = 0; i < m->meta_count; i++) {
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
            if (strcmp(m->meta_keys[i], keep[k]) == 0) write_metadata_entry(h, &first, m->meta_keys[i], m->meta_values[i]);
        }
    }
    fputc('}', h);
    uint64_t offset = 0;
    for (int i = 0; i < n; i++) {
        fputc(',', h);
        json_write_string(h, list[i].name);
        fprintf(h, ":{\"dtype\":\"%s\",\"shape\":[", list[i].dtype);
        for (int d = 0; d < list[i].ndim; d++) fprintf(h, "%s%llu", d ? "," : "", (unsigned long long) list[i].shape[d]);
        fprintf(h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long) offset,
                (unsigned long long) (offset + list[i].bytes));
        offset += list[i].bytes;
    }
    fputc('}', h);
    while ((header_len = (size_t) ftell(h)) % 8 != 0) fputc(' ', h);
    header = xmalloc(header_len);
    rewind(h);
    if (fread(header, 1, header_len, h) != header_len || ferror(h)) die("cannot read back the header of %s", path);
    fclose(h);
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot write %s: %s", path, strerror(errno));
    unsigned char len_le[8];
    for (int i = 0; i < 8; i++) len_le[i] = (unsigned char) ((uint64_t) header_len >> (8 * i));
    fwrite(len_le, 1, 8, f);
    fwrite(header, 1, header_len, f);
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i].dtype, "I8") == 0) {
            fwrite(list[i].data, 1, list[i].bytes, f);
        } else {
            const float *v = list[i].data;
            for (size_t k = 0; k < list[i].bytes / 4; k++) {
                uint32_t bits;
                memcpy(&bits, &v[k], 4);
                unsigned char b[4] = {(unsigned char) bits, (unsigned char) (bits >> 8), (unsigned char) (bits >> 16),
                    (unsigned char) (bits >> 24)};
                fwrite(b, 1, 4, f);
            }
        }
    }
    if (fclose(f) != 0) die("cannot write %s", path);
    free(header);
    free(list);
}

/* ------------------------------------------------------------------------------------------ */
/* Command line                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void usage(FILE *out) {
    fputs("usage: mobilenet_bench --weights W.safetensors [--alpha 1.0] [--resolution 224] [--classes 1000]\n"
          "         [--in-channels 3] [--batch 1] [--threads N] [--warmup 30] [--iterations 300] [--epsilon 1e-5]\n"
          "         [--relu6] [--input input.bin] [--expect logits.bin] [--tolerance 1e-4] [--json out.json]\n"
          "         [--verbose-impl]\n"
          "         [--precision f32|bf16|int8] [--bf16-variant tensors|fpmath]\n"
          "         [--int8-first-conv on|off] [--int8-depthwise on|off] [--int8-pointwise on|off]\n"
          "         [--int8-classifier on|off] [--int8-fallback f32|bf16] [--weight-bits 8|7]\n"
          "         [--calibration images.bin | --calibration-random 8] [--save-quantized Q.safetensors]\n"
          "         [--compare [--compare-random 200] [--labels labels.bin] [--max-diff D] [--min-agreement F]]\n"
          "         [--write-logits logits.bin] [--single-thread-below MACS] [--extra-stats] [--thread-stats]\n"
          "         [--idle-team]\n"
          "\n"
          "Runs MobileNetV1 (reference PyTorch state_dict names; F32, F16 or BF16; or a quantized file written by\n"
          "--save-quantized) through oneDNN's C API with the Java library's policy and prints p50/p90/p99 latency\n"
          "and images/s.\n"
          "--input FILE    raw little-endian float32 NCHW batch (default: sin(i * 0.001), as the Java latency command)\n"
          "--expect FILE   raw float32 logits [batch, classes]: run once on --input, compare, and exit\n"
          "                (status 1 if max abs diff > tolerance * max(1, max |logit|)); no benchmark\n"
          "--threads N     omp_set_num_threads(N) (default: the CPUs this process may run on)\n"
          "--precision     f32 (default), bf16, or int8 (post-training static quantization: s8 per-output-channel\n"
          "                weights, u8 activations, per-tensor scales from min/max calibration or the quantized file)\n"
          "--compare       run the f32 network and this one on the same images (--input: any number of images;\n"
          "                else --compare-random N seeded random ones), print max/mean |logit diff| and top-1\n"
          "                agreement (and accuracy with --labels, one u8 per image); exit 1 past --max-diff\n"
          "                (relative to max(1, max |logit|)) or under --min-agreement (a fraction)\n"
          "--write-logits  run once on --input and write the [batch, classes] float32 logits; no benchmark\n"
          "--single-thread-below MACS  create the primitives of layers with fewer multiply-adds (batch included)\n"
          "                with one OpenMP thread: they then run without a parallel region\n",
            out);
}

static long parse_long(const char *opt, const char *v, long min, long max) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < min || x > max) die("%s needs an integer in %ld..%ld, got '%s'", opt, min, max, v);
    return x;
}

static double parse_double(const char *opt, const char *v) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x)) die("%s needs a number, got '%s'", opt, v);
    return x;
}

static int parse_on_off(const char *opt, const char *v) {
    if (strcmp(v, "on") == 0) return 1;
    if (strcmp(v, "off") == 0) return 0;
    die("%s needs on or off, got '%s'", opt, v);
    return 0;
}

static float *read_floats(const char *path, size_t count) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek %s", path);
    long size = ftell(f);
    rewind(f);
    if (size < 0 || (size_t) size != count * 4) {
        die("%s has %ld bytes; expected %zu (%zu float32 values)", path, size, count * 4, count);
    }
    unsigned char *raw = xmalloc(count * 4);
    if (count && fread(raw, 1, count * 4, f) != count * 4) die("cannot read %s", path);
    fclose(f);
    float *out = xmalloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) {
        uint32_t bits = (uint32_t) raw[4 * i] | (uint32_t) raw[4 * i + 1] << 8 | (uint32_t) raw[4 * i + 2] << 16
                | (uint32_t) raw[4 * i + 3] << 24;
        memcpy(&out[i], &bits, 4);
    }
    free(raw);
    return out;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static double thread_cpu_seconds(void) {
#ifdef _WIN32
    FILETIME created, exited, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) return 0;
    ULARGE_INTEGER k = {.LowPart = kernel.dwLowDateTime, .HighPart = kernel.dwHighDateTime};
    ULARGE_INTEGER u = {.LowPart = user.dwLowDateTime, .HighPart = user.dwHighDateTime};
    return (double) (k.QuadPart + u.QuadPart) * 1e-7; /* 100 ns units */
#else
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
#endif
}

#ifndef _WIN32

/* Per-thread counters from /proc/self/task (Linux only, as --idle-team): context switches, CPU time, last CPU. */
enum { MAX_TASKS = 64 };
typedef struct {
    int count;
    long tid[MAX_TASKS];
    long voluntary[MAX_TASKS], involuntary[MAX_TASKS];
    double cpu_ms[MAX_TASKS];
    int last_cpu[MAX_TASKS];
} task_stats;

static void read_task_stats(task_stats *ts) {
    memset(ts, 0, sizeof *ts);
    char path[96];
    long clk = sysconf(_SC_CLK_TCK);
    DIR *dir = opendir("/proc/self/task");
    if (!dir) return;
    struct dirent *d;
    while ((d = readdir(dir)) != NULL && ts->count < MAX_TASKS) {
        if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
        long tid = atol(d->d_name);
        snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        int k = ts->count++;
        ts->tid[k] = tid;
        char line[256];
        while (fgets(line, sizeof line, f)) {
            sscanf(line, "voluntary_ctxt_switches: %ld", &ts->voluntary[k]);
            sscanf(line, "nonvoluntary_ctxt_switches: %ld", &ts->involuntary[k]);
        }
        fclose(f);
        snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
        f = fopen(path, "r");
        if (f) {
            char buf[1024];
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = '\0';
            fclose(f);
            char *p = strrchr(buf, ')');
            /* fields after ") ": 3 state ... 14 utime 15 stime ... 39 processor */
            unsigned long ut = 0, st = 0;
            int cpu = -1, field = 2;
            for (char *tok = p ? strtok(p + 1, " ") : NULL; tok; tok = strtok(NULL, " ")) {
                field++;
                if (field == 14) ut = strtoul(tok, NULL, 10);
                if (field == 15) st = strtoul(tok, NULL, 10);
                if (field == 39) { cpu = atoi(tok); break; }
            }
            ts->cpu_ms[k] = (double) (ut + st) * 1000.0 / (double) clk;
            ts->last_cpu[k] = cpu;
        }
    }
    closedir(dir);
}

static void print_task_stats(const task_stats *before, const task_stats *after, int runs) {
    for (int k = 0; k < after->count; k++) {
        long v0 = 0, i0 = 0;
        double c0 = 0;
        for (int j = 0; j < before->count; j++) {
            if (before->tid[j] == after->tid[k]) {
                v0 = before->voluntary[j];
                i0 = before->involuntary[j];
                c0 = before->cpu_ms[j];
            }
        }
        printf("thread %ld: per run %.2f voluntary (sleeps) and %.2f involuntary (preempted) context switches, "
               "%.3f ms CPU; last on CPU %d\n", after->tid[k], (double) (after->voluntary[k] - v0) / runs,
                (double) (after->involuntary[k] - i0) / runs, (after->cpu_ms[k] - c0) / runs, after->last_cpu[k]);
    }
}

#endif /* !_WIN32 */

static int compare_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Nearest rank, as LatencyCommand.percentile. */
static double percentile(const double *sorted, int n, int p) {
    int index = (int) ceil(p / 100.0 * n) - 1;
    if (index < 0) index = 0;
    if (index > n - 1) index = n - 1;
    return sorted[index];
}

#ifndef _WIN32
/*
 * --idle-team: a second thread runs one OpenMP parallel region with `threads` threads and then
 * stays alive, idle, for the rest of the process: like a Java thread that built (or warmed) a model
 * and then handed it to another thread. Its team stays in libgomp's count of managed threads.
 */
static volatile int g_idle_team_ready = 0;

static void idle_team_region(void *data) {
    (void) data;
}

static void *idle_team_thread(void *arg) {
    int threads = *(int *) arg;
    GOMP_parallel(idle_team_region, NULL, (unsigned) threads, 0);
    __atomic_store_n(&g_idle_team_ready, 1, __ATOMIC_RELEASE);
    for (;;) pause();
    return NULL;
}

static void start_idle_team(int threads) {
    static int n;
    n = threads;
    pthread_t t;
    if (pthread_create(&t, NULL, idle_team_thread, &n) != 0) die("pthread_create failed");
    pthread_detach(t);
    while (!__atomic_load_n(&g_idle_team_ready, __ATOMIC_ACQUIRE)) sched_yield();
}
#endif /* !_WIN32 */

static int default_threads(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    return 1;
}

static void describe_scheme(const precision_config *pc, char *out, size_t n) {
    if (pc->precision == PREC_F32) {
        snprintf(out, n, "f32");
    } else if (pc->precision == PREC_BF16) {
        snprintf(out, n, "bf16 (%s)", pc->bf16_variant == BF16_TENSORS ? "bf16 tensors" : "f32 tensors, fpmath bf16");
    } else {
        snprintf(out, n, "int8 (first conv %s, depthwise %s, pointwise %s, classifier %s; %d-bit weights)",
                COMPUTE_NAMES[layer_compute(pc, LK_FIRST)], COMPUTE_NAMES[layer_compute(pc, LK_DW)],
                COMPUTE_NAMES[layer_compute(pc, LK_PW)], COMPUTE_NAMES[layer_compute(pc, LK_FC)],
                pc->weight_max == 127 ? 8 : 7);
    }
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
        if (v[i] > v[best]) best = i;
    }
    return best;
}

/* The f32 network and `net` on the same images: logit differences, top-1 agreement, accuracy. */
static int compare_with_f32(net_t *net, net_t *ref, const model_config *cfg, const image_set *set,
        const unsigned char *labels, double max_diff_limit, double min_agreement, const char *scheme) {
    int batch = cfg->batch, classes = cfg->classes;
    double max_diff = 0, sum_diff = 0, max_logit = 0;
    size_t agree = 0, correct_ref = 0, correct = 0, values = 0;
    int bad = 0;
    for (size_t first = 0; first < set->count; first += (size_t) batch) {
        load_batch(net, set, first, batch);
        load_batch(ref, set, first, batch);
        run_network(net);
        run_network(ref);
        const float *got = net->output_buf, *want = ref->output_buf;
        for (int b = 0; b < batch && first + (size_t) b < set->count; b++) {
            const float *g = got + (size_t) b * classes, *w = want + (size_t) b * classes;
            for (int k = 0; k < classes; k++) {
                double d = fabs((double) g[k] - (double) w[k]);
                if (isnan(d)) bad = 1;
                else {
                    if (d > max_diff) max_diff = d;
                    sum_diff += d;
                }
                if (fabs((double) w[k]) > max_logit) max_logit = fabs((double) w[k]);
                values++;
            }
            int tg = argmax(g, classes), tw = argmax(w, classes);
            agree += tg == tw;
            if (labels) {
                size_t label = labels[first + (size_t) b];
                correct += (size_t) tg == label;
                correct_ref += (size_t) tw == label;
            }
        }
    }
    double agreement = (double) agree / (double) set->count;
    printf("compare %s vs f32 on %zu images: max |logit diff| %.6g, mean |logit diff| %.6g, max |logit| %.6g, "
           "top-1 agreement %zu/%zu (%.2f %%)%s\n",
            scheme, set->count, max_diff, values ? sum_diff / (double) values : 0.0, max_logit, agree, set->count,
            100.0 * agreement, bad ? ", NaN in output" : "");
    if (labels) {
        printf("accuracy: f32 %.2f %%, %s %.2f %% (%zu images)\n", 100.0 * (double) correct_ref / (double) set->count,
                scheme, 100.0 * (double) correct / (double) set->count, set->count);
    }
    int ok = !bad;
    if (max_diff_limit >= 0) {
        double limit = max_diff_limit * (max_logit > 1 ? max_logit : 1);
        int within = max_diff <= limit;
        printf("compare: max |logit diff| %.6g %s limit %.6g (--max-diff %g)\n", max_diff, within ? "within" : "EXCEEDS",
                limit, max_diff_limit);
        ok = ok && within;
    }
    if (min_agreement >= 0) {
        int enough = agreement >= min_agreement;
        printf("compare: agreement %.4f %s %.4f (--min-agreement)\n", agreement, enough ? ">=" : "BELOW", min_agreement);
        ok = ok && enough;
    }
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    model_config cfg = {1.0, 224, 1000, 1, 3, 1e-5, ACT_RELU};
    precision_config pc = {PREC_F32, BF16_TENSORS, 1, 1, 1, 1, PREC_F32, 127};
    const char *weights = NULL, *input_path = NULL, *expect_path = NULL, *json_path = NULL;
    const char *calibration_path = NULL, *save_path = NULL, *labels_path = NULL, *logits_path = NULL;
    int threads = 0, warmup = 30, iterations = 300, verbose_impl = 0, compare = 0, cpu_time = 0, thread_stats = 0;
    int idle_team = 0;
    long calibration_random = 8, compare_random = 200;
    double tolerance = 1e-4, max_diff_limit = -1, min_agreement = -1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--verbose-impl") == 0) { verbose_impl = 1; continue; }
        if (strcmp(a, "--relu6") == 0) { cfg.activation = ACT_RELU6; continue; }
        if (strcmp(a, "--compare") == 0) { compare = 1; continue; }
        if (strcmp(a, "--extra-stats") == 0) { cpu_time = 1; continue; }
#ifndef _WIN32
        if (strcmp(a, "--thread-stats") == 0) { thread_stats = 1; continue; }
        if (strcmp(a, "--idle-team") == 0) { idle_team = 1; continue; }
#else
        if (strcmp(a, "--thread-stats") == 0 || strcmp(a, "--idle-team") == 0) die("%s is Linux only", a);
#endif
        if (i + 1 >= argc) {
            usage(stderr);
            die("%s needs a value (or is unknown)", a);
        }
        const char *v = argv[++i];
        if (strcmp(a, "--weights") == 0) weights = v;
        else if (strcmp(a, "--alpha") == 0) cfg.alpha = parse_double(a, v);
        else if (strcmp(a, "--resolution") == 0) cfg.resolution = (int) parse_long(a, v, 1, 1 << 15);
        else if (strcmp(a, "--classes") == 0) cfg.classes = (int) parse_long(a, v, 1, 1 << 24);
        else if (strcmp(a, "--in-channels") == 0) cfg.in_channels = (int) parse_long(a, v, 1, 4096);
        else if (strcmp(a, "--batch") == 0) cfg.batch = (int) parse_long(a, v, 1, 1 << 16);
        else if (strcmp(a, "--threads") == 0) threads = (int) parse_long(a, v, 1, 4096);
        else if (strcmp(a, "--warmup") == 0) warmup = (int) parse_long(a, v, 0, INT_MAX);
        else if (strcmp(a, "--iterations") == 0) iterations = (int) parse_long(a, v, 1, 100000000);
        else if (strcmp(a, "--epsilon") == 0) cfg.epsilon = parse_double(a, v);
        else if (strcmp(a, "--input") == 0) input_path = v;
        else if (strcmp(a, "--expect") == 0) expect_path = v;
        else if (strcmp(a, "--tolerance") == 0) tolerance = parse_double(a, v);
        else if (strcmp(a, "--json") == 0) json_path = v;
        else if (strcmp(a, "--precision") == 0) {
            if (strcmp(v, "f32") == 0) pc.precision = PREC_F32;
            else if (strcmp(v, "bf16") == 0) pc.precision = PREC_BF16;
            else if (strcmp(v, "int8") == 0) pc.precision = PREC_INT8;
            else die("--precision needs f32, bf16 or int8, got '%s'", v);
        } else if (strcmp(a, "--bf16-variant") == 0) {
            if (strcmp(v, "tensors") == 0) pc.bf16_variant = BF16_TENSORS;
            else if (strcmp(v, "fpmath") == 0) pc.bf16_variant = BF16_FPMATH;
            else die("--bf16-variant needs tensors or fpmath, got '%s'", v);
        } else if (strcmp(a, "--int8-first-conv") == 0) pc.int8_first = parse_on_off(a, v);
        else if (strcmp(a, "--int8-depthwise") == 0) pc.int8_dw = parse_on_off(a, v);
        else if (strcmp(a, "--int8-pointwise") == 0) pc.int8_pw = parse_on_off(a, v);
        else if (strcmp(a, "--int8-classifier") == 0) pc.int8_fc = parse_on_off(a, v);
        else if (strcmp(a, "--int8-fallback") == 0) {
            if (strcmp(v, "f32") == 0) pc.fallback = PREC_F32;
            else if (strcmp(v, "bf16") == 0) pc.fallback = PREC_BF16;
            else die("--int8-fallback needs f32 or bf16, got '%s'", v);
        } else if (strcmp(a, "--weight-bits") == 0) pc.weight_max = parse_long(a, v, 7, 8) == 8 ? 127 : 63;
        else if (strcmp(a, "--calibration") == 0) calibration_path = v;
        else if (strcmp(a, "--calibration-random") == 0) calibration_random = parse_long(a, v, 1, 1000000);
        else if (strcmp(a, "--save-quantized") == 0) save_path = v;
        else if (strcmp(a, "--compare-random") == 0) compare_random = parse_long(a, v, 1, 100000000);
        else if (strcmp(a, "--labels") == 0) labels_path = v;
        else if (strcmp(a, "--write-logits") == 0) logits_path = v;
        else if (strcmp(a, "--single-thread-below") == 0) g_single_below = parse_double(a, v);
        else if (strcmp(a, "--max-diff") == 0) max_diff_limit = parse_double(a, v);
        else if (strcmp(a, "--min-agreement") == 0) min_agreement = parse_double(a, v);
        else {
            usage(stderr);
            die("unknown option %s", a);
        }
    }
    if (!weights) {
        usage(stderr);
        die("--weights is required");
    }
    if (!(cfg.alpha > 0) || channels(&cfg, 32) <= 0) die("--alpha must be > 0 and leave the first layer >= 1 channel");
    if (!(cfg.epsilon >= 0)) die("--epsilon must be >= 0");
    if (!(tolerance >= 0)) die("--tolerance must be >= 0");
    if (expect_path && !input_path) die("--expect needs --input");
    if (expect_path && compare) die("--expect and --compare are separate modes");
    if (logits_path && (!input_path || expect_path || compare)) die("--write-logits needs --input (and neither --expect nor --compare)");
    if (save_path && pc.precision != PREC_INT8) die("--save-quantized needs --precision int8");
    if (labels_path && !(compare && input_path)) die("--labels needs --compare with --input");
    if (threads == 0) threads = default_threads();
    omp_set_num_threads(threads);
    g_threads = threads;
#ifndef _WIN32
    if (idle_team) start_idle_team(threads);
#else
    (void) idle_team;
    (void) thread_stats;
#endif

    const dnnl_version_t *ver = dnnl_version();
    char version[64];
    snprintf(version, sizeof version, "%d.%d.%d", ver->major, ver->minor, ver->patch);
    const char *isa = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());

    dnnl_engine_t engine;
    dnnl_stream_t stream;
    DNNL(dnnl_engine_create, &engine, dnnl_cpu, 0);
    DNNL(dnnl_stream_create, &stream, engine, dnnl_stream_default_flags);
    model_t *model = calloc(1, sizeof *model);
    if (!model) die("out of memory");
    model->cfg = cfg;
    load_model(model, weights);
    size_t image_floats = (size_t) cfg.in_channels * cfg.resolution * cfg.resolution;

    char scheme[200];
    describe_scheme(&pc, scheme, sizeof scheme);
    if (pc.precision == PREC_INT8) {
        if (model->quantized_file && calibration_path) die("%s is already calibrated; --calibration applies to float weights", weights);
        if (!model->quantized_file) {
            image_set cal = calibration_path ? file_images(calibration_path, image_floats)
                                             : random_images((size_t) calibration_random, image_floats, 1);
            calibrate(model, engine, stream, &cal, calibration_path ? calibration_path : "seeded random N(0,1) images");
            free(cal.data);
        }
        quantize_model(model, &pc, engine, stream);
        if (save_path) {
            save_quantized(model, &pc, save_path, weights);
            printf("wrote %s\n", save_path);
        }
    }
    net_t *net = new_net(engine, stream, model, &pc);

    printf("oneDNN %s (%s), ISA %s, %d OpenMP thread(s)\n", version, ver->hash ? ver->hash : "", isa,
            omp_get_max_threads());
    printf("MobileNetV1 alpha %g, %dx%d, %d classes, batch %d, %s, eps %g: %d primitives, activations 2 x %zu B, "
           "scratchpad %zu B\n",
            cfg.alpha, cfg.resolution, cfg.resolution, cfg.classes, cfg.batch,
            cfg.activation == ACT_RELU ? "ReLU" : "ReLU6", cfg.epsilon, net->count, net->activation_bytes,
            net->scratchpad_bytes);
    if (pc.precision != PREC_F32) {
        printf("precision %s%s%s\n", scheme, pc.precision == PREC_INT8 ? "; activation scales: " : "",
                pc.precision == PREC_INT8 ? model->calibration : "");
    }
    if (verbose_impl) {
        for (int i = 0; i < net->count; i++) {
            if (pc.precision == PREC_F32) {
                printf("  %-26s %-14s %s\n", net->steps[i].label, net->steps[i].operation, net->steps[i].impl);
            } else {
                printf("  %-26s %-14s %-34s %s\n", net->steps[i].label, net->steps[i].operation, net->steps[i].impl,
                        net->steps[i].types);
            }
        }
    }

    size_t input_count = (size_t) cfg.batch * image_floats;
    size_t output_count = (size_t) cfg.batch * cfg.classes;
    float *in = net->input_buf;
    int status = 0;
    if (compare) {
        image_set set = input_path ? file_images(input_path, image_floats)
                                   : random_images((size_t) compare_random, image_floats, 2);
        unsigned char *labels = NULL;
        if (labels_path) {
            size_t n;
            labels = read_file(labels_path, &n);
            if (n != set.count) die("%s has %zu labels for %zu images", labels_path, n, set.count);
            for (size_t i = 0; i < n; i++) {
                if (labels[i] >= cfg.classes) die("%s: label %u at %zu is not below %d classes", labels_path, labels[i], i, cfg.classes);
            }
        }
        precision_config f32 = {PREC_F32, BF16_TENSORS, 0, 0, 0, 0, PREC_F32, 127};
        net_t *ref = new_net(engine, stream, model, &f32);
        if (model->quantized_file) printf("reference: f32 network on the dequantized weights of %s\n", weights);
        status = compare_with_f32(net, ref, &cfg, &set, labels, max_diff_limit, min_agreement,
                pc.precision == PREC_F32 ? "f32" : pc.precision == PREC_BF16 ? "bf16" : "int8");
        destroy_network(ref);
        free(ref);
        free(labels);
        free(set.data);
    } else {
        if (input_path) {
            float *data = read_floats(input_path, input_count);
            memcpy(in, data, input_count * sizeof(float));
            free(data);
        } else {
            for (size_t i = 0; i < input_count; i++) in[i] = (float) sin((double) i * 0.001);
        }
    }

    if (compare) {
        /* done above */
    } else if (logits_path) {
        run_network(net);
        FILE *f = fopen(logits_path, "wb");
        if (!f) die("cannot write %s: %s", logits_path, strerror(errno));
        const float *out = net->output_buf;
        for (size_t i = 0; i < output_count; i++) {
            uint32_t bits;
            memcpy(&bits, &out[i], 4);
            unsigned char b[4] = {(unsigned char) bits, (unsigned char) (bits >> 8), (unsigned char) (bits >> 16),
                (unsigned char) (bits >> 24)};
            fwrite(b, 1, 4, f);
        }
        if (fclose(f) != 0) die("cannot write %s", logits_path);
        printf("wrote %zu logits to %s\n", output_count, logits_path);
    } else if (expect_path) {
        float *expected = read_floats(expect_path, output_count);
        run_network(net);
        const float *out = net->output_buf;
        double max_diff = 0, max_logit = 0;
        int bad = 0;
        for (size_t i = 0; i < output_count; i++) {
            double d = fabs((double) out[i] - (double) expected[i]);
            if (isnan(d)) bad = 1;
            else if (d > max_diff) max_diff = d;
            double m = fabs((double) expected[i]);
            if (m > max_logit) max_logit = m;
        }
        double limit = tolerance * (max_logit > 1 ? max_logit : 1);
        int ok = !bad && max_diff <= limit;
        printf("check: %zu logits, max abs diff %.6g, max |logit| %.6g, limit %.6g (tolerance %g): %s\n", output_count,
                max_diff, max_logit, limit, tolerance, bad ? "NaN in output, MISMATCH" : ok ? "OK" : "MISMATCH");
        free(expected);
        status = ok ? 0 : 1;
    } else {
        for (int i = 0; i < warmup; i++) run_network(net);
        double *times = xmalloc((size_t) iterations * sizeof(double));
        double *cpu = xmalloc((size_t) iterations * sizeof(double));
        double total = 0;
#ifndef _WIN32
        task_stats *ts0 = thread_stats ? xmalloc(2 * sizeof(task_stats)) : NULL;
        if (ts0) read_task_stats(ts0);
#endif
        for (int i = 0; i < iterations; i++) {
            double c0 = cpu_time ? thread_cpu_seconds() : 0;
            double t0 = now_seconds();
            run_network(net);
            times[i] = now_seconds() - t0;
            cpu[i] = cpu_time ? thread_cpu_seconds() - c0 : 0;
            total += times[i];
        }
#ifndef _WIN32
        if (ts0) {
            read_task_stats(ts0 + 1);
            print_task_stats(ts0, ts0 + 1, iterations);
            free(ts0);
        }
#endif
        qsort(cpu, (size_t) iterations, sizeof(double), compare_double);
        double cpu_p50 = percentile(cpu, iterations, 50) * 1e3;
        qsort(times, (size_t) iterations, sizeof(double), compare_double);
        if (cpu_time) {
            /* The calling thread's CPU time per run: with 1 thread a latency unaffected by other processes
               taking the CPU away (not by their effect on caches); with more, it also counts spinning.
               min and p10 of the latency: what runs untouched by other processes take on a shared machine. */
            printf("calling thread CPU time per run: p50 %.3f ms; latency min %.3f ms, p10 %.3f ms\n", cpu_p50,
                    times[0] * 1e3, percentile(times, iterations, 10) * 1e3);
        }
        double p50 = percentile(times, iterations, 50) * 1e3, p90 = percentile(times, iterations, 90) * 1e3;
        double p99 = percentile(times, iterations, 99) * 1e3, mean = total / iterations * 1e3;
        double ips = (double) iterations * cfg.batch / total;
        printf("latency MobileNetV1 alpha %g %dx%d batch %d, %d thread(s), %d runs: p50 %.2f ms, p90 %.2f ms, "
               "p99 %.2f ms, mean %.2f ms, %.1f images/s\n",
                cfg.alpha, cfg.resolution, cfg.resolution, cfg.batch, threads, iterations, p50, p90, p99, mean, ips);
        if (json_path) {
            FILE *f = fopen(json_path, "w");
            if (!f) die("cannot write %s: %s", json_path, strerror(errno));
            fprintf(f, "{\"alpha\":%.10g,\"resolution\":%d,\"classes\":%d,\"batch\":%d,\"threads\":%d,"
                       "\"warmup\":%d,\"iterations\":%d,\"p50_ms\":%.6f,\"p90_ms\":%.6f,\"p99_ms\":%.6f,"
                       "\"mean_ms\":%.6f,\"images_per_s\":%.4f,\"onednn_version\":",
                    cfg.alpha, cfg.resolution, cfg.classes, cfg.batch, threads, warmup, iterations, p50, p90, p99, mean,
                    ips);
            json_write_string(f, version);
            fputs(",\"onednn_hash\":", f);
            json_write_string(f, ver->hash ? ver->hash : "");
            fputs(",\"isa\":", f);
            json_write_string(f, isa);
            if (cpu_time) {
                fprintf(f, ",\"thread_cpu_p50_ms\":%.6f,\"min_ms\":%.6f,\"p10_ms\":%.6f", cpu_p50, times[0] * 1e3,
                        percentile(times, iterations, 10) * 1e3);
            }
            if (pc.precision != PREC_F32) {
                /* Only for reduced precision, so that f32 output stays as it was. */
                fputs(",\"precision\":", f);
                json_write_string(f, pc.precision == PREC_BF16 ? "bf16" : "int8");
                fputs(",\"scheme\":", f);
                json_write_string(f, scheme);
            }
            fputs(",\"impls\":[", f);
            for (int i = 0; i < net->count; i++) {
                fputs(i ? ",{\"label\":" : "{\"label\":", f);
                json_write_string(f, net->steps[i].label);
                fputs(",\"operation\":", f);
                json_write_string(f, net->steps[i].operation);
                fputs(",\"impl\":", f);
                json_write_string(f, net->steps[i].impl);
                if (pc.precision != PREC_F32) {
                    fputs(",\"types\":", f);
                    json_write_string(f, net->steps[i].types);
                }
                fputc('}', f);
            }
            fputs("]}\n", f);
            if (fclose(f) != 0) die("cannot write %s", json_path);
        }
        free(times);
        free(cpu);
    }

    destroy_network(net);
    free(net);
    free_model(model);
    free(model);
    DNNL(dnnl_stream_destroy, stream);
    DNNL(dnnl_engine_destroy, engine);
    return status;
}
