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
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include "win_compat.h"
#endif

#include "oneapi/dnnl/dnnl.h"
#include "oneapi/dnnl/dnnl_debug.h"

/* From the OpenMP runtime oneDNN is built with (libgomp); declared here to avoid needing omp.h. */
extern void omp_set_num_threads(int n);
extern int omp_get_max_threads(void);

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

typedef enum { DT_F32, DT_F16, DT_BF16, DT_F64, DT_OTHER } st_dtype;

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
                    : strcmp(d, "BF16") == 0 ? DT_BF16 : strcmp(d, "F64") == 0 ? DT_F64 : DT_OTHER;
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
                json_skip_value(&c, 1);
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

/* Reads a tensor as float32 after checking its shape; the caller frees the result. */
static float *st_read(const st_file *st, const char *name, int ndim, const uint64_t *shape) {
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
    if (dtype_size(e->dtype) == 0) {
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
    for (int i = 0; i < st->count; i++) free(st->entries[i].name);
    free(st->entries);
    free(st->bytes);
}

/* ------------------------------------------------------------------------------------------ */
/* Network                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    char label[96];
    const char *operation;
    char impl[128];
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t src, dst;   /* owned */
    dnnl_memory_t weights, bias;   /* owned, NULL when absent */
    void *weights_buf, *bias_buf;
    dnnl_memory_desc_t scratchpad; /* owned, NULL when the primitive needs none */
    int reorder;
    /* execution */
    dnnl_memory_t dst_mem; /* owned unless it is the network output */
    dnnl_memory_t scratch_mem;
    dnnl_exec_arg_t args[5];
    int nargs;
} step_t;

enum { MAX_STEPS = 128 };

typedef struct {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
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
    const char *impl = NULL;
    DNNL(dnnl_primitive_desc_query, pd, dnnl_query_impl_info_str, 0, (void *) &impl);
    snprintf(s->impl, sizeof s->impl, "%s", impl ? impl : "?");
    DNNL(dnnl_primitive_create, &s->primitive, pd);
    s->src = md_clone(src);
    s->dst = md_clone(dst);
    s->scratchpad = query_scratchpad(pd);
    s->reorder = reorder;
    return s;
}

/* Appends a reorder from `from` to `to` unless they already have the same layout. */
static void reorder_if_needed(net_t *net, const char *label, const_dnnl_memory_desc_t from,
        const_dnnl_memory_desc_t to) {
    if (dnnl_memory_desc_equal(from, to)) return;
    char step_label[96];
    snprintf(step_label, sizeof step_label, "reorder %s", label);
    snprintf(g_context, sizeof g_context, "%s", step_label);
    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_reorder_primitive_desc_create, &pd, from, net->engine, to, net->engine, attr);
    add_step(net, step_label, "reorder", pd, from, to, 1);
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
}

/*
 * Copies `values` (plain layout `user_tag`) into a buffer laid out as `target`, once, with a
 * reorder when the layouts differ. Returns the memory object; *buffer receives its storage.
 */
static dnnl_memory_t upload(net_t *net, const float *values, int ndims, const dnnl_dims_t dims,
        dnnl_format_tag_t user_tag, const_dnnl_memory_desc_t target, void **buffer) {
    size_t bytes = dnnl_memory_desc_get_size(target);
    *buffer = alloc64(bytes);
    dnnl_memory_t stored;
    DNNL(dnnl_memory_create, &stored, target, net->engine, *buffer);
    dnnl_memory_desc_t user = md_tag(ndims, dims, dnnl_f32, user_tag);
    size_t plain_bytes = dnnl_memory_desc_get_size(user);
    if (dnnl_memory_desc_equal(user, target)) {
        memcpy(*buffer, values, plain_bytes);
        DNNL(dnnl_memory_desc_destroy, user);
        return stored;
    }
    void *plain = alloc64(plain_bytes);
    memcpy(plain, values, plain_bytes);
    dnnl_memory_t source;
    DNNL(dnnl_memory_create, &source, user, net->engine, plain);
    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_reorder_primitive_desc_create, &pd, user, net->engine, target, net->engine, attr);
    dnnl_primitive_t reorder;
    DNNL(dnnl_primitive_create, &reorder, pd);
    dnnl_memory_desc_t scratch_md = query_scratchpad(pd);
    void *scratch = NULL;
    dnnl_memory_t scratch_mem = NULL;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, source}, {DNNL_ARG_TO, stored}, {0, NULL}};
    int nargs = 2;
    if (scratch_md) {
        scratch = alloc64(dnnl_memory_desc_get_size(scratch_md));
        DNNL(dnnl_memory_create, &scratch_mem, scratch_md, net->engine, scratch);
        args[nargs++] = (dnnl_exec_arg_t) {DNNL_ARG_SCRATCHPAD, scratch_mem};
    }
    DNNL(dnnl_primitive_execute, reorder, net->stream, nargs, args);
    DNNL(dnnl_stream_wait, net->stream);
    if (scratch_mem) DNNL(dnnl_memory_destroy, scratch_mem);
    if (scratch_md) DNNL(dnnl_memory_desc_destroy, scratch_md);
    free(scratch);
    DNNL(dnnl_primitive_destroy, reorder);
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_memory_destroy, source);
    DNNL(dnnl_memory_desc_destroy, user);
    free(plain);
    return stored;
}

typedef struct {
    int in_c, out_c, kernel, stride, pad, groups;
} conv_spec;

/* A convolution with folded BatchNorm and fused activation; returns the layout of its output. */
static const_dnnl_memory_desc_t add_conv(net_t *net, const char *label, const conv_spec *cs, int batch, int h, int w,
        const float *weights, const float *bias, activation_t act, const_dnnl_memory_desc_t current, int *out_h,
        int *out_w) {
    snprintf(g_context, sizeof g_context, "%s", label);
    int oh = (h + 2 * cs->pad - cs->kernel) / cs->stride + 1;
    int ow = (w + 2 * cs->pad - cs->kernel) / cs->stride + 1;
    if (h + 2 * cs->pad - cs->kernel < 0 || w + 2 * cs->pad - cs->kernel < 0) die("%s: input %dx%d too small", label, h, w);
    int grouped = cs->groups > 1;
    /* Full DNNL_MAX_NDIMS arrays: the API's parameter type is dnnl_dims_t. */
    dnnl_dims_t src_dims = {batch, cs->in_c, h, w};
    dnnl_dims_t dst_dims = {batch, cs->out_c, oh, ow};
    dnnl_dims_t wdims = {0};
    int wnd;
    if (grouped) {
        wnd = 5;
        wdims[0] = cs->groups;
        wdims[1] = cs->out_c / cs->groups;
        wdims[2] = cs->in_c / cs->groups;
        wdims[3] = cs->kernel;
        wdims[4] = cs->kernel;
    } else {
        wnd = 4;
        wdims[0] = cs->out_c;
        wdims[1] = cs->in_c;
        wdims[2] = cs->kernel;
        wdims[3] = cs->kernel;
    }
    dnnl_dims_t bias_dims = {cs->out_c};
    dnnl_memory_desc_t src_any = md_tag(4, src_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_t weights_any = md_tag(wnd, wdims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_t bias_md = md_tag(1, bias_dims, dnnl_f32, dnnl_a);
    dnnl_memory_desc_t dst_any = md_tag(4, dst_dims, dnnl_f32, dnnl_format_tag_any);

    dnnl_post_ops_t post_ops;
    DNNL(dnnl_post_ops_create, &post_ops);
    if (act == ACT_RELU) {
        DNNL(dnnl_post_ops_append_eltwise, post_ops, dnnl_eltwise_relu, 0.0f, 0.0f);
    } else {
        DNNL(dnnl_post_ops_append_eltwise, post_ops, dnnl_eltwise_clip, 0.0f, 6.0f);
    }
    dnnl_primitive_attr_t attr = new_attr();
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
    reorder_if_needed(net, reorder_label, current, src);
    snprintf(g_context, sizeof g_context, "%s", label);

    dnnl_memory_desc_t weights_md = query_md(pd, dnnl_query_weights_md, "weights");
    void *wbuf, *bbuf;
    dnnl_memory_t wmem = upload(net, weights, wnd, wdims, grouped ? dnnl_goihw : dnnl_nchw, weights_md, &wbuf);
    dnnl_memory_t bmem = upload(net, bias, 1, bias_dims, dnnl_a, bias_md, &bbuf);
    dnnl_memory_desc_t dst = query_md(pd, dnnl_query_dst_md, "dst");
    step_t *s = add_step(net, label, "convolution", pd, src, dst, 0);
    s->weights = wmem;
    s->weights_buf = wbuf;
    s->bias = bmem;
    s->bias_buf = bbuf;

    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_post_ops_destroy, post_ops);
    DNNL(dnnl_memory_desc_destroy, src_any);
    DNNL(dnnl_memory_desc_destroy, weights_any);
    DNNL(dnnl_memory_desc_destroy, bias_md);
    DNNL(dnnl_memory_desc_destroy, dst_any);
    DNNL(dnnl_memory_desc_destroy, src);
    DNNL(dnnl_memory_desc_destroy, weights_md);
    DNNL(dnnl_memory_desc_destroy, dst);
    *out_h = oh;
    *out_w = ow;
    return s->dst;
}

static const_dnnl_memory_desc_t add_global_avg_pool(net_t *net, const char *label, int batch, int c, int h, int w,
        const_dnnl_memory_desc_t current) {
    snprintf(g_context, sizeof g_context, "%s", label);
    dnnl_dims_t dst_dims = {batch, c, 1, 1};
    dnnl_memory_desc_t dst_any = md_tag(4, dst_dims, dnnl_f32, dnnl_format_tag_any);
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

static const_dnnl_memory_desc_t add_inner_product(net_t *net, const char *label, int batch, int c, int h, int w,
        int classes, const float *weights, const float *bias, const_dnnl_memory_desc_t current) {
    snprintf(g_context, sizeof g_context, "%s", label);
    /* The source keeps the layout the pooling produced (4-D); the weights follow it. */
    dnnl_dims_t wdims = {classes, c, h, w};
    dnnl_dims_t bias_dims = {classes};
    dnnl_dims_t dst_dims = {batch, classes};
    dnnl_memory_desc_t weights_any = md_tag(4, wdims, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_t bias_md = md_tag(1, bias_dims, dnnl_f32, dnnl_a);
    dnnl_memory_desc_t dst_any = md_tag(2, dst_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_primitive_attr_t attr = new_attr();
    dnnl_primitive_desc_t pd;
    DNNL(dnnl_inner_product_forward_primitive_desc_create, &pd, net->engine, dnnl_forward_inference, current,
            weights_any, bias_md, dst_any, attr);
    dnnl_memory_desc_t src = query_md(pd, dnnl_query_src_md, "src");
    char reorder_label[80];
    snprintf(reorder_label, sizeof reorder_label, "to %s", label);
    reorder_if_needed(net, reorder_label, current, src);
    snprintf(g_context, sizeof g_context, "%s", label);
    dnnl_memory_desc_t weights_md = query_md(pd, dnnl_query_weights_md, "weights");
    void *wbuf, *bbuf;
    dnnl_memory_t wmem = upload(net, weights, 4, wdims, dnnl_nchw, weights_md, &wbuf);
    dnnl_memory_t bmem = upload(net, bias, 1, bias_dims, dnnl_a, bias_md, &bbuf);
    dnnl_memory_desc_t dst = query_md(pd, dnnl_query_dst_md, "dst");
    step_t *s = add_step(net, label, "inner product", pd, src, dst, 0);
    s->weights = wmem;
    s->weights_buf = wbuf;
    s->bias = bmem;
    s->bias_buf = bbuf;
    DNNL(dnnl_primitive_desc_destroy, pd);
    DNNL(dnnl_primitive_attr_destroy, attr);
    DNNL(dnnl_memory_desc_destroy, weights_any);
    DNNL(dnnl_memory_desc_destroy, bias_md);
    DNNL(dnnl_memory_desc_destroy, dst_any);
    DNNL(dnnl_memory_desc_destroy, src);
    DNNL(dnnl_memory_desc_destroy, weights_md);
    DNNL(dnnl_memory_desc_destroy, dst);
    return s->dst;
}

/* ------------------------------------------------------------------------------------------ */
/* MobileNetV1                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    double alpha;
    int resolution, classes, batch, in_channels;
    double epsilon;
    activation_t activation;
} model_config;

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

static void build_network(net_t *net, const model_config *cfg, const char *weights_path) {
    st_file st;
    st_open(&st, weights_path);
    expected_tensor list[160];
    int n = expected_tensors(cfg, list);

    /* Same validation as Weights.from: every expected tensor present, no unexpected ones. */
    int problems = 0;
    for (int i = 0; i < n; i++) {
        if (!st_find(&st, list[i].name)) {
            fprintf(stderr, "mobilenet_bench: %s: missing tensor '%s'\n", weights_path, list[i].name);
            problems++;
        }
    }
    for (int i = 0; i < st.count; i++) {
        const char *name = st.entries[i].name;
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

    int batch = cfg->batch;
    dnnl_dims_t in_dims = {batch, cfg->in_channels, cfg->resolution, cfg->resolution};
    net->input_md = md_tag(4, in_dims, dnnl_f32, dnnl_nchw);
    const_dnnl_memory_desc_t current = net->input_md;
    int h = cfg->resolution, w = cfg->resolution, c = cfg->in_channels;
    int layer = 0;
    char label[64];

    /* model.0: standard 3x3 stride 2 convolution. */
    {
        int out_c = channels(cfg, 32);
        float *wts = read_expected(&st, list, n, "model.0.0.weight");
        float *bias = fold_batch_norm(&st, list, n, "model.0.1.", wts, out_c, (size_t) c * 9, cfg->epsilon);
        conv_spec cs = {c, out_c, 3, 2, 1, 1};
        snprintf(label, sizeof label, "%d: Conv2d", layer++);
        current = add_conv(net, label, &cs, batch, h, w, wts, bias, cfg->activation, current, &h, &w);
        c = out_c;
        free(wts);
        free(bias);
    }
    for (int b = 0; b < 13; b++) {
        int block = b + 1;
        int out_c = channels(cfg, SEPARABLE[b][1]);
        char prefix[32];
        /* depthwise 3x3 */
        float *wts = read_expected(&st, list, n, "model.%d.0.weight", block);
        snprintf(prefix, sizeof prefix, "model.%d.1.", block);
        float *bias = fold_batch_norm(&st, list, n, prefix, wts, c, 9, cfg->epsilon);
        conv_spec dw = {c, c, 3, SEPARABLE[b][2], 1, c};
        snprintf(label, sizeof label, "%d: Conv2d dw", layer++);
        current = add_conv(net, label, &dw, batch, h, w, wts, bias, cfg->activation, current, &h, &w);
        free(wts);
        free(bias);
        /* pointwise 1x1 */
        wts = read_expected(&st, list, n, "model.%d.3.weight", block);
        snprintf(prefix, sizeof prefix, "model.%d.4.", block);
        bias = fold_batch_norm(&st, list, n, prefix, wts, out_c, (size_t) c, cfg->epsilon);
        conv_spec pw = {c, out_c, 1, 1, 0, 1};
        snprintf(label, sizeof label, "%d: Conv2d 1x1", layer++);
        current = add_conv(net, label, &pw, batch, h, w, wts, bias, cfg->activation, current, &h, &w);
        c = out_c;
        free(wts);
        free(bias);
    }
    snprintf(label, sizeof label, "%d: GlobalAvgPool", layer++);
    current = add_global_avg_pool(net, label, batch, c, h, w, current);
    {
        float *wts = read_expected(&st, list, n, "fc.weight");
        float *bias = read_expected(&st, list, n, "fc.bias");
        snprintf(label, sizeof label, "%d: Linear", layer++);
        current = add_inner_product(net, label, batch, c, 1, 1, cfg->classes, wts, bias, current);
        free(wts);
        free(bias);
    }
    dnnl_dims_t out_dims = {batch, cfg->classes};
    net->output_md = md_tag(2, out_dims, dnnl_f32, dnnl_nc);
    reorder_if_needed(net, "to output", current, net->output_md);
    g_context[0] = '\0';
    st_close(&st);
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
        } else {
            DNNL(dnnl_memory_create, &s->dst_mem, s->dst, net->engine, net->ping[i % 2]);
            dst = s->dst_mem;
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
        s->nargs = k;
        src = dst;
    }
}

/* The timed unit: every primitive, then wait for the stream. */
static void run_network(net_t *net) {
    for (int i = 0; i < net->count; i++) {
        step_t *s = &net->steps[i];
        dnnl_status_t status = dnnl_primitive_execute(s->primitive, net->stream, s->nargs, s->args);
        if (status != dnnl_success) {
            snprintf(g_context, sizeof g_context, "%s", s->label);
            check_status(status, "dnnl_primitive_execute");
        }
    }
    DNNL(dnnl_stream_wait, net->stream);
}

static void destroy_network(net_t *net) {
    for (int i = 0; i < net->count; i++) {
        step_t *s = &net->steps[i];
        if (s->scratch_mem) DNNL(dnnl_memory_destroy, s->scratch_mem);
        if (s->dst_mem) DNNL(dnnl_memory_destroy, s->dst_mem);
        if (s->weights) DNNL(dnnl_memory_destroy, s->weights);
        if (s->bias) DNNL(dnnl_memory_destroy, s->bias);
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

/* ------------------------------------------------------------------------------------------ */
/* Command line                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void usage(FILE *out) {
    fputs("usage: mobilenet_bench --weights W.safetensors [--alpha 1.0] [--resolution 224] [--classes 1000]\n"
          "         [--batch 1] [--threads N] [--warmup 30] [--iterations 300] [--epsilon 1e-5] [--relu6]\n"
          "         [--input input.bin] [--expect logits.bin] [--tolerance 1e-4] [--json out.json] [--verbose-impl]\n"
          "\n"
          "Runs MobileNetV1 (reference PyTorch state_dict names; F32, F16 or BF16) through oneDNN's C API with the\n"
          "Java library's policy and prints p50/p90/p99 latency and images/s.\n"
          "--input FILE    raw little-endian float32 NCHW batch (default: sin(i * 0.001), as the Java latency command)\n"
          "--expect FILE   raw float32 logits [batch, classes]: run once on --input, compare, and exit\n"
          "                (status 1 if max abs diff > tolerance * max(1, max |logit|)); no benchmark\n"
          "--threads N     omp_set_num_threads(N) (default: the CPUs this process may run on)\n",
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

static int default_threads(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    return 1;
}

int main(int argc, char **argv) {
    model_config cfg = {1.0, 224, 1000, 1, 3, 1e-5, ACT_RELU};
    const char *weights = NULL, *input_path = NULL, *expect_path = NULL, *json_path = NULL;
    int threads = 0, warmup = 30, iterations = 300, verbose_impl = 0;
    double tolerance = 1e-4;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--verbose-impl") == 0) { verbose_impl = 1; continue; }
        if (strcmp(a, "--relu6") == 0) { cfg.activation = ACT_RELU6; continue; }
        if (i + 1 >= argc) {
            usage(stderr);
            die("%s needs a value (or is unknown)", a);
        }
        const char *v = argv[++i];
        if (strcmp(a, "--weights") == 0) weights = v;
        else if (strcmp(a, "--alpha") == 0) cfg.alpha = parse_double(a, v);
        else if (strcmp(a, "--resolution") == 0) cfg.resolution = (int) parse_long(a, v, 1, 1 << 15);
        else if (strcmp(a, "--classes") == 0) cfg.classes = (int) parse_long(a, v, 1, 1 << 24);
        else if (strcmp(a, "--batch") == 0) cfg.batch = (int) parse_long(a, v, 1, 1 << 16);
        else if (strcmp(a, "--threads") == 0) threads = (int) parse_long(a, v, 1, 4096);
        else if (strcmp(a, "--warmup") == 0) warmup = (int) parse_long(a, v, 0, INT_MAX);
        else if (strcmp(a, "--iterations") == 0) iterations = (int) parse_long(a, v, 1, 100000000);
        else if (strcmp(a, "--epsilon") == 0) cfg.epsilon = parse_double(a, v);
        else if (strcmp(a, "--input") == 0) input_path = v;
        else if (strcmp(a, "--expect") == 0) expect_path = v;
        else if (strcmp(a, "--tolerance") == 0) tolerance = parse_double(a, v);
        else if (strcmp(a, "--json") == 0) json_path = v;
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
    if (threads == 0) threads = default_threads();
    omp_set_num_threads(threads);

    const dnnl_version_t *ver = dnnl_version();
    char version[64];
    snprintf(version, sizeof version, "%d.%d.%d", ver->major, ver->minor, ver->patch);
    const char *isa = dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa());

    net_t *net = calloc(1, sizeof *net);
    if (!net) die("out of memory");
    DNNL(dnnl_engine_create, &net->engine, dnnl_cpu, 0);
    DNNL(dnnl_stream_create, &net->stream, net->engine, dnnl_stream_default_flags);
    build_network(net, &cfg, weights);
    prepare_execution(net);

    printf("oneDNN %s (%s), ISA %s, %d OpenMP thread(s)\n", version, ver->hash ? ver->hash : "", isa,
            omp_get_max_threads());
    printf("MobileNetV1 alpha %g, %dx%d, %d classes, batch %d, %s, eps %g: %d primitives, activations 2 x %zu B, "
           "scratchpad %zu B\n",
            cfg.alpha, cfg.resolution, cfg.resolution, cfg.classes, cfg.batch,
            cfg.activation == ACT_RELU ? "ReLU" : "ReLU6", cfg.epsilon, net->count, net->activation_bytes,
            net->scratchpad_bytes);
    if (verbose_impl) {
        for (int i = 0; i < net->count; i++) {
            printf("  %-26s %-14s %s\n", net->steps[i].label, net->steps[i].operation, net->steps[i].impl);
        }
    }

    size_t input_count = (size_t) cfg.batch * cfg.in_channels * cfg.resolution * cfg.resolution;
    size_t output_count = (size_t) cfg.batch * cfg.classes;
    float *in = net->input_buf;
    if (input_path) {
        float *data = read_floats(input_path, input_count);
        memcpy(in, data, input_count * sizeof(float));
        free(data);
    } else {
        for (size_t i = 0; i < input_count; i++) in[i] = (float) sin((double) i * 0.001);
    }

    int status = 0;
    if (expect_path) {
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
        double total = 0;
        for (int i = 0; i < iterations; i++) {
            double t0 = now_seconds();
            run_network(net);
            times[i] = now_seconds() - t0;
            total += times[i];
        }
        qsort(times, (size_t) iterations, sizeof(double), compare_double);
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
            fputs(",\"impls\":[", f);
            for (int i = 0; i < net->count; i++) {
                fputs(i ? ",{\"label\":" : "{\"label\":", f);
                json_write_string(f, net->steps[i].label);
                fputs(",\"operation\":", f);
                json_write_string(f, net->steps[i].operation);
                fputs(",\"impl\":", f);
                json_write_string(f, net->steps[i].impl);
                fputc('}', f);
            }
            fputs("]}\n", f);
            if (fclose(f) != 0) die("cannot write %s", json_path);
        }
        free(times);
    }

    destroy_network(net);
    DNNL(dnnl_stream_destroy, net->stream);
    DNNL(dnnl_engine_destroy, net->engine);
    free(net);
    return status;
}
