/*
 * copy_options.c — parsing of format options (COPY ... WITH (...), read_csv(..., k = v)).
 *
 * Turns name/value pairs into an sl_copy_options (see copy.h). List- and struct-valued
 * options (names = ['a','b'], columns = {'a': 'INTEGER'}) arrive as their SQL text in a
 * VARCHAR value when the parser has no LIST/STRUCT literal; a tiny scanner here reads
 * that text. Every error names the option and says what is expected.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "formats/copy.h"

void sl_copy_options_init(sl_copy_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->format = SL_COPY_FORMAT_CSV;
    opts->header = -1;
    opts->delimiter = ',';
    opts->quote = '"';
    opts->escape = '"';
    opts->auto_detect = true;
    opts->sample_size = 20480;
    opts->compression = -1;
}

sl_copy_format sl_copy_effective_format(const sl_copy_options *opts)
{
    if (!opts->format_set && opts->path) {
        size_t n = strlen(opts->path);
        if (n >= 8 && strcasecmp(opts->path + n - 8, ".parquet") == 0)
            return SL_COPY_FORMAT_PARQUET;
        if ((n >= 6 && strcasecmp(opts->path + n - 6, ".arrow") == 0) ||
            (n >= 8 && strcasecmp(opts->path + n - 8, ".feather") == 0))
            return SL_COPY_FORMAT_ARROW;
        if (n >= 7 && strcasecmp(opts->path + n - 7, ".arrows") == 0)
            return SL_COPY_FORMAT_ARROWS;
    }
    return opts->format;
}

static bool option_is(const char *name, const char *candidate)
{
    return strcasecmp(name, candidate) == 0;
}

/* Value as text (VARCHAR only); NULL for other types. */
static const char *value_text(const sl_value *v)
{
    if (v->is_null || v->type.id != SL_TYPE_VARCHAR)
        return NULL;
    return v->v.str.data;
}

static sl_status option_bool(const char *name, const sl_value *v, bool *out, sl_error *err)
{
    if (!v || v->is_null)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s' expects a boolean value", name);
    if (v->type.id == SL_TYPE_BOOLEAN) {
        *out = v->v.boolean;
        return SL_OK;
    }
    if (sl_type_is_integer(v->type)) {
        *out = v->v.i64 != 0;
        return SL_OK;
    }
    const char *t = value_text(v);
    if (t) {
        if (!strcasecmp(t, "true") || !strcasecmp(t, "on") || !strcasecmp(t, "1") || !strcasecmp(t, "yes")) {
            *out = true;
            return SL_OK;
        }
        if (!strcasecmp(t, "false") || !strcasecmp(t, "off") || !strcasecmp(t, "0") || !strcasecmp(t, "no")) {
            *out = false;
            return SL_OK;
        }
    }
    return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s' expects a boolean value (true or false)", name);
}

static sl_status option_int(const char *name, const sl_value *v, int64_t *out, sl_error *err)
{
    if (v && !v->is_null && sl_type_is_integer(v->type)) {
        *out = v->v.i64;
        return SL_OK;
    }
    const char *t = v ? value_text(v) : NULL;
    if (t && *t) {
        char *end;
        long long n = strtoll(t, &end, 10);
        if (*end == '\0') {
            *out = n;
            return SL_OK;
        }
    }
    return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s' expects an integer value", name);
}

/* Single character option; empty string means "none" ('\0') when allow_empty. */
static sl_status option_char(const char *name, const sl_value *v, bool allow_empty, char *out, sl_error *err)
{
    const char *t = v ? value_text(v) : NULL;
    if (!t)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s' expects a single character string", name);
    size_t n = strlen(t);
    if (n == 2 && t[0] == '\\' && t[1] == 't')
        t = "\t", n = 1;
    if (n == 1 || (n == 0 && allow_empty)) {
        if (n == 1 && (t[0] == '\n' || t[0] == '\r'))
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s' cannot be a newline character", name);
        *out = n ? t[0] : '\0';
        return SL_OK;
    }
    return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s' must be a single character, got '%s'", name, t);
}

/* ------------------------------------------------------------------ list / struct text */

/* Reads one item of a list/struct literal text: a quoted string ('x' or "x") or a bare word
 * up to ',', ':', ']' or '}'. Returns the arena copy, advances *p; NULL on syntax error. */
static char *scan_item(sl_arena *arena, const char **p)
{
    const char *s = *p;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\'' || *s == '"') {
        char q = *s++;
        char buf[512];
        size_t n = 0;
        for (;;) {
            if (!*s)
                return NULL;
            if (*s == q) {
                if (s[1] == q) {
                    s += 2;
                    if (n < sizeof buf - 1)
                        buf[n++] = q;
                    continue;
                }
                s++;
                break;
            }
            if (n < sizeof buf - 1)
                buf[n++] = *s;
            s++;
        }
        *p = s;
        return sl_arena_strndup(arena, buf, n);
    }
    const char *start = s;
    int paren = 0;
    while (*s && (paren > 0 || (*s != ',' && *s != ':' && *s != ']' && *s != '}'))) {
        if (*s == '(')
            paren++;
        else if (*s == ')')
            paren--;
        s++;
    }
    const char *end = s;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    if (end == start)
        return NULL;
    *p = s;
    return sl_arena_strndup(arena, start, (size_t)(end - start));
}

/* Parses "['a', 'b']", "a, b" or "{'a': 'INT', 'b': 'VARCHAR'}" (pairs = true) into
 * arena arrays. */
static sl_status scan_list(sl_arena *arena, const char *option, const char *text, bool pairs, uint32_t *count,
                           char ***keys, char ***values, sl_error *err)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    char close = 0;
    if (*p == '[' || *p == '{' || *p == '(') {
        close = *p == '[' ? ']' : *p == '{' ? '}' : ')';
        p++;
    }
    size_t cap = 8, n = 0;
    char **k = sl_arena_alloc(arena, cap * sizeof *k);
    char **v = sl_arena_alloc(arena, cap * sizeof *v);
    if (!k || !v)
        return sl_error_oom(err);
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (close && *p == close) {
            p++;
            break;
        }
        if (!close && !*p)
            break;
        if (n == cap) {
            char **nk = sl_arena_alloc(arena, 2 * cap * sizeof *nk);
            char **nv = sl_arena_alloc(arena, 2 * cap * sizeof *nv);
            if (!nk || !nv)
                return sl_error_oom(err);
            memcpy(nk, k, n * sizeof *k);
            memcpy(nv, v, n * sizeof *v);
            k = nk, v = nv, cap *= 2;
        }
        k[n] = scan_item(arena, &p);
        if (!k[n])
            goto syntax;
        v[n] = NULL;
        while (isspace((unsigned char)*p))
            p++;
        if (pairs) {
            if (*p != ':')
                goto syntax;
            p++;
            v[n] = scan_item(arena, &p);
            if (!v[n])
                goto syntax;
            while (isspace((unsigned char)*p))
                p++;
        }
        n++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (close && *p == close) {
            p++;
            break;
        }
        if (!close && !*p)
            break;
        goto syntax;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        goto syntax;
    *count = (uint32_t)n;
    *keys = k;
    *values = v;
    return SL_OK;
syntax:
    return sl_error_set(err, SL_ERR_INVALID_ARG, pairs
                        ? "option '%s' expects {'name': 'TYPE', ...}, got: %s"
                        : "option '%s' expects a list ['a', 'b', ...], got: %s", option, text);
}

/* "DECIMAL(15,2)", "int", "varchar(10)" -> sl_type. */
static sl_status parse_type_text(const char *option, const char *text, sl_type *out, sl_error *err)
{
    char base[64];
    size_t n = 0;
    const char *p = text;
    while (*p && *p != '(' && n < sizeof base - 1)
        base[n++] = *p++;
    while (n > 0 && isspace((unsigned char)base[n - 1]))
        n--;
    base[n] = '\0';
    int precision = 0, scale = 0;
    bool has_args = false;
    if (*p == '(') {
        has_args = true;
        char *end;
        precision = (int)strtol(p + 1, &end, 10);
        p = end;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',') {
            scale = (int)strtol(p + 1, &end, 10);
            p = end;
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p != ')')
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s': malformed type '%s'", option, text);
    }
    bool is_decimal = !strcasecmp(base, "decimal") || !strcasecmp(base, "numeric");
    if (is_decimal && !has_args)
        precision = 18, scale = 3;
    if (!is_decimal && has_args)
        precision = scale = 0; /* varchar(10) */
    if (!sl_type_parse(base, precision, scale, out) && !sl_type_parse(text, precision, scale, out))
        return sl_error_set(err, SL_ERR_INVALID_ARG, "option '%s': unknown type '%s'", option, text);
    return SL_OK;
}

sl_status sl_copy_option_set(sl_arena *arena, sl_copy_options *opts, const char *name, const sl_value *value,
                             sl_error *err)
{
    sl_value true_value = sl_value_boolean(true);
    if (!value)
        value = &true_value;
    if (option_is(name, "format")) {
        const char *t = value_text(value);
        if (t && !strcasecmp(t, "csv"))
            opts->format = SL_COPY_FORMAT_CSV;
        else if (t && (!strcasecmp(t, "json") || !strcasecmp(t, "ndjson") || !strcasecmp(t, "newline_delimited")))
            opts->format = SL_COPY_FORMAT_JSON;
        else if (t && !strcasecmp(t, "parquet"))
            opts->format = SL_COPY_FORMAT_PARQUET;
        else if (t && (!strcasecmp(t, "arrow") || !strcasecmp(t, "feather") || !strcasecmp(t, "ipc")))
            opts->format = SL_COPY_FORMAT_ARROW;
        else if (t && (!strcasecmp(t, "arrows") || !strcasecmp(t, "arrow_stream")))
            opts->format = SL_COPY_FORMAT_ARROWS;
        else
            return sl_error_set(err, SL_ERR_INVALID_ARG, "unsupported FORMAT '%s' (expected csv, json, parquet, arrow or arrows)",
                                t ? t : "?");
        opts->format_set = true;
        return SL_OK;
    }
    if (option_is(name, "compression") || option_is(name, "codec")) {
        const char *t = value_text(value);
        static const char *const codecs[] = { "uncompressed", "snappy", "gzip", NULL, NULL, NULL, "zstd", "lz4_raw" };
        if (t && (!strcasecmp(t, "none") || !strcasecmp(t, "uncompressed")))
            opts->compression = 0;
        else if (t && !strcasecmp(t, "lz4"))
            opts->compression = 7;
        else {
            opts->compression = -2;
            for (int i = 0; t && i < 8; i++)
                if (codecs[i] && !strcasecmp(t, codecs[i]))
                    opts->compression = i;
            if (opts->compression == -2)
                return sl_error_set(err, SL_ERR_INVALID_ARG,
                                    "unsupported COMPRESSION '%s' (expected snappy, zstd, gzip, lz4 or none)", t ? t : "?");
        }
        return SL_OK;
    }
    if (option_is(name, "row_group_size")) {
        SL_TRY(option_int("row_group_size", value, &opts->row_group_size, err));
        if (opts->row_group_size <= 0 || opts->row_group_size > (1 << 30))
            return sl_error_set(err, SL_ERR_INVALID_ARG, "ROW_GROUP_SIZE must be between 1 and 1073741824");
        return SL_OK;
    }
    if (option_is(name, "header")) {
        bool b;
        SL_TRY(option_bool("header", value, &b, err));
        opts->header = b;
        return SL_OK;
    }
    if (option_is(name, "delim") || option_is(name, "delimiter") || option_is(name, "sep")) {
        SL_TRY(option_char("delimiter", value, false, &opts->delimiter, err));
        opts->delimiter_set = true;
        return SL_OK;
    }
    if (option_is(name, "quote")) {
        SL_TRY(option_char("quote", value, true, &opts->quote, err));
        opts->quote_set = true;
        if (!opts->escape_set)
            opts->escape = opts->quote;
        return SL_OK;
    }
    if (option_is(name, "escape")) {
        SL_TRY(option_char("escape", value, true, &opts->escape, err));
        opts->escape_set = true;
        return SL_OK;
    }
    if (option_is(name, "null") || option_is(name, "nullstr") || option_is(name, "null_string")) {
        const char *t = value_text(value);
        if (!t)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'null' expects a string");
        opts->null_string = sl_arena_strdup(arena, t);
        return opts->null_string ? SL_OK : sl_error_oom(err);
    }
    if (option_is(name, "ignore_errors"))
        return option_bool("ignore_errors", value, &opts->ignore_errors, err);
    if (option_is(name, "auto_detect"))
        return option_bool("auto_detect", value, &opts->auto_detect, err);
    if (option_is(name, "all_varchar"))
        return option_bool("all_varchar", value, &opts->all_varchar, err);
    if (option_is(name, "overwrite") || option_is(name, "overwrite_or_ignore"))
        return option_bool("overwrite", value, &opts->overwrite, err);
    if (option_is(name, "sample_size")) {
        SL_TRY(option_int("sample_size", value, &opts->sample_size, err));
        if (opts->sample_size == 0 || opts->sample_size < -1)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'sample_size' must be positive or -1");
        return SL_OK;
    }
    if (option_is(name, "skip")) {
        SL_TRY(option_int("skip", value, &opts->skip, err));
        if (opts->skip < 0)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'skip' must not be negative");
        return SL_OK;
    }
    if (option_is(name, "columns")) {
        const char *t = value_text(value);
        if (!t)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'columns' expects {'name': 'TYPE', ...}");
        uint32_t n;
        char **keys, **vals;
        SL_TRY(scan_list(arena, "columns", t, true, &n, &keys, &vals, err));
        if (n == 0)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'columns' needs at least one column");
        sl_type *types = sl_arena_alloc(arena, n * sizeof *types);
        if (!types)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < n; i++)
            SL_TRY(parse_type_text("columns", vals[i], &types[i], err));
        opts->column_count = n;
        opts->column_names = (const char **)keys;
        opts->column_types = types;
        return SL_OK;
    }
    if (option_is(name, "names") || option_is(name, "column_names")) {
        const char *t = value_text(value);
        char **keys, **vals;
        if (!t)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'names' expects a list ['a', 'b', ...]");
        SL_TRY(scan_list(arena, "names", t, false, &opts->name_count, &keys, &vals, err));
        opts->names = (const char **)keys;
        return SL_OK;
    }
    if (option_is(name, "types") || option_is(name, "column_types")) {
        const char *t = value_text(value);
        char **keys, **vals;
        uint32_t n;
        if (!t)
            return sl_error_set(err, SL_ERR_INVALID_ARG, "option 'types' expects a list ['INTEGER', ...]");
        SL_TRY(scan_list(arena, "types", t, false, &n, &keys, &vals, err));
        sl_type *types = sl_arena_alloc(arena, (n ? n : 1) * sizeof *types);
        if (!types)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < n; i++)
            SL_TRY(parse_type_text("types", keys[i], &types[i], err));
        opts->type_count = n;
        opts->types = types;
        return SL_OK;
    }
    return sl_error_set(err, SL_ERR_INVALID_ARG,
                        "unknown option '%s' (known: format, compression, row_group_size, header, delimiter, quote, escape, null, "
                        "ignore_errors, auto_detect, all_varchar, sample_size, skip, columns, names, types)",
                        name);
}

sl_status sl_copy_options_parse(sl_arena *arena, sl_copy_options *opts, uint32_t count, const char *const *names,
                                const sl_value *values, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++)
        SL_TRY(sl_copy_option_set(arena, opts, names[i], values ? &values[i] : NULL, err));
    return SL_OK;
}
