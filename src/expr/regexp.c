/*
 * regexp.c — regular expression functions on PCRE2 (UTF-8 mode):
 *
 *   regexp_matches(s, pattern[, options])     -> BOOLEAN, true if pattern matches anywhere
 *   regexp_full_match(s, pattern[, options])  -> BOOLEAN, true if it matches all of s
 *   regexp_replace(s, pattern, replacement[, options])
 *                       -> VARCHAR; first match replaced, every match with option 'g';
 *                          \1..\9 in the replacement insert groups, \0 the whole match,
 *                          \\ a backslash (DuckDB/RE2 syntax)
 *   regexp_extract(s, pattern[, group = 0]) -> VARCHAR; the group of the first match, NULL
 *                          when nothing matches or the group took no part in the match
 *                          (Flink, which the Nexmark queries rely on; DuckDB returns '')
 *
 *   glob(s, pattern)        -> BOOLEAN (the GLOB operator): '*' any run, '?' one character,
 *                          '[abc]' / '[a-z]' / '[!abc]' classes; matches the whole string,
 *                          case-sensitive (translated to an anchored PCRE2 pattern)
 *
 * Options (DuckDB letters): i case-insensitive, c case-sensitive, s '.' matches newline,
 * m/n/p multi-line ('^'/'$' at line breaks), x extended syntax, l literal pattern,
 * g global (regexp_replace only; accepted and ignored elsewhere).
 *
 * A constant pattern (with constant options) is compiled at bind time into call->bind_data;
 * its memory comes from the plan's arena through a PCRE2 general context, so it is freed
 * with the plan and needs no destructor (and therefore is not JIT-compiled: JIT memory
 * would need pcre2_code_free). Non-constant patterns are compiled per row, reusing the
 * previous compilation while the pattern repeats. Invalid UTF-8 input never fails a match
 * (PCRE2_MATCH_INVALID_UTF).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr/string_util.h"

typedef struct regex_compiled {
    pcre2_code *code;
    bool global;           /* option 'g' */
    uint32_t capture_count;
} regex_compiled;

/* ------------------------------------------------------------------ PCRE2 memory */

static void *arena_pcre_malloc(PCRE2_SIZE size, void *data) { return sl_arena_alloc((sl_arena *)data, size); }
static void arena_pcre_free(void *ptr, void *data) { (void)ptr; (void)data; /* freed with the arena */ }
static void *heap_pcre_malloc(PCRE2_SIZE size, void *data) { (void)data; return sl_malloc(size); }
static void heap_pcre_free(void *ptr, void *data) { (void)data; sl_free(ptr); }

/* Parses option letters into PCRE2 compile flags. */
static sl_status regex_parse_options(const char *opts, uint32_t n, const char *fname, int position, uint32_t *flags,
                                     bool *global, sl_error *err)
{
    *flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    *global = false;
    for (uint32_t k = 0; k < n; k++) {
        switch (opts[k]) {
        case 'i': *flags |= PCRE2_CASELESS; break;
        case 'c': *flags &= ~(uint32_t)PCRE2_CASELESS; break;
        case 's': *flags |= PCRE2_DOTALL; break;
        case 'm': case 'n': case 'p': *flags |= PCRE2_MULTILINE; break;
        case 'x': *flags |= PCRE2_EXTENDED; break;
        case 'l': *flags |= PCRE2_LITERAL; break;
        case 'g': *global = true; break;
        default:
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                                   "%s: unknown regular expression option '%c' (use i, c, s, m, x, l or g)", fname,
                                   opts[k]);
        }
    }
    return SL_OK;
}

/* Compiles pattern[0..n) with option letters opts into *out using gctx's allocator. */
static sl_status regex_compile(pcre2_general_context *gctx, const char *pattern, uint32_t n, const char *opts,
                               uint32_t opts_len, const char *fname, int position, regex_compiled *out, sl_error *err)
{
    uint32_t flags;
    SL_TRY(regex_parse_options(opts, opts_len, fname, position, &flags, &out->global, err));
    pcre2_compile_context *cctx = pcre2_compile_context_create(gctx);
    if (!cctx)
        return sl_error_oom(err);
    int code;
    PCRE2_SIZE offset;
    out->code = pcre2_compile((PCRE2_SPTR)pattern, n, flags, &code, &offset, cctx);
    pcre2_compile_context_free(cctx);
    if (!out->code) {
        if (code == PCRE2_ERROR_NOMEMORY)
            return sl_error_oom(err);
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position,
                               "%s: invalid regular expression '%.*s' at offset %zu: %s", fname, (int)(n > 200 ? 200 : n),
                               pattern, (size_t)offset, (const char *)msg);
    }
    pcre2_pattern_info(out->code, PCRE2_INFO_CAPTURECOUNT, &out->capture_count);
    return SL_OK;
}

static const char *call_name(const sl_expr *call)
{
    return call->function && call->function->name ? call->function->name : "regexp";
}

/* Index of the options argument of a call (-1 if none): regexp_replace has it 4th, the
 * others 3rd; regexp_extract's 3rd argument is the group number, not options. */
static int options_arg(const sl_expr *call)
{
    const char *name = call_name(call);
    if (strcmp(name, "regexp_extract") == 0)
        return -1;
    if (strcmp(name, "regexp_replace") == 0)
        return call->arg_count > 3 ? 3 : -1;
    return call->arg_count > 2 ? 2 : -1;
}

/* Translates a GLOB pattern into an (unanchored) PCRE2 pattern appended to out. */
static sl_status glob_to_regex(const char *g, uint32_t n, sl_strbuf *out, sl_error *err)
{
    out->length = 0;
    for (uint32_t k = 0; k < n; k++) {
        char c = g[k];
        if (c == '*') {
            SL_TRY(sl_strbuf_append(out, ".*", 2, err));
        } else if (c == '?') {
            SL_TRY(sl_strbuf_append(out, ".", 1, err));
        } else if (c == '[') {
            /* find the closing bracket; a ']' right after '[' or '[!' is literal */
            uint32_t j = k + 1;
            if (j < n && (g[j] == '!' || g[j] == '^'))
                j++;
            if (j < n && g[j] == ']')
                j++;
            while (j < n && g[j] != ']')
                j++;
            if (j >= n) {   /* no closing bracket: a literal '[' */
                SL_TRY(sl_strbuf_append(out, "\\[", 2, err));
                continue;
            }
            SL_TRY(sl_strbuf_append(out, "[", 1, err));
            uint32_t q = k + 1;
            if (g[q] == '!' || g[q] == '^') {
                SL_TRY(sl_strbuf_append(out, "^", 1, err));
                q++;
            }
            for (; q < j; q++) {
                if (g[q] == '\\' || g[q] == '[' || g[q] == ']' || g[q] == '^')
                    SL_TRY(sl_strbuf_append(out, "\\", 1, err));
                SL_TRY(sl_strbuf_append(out, &g[q], 1, err));
            }
            SL_TRY(sl_strbuf_append(out, "]", 1, err));
            k = j;
        } else {
            if (strchr("\\^$.|?*+()[]{}", c) && c != '\0')
                SL_TRY(sl_strbuf_append(out, "\\", 1, err));
            SL_TRY(sl_strbuf_append(out, &c, 1, err));
        }
    }
    return SL_OK;
}

static bool is_glob(const sl_expr *call) { return strcmp(call_name(call), "glob") == 0; }

/* Compiles pattern text for `call`: GLOB patterns are translated first. */
static sl_status compile_for_call(const sl_expr *call, pcre2_general_context *gctx, const char *pattern, uint32_t n,
                                  const char *opts, uint32_t opts_len, regex_compiled *out, sl_error *err)
{
    if (!is_glob(call))
        return regex_compile(gctx, pattern, n, opts, opts_len, call_name(call), call->position, out, err);
    sl_strbuf re = { 0 };
    sl_status st = glob_to_regex(pattern, n, &re, err);
    if (st == SL_OK)
        st = regex_compile(gctx, re.data ? re.data : "", (uint32_t)re.length, "s", 1, "glob", call->position, out, err);
    sl_strbuf_free(&re);
    return st;
}

/* Bind hook: compiles a constant pattern (with constant options) into call->bind_data. */
sl_status sl_regexp_bind(sl_arena *arena, sl_expr *call, sl_error *err)
{
    call->bind_data = NULL;
    if (!call->function)
        return SL_OK;
    const sl_expr *pattern = call->args[1];
    int oi = options_arg(call);
    const sl_expr *opts = oi >= 0 ? call->args[oi] : NULL;
    if (pattern->kind != SL_EXPR_CONSTANT || pattern->value.is_null || pattern->value.type.id != SL_TYPE_VARCHAR)
        return SL_OK;
    if (opts && (opts->kind != SL_EXPR_CONSTANT || opts->value.is_null || opts->value.type.id != SL_TYPE_VARCHAR))
        return SL_OK;
    regex_compiled *compiled = (regex_compiled *)sl_arena_calloc(arena, sizeof *compiled);
    pcre2_general_context *gctx = pcre2_general_context_create(arena_pcre_malloc, arena_pcre_free, arena);
    if (!compiled || !gctx)
        return sl_error_oom(err);
    SL_TRY(compile_for_call(call, gctx, pattern->value.v.str.data, pattern->value.v.str.length,
                            opts ? opts->value.v.str.data : "", opts ? opts->value.v.str.length : 0, compiled, err));
    call->bind_data = compiled;
    return SL_OK;
}

/* ------------------------------------------------------------------ per-call run state */

typedef struct regex_run {
    const sl_expr *call;
    sl_vector **args;
    int options_index;
    const regex_compiled *fixed;
    pcre2_general_context *gctx;   /* sl_malloc-backed */
    pcre2_match_data *match;
    regex_compiled dynamic;        /* per-row compilation */
    char *dynamic_key;             /* pattern + '\0' + options it was compiled from */
    size_t dynamic_key_length;
} regex_run;

static sl_status regex_run_init(regex_run *run, const sl_expr *call, sl_vector **args, sl_error *err)
{
    memset(run, 0, sizeof *run);
    run->call = call;
    run->args = args;
    run->options_index = options_arg(call);
    run->fixed = (const regex_compiled *)call->bind_data;
    run->gctx = pcre2_general_context_create(heap_pcre_malloc, heap_pcre_free, NULL);
    if (!run->gctx)
        return sl_error_oom(err);
    return SL_OK;
}

static void regex_run_free(regex_run *run)
{
    pcre2_match_data_free(run->match);
    pcre2_code_free(run->dynamic.code);
    sl_free(run->dynamic_key);
    pcre2_general_context_free(run->gctx);
}

/* The compiled regex for `row` (and match data sized for it). */
static sl_status regex_for_row(regex_run *run, uint32_t row, const regex_compiled **out, sl_error *err)
{
    const regex_compiled *re = run->fixed;
    if (!re) {
        const sl_string *p = &SL_VECTOR_DATA(run->args[1], sl_string)[row];
        const sl_string *o = run->options_index >= 0 ? &SL_VECTOR_DATA(run->args[run->options_index], sl_string)[row]
                                                     : NULL;
        const char *pd = sl_string_data(p);
        const char *od = o ? sl_string_data(o) : "";
        uint32_t ol = o ? o->length : 0;
        size_t key_length = (size_t)p->length + 1 + ol;
        bool same = run->dynamic.code && key_length == run->dynamic_key_length &&
                    memcmp(run->dynamic_key, pd, p->length) == 0 && memcmp(run->dynamic_key + p->length + 1, od, ol) == 0;
        if (!same) {
            pcre2_code_free(run->dynamic.code);
            run->dynamic.code = NULL;
            pcre2_match_data_free(run->match);
            run->match = NULL;
            sl_free(run->dynamic_key);
            run->dynamic_key = (char *)sl_malloc(key_length);
            if (!run->dynamic_key)
                return sl_error_oom(err);
            memcpy(run->dynamic_key, pd, p->length);
            run->dynamic_key[p->length] = '\0';
            memcpy(run->dynamic_key + p->length + 1, od, ol);
            run->dynamic_key_length = key_length;
            SL_TRY(compile_for_call(run->call, run->gctx, pd, p->length, od, ol, &run->dynamic, err));
        }
        re = &run->dynamic;
    }
    if (!run->match) {
        run->match = pcre2_match_data_create(re->capture_count + 1, run->gctx);
        if (!run->match)
            return sl_error_oom(err);
    }
    *out = re;
    return SL_OK;
}

/* Runs one match of re on s[0..n) from byte `start`. Returns 1 on match, 0 on none. */
static sl_status regex_exec(regex_run *run, const regex_compiled *re, const char *s, uint32_t n, uint32_t start,
                            uint32_t options, int *matched, sl_error *err)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, start, options, run->match, NULL);
    if (rc >= 0) {
        *matched = 1;
        return SL_OK;
    }
    if (rc == PCRE2_ERROR_NOMATCH) {
        *matched = 0;
        return SL_OK;
    }
    if (rc == PCRE2_ERROR_NOMEMORY)
        return sl_error_oom(err);
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    return sl_error_set_at(err, SL_ERR_RUNTIME, run->call->position, "%s: matching failed: %s", call_name(run->call),
                           (const char *)msg);
}

/* ------------------------------------------------------------------ kernels */

static sl_status regexp_match_common(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                     sl_vector *out, uint32_t match_options, sl_error *err)
{
    const sl_string *in = SL_VECTOR_DATA(args[0], sl_string);
    uint8_t *res = SL_VECTOR_DATA(out, uint8_t);
    regex_run run;
    sl_status status = regex_run_init(&run, call, args, err);
    for (uint32_t i = 0; status == SL_OK && i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const regex_compiled *re;
        int matched = 0;
        status = regex_for_row(&run, row, &re, err);
        if (status == SL_OK)
            status = regex_exec(&run, re, sl_string_data(&in[row]), in[row].length, 0, match_options, &matched, err);
        res[row] = (uint8_t)matched;
    }
    regex_run_free(&run);
    return status;
}

sl_status sl_regexp_matches_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    return regexp_match_common(call, args, sel, count, out, 0, err);
}

sl_status sl_regexp_full_match_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                      sl_vector *out, sl_error *err)
{
    return regexp_match_common(call, args, sel, count, out, PCRE2_ANCHORED | PCRE2_ENDANCHORED, err);
}

/* Appends the replacement text r[0..rn) for the current match of s (in run->match). */
static sl_status append_replacement(sl_strbuf *buf, const char *s, const PCRE2_SIZE *ov, uint32_t groups,
                                    const char *r, uint32_t rn, sl_error *err)
{
    uint32_t lit = 0;
    for (uint32_t k = 0; k < rn; k++) {
        if (r[k] != '\\' || k + 1 >= rn)
            continue;
        char next = r[k + 1];
        if (next >= '0' && next <= '9') {
            SL_TRY(sl_strbuf_append(buf, r + lit, k - lit, err));
            uint32_t g = (uint32_t)(next - '0');
            if (g < groups && ov[2 * g] != PCRE2_UNSET)
                SL_TRY(sl_strbuf_append(buf, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g], err));
            k++;
            lit = k + 1;
        } else if (next == '\\') {
            SL_TRY(sl_strbuf_append(buf, r + lit, k - lit + 1, err));
            k++;
            lit = k + 1;
        }
    }
    return sl_strbuf_append(buf, r + lit, rn - lit, err);
}

/* glob(s, pattern): the GLOB operator, a full match of the translated pattern. */
sl_status sl_glob_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out,
                         sl_error *err)
{
    return regexp_match_common(call, args, sel, count, out, PCRE2_ANCHORED | PCRE2_ENDANCHORED, err);
}

sl_status sl_regexp_replace_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    const sl_string *in = SL_VECTOR_DATA(args[0], sl_string);
    const sl_string *reps = SL_VECTOR_DATA(args[2], sl_string);
    regex_run run;
    sl_strbuf buf = { 0 };
    sl_status status = regex_run_init(&run, call, args, err);
    if (status == SL_OK)
        status = sl_vector_share_heaps(out, args[0], err);
    for (uint32_t i = 0; status == SL_OK && i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const regex_compiled *re;
        status = regex_for_row(&run, row, &re, err);
        if (status != SL_OK)
            break;
        const char *s = sl_string_data(&in[row]);
        uint32_t n = in[row].length;
        const char *r = sl_string_data(&reps[row]);
        uint32_t rn = reps[row].length;
        uint32_t pos = 0, copied = 0;
        bool any = false;
        buf.length = 0;
        while (pos <= n) {
            int matched;
            status = regex_exec(&run, re, s, n, pos, 0, &matched, err);
            if (status != SL_OK || !matched)
                break;
            any = true;
            const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(run.match);
            uint32_t groups = pcre2_get_ovector_count(run.match);
            status = sl_strbuf_append(&buf, s + copied, ov[0] - copied, err);
            if (status == SL_OK)
                status = append_replacement(&buf, s, ov, groups, r, rn, err);
            if (status != SL_OK)
                break;
            copied = (uint32_t)ov[1];
            pos = (uint32_t)ov[1];
            if (!re->global)
                break;
            if (ov[1] == ov[0]) {   /* empty match: step over one character */
                if (pos >= n)
                    break;
                pos += sl_utf8_char_length(s + pos, n - pos);
            }
        }
        if (status != SL_OK)
            break;
        if (!any) {
            sl_str_view(out, row, s, n);
            continue;
        }
        status = sl_strbuf_append(&buf, s + copied, n - copied, err);
        if (status == SL_OK && buf.length > SL_STRING_MAX_LENGTH)
            status = sl_error_set_at(err, SL_ERR_RUNTIME, call->position,
                                     "regexp_replace: result exceeds the maximum string length");
        if (status == SL_OK)
            status = sl_vector_set_string(out, row, buf.data, (uint32_t)buf.length, err);
    }
    sl_strbuf_free(&buf);
    regex_run_free(&run);
    return status;
}

sl_status sl_regexp_extract_kernel(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,
                                   sl_vector *out, sl_error *err)
{
    const sl_string *in = SL_VECTOR_DATA(args[0], sl_string);
    const int64_t *groups = call->arg_count > 2 ? SL_VECTOR_DATA(args[2], int64_t) : NULL;
    regex_run run;
    sl_status status = regex_run_init(&run, call, args, err);
    if (status == SL_OK)
        status = sl_vector_share_heaps(out, args[0], err);
    for (uint32_t i = 0; status == SL_OK && i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (sl_out_is_null(out, row))
            continue;
        const regex_compiled *re;
        status = regex_for_row(&run, row, &re, err);
        if (status != SL_OK)
            break;
        int64_t group = groups ? groups[row] : 0;
        if (group < 0 || group > re->capture_count) {
            status = sl_error_set_at(err, SL_ERR_INVALID_INPUT, call->position,
                                     "regexp_extract: group %lld does not exist (the pattern has %u groups)",
                                     (long long)group, re->capture_count);
            break;
        }
        const char *s = sl_string_data(&in[row]);
        int matched;
        status = regex_exec(&run, re, s, in[row].length, 0, 0, &matched, err);
        if (status != SL_OK)
            break;
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(run.match);
        if (!matched || ov[2 * group] == PCRE2_UNSET)
            status = sl_vector_set_null(out, row, err);
        else
            sl_str_view(out, row, s + ov[2 * group], (uint32_t)(ov[2 * group + 1] - ov[2 * group]));
    }
    regex_run_free(&run);
    return status;
}
