/*
 * manifest.c — the catalog of a persistent database as bytes: `<dir>/manifest`.
 *
 * A line-oriented text format whose names and SQL are length-prefixed (`<bytes>:<text>`),
 * so any character, newlines included, round-trips:
 *
 *   SLUICE MANIFEST 1
 *   table <file number> <len>:<name> <column count>
 *   column <len>:<name> <TYPE> <precision> <scale> <not null 0|1>     (column count times)
 *   view <len>:<name> <alias count> <len>:<sql>
 *   alias <len>:<name>                                               (alias count times)
 *   checksum <xxh64 of every byte before this line, 16 hex digits>
 *
 * Tables and views are written sorted by name, so equal catalogs give equal bytes (the
 * storage layer rewrites the manifest only when the bytes change). Parsing checks every
 * field and reports the file and byte offset of the first thing wrong.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "storage/storage_internal.h"

#define SL_MANIFEST_MAGIC "SLUICE MANIFEST 1\n"

/* ----------------------------------------------------------------- writing */

static sl_status sl_put_text(sl_bytes *out, sl_error *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sl_status sl_put_text(sl_bytes *out, sl_error *err, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return sl_error_set(err, SL_ERR_INTERNAL, "manifest field too long");
    return sl_bytes_append(out, buf, (size_t)n, err);
}

/* " <len>:<text>" */
static sl_status sl_put_string(sl_bytes *out, const char *s, sl_error *err)
{
    SL_TRY(sl_put_text(out, err, " %zu:", strlen(s)));
    return sl_bytes_append(out, s, strlen(s), err);
}

static sl_status sl_manifest_put_table(const sl_table *t, sl_bytes *out, sl_error *err)
{
    SL_TRY(sl_put_text(out, err, "table %" PRIu64, t->storage_id));
    SL_TRY(sl_put_string(out, t->name, err));
    SL_TRY(sl_put_text(out, err, " %u\n", t->column_count));
    for (uint32_t c = 0; c < t->column_count; c++) {
        const sl_column_def *col = &t->columns[c];
        const char *type = sl_storage_type_code_name(sl_storage_type_code(col->type));
        if (!type) {
            char name[32];
            return sl_error_set(err, SL_ERR_IO, "cannot store column \"%s\" of table \"%s\": type %s has no on-disk form",
                                col->name, t->name, sl_type_name(col->type, name, sizeof name));
        }
        bool decimal = col->type.id == SL_TYPE_DECIMAL;
        SL_TRY(sl_put_text(out, err, "column"));
        SL_TRY(sl_put_string(out, col->name, err));
        SL_TRY(sl_put_text(out, err, " %s %u %u %d\n", type, decimal ? col->type.precision : 0,
                           decimal ? col->type.scale : 0, col->not_null ? 1 : 0));
    }
    return SL_OK;
}

static sl_status sl_manifest_put_view(const sl_view *v, sl_bytes *out, sl_error *err)
{
    SL_TRY(sl_put_text(out, err, "view"));
    SL_TRY(sl_put_string(out, v->name, err));
    SL_TRY(sl_put_text(out, err, " %u", v->column_alias_count));
    SL_TRY(sl_put_string(out, v->sql, err));
    SL_TRY(sl_put_text(out, err, "\n"));
    for (uint32_t i = 0; i < v->column_alias_count; i++) {
        SL_TRY(sl_put_text(out, err, "alias"));
        SL_TRY(sl_put_string(out, v->column_aliases[i], err));
        SL_TRY(sl_put_text(out, err, "\n"));
    }
    return SL_OK;
}

sl_status sl_manifest_build(sl_catalog *catalog, sl_bytes *out, sl_error *err)
{
    size_t start = out->size;
    SL_TRY(sl_bytes_append(out, SL_MANIFEST_MAGIC, strlen(SL_MANIFEST_MAGIC), err));
    const char **names = NULL;
    size_t count = 0;
    SL_TRY(sl_catalog_list_tables(catalog, &names, &count, err));
    sl_status st = SL_OK;
    for (size_t i = 0; i < count && st == SL_OK; i++) {
        sl_table *t = sl_catalog_find_table(catalog, names[i]);
        if (t && !t->storage_id)
            st = sl_error_set(err, SL_ERR_INTERNAL, "table \"%s\" has no data file yet", t->name);
        else if (t)
            st = sl_manifest_put_table(t, out, err);
    }
    sl_free(names);
    SL_TRY(st);
    SL_TRY(sl_catalog_list_views(catalog, &names, &count, err));
    for (size_t i = 0; i < count && st == SL_OK; i++) {
        sl_view *v = sl_catalog_find_view(catalog, names[i]);
        if (v)
            st = sl_manifest_put_view(v, out, err);
    }
    sl_free(names);
    SL_TRY(st);
    uint64_t sum = XXH64(out->data + start, out->size - start, 0);
    return sl_put_text(out, err, "checksum %016" PRIx64 "\n", sum);
}

/* ----------------------------------------------------------------- reading */

typedef struct sl_manifest_reader {
    const char *path;
    const uint8_t *data;
    size_t size;        /* bytes before the checksum line */
    size_t pos;
    sl_error *err;
} sl_manifest_reader;

static sl_status sl_manifest_bad(sl_manifest_reader *r, const char *what)
{
    return sl_error_set(r->err, SL_ERR_IO, "manifest '%s' is damaged at offset %zu: %s", r->path, r->pos, what);
}

/* Consumes the literal word (e.g. "table") or fails. */
static bool sl_read_word(sl_manifest_reader *r, const char *word)
{
    size_t n = strlen(word);
    if (r->size - r->pos < n || memcmp(r->data + r->pos, word, n) != 0)
        return false;
    r->pos += n;
    return true;
}

static sl_status sl_read_char(sl_manifest_reader *r, char c, const char *what)
{
    if (r->pos >= r->size || r->data[r->pos] != (uint8_t)c)
        return sl_manifest_bad(r, what);
    r->pos++;
    return SL_OK;
}

static sl_status sl_read_uint(sl_manifest_reader *r, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t digits = 0;
    while (r->pos < r->size && r->data[r->pos] >= '0' && r->data[r->pos] <= '9') {
        v = v * 10 + (r->data[r->pos] - '0');
        if (v > max || ++digits > 19)
            return sl_manifest_bad(r, "number out of range");
        r->pos++;
    }
    if (!digits)
        return sl_manifest_bad(r, "expected a number");
    *out = v;
    return SL_OK;
}

/* " <len>:<text>" into a fresh sl_malloc'd NUL-terminated string. */
static sl_status sl_read_string(sl_manifest_reader *r, char **out)
{
    uint64_t length;
    SL_TRY(sl_read_char(r, ' ', "expected a space"));
    SL_TRY(sl_read_uint(r, UINT32_MAX, &length));
    SL_TRY(sl_read_char(r, ':', "expected ':' after a string length"));
    if (length > r->size - r->pos)
        return sl_manifest_bad(r, "string runs past the end of the file");
    if (memchr(r->data + r->pos, 0, (size_t)length))
        return sl_manifest_bad(r, "NUL byte inside a name");
    *out = sl_strndup((const char *)r->data + r->pos, (size_t)length);
    if (!*out)
        return sl_error_oom(r->err);
    r->pos += (size_t)length;
    return SL_OK;
}

static sl_status sl_read_table(sl_manifest_reader *r, sl_manifest_table *t)
{
    uint64_t number, columns;
    SL_TRY(sl_read_char(r, ' ', "expected a space"));
    SL_TRY(sl_read_uint(r, UINT64_MAX / 2, &number));
    if (number == 0)
        return sl_manifest_bad(r, "table file number 0");
    t->file_number = number;
    SL_TRY(sl_read_string(r, &t->name));
    SL_TRY(sl_read_char(r, ' ', "expected a space"));
    SL_TRY(sl_read_uint(r, 100000, &columns));
    SL_TRY(sl_read_char(r, '\n', "expected the end of the line"));
    t->columns = sl_calloc(columns ? columns : 1, sizeof(sl_column_def));
    if (!t->columns)
        return sl_error_oom(r->err);
    for (uint64_t c = 0; c < columns; c++) {
        if (!sl_read_word(r, "column"))
            return sl_manifest_bad(r, "expected a column line");
        sl_column_def *col = &t->columns[c];
        t->column_count = (uint32_t)c + 1;
        SL_TRY(sl_read_string(r, &col->name));
        SL_TRY(sl_read_char(r, ' ', "expected a space"));
        size_t type_at = r->pos;
        while (r->pos < r->size && r->data[r->pos] >= 'A' && r->data[r->pos] <= 'Z')
            r->pos++;
        uint8_t code = sl_storage_type_code_parse((const char *)r->data + type_at, r->pos - type_at);
        uint64_t precision, scale, not_null;
        SL_TRY(sl_read_char(r, ' ', "expected a space"));
        SL_TRY(sl_read_uint(r, 255, &precision));
        SL_TRY(sl_read_char(r, ' ', "expected a space"));
        SL_TRY(sl_read_uint(r, 255, &scale));
        SL_TRY(sl_read_char(r, ' ', "expected a space"));
        SL_TRY(sl_read_uint(r, 1, &not_null));
        if (!sl_storage_type_from_code(code, (uint8_t)precision, (uint8_t)scale, &col->type)) {
            r->pos = type_at;
            return sl_manifest_bad(r, "unknown column type");
        }
        col->not_null = not_null;
        SL_TRY(sl_read_char(r, '\n', "expected the end of the line"));
    }
    return SL_OK;
}

static sl_status sl_read_view(sl_manifest_reader *r, sl_manifest_view *v)
{
    uint64_t aliases;
    SL_TRY(sl_read_string(r, &v->name));
    SL_TRY(sl_read_char(r, ' ', "expected a space"));
    SL_TRY(sl_read_uint(r, 100000, &aliases));
    SL_TRY(sl_read_string(r, &v->sql));
    SL_TRY(sl_read_char(r, '\n', "expected the end of the line"));
    v->aliases = sl_calloc(aliases ? aliases : 1, sizeof(char *));
    if (!v->aliases)
        return sl_error_oom(r->err);
    for (uint64_t i = 0; i < aliases; i++) {
        if (!sl_read_word(r, "alias"))
            return sl_manifest_bad(r, "expected an alias line");
        SL_TRY(sl_read_string(r, &v->aliases[i]));
        v->alias_count = (uint32_t)i + 1;
        SL_TRY(sl_read_char(r, '\n', "expected the end of the line"));
    }
    return SL_OK;
}

sl_status sl_manifest_parse(const char *path, const uint8_t *data, size_t size, sl_manifest *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    sl_manifest_reader r = { path, data, size, 0, err };
    /* The checksum line is the last 26 bytes: "checksum " + 16 hex digits + "\n". */
    const size_t tail = 9 + 16 + 1;
    size_t magic = strlen(SL_MANIFEST_MAGIC);
    if (size < magic || memcmp(data, SL_MANIFEST_MAGIC, magic) != 0)
        return sl_manifest_bad(&r, "not a Sluice manifest (bad first line)");
    if (size < magic + tail || memcmp(data + size - tail, "checksum ", 9) != 0 || data[size - 1] != '\n') {
        r.pos = size;
        return sl_manifest_bad(&r, "the checksum line is missing (truncated file?)");
    }
    char hex[17];
    memcpy(hex, data + size - tail + 9, 16);
    hex[16] = 0;
    char *end = NULL;
    unsigned long long stored = strtoull(hex, &end, 16);
    r.size = size - tail;
    if (end != hex + 16 || stored != XXH64(data, r.size, 0)) {
        r.pos = r.size;
        return sl_manifest_bad(&r, "checksum mismatch");
    }
    r.pos = magic;
    size_t table_capacity = 0, view_capacity = 0;
    sl_status st = SL_OK;
    while (st == SL_OK && r.pos < r.size) {
        if (sl_read_word(&r, "table")) {
            st = sl_array_reserve((void **)&out->tables, &table_capacity, out->table_count + 1,
                                  sizeof(sl_manifest_table), err);
            if (st == SL_OK) {
                memset(&out->tables[out->table_count], 0, sizeof(sl_manifest_table));
                st = sl_read_table(&r, &out->tables[out->table_count++]);
            }
        } else if (sl_read_word(&r, "view")) {
            st = sl_array_reserve((void **)&out->views, &view_capacity, out->view_count + 1, sizeof(sl_manifest_view),
                                  err);
            if (st == SL_OK) {
                memset(&out->views[out->view_count], 0, sizeof(sl_manifest_view));
                st = sl_read_view(&r, &out->views[out->view_count++]);
            }
        } else {
            st = sl_manifest_bad(&r, "expected a table or view line");
        }
    }
    if (st != SL_OK)
        sl_manifest_free(out);
    return st;
}

void sl_manifest_free(sl_manifest *m)
{
    for (size_t i = 0; i < m->table_count; i++) {
        for (uint32_t c = 0; c < m->tables[i].column_count; c++)
            sl_free(m->tables[i].columns[c].name);
        sl_free(m->tables[i].columns);
        sl_free(m->tables[i].name);
    }
    for (size_t i = 0; i < m->view_count; i++) {
        for (uint32_t a = 0; a < m->views[i].alias_count; a++)
            sl_free(m->views[i].aliases[a]);
        sl_free(m->views[i].aliases);
        sl_free(m->views[i].sql);
        sl_free(m->views[i].name);
    }
    sl_free(m->tables);
    sl_free(m->views);
    memset(m, 0, sizeof *m);
}
