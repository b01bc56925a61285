/*
 * string.c — scalar string functions: length, lower/upper, substring, trim, replace,
 * concat and ||, position, starts_with/ends_with/contains, left/right, lpad/rpad,
 * split_part, repeat, reverse, ascii, chr, initcap.
 *
 * Semantics follow DuckDB (checked against it), which agrees with PostgreSQL except where
 * noted: character positions and lengths count UTF-8 code points (DuckDB counts grapheme
 * clusters; the two differ only for combining sequences); substring with a negative start
 * counts from the end and a negative length goes backwards (DuckDB; PostgreSQL clamps);
 * lower/upper map ASCII, Latin-1 and basic Cyrillic/Greek letters and leave every other
 * byte unchanged.
 *
 * All kernels follow the sl_scalar_kernel contract (function.h): they write out[row] for
 * the active rows and skip rows the evaluator already marked NULL. Integer arguments are
 * BIGINT (the registry declares them so; the binder casts). Results that are a piece of
 * an input string are views into the input's heaps (zero-copy).
 */
#include "expr/registry.h"
#include "expr/string_util.h"

#include <ctype.h>

#define STR(v) SL_VECTOR_DATA(v, sl_string)

/* Shared bookkeeping of the unary-string-to-string kernels. */
#define FOR_ACTIVE_ROWS(i, row)                     \
    for (uint32_t i = 0; i < count; i++)            \
        for (uint32_t row = SL_ROW(sel, i), once_ = 1; once_; once_ = 0) \
            if (!sl_out_is_null(out, row))

/* ------------------------------------------------------------------ length */

/* length(VARCHAR) -> BIGINT: code points. */
static sl_status string_length(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    FOR_ACTIVE_ROWS(i, row) {
        res[row] = sl_utf8_count(sl_string_data(&in[row]), in[row].length);
    }
    return SL_OK;
}

/* octet_length(VARCHAR) / strlen -> BIGINT: bytes. */
static sl_status string_octet_length(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                     sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    FOR_ACTIVE_ROWS(i, row) {
        res[row] = in[row].length;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ lower / upper */

/* Maps one 2-byte UTF-8 letter (lead byte c0, continuation c1) to the other case in
 * place. Latin-1 (U+00C0..U+00FE), Greek (U+0391..U+03C9) and Cyrillic (U+0400..U+045F)
 * keep their byte length under case mapping. */
static void case_map_2byte(unsigned char *p, bool to_upper)
{
    int cp = ((p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    int mapped = cp;
    if (to_upper) {
        if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) mapped = cp - 0x20;
        else if (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) mapped = cp - 0x20;
        else if (cp >= 0x430 && cp <= 0x44F) mapped = cp - 0x20;
        else if (cp >= 0x450 && cp <= 0x45F) mapped = cp - 0x50;
    } else {
        if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) mapped = cp + 0x20;
        else if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) mapped = cp + 0x20;
        else if (cp >= 0x410 && cp <= 0x42F) mapped = cp + 0x20;
        else if (cp >= 0x400 && cp <= 0x40F) mapped = cp + 0x50;
    }
    if (mapped != cp) {
        p[0] = (unsigned char)(0xC0 | (mapped >> 6));
        p[1] = (unsigned char)(0x80 | (mapped & 0x3F));
    }
}

/* Case mapping of n bytes from src into dst (may alias): ASCII letters plus the 2-byte
 * letters of case_map_2byte; every other byte is copied unchanged, so the length stays. */
void sl_utf8_case_map(const char *src, uint32_t n, char *dst_chars, bool to_upper)
{
    unsigned char *dst = (unsigned char *)dst_chars;
    for (uint32_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)src[k];
        if (to_upper)
            dst[k] = (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
        else
            dst[k] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
    }
    for (uint32_t k = 0; k + 1 < n; k++) {
        if ((dst[k] & 0xE0) == 0xC0 && sl_utf8_is_continuation(dst[k + 1])) {
            case_map_2byte(dst + k, to_upper);
            k++;
        }
    }
}

static sl_status string_case(sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out, bool to_upper,
                             sl_error *err)
{
    const sl_string *in = STR(args[0]);
    char local[SL_STRING_INLINE_MAX];
    FOR_ACTIVE_ROWS(i, row) {
        uint32_t n = in[row].length;
        char *dst = sl_str_begin(out, n, local);
        if (!dst)
            return sl_error_oom(err);
        sl_utf8_case_map(sl_string_data(&in[row]), n, dst, to_upper);
        sl_str_view(out, row, dst, n);
    }
    return SL_OK;
}

static sl_status string_lower(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    return string_case(args, sel, count, out, false, err);
}

static sl_status string_upper(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    return string_case(args, sel, count, out, true, err);
}

/* initcap(VARCHAR): first letter of every alphanumeric run upper, the rest lower (ASCII,
 * PostgreSQL semantics). */
static sl_status string_initcap(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    char local[SL_STRING_INLINE_MAX];
    FOR_ACTIVE_ROWS(i, row) {
        uint32_t n = in[row].length;
        const char *src = sl_string_data(&in[row]);
        char *dst = sl_str_begin(out, n, local);
        if (!dst)
            return sl_error_oom(err);
        bool in_word = false;
        for (uint32_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char)src[k];
            if (c < 0x80 && isalnum(c)) {
                dst[k] = (char)(in_word ? tolower(c) : toupper(c));
                in_word = true;
            } else {
                dst[k] = (char)c;
                in_word = c >= 0x80;   /* non-ASCII letters continue a word */
            }
        }
        sl_str_view(out, row, dst, n);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ substring & co */

/* Byte range [*b, *e) of code points [start, end) of s (0-based code point indexes). */
static void char_range_to_bytes(const char *s, uint32_t n, bool ascii, int64_t start, int64_t end, uint32_t *b,
                                uint32_t *e)
{
    if (ascii) {
        *b = (uint32_t)(start < n ? start : n);
        *e = (uint32_t)(end < n ? end : n);
        return;
    }
    *b = sl_utf8_skip(s, n, 0, (uint64_t)start);
    *e = sl_utf8_skip(s, n, *b, (uint64_t)(end - start));
}

/* DuckDB's substring rule on a string of `size` code points: the 1-based `offset` starts
 * at code point offset - 1 (so 0 is one before the first character) and a negative offset
 * counts from the end (size + offset); a positive `length` extends forward, a negative one
 * backwards from the start; the range is then clipped to the string. Returns false for an
 * empty result, else the code point range [start, end). */
static bool substring_range(int64_t size, int64_t offset, int64_t length, int64_t *start, int64_t *end)
{
    const int64_t limit = (int64_t)1 << 40;   /* keeps the arithmetic below overflow-free */
    if (offset > limit) offset = limit;
    if (offset < -limit) offset = -limit;
    if (length > limit) length = limit;
    if (length < -limit) length = -limit;
    int64_t s = offset < 0 ? size + offset : offset - 1;
    int64_t e = s + length;
    if (length < 0) {
        e = s;
        s = s + length;
    }
    if (s < 0) s = 0;
    if (e > size) e = size;
    *start = s;
    *end = e;
    return s < e;
}

static sl_status substring_common(sl_vector **args, uint32_t arg_count, const uint32_t *sel, uint32_t count,
                                  sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const int64_t *offsets = SL_VECTOR_DATA(args[1], int64_t);
    const int64_t *lengths = arg_count > 2 ? SL_VECTOR_DATA(args[2], int64_t) : NULL;
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        bool ascii = sl_ascii_only(s, n);
        int64_t size = ascii ? n : sl_utf8_count(s, n);
        int64_t start, end;
        if (!substring_range(size, offsets[row], lengths ? lengths[row] : ((int64_t)1 << 40), &start, &end)) {
            sl_str_view(out, row, "", 0);
            continue;
        }
        uint32_t b, e;
        char_range_to_bytes(s, n, ascii, start, end, &b, &e);
        sl_str_view(out, row, s + b, e - b);
    }
    return SL_OK;
}

/* substring(VARCHAR, BIGINT) / substring(VARCHAR, BIGINT, BIGINT), alias substr. */
static sl_status string_substring(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                  sl_vector *out, sl_error *err)
{
    return substring_common(args, call->arg_count, sel, count, out, err);
}

/* left(VARCHAR, BIGINT n): first n characters; negative n: all but the last |n|. */
static sl_status string_left(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const int64_t *ns = SL_VECTOR_DATA(args[1], int64_t);
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t len = in[row].length;
        int64_t n = ns[row];
        uint64_t keep;
        if (n >= 0) {
            keep = (uint64_t)n;
        } else {
            int64_t size = sl_utf8_count(s, len);
            keep = size + n > 0 ? (uint64_t)(size + n) : 0;
        }
        sl_str_view(out, row, s, sl_utf8_skip(s, len, 0, keep));
    }
    return SL_OK;
}

/* right(VARCHAR, BIGINT n): last n characters; negative n: all but the first |n|. */
static sl_status string_right(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const int64_t *ns = SL_VECTOR_DATA(args[1], int64_t);
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t len = in[row].length;
        int64_t n = ns[row];
        int64_t size = sl_utf8_count(s, len);
        uint64_t skip;
        if (n >= 0)
            skip = size > n ? (uint64_t)(size - n) : 0;
        else
            skip = -n < size ? (uint64_t)(-n) : (uint64_t)size;
        uint32_t b = sl_utf8_skip(s, len, 0, skip);
        sl_str_view(out, row, s + b, len - b);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ trim */

/* Is the code point at s[0] (length clen) one of the characters of set[0..set_len)? */
static bool in_char_set(const char *c, uint32_t clen, const char *set, uint32_t set_len)
{
    for (uint32_t k = 0; k < set_len;) {
        uint32_t l = sl_utf8_char_length(set + k, set_len - k);
        if (l == clen && memcmp(set + k, c, clen) == 0)
            return true;
        k += l;
    }
    return false;
}

enum { TRIM_LEFT = 1, TRIM_RIGHT = 2, TRIM_BOTH = 3 };

static sl_status trim_common(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, int sides, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const sl_string *sets = call->arg_count > 1 ? STR(args[1]) : NULL;
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t b = 0, e = in[row].length;
        const char *set = " ";
        uint32_t set_len = 1;
        if (sets) {
            set = sl_string_data(&sets[row]);
            set_len = sets[row].length;
        }
        if (set_len == 1) {   /* common case: one ASCII character */
            if (sides & TRIM_LEFT)
                while (b < e && s[b] == set[0])
                    b++;
            if (sides & TRIM_RIGHT)
                while (e > b && s[e - 1] == set[0])
                    e--;
        } else {
            if (sides & TRIM_LEFT) {
                while (b < e) {
                    uint32_t l = sl_utf8_char_length(s + b, e - b);
                    if (!in_char_set(s + b, l, set, set_len))
                        break;
                    b += l;
                }
            }
            if (sides & TRIM_RIGHT) {
                while (e > b) {
                    uint32_t start = e - 1;
                    while (start > b && sl_utf8_is_continuation((unsigned char)s[start]))
                        start--;
                    if (!in_char_set(s + start, e - start, set, set_len))
                        break;
                    e = start;
                }
            }
        }
        sl_str_view(out, row, s + b, e - b);
    }
    return SL_OK;
}

static sl_status string_trim(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    return trim_common(call, args, sel, count, out, TRIM_BOTH, err);
}

static sl_status string_ltrim(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    return trim_common(call, args, sel, count, out, TRIM_LEFT, err);
}

static sl_status string_rtrim(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    return trim_common(call, args, sel, count, out, TRIM_RIGHT, err);
}

/* ------------------------------------------------------------------ search */

/* Byte offset of the first occurrence of needle in hay, or -1. Empty needle: 0. */
static int64_t find_bytes(const char *hay, uint32_t hay_len, const char *needle, uint32_t needle_len)
{
    if (needle_len == 0)
        return 0;
    if (needle_len > hay_len)
        return -1;
    const char *p = (const char *)memmem(hay, hay_len, needle, needle_len);
    return p ? p - hay : -1;
}

/* strpos / position(VARCHAR haystack, VARCHAR needle) -> BIGINT: 1-based character
 * position of the first occurrence, 0 if absent. */
static sl_status string_strpos(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, sl_error *err)
{
    const sl_string *hay = STR(args[0]);
    const sl_string *needle = STR(args[1]);
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    FOR_ACTIVE_ROWS(i, row) {
        const char *h = sl_string_data(&hay[row]);
        int64_t at = find_bytes(h, hay[row].length, sl_string_data(&needle[row]), needle[row].length);
        res[row] = at < 0 ? 0 : (int64_t)sl_utf8_count(h, (uint32_t)at) + 1;
    }
    return SL_OK;
}

static sl_status string_contains(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                 sl_vector *out, sl_error *err)
{
    const sl_string *hay = STR(args[0]);
    const sl_string *needle = STR(args[1]);
    uint8_t *res = SL_VECTOR_DATA(out, uint8_t);
    FOR_ACTIVE_ROWS(i, row) {
        res[row] = find_bytes(sl_string_data(&hay[row]), hay[row].length, sl_string_data(&needle[row]),
                              needle[row].length) >= 0;
    }
    return SL_OK;
}

static sl_status string_starts_with(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                    sl_vector *out, sl_error *err)
{
    const sl_string *s = STR(args[0]);
    const sl_string *p = STR(args[1]);
    uint8_t *res = SL_VECTOR_DATA(out, uint8_t);
    FOR_ACTIVE_ROWS(i, row) {
        res[row] = p[row].length <= s[row].length &&
                   memcmp(sl_string_data(&s[row]), sl_string_data(&p[row]), p[row].length) == 0;
    }
    return SL_OK;
}

static sl_status string_ends_with(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                  sl_vector *out, sl_error *err)
{
    const sl_string *s = STR(args[0]);
    const sl_string *p = STR(args[1]);
    uint8_t *res = SL_VECTOR_DATA(out, uint8_t);
    FOR_ACTIVE_ROWS(i, row) {
        res[row] = p[row].length <= s[row].length &&
                   memcmp(sl_string_data(&s[row]) + (s[row].length - p[row].length), sl_string_data(&p[row]),
                          p[row].length) == 0;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ replace */

/* replace(VARCHAR s, VARCHAR from, VARCHAR to): every occurrence of from (non-empty)
 * replaced by to, scanning left to right without overlap. */
static sl_status string_replace(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const sl_string *from = STR(args[1]);
    const sl_string *to = STR(args[2]);
    char local[SL_STRING_INLINE_MAX];
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        const char *f = sl_string_data(&from[row]);
        uint32_t fl = from[row].length;
        const char *t = sl_string_data(&to[row]);
        uint32_t tl = to[row].length;
        uint64_t hits = 0;
        for (int64_t at = 0, pos = 0; fl > 0 && (at = find_bytes(s + pos, n - (uint32_t)pos, f, fl)) >= 0;) {
            hits++;
            pos += at + fl;
        }
        if (hits == 0) {
            sl_str_view(out, row, s, n);
            continue;
        }
        uint64_t total = n + hits * tl - hits * fl;
        if (total > SL_STRING_MAX_LENGTH)
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                   "replace: result of %llu bytes exceeds the maximum string length",
                                   (unsigned long long)total);
        char *dst = sl_str_begin(out, (uint32_t)total, local);
        if (!dst)
            return sl_error_oom(err);
        uint32_t pos = 0, w = 0;
        for (int64_t at; (at = find_bytes(s + pos, n - pos, f, fl)) >= 0;) {
            memcpy(dst + w, s + pos, (size_t)at);
            w += (uint32_t)at;
            memcpy(dst + w, t, tl);
            w += tl;
            pos += (uint32_t)at + fl;
        }
        memcpy(dst + w, s + pos, n - pos);
        sl_str_view(out, row, dst, (uint32_t)total);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ concat / || */

static sl_status concat_common(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, bool skip_nulls, sl_error *err)
{
    uint32_t nargs = call->arg_count;
    char local[SL_STRING_INLINE_MAX];
    if (skip_nulls && out->validity) {
        /* concat() is never NULL: clear the bits the evaluator may have set. */
        for (uint32_t i = 0; i < count; i++)
            sl_validity_set(out->validity, SL_ROW(sel, i), true);
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!skip_nulls && sl_out_is_null(out, row))
            continue;
        uint64_t total = 0;
        for (uint32_t a = 0; a < nargs; a++)
            if (sl_vector_is_valid(args[a], row))
                total += STR(args[a])[row].length;
        if (total > SL_STRING_MAX_LENGTH)
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                   "concat: result of %llu bytes exceeds the maximum string length",
                                   (unsigned long long)total);
        char *dst = sl_str_begin(out, (uint32_t)total, local);
        if (!dst)
            return sl_error_oom(err);
        uint32_t w = 0;
        for (uint32_t a = 0; a < nargs; a++) {
            if (!sl_vector_is_valid(args[a], row))
                continue;
            const sl_string *s = &STR(args[a])[row];
            memcpy(dst + w, sl_string_data(s), s->length);
            w += s->length;
        }
        sl_str_view(out, row, dst, w);
    }
    return SL_OK;
}

/* concat(VARCHAR, ...): NULL arguments are skipped; the result is never NULL.
 * Declared SL_NULLS_SPECIAL. */
static sl_status string_concat(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, sl_error *err)
{
    return concat_common(call, args, sel, count, out, true, err);
}

/* a || b: NULL if any argument is NULL (SL_NULLS_PROPAGATE). */
static sl_status string_concat_operator(const sl_expr *call, sl_vector **args, const uint32_t *sel,
                                        uint32_t count, sl_vector *out, sl_error *err)
{
    return concat_common(call, args, sel, count, out, false, err);
}

/* ------------------------------------------------------------------ padding */

static sl_status pad_common(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                            sl_vector *out, bool left, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const int64_t *widths = SL_VECTOR_DATA(args[1], int64_t);
    const sl_string *fills = call->arg_count > 2 ? STR(args[2]) : NULL;
    const char *name = left ? "lpad" : "rpad";
    char local[SL_STRING_INLINE_MAX];
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        int64_t width = widths[row];
        const char *fill = fills ? sl_string_data(&fills[row]) : " ";
        uint32_t fill_len = fills ? fills[row].length : 1;
        if (width <= 0) {
            sl_str_view(out, row, "", 0);
            continue;
        }
        int64_t size = sl_utf8_count(s, n);
        if (size >= width) {   /* truncate to width characters */
            sl_str_view(out, row, s, sl_utf8_skip(s, n, 0, (uint64_t)width));
            continue;
        }
        if (fill_len == 0)
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                   "%s: cannot pad to %lld characters with an empty fill string", name,
                                   (long long)width);
        uint64_t need = (uint64_t)(width - size);   /* characters of fill */
        uint32_t fill_chars = sl_utf8_count(fill, fill_len);
        uint64_t full = need / fill_chars;
        uint32_t part = sl_utf8_skip(fill, fill_len, 0, need % fill_chars);
        uint64_t pad_bytes = full * fill_len + part;
        if (pad_bytes + n > SL_STRING_MAX_LENGTH)
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                   "%s: result of %llu bytes exceeds the maximum string length", name,
                                   (unsigned long long)(pad_bytes + n));
        uint32_t total = (uint32_t)(pad_bytes + n);
        char *dst = sl_str_begin(out, total, local);
        if (!dst)
            return sl_error_oom(err);
        char *p = left ? dst : dst + n;
        for (uint64_t k = 0; k < full; k++, p += fill_len)
            memcpy(p, fill, fill_len);
        memcpy(p, fill, part);
        memcpy(left ? dst + pad_bytes : dst, s, n);
        sl_str_view(out, row, dst, total);
    }
    return SL_OK;
}

/* lpad(VARCHAR s, BIGINT width[, VARCHAR fill = ' ']): s truncated or left-padded to
 * width characters. An empty fill that would be needed is an error (DuckDB). */
static sl_status string_lpad(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    return pad_common(call, args, sel, count, out, true, err);
}

static sl_status string_rpad(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    return pad_common(call, args, sel, count, out, false, err);
}

/* ------------------------------------------------------------------ split_part, repeat, reverse */

/* split_part(VARCHAR s, VARCHAR delimiter, BIGINT index): the index-th field (1-based;
 * negative counts from the end); '' when out of range. An empty delimiter splits into
 * characters (DuckDB). */
static sl_status string_split_part(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const sl_string *delims = STR(args[1]);
    const int64_t *indexes = SL_VECTOR_DATA(args[2], int64_t);
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        const char *d = sl_string_data(&delims[row]);
        uint32_t dl = delims[row].length;
        int64_t index = indexes[row];
        if (index == 0) {   /* DuckDB: '' (PostgreSQL raises an error) */
            sl_str_view(out, row, "", 0);
            continue;
        }
        /* Collect field boundaries lazily: count fields first when index is negative. */
        int64_t fields = 1;
        if (index < 0) {
            if (dl == 0) {
                fields = sl_utf8_count(s, n);
            } else {
                for (uint32_t pos = 0;;) {
                    int64_t at = find_bytes(s + pos, n - pos, d, dl);
                    if (at < 0)
                        break;
                    fields++;
                    pos += (uint32_t)at + dl;
                }
            }
            index = fields + index + 1;
            if (index <= 0) {
                sl_str_view(out, row, "", 0);
                continue;
            }
        }
        uint32_t b, e;
        if (dl == 0) {
            b = sl_utf8_skip(s, n, 0, (uint64_t)(index - 1));
            e = sl_utf8_skip(s, n, b, 1);
        } else {
            uint32_t pos = 0;
            int64_t field = 1;
            b = n + 1;   /* not found marker */
            e = n;
            for (;;) {
                int64_t at = find_bytes(s + pos, n - pos, d, dl);
                if (field == index) {
                    b = pos;
                    e = at < 0 ? n : pos + (uint32_t)at;
                    break;
                }
                if (at < 0)
                    break;
                pos += (uint32_t)at + dl;
                field++;
            }
            if (b > n)
                b = e = n;
        }
        sl_str_view(out, row, s + b, e - b);
    }
    return SL_OK;
}

/* repeat(VARCHAR s, BIGINT n): s n times ('' for n <= 0). */
static sl_status string_repeat(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                               sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    const int64_t *times = SL_VECTOR_DATA(args[1], int64_t);
    char local[SL_STRING_INLINE_MAX];
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        int64_t t = times[row];
        if (t <= 0 || n == 0) {
            sl_str_view(out, row, "", 0);
            continue;
        }
        if ((uint64_t)t > SL_STRING_MAX_LENGTH / n)
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                   "repeat: result of %u x %lld bytes exceeds the maximum string length", n,
                                   (long long)t);
        uint32_t total = (uint32_t)(n * (uint64_t)t);
        char *dst = sl_str_begin(out, total, local);
        if (!dst)
            return sl_error_oom(err);
        for (int64_t k = 0; k < t; k++)
            memcpy(dst + k * n, s, n);
        sl_str_view(out, row, dst, total);
    }
    return SL_OK;
}

/* reverse(VARCHAR): code points in reverse order. */
static sl_status string_reverse(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    char local[SL_STRING_INLINE_MAX];
    FOR_ACTIVE_ROWS(i, row) {
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        char *dst = sl_str_begin(out, n, local);
        if (!dst)
            return sl_error_oom(err);
        for (uint32_t pos = 0; pos < n;) {
            uint32_t l = sl_utf8_char_length(s + pos, n - pos);
            memcpy(dst + n - pos - l, s + pos, l);
            pos += l;
        }
        sl_str_view(out, row, dst, n);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ ascii / chr */

/* ascii(VARCHAR) -> INTEGER: code point of the first character, 0 for ''. */
static sl_status string_ascii(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    const sl_string *in = STR(args[0]);
    int32_t *res = SL_VECTOR_DATA(out, int32_t);
    FOR_ACTIVE_ROWS(i, row) {
        uint32_t l;
        res[row] = in[row].length ? sl_utf8_decode(sl_string_data(&in[row]), in[row].length, &l) : 0;
    }
    return SL_OK;
}

/* chr(INTEGER) -> VARCHAR: the character with that code point. */
static sl_status string_chr(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                            sl_vector *out, sl_error *err)
{
    const int32_t *cps = SL_VECTOR_DATA(args[0], int32_t);
    FOR_ACTIVE_ROWS(i, row) {
        char buf[4];
        uint32_t n = sl_utf8_encode(cps[row], buf);
        if (n == 0)
            return sl_error_set_at(err, SL_ERR_RUNTIME, call->position, "chr: invalid code point %d", cps[row]);
        sl_str_view(out, row, buf, n);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ binding */

/* concat / ||: every non-VARCHAR argument is cast to VARCHAR (concat(1, 'a') = '1a'). */
static sl_status bind_cast_args_to_varchar(sl_arena *arena, sl_expr *call, sl_error *err)
{
    for (uint32_t a = 0; a < call->arg_count; a++) {
        if (call->args[a]->type.id != SL_TYPE_VARCHAR)
            SL_TRY(sl_cast_bind(arena, call->args[a], sl_type_make(SL_TYPE_VARCHAR), false, &call->args[a], err));
    }
    call->type = sl_type_make(SL_TYPE_VARCHAR);
    return SL_OK;
}

/* ------------------------------------------------------------------ overload table */

#define V SL_TYPE_VARCHAR
#define I64 SL_TYPE_BIGINT
#define I32 SL_TYPE_INTEGER
#define B SL_TYPE_BOOLEAN
#define ANY SL_TYPE_INVALID
#define FN(sqlname, kernel) { sqlname, kernel, SL_NULLS_PROPAGATE, false }

const sl_overload sl_string_overloads[] = {
    { .name = "length", .arg_count = 1, .args = { V }, .result = I64, .function = FN("length", string_length) },
    { .name = "char_length", .arg_count = 1, .args = { V }, .result = I64, .function = FN("char_length", string_length) },
    { .name = "character_length", .arg_count = 1, .args = { V }, .result = I64,
      .function = FN("character_length", string_length) },
    { .name = "len", .arg_count = 1, .args = { V }, .result = I64, .function = FN("len", string_length) },
    { .name = "octet_length", .arg_count = 1, .args = { V }, .result = I64,
      .function = FN("octet_length", string_octet_length) },
    { .name = "strlen", .arg_count = 1, .args = { V }, .result = I64, .function = FN("strlen", string_octet_length) },
    { .name = "lower", .arg_count = 1, .args = { V }, .result = V, .function = FN("lower", string_lower) },
    { .name = "lcase", .arg_count = 1, .args = { V }, .result = V, .function = FN("lcase", string_lower) },
    { .name = "upper", .arg_count = 1, .args = { V }, .result = V, .function = FN("upper", string_upper) },
    { .name = "ucase", .arg_count = 1, .args = { V }, .result = V, .function = FN("ucase", string_upper) },
    { .name = "initcap", .arg_count = 1, .args = { V }, .result = V, .function = FN("initcap", string_initcap) },
    { .name = "substring", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("substring", string_substring) },
    { .name = "substring", .arg_count = 3, .args = { V, I64, I64 }, .result = V,
      .function = FN("substring", string_substring) },
    { .name = "substr", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("substr", string_substring) },
    { .name = "substr", .arg_count = 3, .args = { V, I64, I64 }, .result = V, .function = FN("substr", string_substring) },
    { .name = "left", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("left", string_left) },
    { .name = "right", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("right", string_right) },
    { .name = "trim", .arg_count = 1, .args = { V }, .result = V, .function = FN("trim", string_trim) },
    { .name = "trim", .arg_count = 2, .args = { V, V }, .result = V, .function = FN("trim", string_trim) },
    { .name = "btrim", .arg_count = 1, .args = { V }, .result = V, .function = FN("btrim", string_trim) },
    { .name = "btrim", .arg_count = 2, .args = { V, V }, .result = V, .function = FN("btrim", string_trim) },
    { .name = "ltrim", .arg_count = 1, .args = { V }, .result = V, .function = FN("ltrim", string_ltrim) },
    { .name = "ltrim", .arg_count = 2, .args = { V, V }, .result = V, .function = FN("ltrim", string_ltrim) },
    { .name = "rtrim", .arg_count = 1, .args = { V }, .result = V, .function = FN("rtrim", string_rtrim) },
    { .name = "rtrim", .arg_count = 2, .args = { V, V }, .result = V, .function = FN("rtrim", string_rtrim) },
    { .name = "replace", .arg_count = 3, .args = { V, V, V }, .result = V, .function = FN("replace", string_replace) },
    { .name = "concat", .arg_count = 1, .args = { ANY }, .variadic = true, .result = V,
      .function = { "concat", string_concat, SL_NULLS_SPECIAL, false }, .bind = bind_cast_args_to_varchar },
    { .name = "||", .arg_count = 2, .args = { V, V }, .result = V, .function = FN("||", string_concat_operator) },
    { .name = "||", .arg_count = 2, .args = { ANY, ANY }, .result = V, .function = FN("||", string_concat_operator),
      .bind = bind_cast_args_to_varchar },
    { .name = "strpos", .arg_count = 2, .args = { V, V }, .result = I64, .function = FN("strpos", string_strpos) },
    { .name = "position", .arg_count = 2, .args = { V, V }, .result = I64, .function = FN("position", string_strpos) },
    { .name = "instr", .arg_count = 2, .args = { V, V }, .result = I64, .function = FN("instr", string_strpos) },
    { .name = "contains", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("contains", string_contains) },
    { .name = "starts_with", .arg_count = 2, .args = { V, V }, .result = B,
      .function = FN("starts_with", string_starts_with) },
    { .name = "prefix", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("prefix", string_starts_with) },
    { .name = "ends_with", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("ends_with", string_ends_with) },
    { .name = "suffix", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("suffix", string_ends_with) },
    { .name = "lpad", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("lpad", string_lpad) },
    { .name = "lpad", .arg_count = 3, .args = { V, I64, V }, .result = V, .function = FN("lpad", string_lpad) },
    { .name = "rpad", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("rpad", string_rpad) },
    { .name = "rpad", .arg_count = 3, .args = { V, I64, V }, .result = V, .function = FN("rpad", string_rpad) },
    { .name = "split_part", .arg_count = 3, .args = { V, V, I64 }, .result = V,
      .function = FN("split_part", string_split_part) },
    { .name = "repeat", .arg_count = 2, .args = { V, I64 }, .result = V, .function = FN("repeat", string_repeat) },
    { .name = "reverse", .arg_count = 1, .args = { V }, .result = V, .function = FN("reverse", string_reverse) },
    { .name = "ascii", .arg_count = 1, .args = { V }, .result = I32, .function = FN("ascii", string_ascii) },
    { .name = "chr", .arg_count = 1, .args = { I32 }, .result = V, .function = FN("chr", string_chr) },

    /* like.c: pattern matching; the optional third argument is the ESCAPE character. */
    { .name = "like", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("like", sl_like_kernel),
      .bind = sl_like_bind },
    { .name = "like", .arg_count = 3, .args = { V, V, V }, .result = B, .function = FN("like", sl_like_kernel),
      .bind = sl_like_bind },
    { .name = "not_like", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("not_like", sl_not_like_kernel),
      .bind = sl_like_bind },
    { .name = "not_like", .arg_count = 3, .args = { V, V, V }, .result = B,
      .function = FN("not_like", sl_not_like_kernel), .bind = sl_like_bind },
    { .name = "ilike", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("ilike", sl_ilike_kernel),
      .bind = sl_like_bind },
    { .name = "ilike", .arg_count = 3, .args = { V, V, V }, .result = B, .function = FN("ilike", sl_ilike_kernel),
      .bind = sl_like_bind },
    { .name = "not_ilike", .arg_count = 2, .args = { V, V }, .result = B,
      .function = FN("not_ilike", sl_not_ilike_kernel), .bind = sl_like_bind },
    { .name = "not_ilike", .arg_count = 3, .args = { V, V, V }, .result = B,
      .function = FN("not_ilike", sl_not_ilike_kernel), .bind = sl_like_bind },

    /* regexp.c (PCRE2); the optional last VARCHAR argument holds option letters. */
    { .name = "regexp_matches", .arg_count = 2, .args = { V, V }, .result = B,
      .function = FN("regexp_matches", sl_regexp_matches_kernel), .bind = sl_regexp_bind },
    { .name = "regexp_matches", .arg_count = 3, .args = { V, V, V }, .result = B,
      .function = FN("regexp_matches", sl_regexp_matches_kernel), .bind = sl_regexp_bind },
    { .name = "regexp_full_match", .arg_count = 2, .args = { V, V }, .result = B,
      .function = FN("regexp_full_match", sl_regexp_full_match_kernel), .bind = sl_regexp_bind },
    { .name = "regexp_full_match", .arg_count = 3, .args = { V, V, V }, .result = B,
      .function = FN("regexp_full_match", sl_regexp_full_match_kernel), .bind = sl_regexp_bind },
    { .name = "glob", .arg_count = 2, .args = { V, V }, .result = B, .function = FN("glob", sl_glob_kernel),
      .bind = sl_regexp_bind },
    { .name = "regexp_replace", .arg_count = 3, .args = { V, V, V }, .result = V,
      .function = FN("regexp_replace", sl_regexp_replace_kernel), .bind = sl_regexp_bind },
    { .name = "regexp_replace", .arg_count = 4, .args = { V, V, V, V }, .result = V,
      .function = FN("regexp_replace", sl_regexp_replace_kernel), .bind = sl_regexp_bind },
    { .name = "regexp_extract", .arg_count = 2, .args = { V, V }, .result = V,
      .function = FN("regexp_extract", sl_regexp_extract_kernel), .bind = sl_regexp_bind },
    { .name = "regexp_extract", .arg_count = 3, .args = { V, V, I64 }, .result = V,
      .function = FN("regexp_extract", sl_regexp_extract_kernel), .bind = sl_regexp_bind },
};
const size_t sl_string_overload_count = sizeof sl_string_overloads / sizeof sl_string_overloads[0];
