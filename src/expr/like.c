/*
 * like.c — SQL LIKE / ILIKE / NOT LIKE / NOT ILIKE with an optional ESCAPE character.
 *
 * Semantics (DuckDB): '%' matches any run of characters, '_' exactly one UTF-8 code point;
 * there is no default escape character; ESCAPE must be empty or one character, and a
 * pattern may not end with it. ILIKE folds case with sl_utf8_case_map (ASCII, Latin-1,
 * Greek, Cyrillic).
 *
 * A pattern is compiled into segments split at '%': the first segment is anchored at the
 * start, the last at the end, the middle ones are found leftmost-first (which is optimal
 * for segments without '%'). Segments without '_' are matched with memcmp / memmem, so
 * 'abc%', '%abc', '%abc%' and exact patterns run as prefix / suffix / contains / equality
 * checks without a separate code path. A constant pattern is compiled once at bind time
 * (call->bind_data, in the plan's arena); otherwise each row's pattern is compiled into
 * scratch memory, reusing the previous compilation when the pattern repeats.
 */
#include "expr/string_util.h"

typedef struct like_segment {
    uint32_t start;        /* into like_pattern.text */
    uint32_t length;       /* bytes of pattern text */
    bool has_wildcard;     /* contains '_' */
} like_segment;

typedef struct like_pattern {
    char *text;            /* pattern without '%' and escapes (folded for ILIKE) */
    uint8_t *wild;         /* wild[k] = 1: text[k] is a '_' wildcard */
    uint32_t length;
    like_segment *segments;
    uint32_t segment_count;    /* number of '%' + 1 */
    bool case_insensitive;
} like_pattern;

/* Allocation source for compilation: the plan arena at bind time, sl_malloc at run time. */
typedef struct like_alloc {
    sl_arena *arena;
} like_alloc;

static void *like_malloc(like_alloc *a, size_t size)
{
    return a->arena ? sl_arena_alloc(a->arena, size ? size : 1) : sl_malloc(size ? size : 1);
}

static void like_pattern_free(like_pattern *p)
{
    /* only for run-time (sl_malloc'd) patterns */
    sl_free(p->text);
    sl_free(p->wild);
    sl_free(p->segments);
    memset(p, 0, sizeof *p);
}

/* Compiles pattern[0..n) with escape character `escape` (-1 = none) into *out. Errors are
 * SL_ERR_INVALID_INPUT at `position`. */
static sl_status like_compile(like_alloc *alloc, const char *pattern, uint32_t n, int escape, bool case_insensitive,
                              int position, like_pattern *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->case_insensitive = case_insensitive;
    out->text = (char *)like_malloc(alloc, n);
    out->wild = (uint8_t *)like_malloc(alloc, n);
    uint32_t percents = 0;
    for (uint32_t k = 0; k < n; k++)
        percents += pattern[k] == '%';
    out->segments = (like_segment *)like_malloc(alloc, (percents + 1) * sizeof(like_segment));
    if (!out->text || !out->wild || !out->segments) {
        if (!alloc->arena)
            like_pattern_free(out);
        return sl_error_oom(err);
    }
    like_segment *seg = &out->segments[0];
    seg->start = 0;
    seg->length = 0;
    seg->has_wildcard = false;
    out->segment_count = 1;
    uint32_t w = 0;
    for (uint32_t k = 0; k < n; k++) {
        char c = pattern[k];
        if (escape >= 0 && (unsigned char)c == (unsigned)escape) {
            if (k + 1 >= n) {
                if (!alloc->arena)
                    like_pattern_free(out);
                return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                                       "LIKE pattern must not end with the escape character");
            }
            out->text[w] = pattern[++k];
            out->wild[w++] = 0;
        } else if (c == '%') {
            seg->length = w - seg->start;
            seg = &out->segments[out->segment_count++];
            seg->start = w;
            seg->has_wildcard = false;
        } else {
            out->text[w] = c;
            out->wild[w] = c == '_';
            seg->has_wildcard |= c == '_';
            w++;
        }
    }
    seg->length = w - seg->start;
    out->length = w;
    if (case_insensitive)
        sl_utf8_case_map(out->text, w, out->text, false);
    return SL_OK;
}

/* Does segment seg match s starting at byte pos? On success *end is the byte after it. */
static bool segment_match_at(const like_pattern *p, const like_segment *seg, const char *s, uint32_t n, uint32_t pos,
                             uint32_t *end)
{
    if (!seg->has_wildcard) {
        if (n - pos < seg->length || memcmp(s + pos, p->text + seg->start, seg->length) != 0)
            return false;
        *end = pos + seg->length;
        return true;
    }
    const char *t = p->text + seg->start;
    const uint8_t *wild = p->wild + seg->start;
    for (uint32_t k = 0; k < seg->length; k++) {
        if (pos >= n)
            return false;
        if (wild[k]) {
            pos += sl_utf8_char_length(s + pos, n - pos);
        } else {
            if (s[pos] != t[k])
                return false;
            pos++;
        }
    }
    *end = pos;
    return true;
}

/* Leftmost match of seg in s at or after byte pos; sets *start and *end. */
static bool segment_find(const like_pattern *p, const like_segment *seg, const char *s, uint32_t n, uint32_t pos,
                         uint32_t *start, uint32_t *end)
{
    if (!seg->has_wildcard) {
        if (seg->length == 0) {
            *start = *end = pos;
            return true;
        }
        if (n - pos < seg->length)
            return false;
        const char *hit = (const char *)memmem(s + pos, n - pos, p->text + seg->start, seg->length);
        if (!hit)
            return false;
        *start = (uint32_t)(hit - s);
        *end = *start + seg->length;
        return true;
    }
    for (; pos < n; pos++) {
        if (sl_utf8_is_continuation((unsigned char)s[pos]))
            continue;
        if (segment_match_at(p, seg, s, n, pos, end)) {
            *start = pos;
            return true;
        }
    }
    return false;
}

/* Does s[0..n) (already case-folded for ILIKE) match the compiled pattern? */
static bool like_match(const like_pattern *p, const char *s, uint32_t n)
{
    uint32_t end;
    const like_segment *first = &p->segments[0];
    if (p->segment_count == 1)
        return segment_match_at(p, first, s, n, 0, &end) && end == n;
    if (!segment_match_at(p, first, s, n, 0, &end))
        return false;
    uint32_t pos = end;
    for (uint32_t k = 1; k + 1 < p->segment_count; k++) {
        uint32_t start;
        if (!segment_find(p, &p->segments[k], s, n, pos, &start, &end))
            return false;
        pos = end;
    }
    const like_segment *last = &p->segments[p->segment_count - 1];
    if (!last->has_wildcard)
        return n - pos >= last->length && memcmp(s + n - last->length, p->text + last->start, last->length) == 0;
    for (uint32_t start = pos; start < n; start++) {
        if (!sl_utf8_is_continuation((unsigned char)s[start]) && segment_match_at(p, last, s, n, start, &end) &&
            end == n)
            return true;
    }
    return false;
}

/* The escape character of a LIKE call from its third argument: -1 for none / ''. */
static sl_status like_escape_char(const sl_string *escape, int position, int *out, sl_error *err)
{
    if (!escape || escape->length == 0) {
        *out = -1;
        return SL_OK;
    }
    if (escape->length != 1)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                               "invalid ESCAPE string: it must be empty or one character");
    *out = (unsigned char)sl_string_data(escape)[0];
    return SL_OK;
}

static bool is_ilike(const sl_expr *call)
{
    const char *name = call->function ? call->function->name : "";
    return strcmp(name, "ilike") == 0 || strcmp(name, "not_ilike") == 0;
}

/* Bind hook: compiles a constant pattern (and constant ESCAPE) into call->bind_data. A
 * NULL constant is left to the evaluator (the result is NULL). */
sl_status sl_like_bind(sl_arena *arena, sl_expr *call, sl_error *err)
{
    call->bind_data = NULL;
    const sl_expr *pattern = call->args[1];
    const sl_expr *escape = call->arg_count > 2 ? call->args[2] : NULL;
    if (!call->function || pattern->kind != SL_EXPR_CONSTANT || pattern->value.is_null)
        return SL_OK;
    if (escape && (escape->kind != SL_EXPR_CONSTANT || escape->value.is_null))
        return SL_OK;
    if (pattern->value.type.id != SL_TYPE_VARCHAR || (escape && escape->value.type.id != SL_TYPE_VARCHAR))
        return SL_OK;
    int esc = -1;
    if (escape) {
        sl_string e = sl_string_make(escape->value.v.str.data, escape->value.v.str.length);
        SL_TRY(like_escape_char(&e, call->position, &esc, err));
    }
    like_pattern *compiled = (like_pattern *)sl_arena_alloc(arena, sizeof *compiled);
    if (!compiled)
        return sl_error_oom(err);
    like_alloc alloc = { arena };
    SL_TRY(like_compile(&alloc, pattern->value.v.str.data, pattern->value.v.str.length, esc, is_ilike(call),
                        call->position, compiled, err));
    call->bind_data = compiled;
    return SL_OK;
}

/* Shared kernel body: out[row] = (args[0] LIKE args[1] [ESCAPE args[2]]) != negate. */
static sl_status like_run(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out,
                          bool case_insensitive, bool negate, sl_error *err)
{
    const sl_string *strings = SL_VECTOR_DATA(args[0], sl_string);
    const sl_string *patterns = SL_VECTOR_DATA(args[1], sl_string);
    const sl_string *escapes = call->arg_count > 2 ? SL_VECTOR_DATA(args[2], sl_string) : NULL;
    uint8_t *res = SL_VECTOR_DATA(out, uint8_t);
    const like_pattern *fixed = (const like_pattern *)call->bind_data;
    if (fixed && fixed->case_insensitive != case_insensitive)
        fixed = NULL;   /* compiled for the other variant: do not trust it */
    like_pattern dynamic;
    memset(&dynamic, 0, sizeof dynamic);
    const sl_string *dynamic_source = NULL;   /* pattern the dynamic compilation is for */
    int dynamic_escape = -2;
    sl_strbuf folded = { 0 };
    like_alloc heap_alloc = { NULL };
    sl_status status = SL_OK;

    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const like_pattern *p = fixed;
        if (!p) {
            int esc = -1;
            status = like_escape_char(escapes ? &escapes[row] : NULL, call->position, &esc, err);
            if (status != SL_OK)
                break;
            if (!dynamic_source || esc != dynamic_escape || !sl_string_equal(dynamic_source, &patterns[row])) {
                if (dynamic_source)
                    like_pattern_free(&dynamic);
                dynamic_source = NULL;
                status = like_compile(&heap_alloc, sl_string_data(&patterns[row]), patterns[row].length, esc,
                                      case_insensitive, call->position, &dynamic, err);
                if (status != SL_OK)
                    break;
                dynamic_source = &patterns[row];
                dynamic_escape = esc;
            }
            p = &dynamic;
        }
        const char *s = sl_string_data(&strings[row]);
        uint32_t n = strings[row].length;
        if (case_insensitive) {
            folded.length = 0;
            status = sl_strbuf_append(&folded, s, n, err);
            if (status != SL_OK)
                break;
            sl_utf8_case_map(folded.data, n, folded.data, false);
            s = folded.data;
        }
        res[row] = like_match(p, s, n) != negate;
    }
    if (dynamic_source)
        like_pattern_free(&dynamic);
    sl_strbuf_free(&folded);
    return status;
}

sl_status sl_like_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out,
                         sl_error *err)
{
    return like_run(call, args, sel, count, out, false, false, err);
}

sl_status sl_not_like_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_vector *out, sl_error *err)
{
    return like_run(call, args, sel, count, out, false, true, err);
}

sl_status sl_ilike_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                          sl_vector *out, sl_error *err)
{
    return like_run(call, args, sel, count, out, true, false, err);
}

sl_status sl_not_ilike_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_vector *out, sl_error *err)
{
    return like_run(call, args, sel, count, out, true, true, err);
}
