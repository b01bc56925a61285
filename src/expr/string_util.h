/*
 * string_util.h — small helpers shared by the string-producing kernels (string.c, like.c,
 * regexp.c, datetime.c): UTF-8 walking, writing result strings into an output vector and
 * a growable scratch buffer.
 *
 * Result strings: a result that is a piece of an input string is stored as a view
 * (sl_str_view) after the kernel called sl_vector_share_heaps(out, input) once, so no
 * bytes are copied. A freshly built result is written with sl_vector_set_string, or built
 * in place with sl_str_begin / sl_str_commit (heap space reserved in the output vector).
 */
#ifndef SL_EXPR_STRING_UTIL_H
#define SL_EXPR_STRING_UTIL_H

#include "common/alloc.h"
#include "common/status.h"
#include "expr/registry.h"
#include "vector/vector.h"

/* Largest string a kernel will build (repeat, lpad, ...): 1 GiB, well below UINT32_MAX. */
#define SL_STRING_MAX_LENGTH ((uint64_t)1 << 30)

/* Physical row of active row i (same definition as registry.h). */
#ifndef SL_ROW
#define SL_ROW(sel, i) ((sel) ? (sel)[i] : (uint32_t)(i))
/* string.c: upper/lower case mapping of n bytes (ASCII, Latin-1, Greek, Cyrillic letters;
 * other bytes unchanged, length preserved). dst may equal src. */
void sl_utf8_case_map(const char *src, uint32_t n, char *dst, bool to_upper);

/* ------------------------------------------------------------ kernels of like.c / regexp.c
 * (listed in string.c's overload table, sl_string_overloads). */

/* like.c: a LIKE b [ESCAPE c] and its ILIKE / NOT variants -> BOOLEAN. The bind hook
 * precompiles a constant pattern into call->bind_data. */
sl_status sl_like_bind(sl_arena *arena, sl_expr *call, sl_error *err);
sl_status sl_like_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                         sl_vector *out, sl_error *err);
sl_status sl_not_like_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err);
sl_status sl_ilike_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                          sl_vector *out, sl_error *err);
sl_status sl_not_ilike_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err);

/* regexp.c (PCRE2). The bind hook compiles a constant pattern into call->bind_data. */
sl_status sl_regexp_bind(sl_arena *arena, sl_expr *call, sl_error *err);
sl_status sl_regexp_matches_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err);
sl_status sl_regexp_full_match_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel,
                                      uint32_t count, sl_vector *out, sl_error *err);
sl_status sl_regexp_replace_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err);
sl_status sl_regexp_extract_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err);
sl_status sl_glob_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out,
                         sl_error *err);

#endif

/* Is slot `row` of `out` NULL? (kernels skip rows the evaluator already marked NULL: their
 * input slots may hold garbage). */
static inline bool sl_out_is_null(const sl_vector *out, uint32_t row)
{
    return out->validity && !((out->validity[row >> 3] >> (row & 7)) & 1);
}

static inline bool sl_utf8_is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Number of code points in s[0..n) (invalid bytes count as one each). */
static inline uint32_t sl_utf8_count(const char *s, uint32_t n)
{
    uint32_t chars = 0;
    for (uint32_t i = 0; i < n; i++)
        chars += !sl_utf8_is_continuation((unsigned char)s[i]);
    return chars;
}

static inline bool sl_ascii_only(const char *s, uint32_t n)
{
    unsigned char acc = 0;
    for (uint32_t i = 0; i < n; i++)
        acc |= (unsigned char)s[i];
    return acc < 0x80;
}

/* Byte offset reached by skipping `chars` code points starting at byte `pos` (stops at n). */
static inline uint32_t sl_utf8_skip(const char *s, uint32_t n, uint32_t pos, uint64_t chars)
{
    while (pos < n && chars > 0) {
        pos++;
        while (pos < n && sl_utf8_is_continuation((unsigned char)s[pos]))
            pos++;
        chars--;
    }
    return pos;
}

/* Byte length of the code point starting at s[0] (1 for invalid lead bytes), bounded by n. */
static inline uint32_t sl_utf8_char_length(const char *s, uint32_t n)
{
    uint32_t len = 1;
    while (len < n && sl_utf8_is_continuation((unsigned char)s[len]))
        len++;
    return len;
}

/* Decodes the code point at s[0] (n bytes available); sets *len. Invalid input yields the
 * byte value itself with *len 1. */
static inline int32_t sl_utf8_decode(const char *s, uint32_t n, uint32_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80 || n < 2) {
        *len = 1;
        return u[0];
    }
    if ((u[0] & 0xE0) == 0xC0 && sl_utf8_is_continuation(u[1])) {
        *len = 2;
        return ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    }
    if ((u[0] & 0xF0) == 0xE0 && n >= 3 && sl_utf8_is_continuation(u[1]) && sl_utf8_is_continuation(u[2])) {
        *len = 3;
        return ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    }
    if ((u[0] & 0xF8) == 0xF0 && n >= 4 && sl_utf8_is_continuation(u[1]) && sl_utf8_is_continuation(u[2]) &&
        sl_utf8_is_continuation(u[3])) {
        *len = 4;
        return ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
    }
    *len = 1;
    return u[0];
}

/* Encodes code point cp (0..0x10FFFF, not a surrogate) into buf; returns bytes (0 if invalid). */
static inline uint32_t sl_utf8_encode(int64_t cp, char *buf)
{
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Stores a view of data[0..len) in slot row. data must stay alive: it lies inside a string
 * of an input vector whose heaps out shares, or len <= SL_STRING_INLINE_MAX (copied). */
static inline void sl_str_view(sl_vector *out, uint32_t row, const char *data, uint32_t len)
{
    SL_VECTOR_DATA(out, sl_string)[row] = sl_string_make(data, len);
}

/* Returns where to build a result of `len` bytes: `local` (>= SL_STRING_INLINE_MAX bytes)
 * for short results, else fresh heap space of out. NULL on OOM. Finish with sl_str_view. */
static inline char *sl_str_begin(sl_vector *out, uint32_t len, char *local)
{
    return len <= SL_STRING_INLINE_MAX ? local : sl_vector_heap_alloc(out, len);
}

/* Growable byte buffer for results whose length is not known in advance. */
typedef struct sl_strbuf {
    char *data;
    size_t length;
    size_t capacity;
} sl_strbuf;

static inline sl_status sl_strbuf_append(sl_strbuf *b, const char *data, size_t n, sl_error *err)
{
    if (b->length + n > b->capacity) {
        size_t cap = b->capacity ? b->capacity * 2 : 64;
        while (cap < b->length + n)
            cap *= 2;
        char *p = (char *)sl_realloc(b->data, cap);
        if (!p)
            return sl_error_oom(err);
        b->data = p;
        b->capacity = cap;
    }
    if (n)
        memcpy(b->data + b->length, data, n);
    b->length += n;
    return SL_OK;
}

static inline void sl_strbuf_free(sl_strbuf *b)
{
    sl_free(b->data);
    b->data = NULL;
    b->length = b->capacity = 0;
}

/* string.c: upper/lower case mapping of n bytes (ASCII, Latin-1, Greek, Cyrillic letters;
 * other bytes unchanged, length preserved). dst may equal src. */
void sl_utf8_case_map(const char *src, uint32_t n, char *dst, bool to_upper);

/* ------------------------------------------------------------ kernels of like.c / regexp.c
 * (listed in string.c's overload table, sl_string_overloads). */

/* like.c: a LIKE b [ESCAPE c] and its ILIKE / NOT variants -> BOOLEAN. The bind hook
 * precompiles a constant pattern into call->bind_data. */
sl_status sl_like_bind(sl_arena *arena, sl_expr *call, sl_error *err);
sl_status sl_like_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                         sl_vector *out, sl_error *err);
sl_status sl_not_like_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err);
sl_status sl_ilike_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                          sl_vector *out, sl_error *err);
sl_status sl_not_ilike_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err);

/* regexp.c (PCRE2). The bind hook compiles a constant pattern into call->bind_data. */
sl_status sl_regexp_bind(sl_arena *arena, sl_expr *call, sl_error *err);
sl_status sl_regexp_matches_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err);
sl_status sl_regexp_full_match_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel,
                                      uint32_t count, sl_vector *out, sl_error *err);
sl_status sl_regexp_replace_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err);
sl_status sl_regexp_extract_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err);
sl_status sl_glob_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out,
                         sl_error *err);

#endif
