/*
 * flink.c — scalar functions with Flink SQL semantics that the DuckDB-compatible families
 * have no equivalent for (the Nexmark queries use them):
 *
 *   date_format(TIMESTAMP|VARCHAR ts, VARCHAR pattern) -> VARCHAR
 *       ts formatted with a Java DateTimeFormatter / SimpleDateFormat pattern; a VARCHAR ts
 *       is cast to TIMESTAMP first (as Flink does).
 *   split_index(VARCHAR s, VARCHAR delimiter, BIGINT index) -> VARCHAR
 *       the index-th (0-based) field of s split at every delimiter; NULL when index is
 *       negative or past the last field, or when s is empty (Flink: StringUtils.
 *       splitByWholeSeparatorPreserveAllTokens). An empty delimiter splits at every
 *       whitespace character.
 *
 * Functions Flink shares with DuckDB live in their families: MOD (math.c), HOUR / MINUTE /
 * SECOND / YEAR / MONTH / DAYOFMONTH (datetime.c), REGEXP_EXTRACT (regexp.c, which returns
 * NULL when nothing matches, as Flink does), LOWER / UPPER (string.c).
 *
 * Pattern letters (Java; a run of n equal letters is one field):
 *   y  year: yy = last two digits, otherwise zero-padded to n digits (y = unpadded)
 *   M  month: M / MM number, MMM 'Jan', MMMM 'January', MMMMM 'J'
 *   d  day of month      D  day of year
 *   H  hour 0-23         k  hour 1-24     h  hour 1-12     K  hour 0-11
 *   m  minute            s  second        (all zero-padded to n digits)
 *   S  fraction of the second, n digits, truncated (SSS = milliseconds)
 *   a  AM / PM           E  day of week: E..EEE 'Mon', EEEE 'Monday', EEEEE 'M'
 *   'text'  literal text; '' is one quote, inside or outside a quoted run
 * Any other ASCII letter is an error naming the letter and its 1-based position in the
 * pattern (Java reserves all letters); every other character is copied as is.
 *
 * A constant pattern is compiled once at bind time into call->bind_data (plan arena);
 * otherwise each row's pattern is compiled, reusing the last compilation while the
 * pattern repeats (the same cache idea as regexp.c).
 */
#include "expr/registry.h"
#include "expr/string_util.h"

#include <stdio.h>

#define MICROS_PER_SECOND INT64_C(1000000)

/* ------------------------------------------------------------------ pattern compiler */

typedef struct java_token {
    char letter;            /* 0 = literal text */
    uint32_t count;         /* letters in the run */
    uint32_t offset;        /* literal: bytes in the pattern's literal buffer */
    uint32_t length;
} java_token;

typedef struct java_pattern {
    java_token *tokens;
    uint32_t token_count;
    char *literals;         /* literal bytes, quotes resolved */
} java_pattern;

static bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool is_supported_letter(char c)
{
    switch (c) {
    case 'y': case 'M': case 'd': case 'D': case 'H': case 'k': case 'h': case 'K':
    case 'm': case 's': case 'S': case 'a': case 'E':
        return true;
    default:
        return false;
    }
}

/* Compiles pattern p[0..n) into *out. tokens/literals come from `arena` when it is not NULL,
 * else from sl_malloc (the caller frees both with java_pattern_free). Errors name the
 * offending letter and its 1-based position, at the call's SQL position. */
static sl_status java_pattern_compile(sl_arena *arena, const char *fname, const char *p, uint32_t n, int position,
                                      java_pattern *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    size_t token_bytes = sizeof(java_token) * (n + 1);
    out->tokens = arena ? sl_arena_alloc(arena, token_bytes) : sl_malloc(token_bytes);
    out->literals = arena ? sl_arena_alloc(arena, n + 1) : sl_malloc(n + 1);
    if (!out->tokens || !out->literals) {
        if (!arena) {
            sl_free(out->tokens);
            sl_free(out->literals);
        }
        memset(out, 0, sizeof *out);
        return sl_error_oom(err);
    }
    uint32_t lit = 0;
    java_token *literal = NULL;   /* the literal token being extended, if the last one */
    for (uint32_t k = 0; k < n;) {
        char c = p[k];
        if (is_ascii_letter(c)) {
            if (!is_supported_letter(c)) {
                if (!arena) {
                    sl_free(out->tokens);
                    sl_free(out->literals);
                }
                memset(out, 0, sizeof *out);
                return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                                       "%s: unknown pattern letter '%c' at position %u of pattern '%.*s'", fname, c,
                                       k + 1, (int)n, p);
            }
            uint32_t run = 1;
            while (k + run < n && p[k + run] == c)
                run++;
            out->tokens[out->token_count++] = (java_token){ .letter = c, .count = run };
            literal = NULL;
            k += run;
            continue;
        }
        /* literal bytes: plain characters, '' or a 'quoted run' */
        if (!literal) {
            literal = &out->tokens[out->token_count++];
            *literal = (java_token){ .letter = 0, .offset = lit };
        }
        if (c != '\'') {
            out->literals[lit++] = c;
            k++;
        } else if (k + 1 < n && p[k + 1] == '\'') {
            out->literals[lit++] = '\'';
            k += 2;
        } else {
            uint32_t start = k++;
            for (;;) {
                if (k >= n) {
                    if (!arena) {
                        sl_free(out->tokens);
                        sl_free(out->literals);
                    }
                    memset(out, 0, sizeof *out);
                    return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                                           "%s: unterminated quote starting at position %u of pattern '%.*s'", fname,
                                           start + 1, (int)n, p);
                }
                if (p[k] == '\'') {
                    if (k + 1 < n && p[k + 1] == '\'') {
                        out->literals[lit++] = '\'';
                        k += 2;
                        continue;
                    }
                    k++;
                    break;
                }
                out->literals[lit++] = p[k++];
            }
        }
        literal->length = lit - literal->offset;
    }
    return SL_OK;
}

static void java_pattern_free(java_pattern *jp)
{
    sl_free(jp->tokens);
    sl_free(jp->literals);
    memset(jp, 0, sizeof *jp);
}

/* ------------------------------------------------------------------ formatting */

static const char *const month_names[12] = { "January", "February", "March",     "April",   "May",      "June",
                                             "July",    "August",   "September", "October", "November", "December" };
static const char *const day_names[7] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Appends v zero-padded to `width` digits (a minus sign first when negative). */
static sl_status append_padded(sl_strbuf *b, int64_t v, uint32_t width, sl_error *err)
{
    /* digits right to left (no printf: this runs once per field per row) */
    char tmp[48];
    char *end = tmp + sizeof tmp, *p = end;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (width > 20)
        width = 20;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while ((uint32_t)(end - p) < width)
        *--p = '0';
    if (v < 0)
        *--p = '-';
    return sl_strbuf_append(b, p, (size_t)(end - p), err);
}

static sl_status append_name(sl_strbuf *b, const char *name, uint32_t count, sl_error *err)
{
    size_t len = strlen(name);
    if (count <= 3)
        len = 3;
    else if (count >= 5)
        len = 1;
    return sl_strbuf_append(b, name, len, err);
}

/* Appends timestamp `micros` formatted with the compiled pattern. */
static sl_status java_format(sl_strbuf *b, const java_pattern *jp, int64_t micros, sl_error *err)
{
    int64_t days = floor_div(micros, SL_MICROS_PER_DAY);
    int64_t time = micros - days * SL_MICROS_PER_DAY;
    int64_t year;
    unsigned month, day;
    sl_civil_from_days(days, &year, &month, &day);
    int64_t hour = time / (3600 * MICROS_PER_SECOND), minute = time / (60 * MICROS_PER_SECOND) % 60,
            second = time / MICROS_PER_SECOND % 60, fraction = time % MICROS_PER_SECOND;
    int64_t dow = ((days + 4) % 7 + 7) % 7;   /* 1970-01-01 was a Thursday; 0 = Sunday */
    for (uint32_t t = 0; t < jp->token_count; t++) {
        const java_token *tok = &jp->tokens[t];
        uint32_t n = tok->count;
        sl_status st = SL_OK;
        switch (tok->letter) {
        case 0: st = sl_strbuf_append(b, jp->literals + tok->offset, tok->length, err); break;
        case 'y':
            st = n == 2 ? append_padded(b, ((year % 100) + 100) % 100, 2, err) : append_padded(b, year, n, err);
            break;
        case 'M':
            st = n <= 2 ? append_padded(b, month, n, err) : append_name(b, month_names[month - 1], n, err);
            break;
        case 'd': st = append_padded(b, day, n, err); break;
        case 'D': st = append_padded(b, days - sl_days_from_civil(year, 1, 1) + 1, n, err); break;
        case 'H': st = append_padded(b, hour, n, err); break;
        case 'k': st = append_padded(b, hour == 0 ? 24 : hour, n, err); break;
        case 'h': st = append_padded(b, hour % 12 == 0 ? 12 : hour % 12, n, err); break;
        case 'K': st = append_padded(b, hour % 12, n, err); break;
        case 'm': st = append_padded(b, minute, n, err); break;
        case 's': st = append_padded(b, second, n, err); break;
        case 'S': {
            /* n digits of the fraction, truncated; digits past microseconds are zeros */
            char digits[24];
            snprintf(digits, sizeof digits, "%06lld", (long long)fraction);
            for (uint32_t i = 0; i < n && st == SL_OK; i++)
                st = sl_strbuf_append(b, i < 6 ? digits + i : "0", 1, err);
            break;
        }
        case 'a': st = sl_strbuf_append(b, hour < 12 ? "AM" : "PM", 2, err); break;
        case 'E': st = append_name(b, day_names[dow], n, err); break;
        default: st = sl_error_set(err, SL_ERR_INTERNAL, "date_format: letter '%c' not compiled", tok->letter); break;
        }
        SL_TRY(st);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ date_format */

/* Casts a VARCHAR first argument to TIMESTAMP (Flink's DATE_FORMAT(string, format)) and
 * compiles a constant pattern into call->bind_data. */
static sl_status date_format_bind(sl_arena *arena, sl_expr *call, sl_error *err)
{
    call->bind_data = NULL;
    if (call->args[0]->type.id != SL_TYPE_TIMESTAMP)
        SL_TRY(sl_cast_bind(arena, call->args[0], sl_type_make(SL_TYPE_TIMESTAMP), false, &call->args[0], err));
    const sl_expr *pattern = call->args[1];
    if (pattern->kind != SL_EXPR_CONSTANT || pattern->value.is_null || pattern->value.type.id != SL_TYPE_VARCHAR)
        return SL_OK;
    java_pattern *jp = sl_arena_alloc(arena, sizeof *jp);
    if (!jp)
        return sl_error_oom(err);
    SL_TRY(java_pattern_compile(arena, "date_format", pattern->value.v.str.data, (uint32_t)pattern->value.v.str.length,
                                pattern->position >= 0 ? pattern->position : call->position, jp, err));
    call->bind_data = jp;
    return SL_OK;
}

/* date_format(TIMESTAMP ts, VARCHAR pattern) -> VARCHAR. */
static sl_status flink_date_format(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    const int64_t *ts = SL_VECTOR_DATA(args[0], int64_t);
    const sl_string *patterns = SL_VECTOR_DATA(args[1], sl_string);
    const java_pattern *fixed = call->bind_data;
    java_pattern dynamic = { 0 };
    sl_strbuf key = { 0 };   /* the pattern `dynamic` was compiled from */
    bool have_dynamic = false;
    sl_strbuf buf = { 0 };
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < count && st == SL_OK; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const java_pattern *jp = fixed;
        if (!jp) {
            const char *p = sl_string_data(&patterns[row]);
            uint32_t n = patterns[row].length;
            if (!have_dynamic || key.length != n || (n > 0 && memcmp(key.data, p, n) != 0)) {
                java_pattern_free(&dynamic);
                have_dynamic = false;
                key.length = 0;
                st = java_pattern_compile(NULL, "date_format", p, n, call->position, &dynamic, err);
                if (st == SL_OK)
                    st = sl_strbuf_append(&key, p, n, err);
                if (st != SL_OK)
                    break;
                have_dynamic = true;
            }
            jp = &dynamic;
        }
        buf.length = 0;
        st = java_format(&buf, jp, ts[row], err);
        if (st == SL_OK)
            st = sl_vector_set_string(out, row, buf.data ? buf.data : "", (uint32_t)buf.length, err);
    }
    java_pattern_free(&dynamic);
    sl_strbuf_free(&key);
    sl_strbuf_free(&buf);
    return st;
}

/* ------------------------------------------------------------------ split_index */

static bool is_java_whitespace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1C && c <= 0x1F); }

/* Byte offset of the first delimiter at or after `from` in s[0..n) (*dl_out = its length),
 * or n when there is none. An empty delimiter matches any one whitespace byte. */
static uint32_t find_delimiter(const char *s, uint32_t n, uint32_t from, const char *d, uint32_t dl, uint32_t *dl_out)
{
    if (dl == 0) {
        *dl_out = 1;
        for (uint32_t k = from; k < n; k++)
            if (is_java_whitespace((unsigned char)s[k]))
                return k;
        return n;
    }
    *dl_out = dl;
    for (uint32_t k = from; k + dl <= n; k++)
        if (s[k] == d[0] && memcmp(s + k, d, dl) == 0)
            return k;
    return n;
}

/* split_index(VARCHAR s, VARCHAR delimiter, BIGINT index) -> VARCHAR (see the file comment). */
static sl_status flink_split_index(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    (void)call;
    const sl_string *in = SL_VECTOR_DATA(args[0], sl_string);
    const sl_string *delims = SL_VECTOR_DATA(args[1], sl_string);
    const int64_t *indexes = SL_VECTOR_DATA(args[2], int64_t);
    SL_TRY(sl_vector_share_heaps(out, args[0], err));
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        int64_t index = indexes[row];
        if (index < 0 || n == 0) {
            SL_TRY(sl_vector_set_null(out, row, err));
            continue;
        }
        uint32_t start = 0, found_length = 0;
        bool found = true;
        for (int64_t field = 0; field < index; field++) {
            uint32_t at = find_delimiter(s, n, start, sl_string_data(&delims[row]), delims[row].length, &found_length);
            if (at >= n) {
                found = false;
                break;
            }
            start = at + found_length;
        }
        if (!found) {
            SL_TRY(sl_vector_set_null(out, row, err));
            continue;
        }
        uint32_t end = find_delimiter(s, n, start, sl_string_data(&delims[row]), delims[row].length, &found_length);
        sl_str_view(out, row, s + start, end - start);
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ overloads */

#define V SL_TYPE_VARCHAR
#define TS SL_TYPE_TIMESTAMP
#define I64 SL_TYPE_BIGINT
#define FN(sqlname, kernel) { sqlname, kernel, SL_NULLS_PROPAGATE, false }

const sl_overload sl_flink_overloads[] = {
    { .name = "date_format", .arg_count = 2, .args = { TS, V }, .result = V,
      .function = FN("date_format", flink_date_format), .bind = date_format_bind },
    { .name = "date_format", .arg_count = 2, .args = { V, V }, .result = V,
      .function = FN("date_format", flink_date_format), .bind = date_format_bind },
    { .name = "split_index", .arg_count = 3, .args = { V, V, I64 }, .result = V,
      .function = FN("split_index", flink_split_index) },
};
const size_t sl_flink_overload_count = sizeof sl_flink_overloads / sizeof sl_flink_overloads[0];
