/*
 * catalog.c — the tables and views of one database, and the in-memory table store.
 *
 * Tables and views live in two small arrays searched case-insensitively (a database
 * holds tens to hundreds of relations; a linear scan of names is cheaper than keeping a
 * hash table in sync). The catalog mutex is recursive, so a caller may hold
 * sl_catalog_lock across several catalog calls (each of which also locks).
 *
 * Table storage is an append-only list of chunks: dense batches of at most
 * SL_BATCH_CAPACITY rows. A published chunk is never modified (scans snapshot the chunk
 * count at query start and share chunk vectors without copying), so an append always
 * adds new chunks: a dense input batch is shared as is, anything else (a selection
 * vector, more than SL_BATCH_CAPACITY rows) is copied with typed gathers. An append is
 * all-or-nothing: every check and allocation happens before the chunk list changes.
 * sl_table_append does not take the catalog lock itself (the table has no link to its
 * catalog): callers hold sl_catalog_lock, as scans do while reading the chunk list.
 *
 * Statistics (sl_column_stats, for the optimizer): each append folds its rows into a
 * per-column null count, numeric min/max and a HyperLogLog sketch of sl_hash_vector
 * hashes (1024 one-byte registers, ~3% standard error), after the chunks are committed.
 */
#include "catalog/catalog.h"
#include "common/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hash.h"

struct sl_catalog {
    pthread_mutex_t mutex;
    sl_table **tables;
    size_t table_count;
    size_t table_capacity;
    sl_view **views;
    size_t view_count;
    size_t view_capacity;
    sl_source **sources;        /* CREATE SOURCE; in memory only */
    size_t source_count;
    size_t source_capacity;
    sl_stream_object **streams; /* materialized views and sinks; in memory only */
    size_t stream_count;
    size_t stream_capacity;
};

/* ----------------------------------------------------------------- lifetime */

sl_catalog *sl_catalog_new(void)
{
    sl_catalog *c = sl_calloc(1, sizeof(sl_catalog));
    if (!c)
        return NULL;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init(&c->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
        sl_free(c);
        return NULL;
    }
    return c;
}

static void sl_table_free(sl_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->chunk_count; i++)
        sl_batch_free(t->chunks[i]);
    sl_free(t->chunks);
    sl_free(t->stats);
    for (uint32_t i = 0; i < t->column_count; i++)
        sl_free(t->columns[i].name);
    sl_free(t->columns);
    sl_free(t->name);
    sl_free(t);
}

static void sl_view_free(sl_view *v)
{
    if (!v)
        return;
    for (uint32_t i = 0; i < v->column_alias_count; i++)
        sl_free(v->column_aliases[i]);
    sl_free(v->column_aliases);
    sl_free(v->sql);
    sl_free(v->name);
    sl_free(v);
}

static void sl_source_free(sl_source *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->column_count; i++)
        sl_free(s->columns[i].name);
    sl_free(s->columns);
    for (uint32_t i = 0; i < s->option_count; i++) {
        sl_free(s->options[i].name);
        sl_free(s->options[i].value);
    }
    sl_free(s->options);
    sl_free(s->connector);
    sl_free(s->watermark_sql);
    sl_free(s->name);
    sl_free(s);
}

static void sl_stream_object_free(sl_stream_object *o)
{
    if (!o)
        return;
    for (uint32_t i = 0; i < o->column_count; i++)
        sl_free(o->columns[i].name);
    sl_free(o->columns);
    sl_free(o->definition);
    sl_free(o->name);
    sl_free(o);
}

void sl_catalog_free(sl_catalog *catalog)
{
    if (!catalog)
        return;
    for (size_t i = 0; i < catalog->table_count; i++)
        sl_table_free(catalog->tables[i]);
    for (size_t i = 0; i < catalog->view_count; i++)
        sl_view_free(catalog->views[i]);
    for (size_t i = 0; i < catalog->source_count; i++)
        sl_source_free(catalog->sources[i]);
    sl_free(catalog->tables);
    sl_free(catalog->views);
    sl_free(catalog->sources);
    for (size_t i = 0; i < catalog->stream_count; i++)
        sl_stream_object_free(catalog->streams[i]);
    sl_free(catalog->streams);
    pthread_mutex_destroy(&catalog->mutex);
    sl_free(catalog);
}

void sl_catalog_lock(sl_catalog *catalog)
{
    pthread_mutex_lock(&catalog->mutex);
}

void sl_catalog_unlock(sl_catalog *catalog)
{
    pthread_mutex_unlock(&catalog->mutex);
}

/* ----------------------------------------------------------------- lookups */

static size_t sl_find_table_index(sl_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->table_count; i++)
        if (strcasecmp(c->tables[i]->name, name) == 0)
            return i;
    return SIZE_MAX;
}

static size_t sl_find_view_index(sl_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->view_count; i++)
        if (strcasecmp(c->views[i]->name, name) == 0)
            return i;
    return SIZE_MAX;
}

static size_t sl_find_source_index(sl_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->source_count; i++)
        if (strcasecmp(c->sources[i]->name, name) == 0)
            return i;
    return SIZE_MAX;
}

static size_t sl_find_stream_index(sl_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->stream_count; i++)
        if (strcasecmp(c->streams[i]->name, name) == 0)
            return i;
    return SIZE_MAX;
}

/* "Materialized view with name x already exists" when a stream object holds the name. */
static sl_status sl_stream_name_taken(sl_catalog *c, const char *name, sl_error *err)
{
    size_t i = sl_find_stream_index(c, name);
    if (i == SIZE_MAX)
        return SL_OK;
    return sl_error_set(err, SL_ERR_CATALOG, "%s with name \"%s\" already exists",
                        c->streams[i]->kind == SL_STREAM_OBJECT_SINK ? "Sink" : "Materialized view", name);
}

sl_table *sl_catalog_find_table(sl_catalog *catalog, const char *name)
{
    sl_catalog_lock(catalog);
    size_t i = sl_find_table_index(catalog, name);
    sl_table *t = i == SIZE_MAX ? NULL : catalog->tables[i];
    sl_catalog_unlock(catalog);
    return t;
}

sl_view *sl_catalog_find_view(sl_catalog *catalog, const char *name)
{
    sl_catalog_lock(catalog);
    size_t i = sl_find_view_index(catalog, name);
    sl_view *v = i == SIZE_MAX ? NULL : catalog->views[i];
    sl_catalog_unlock(catalog);
    return v;
}

/* A name is "close" when at most half of it (at least 1, at most 3 edits) differs. */
const char *sl_catalog_suggest(sl_catalog *catalog, const char *name)
{
    size_t limit = sl_suggestion_limit(name);
    const char *best = NULL;
    size_t best_distance = limit + 1;
    sl_catalog_lock(catalog);
    for (size_t i = 0; i < catalog->table_count; i++) {
        size_t d = sl_edit_distance(name, catalog->tables[i]->name, limit);
        if (d < best_distance) {
            best_distance = d;
            best = catalog->tables[i]->name;
        }
    }
    for (size_t i = 0; i < catalog->view_count; i++) {
        size_t d = sl_edit_distance(name, catalog->views[i]->name, limit);
        if (d < best_distance) {
            best_distance = d;
            best = catalog->views[i]->name;
        }
    }
    for (size_t i = 0; i < catalog->source_count; i++) {
        size_t d = sl_edit_distance(name, catalog->sources[i]->name, limit);
        if (d < best_distance) {
            best_distance = d;
            best = catalog->sources[i]->name;
        }
    }
    sl_catalog_unlock(catalog);
    return best;
}

/* ----------------------------------------------------------------- DDL */

static sl_status sl_catalog_create_table_locked(sl_catalog *catalog, const char *name, const sl_column_def *columns,
                                                uint32_t column_count, bool if_not_exists, sl_table **out,
                                                sl_error *err)
{
    size_t existing = sl_find_table_index(catalog, name);
    if (existing != SIZE_MAX || sl_find_view_index(catalog, name) != SIZE_MAX) {
        if (if_not_exists) {
            if (out)
                *out = existing != SIZE_MAX ? catalog->tables[existing] : NULL;
            return SL_OK;
        }
        return sl_error_set(err, SL_ERR_CATALOG, "%s with name \"%s\" already exists",
                            existing != SIZE_MAX ? "Table" : "View", name);
    }
    if (sl_find_source_index(catalog, name) != SIZE_MAX)
        return sl_error_set(err, SL_ERR_CATALOG, "Source with name \"%s\" already exists", name);
    SL_TRY(sl_stream_name_taken(catalog, name, err));
    for (uint32_t i = 0; i < column_count; i++)
        for (uint32_t j = 0; j < i; j++)
            if (strcasecmp(columns[i].name, columns[j].name) == 0)
                return sl_error_set(err, SL_ERR_CATALOG, "column \"%s\" specified more than once in table \"%s\"",
                                    columns[i].name, name);
    SL_TRY(sl_array_reserve((void **)&catalog->tables, &catalog->table_capacity, catalog->table_count + 1,
                            sizeof(sl_table *), err));
    sl_table *t = sl_calloc(1, sizeof(sl_table));
    if (!t)
        return sl_error_oom(err);
    t->name = sl_strdup(name);
    t->columns = sl_calloc(column_count ? column_count : 1, sizeof(sl_column_def));
    t->stats = sl_calloc(column_count ? column_count : 1, sizeof(sl_column_stats));
    if (!t->name || !t->columns || !t->stats) {
        sl_table_free(t);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < column_count; i++) {
        t->columns[i] = columns[i];
        t->columns[i].name = sl_strdup(columns[i].name);
        if (!t->columns[i].name) {
            t->column_count = i;
            sl_table_free(t);
            return sl_error_oom(err);
        }
    }
    t->column_count = column_count;
    catalog->tables[catalog->table_count++] = t;
    if (out)
        *out = t;
    return SL_OK;
}

sl_status sl_catalog_create_table(sl_catalog *catalog, const char *name, const sl_column_def *columns,
                                  uint32_t column_count, bool if_not_exists, sl_table **out, sl_error *err)
{
    sl_catalog_lock(catalog);
    sl_status st = sl_catalog_create_table_locked(catalog, name, columns, column_count, if_not_exists, out, err);
    sl_catalog_unlock(catalog);
    return st;
}

static sl_status sl_catalog_create_view_locked(sl_catalog *catalog, const char *name, const char *sql,
                                               char **column_aliases, uint32_t column_alias_count, bool or_replace,
                                               sl_error *err)
{
    if (sl_find_table_index(catalog, name) != SIZE_MAX)
        return sl_error_set(err, SL_ERR_CATALOG, "Table with name \"%s\" already exists", name);
    if (sl_find_source_index(catalog, name) != SIZE_MAX)
        return sl_error_set(err, SL_ERR_CATALOG, "Source with name \"%s\" already exists", name);
    SL_TRY(sl_stream_name_taken(catalog, name, err));
    size_t existing = sl_find_view_index(catalog, name);
    if (existing != SIZE_MAX && !or_replace)
        return sl_error_set(err, SL_ERR_CATALOG, "View with name \"%s\" already exists", name);
    if (existing == SIZE_MAX)
        SL_TRY(sl_array_reserve((void **)&catalog->views, &catalog->view_capacity, catalog->view_count + 1,
                                sizeof(sl_view *), err));
    sl_view *v = sl_calloc(1, sizeof(sl_view));
    if (!v)
        return sl_error_oom(err);
    v->name = sl_strdup(name);
    v->sql = sl_strdup(sql);
    if (column_alias_count)
        v->column_aliases = sl_calloc(column_alias_count, sizeof(char *));
    if (!v->name || !v->sql || (column_alias_count && !v->column_aliases)) {
        sl_view_free(v);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < column_alias_count; i++) {
        v->column_aliases[i] = sl_strdup(column_aliases[i]);
        v->column_alias_count = i + 1;
        if (!v->column_aliases[i]) {
            sl_view_free(v);
            return sl_error_oom(err);
        }
    }
    if (existing != SIZE_MAX) {
        sl_view_free(catalog->views[existing]);
        catalog->views[existing] = v;
    } else {
        catalog->views[catalog->view_count++] = v;
    }
    return SL_OK;
}

sl_status sl_catalog_create_view(sl_catalog *catalog, const char *name, const char *sql,
                                 char **column_aliases, uint32_t column_alias_count, bool or_replace,
                                 sl_error *err)
{
    sl_catalog_lock(catalog);
    sl_status st = sl_catalog_create_view_locked(catalog, name, sql, column_aliases, column_alias_count,
                                                 or_replace, err);
    sl_catalog_unlock(catalog);
    return st;
}

/* "Table with name x does not exist!" plus a did-you-mean hint; caller holds the lock. */
static sl_status sl_catalog_missing(sl_catalog *catalog, const char *kind, const char *name, sl_error *err)
{
    const char *hint = sl_catalog_suggest(catalog, name);
    if (hint)
        return sl_error_set(err, SL_ERR_CATALOG, "%s with name %s does not exist! Did you mean \"%s\"?", kind,
                            name, hint);
    return sl_error_set(err, SL_ERR_CATALOG, "%s with name %s does not exist!", kind, name);
}

sl_status sl_catalog_drop_table(sl_catalog *catalog, const char *name, bool if_exists, sl_error *err)
{
    sl_status st = SL_OK;
    sl_catalog_lock(catalog);
    size_t i = sl_find_table_index(catalog, name);
    if (i == SIZE_MAX) {
        if (!if_exists) {
            if (sl_find_view_index(catalog, name) != SIZE_MAX)
                st = sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a view, not a table: use DROP VIEW", name);
            else if (sl_find_source_index(catalog, name) != SIZE_MAX)
                st = sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a source, not a table: use DROP SOURCE", name);
            else
                st = sl_catalog_missing(catalog, "Table", name, err);
        }
    } else {
        sl_table_free(catalog->tables[i]);
        memmove(&catalog->tables[i], &catalog->tables[i + 1], (catalog->table_count - i - 1) * sizeof(sl_table *));
        catalog->table_count--;
    }
    sl_catalog_unlock(catalog);
    return st;
}

sl_status sl_catalog_drop_view(sl_catalog *catalog, const char *name, bool if_exists, sl_error *err)
{
    sl_status st = SL_OK;
    sl_catalog_lock(catalog);
    size_t i = sl_find_view_index(catalog, name);
    if (i == SIZE_MAX) {
        if (!if_exists) {
            if (sl_find_table_index(catalog, name) != SIZE_MAX)
                st = sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a table, not a view: use DROP TABLE", name);
            else if (sl_find_source_index(catalog, name) != SIZE_MAX)
                st = sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a source, not a view: use DROP SOURCE", name);
            else
                st = sl_catalog_missing(catalog, "View", name, err);
        }
    } else {
        sl_view_free(catalog->views[i]);
        memmove(&catalog->views[i], &catalog->views[i + 1], (catalog->view_count - i - 1) * sizeof(sl_view *));
        catalog->view_count--;
    }
    sl_catalog_unlock(catalog);
    return st;
}

static int sl_compare_names(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

sl_status sl_catalog_list_tables(sl_catalog *catalog, const char ***names, size_t *count, sl_error *err)
{
    sl_catalog_lock(catalog);
    size_t n = catalog->table_count;
    const char **list = sl_malloc((n ? n : 1) * sizeof(char *));
    if (!list) {
        sl_catalog_unlock(catalog);
        return sl_error_oom(err);
    }
    for (size_t i = 0; i < n; i++)
        list[i] = catalog->tables[i]->name;
    sl_catalog_unlock(catalog);
    qsort(list, n, sizeof(char *), sl_compare_names);
    *names = list;
    *count = n;
    return SL_OK;
}

sl_status sl_catalog_list_views(sl_catalog *catalog, const char ***names, size_t *count, sl_error *err)
{
    sl_catalog_lock(catalog);
    size_t n = catalog->view_count;
    const char **list = sl_malloc((n ? n : 1) * sizeof(char *));
    if (!list) {
        sl_catalog_unlock(catalog);
        return sl_error_oom(err);
    }
    for (size_t i = 0; i < n; i++)
        list[i] = catalog->views[i]->name;
    sl_catalog_unlock(catalog);
    qsort(list, n, sizeof(char *), sl_compare_names);
    *names = list;
    *count = n;
    return SL_OK;
}

/* ----------------------------------------------------------------- sources */

/* Deep copy of def (sl_malloc'd); NULL on OOM. */
static sl_source *sl_source_copy(const sl_source *def)
{
    sl_source *s = sl_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    bool ok = (s->name = sl_strdup(def->name)) && (s->connector = sl_strdup(def->connector)) &&
              (!def->watermark_sql || (s->watermark_sql = sl_strdup(def->watermark_sql))) &&
              (s->columns = sl_calloc(def->column_count ? def->column_count : 1, sizeof(sl_column_def))) &&
              (s->options = sl_calloc(def->option_count ? def->option_count : 1, sizeof(sl_source_option)));
    for (uint32_t i = 0; ok && i < def->column_count; i++) {
        s->columns[i] = def->columns[i];
        s->columns[i].name = sl_strdup(def->columns[i].name);
        s->column_count = i + 1;
        ok = s->columns[i].name != NULL;
    }
    for (uint32_t i = 0; ok && i < def->option_count; i++) {
        s->options[i].name = sl_strdup(def->options[i].name);
        s->options[i].value = sl_strdup(def->options[i].value);
        s->option_count = i + 1;
        ok = s->options[i].name && s->options[i].value;
    }
    s->watermark_column = def->watermark_column;
    s->bounded = def->bounded;
    s->changelog = def->changelog;
    if (!ok) {
        sl_source_free(s);
        return NULL;
    }
    return s;
}

sl_status sl_catalog_create_source(sl_catalog *catalog, const sl_source *def, bool if_not_exists, sl_error *err)
{
    sl_status st = SL_OK;
    sl_catalog_lock(catalog);
    if (sl_find_source_index(catalog, def->name) != SIZE_MAX) {
        if (!if_not_exists)
            st = sl_error_set(err, SL_ERR_CATALOG, "Source with name \"%s\" already exists", def->name);
    } else if (sl_find_table_index(catalog, def->name) != SIZE_MAX) {
        st = sl_error_set(err, SL_ERR_CATALOG, "Table with name \"%s\" already exists", def->name);
    } else if (sl_find_view_index(catalog, def->name) != SIZE_MAX) {
        st = sl_error_set(err, SL_ERR_CATALOG, "View with name \"%s\" already exists", def->name);
    } else if ((st = sl_stream_name_taken(catalog, def->name, err)) != SL_OK) {
    } else {
        st = sl_array_reserve((void **)&catalog->sources, &catalog->source_capacity, catalog->source_count + 1,
                              sizeof(sl_source *), err);
        if (st == SL_OK) {
            sl_source *s = sl_source_copy(def);
            if (s)
                catalog->sources[catalog->source_count++] = s;
            else
                st = sl_error_oom(err);
        }
    }
    sl_catalog_unlock(catalog);
    return st;
}

sl_source *sl_catalog_find_source(sl_catalog *catalog, const char *name)
{
    sl_catalog_lock(catalog);
    size_t i = sl_find_source_index(catalog, name);
    sl_source *s = i == SIZE_MAX ? NULL : catalog->sources[i];
    sl_catalog_unlock(catalog);
    return s;
}

sl_status sl_catalog_drop_source(sl_catalog *catalog, const char *name, bool if_exists, sl_error *err)
{
    sl_status st = SL_OK;
    sl_catalog_lock(catalog);
    size_t i = sl_find_source_index(catalog, name);
    if (i == SIZE_MAX) {
        if (!if_exists) {
            if (sl_find_table_index(catalog, name) != SIZE_MAX)
                st = sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a table, not a source: use DROP TABLE", name);
            else if (sl_find_view_index(catalog, name) != SIZE_MAX)
                st = sl_error_set(err, SL_ERR_CATALOG, "\"%s\" is a view, not a source: use DROP VIEW", name);
            else
                st = sl_catalog_missing(catalog, "Source", name, err);
        }
    } else {
        sl_source_free(catalog->sources[i]);
        memmove(&catalog->sources[i], &catalog->sources[i + 1],
                (catalog->source_count - i - 1) * sizeof(sl_source *));
        catalog->source_count--;
    }
    sl_catalog_unlock(catalog);
    return st;
}

sl_status sl_catalog_list_sources(sl_catalog *catalog, const char ***names, size_t *count, sl_error *err)
{
    sl_catalog_lock(catalog);
    size_t n = catalog->source_count;
    const char **list = sl_malloc((n ? n : 1) * sizeof(char *));
    if (!list) {
        sl_catalog_unlock(catalog);
        return sl_error_oom(err);
    }
    for (size_t i = 0; i < n; i++)
        list[i] = catalog->sources[i]->name;
    sl_catalog_unlock(catalog);
    qsort(list, n, sizeof(char *), sl_compare_names);
    *names = list;
    *count = n;
    return SL_OK;
}

/* ----------------------------------------------------------------- materialized views and sinks */

sl_status sl_catalog_create_stream_object(sl_catalog *catalog, const sl_stream_object *def, sl_error *err)
{
    sl_catalog_lock(catalog);
    sl_status st = SL_OK;
    if (sl_find_table_index(catalog, def->name) != SIZE_MAX)
        st = sl_error_set(err, SL_ERR_CATALOG, "Table with name \"%s\" already exists", def->name);
    else if (sl_find_view_index(catalog, def->name) != SIZE_MAX)
        st = sl_error_set(err, SL_ERR_CATALOG, "View with name \"%s\" already exists", def->name);
    else if (sl_find_source_index(catalog, def->name) != SIZE_MAX)
        st = sl_error_set(err, SL_ERR_CATALOG, "Source with name \"%s\" already exists", def->name);
    else
        st = sl_stream_name_taken(catalog, def->name, err);
    if (st == SL_OK)
        st = sl_array_reserve((void **)&catalog->streams, &catalog->stream_capacity, catalog->stream_count + 1,
                              sizeof(sl_stream_object *), err);
    sl_stream_object *o = NULL;
    if (st == SL_OK) {
        o = sl_calloc(1, sizeof *o);
        bool ok = o && (o->name = sl_strdup(def->name)) &&
                  (!def->definition || (o->definition = sl_strdup(def->definition))) &&
                  (o->columns = sl_calloc(def->column_count ? def->column_count : 1, sizeof(sl_column_def)));
        for (uint32_t i = 0; ok && i < def->column_count; i++) {
            o->columns[i] = def->columns[i];
            o->columns[i].name = sl_strdup(def->columns[i].name);
            o->column_count = i + 1;
            ok = o->columns[i].name != NULL;
        }
        if (ok) {
            o->kind = def->kind;
            o->store = def->store;
            o->job = def->job;
            catalog->streams[catalog->stream_count++] = o;
        } else {
            sl_stream_object_free(o);
            st = sl_error_oom(err);
        }
    }
    sl_catalog_unlock(catalog);
    return st;
}

sl_stream_object *sl_catalog_find_stream_object(sl_catalog *catalog, const char *name)
{
    sl_catalog_lock(catalog);
    size_t i = sl_find_stream_index(catalog, name);
    sl_stream_object *o = i == SIZE_MAX ? NULL : catalog->streams[i];
    sl_catalog_unlock(catalog);
    return o;
}

void sl_catalog_remove_stream_object(sl_catalog *catalog, const char *name)
{
    sl_catalog_lock(catalog);
    size_t i = sl_find_stream_index(catalog, name);
    if (i != SIZE_MAX) {
        sl_stream_object_free(catalog->streams[i]);
        memmove(&catalog->streams[i], &catalog->streams[i + 1],
                (catalog->stream_count - i - 1) * sizeof(sl_stream_object *));
        catalog->stream_count--;
    }
    sl_catalog_unlock(catalog);
}

sl_status sl_catalog_list_stream_objects(sl_catalog *catalog, sl_stream_object_kind kind, const char ***names,
                                         size_t *count, sl_error *err)
{
    sl_catalog_lock(catalog);
    const char **list = sl_malloc((catalog->stream_count ? catalog->stream_count : 1) * sizeof(char *));
    if (!list) {
        sl_catalog_unlock(catalog);
        return sl_error_oom(err);
    }
    size_t n = 0;
    for (size_t i = 0; i < catalog->stream_count; i++)
        if (catalog->streams[i]->kind == kind)
            list[n++] = catalog->streams[i]->name;
    sl_catalog_unlock(catalog);
    qsort(list, n, sizeof(char *), sl_compare_names);
    *names = list;
    *count = n;
    return SL_OK;
}

/* ----------------------------------------------------------------- statistics */

bool sl_stats_numeric(sl_type type, const void *slot, double *out)
{
    switch (type.id) {
    case SL_TYPE_TINYINT: *out = *(const int8_t *)slot; return true;
    case SL_TYPE_SMALLINT: *out = *(const int16_t *)slot; return true;
    case SL_TYPE_INTEGER: *out = *(const int32_t *)slot; return true;
    case SL_TYPE_BIGINT: *out = (double)*(const int64_t *)slot; return true;
    case SL_TYPE_REAL: *out = *(const float *)slot; break;
    case SL_TYPE_DOUBLE: *out = *(const double *)slot; break;
    case SL_TYPE_DATE: *out = *(const int32_t *)slot; return true;
    case SL_TYPE_TIMESTAMP: *out = (double)*(const int64_t *)slot / 86400e6; return true;
    case SL_TYPE_DECIMAL: {
        double v = type.precision <= SL_DECIMAL_INT64_MAX_PRECISION ? (double)*(const int64_t *)slot
                                                                    : (double)*(const sl_int128 *)slot;
        *out = v / pow(10.0, type.scale);
        return true;
    }
    default:
        return false;
    }
    return !isnan(*out);
}

double sl_column_stats_distinct(const sl_column_stats *st)
{
    double sum = 0.0;
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < SL_HLL_REGISTERS; i++) {
        sum += ldexp(1.0, -(int)st->hll[i]);
        zeros += st->hll[i] == 0;
    }
    double m = SL_HLL_REGISTERS;
    if (zeros == SL_HLL_REGISTERS)
        return 0.0;
    double estimate = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
    if (estimate <= 2.5 * m && zeros)
        estimate = m * log(m / zeros);   /* linear counting for small cardinalities */
    return estimate;
}

/* Folds the active rows of batch (rows sel[0..count) or 0..count) into the statistics.
 * Cannot fail: hashing uses a stack buffer, one SL_BATCH_CAPACITY slice at a time. */
static void sl_table_update_stats(sl_table *t, const sl_batch *batch)
{
    if (!t->stats)
        return;
    uint64_t hashes[SL_BATCH_CAPACITY];
    uint32_t slice_sel[SL_BATCH_CAPACITY];
    for (uint32_t c = 0; c < t->column_count; c++) {
        sl_column_stats *st = &t->stats[c];
        const sl_vector *v = batch->columns[c];
        size_t width = sl_type_width(v->type);
        for (uint32_t first = 0; first < batch->count; first += SL_BATCH_CAPACITY) {
            uint32_t n = batch->count - first < SL_BATCH_CAPACITY ? batch->count - first : SL_BATCH_CAPACITY;
            for (uint32_t i = 0; i < n; i++)
                slice_sel[i] = batch->sel ? batch->sel[first + i] : first + i;
            sl_hash_vector(v, slice_sel, n, hashes, false);
            for (uint32_t i = 0; i < n; i++) {
                uint32_t row = slice_sel[i];
                if (!sl_vector_is_valid(v, row)) {
                    st->null_count++;
                    continue;
                }
                uint64_t h = hashes[i];
                uint32_t reg = (uint32_t)(h >> (64 - SL_HLL_BITS));
                uint64_t rest = h << SL_HLL_BITS;
                uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - SL_HLL_BITS + 1);
                if (rank > st->hll[reg])
                    st->hll[reg] = rank;
                double x;
                if (width && sl_stats_numeric(v->type, (const uint8_t *)v->data + (size_t)row * width, &x)) {
                    if (!st->has_range) {
                        st->min = st->max = x;
                        st->has_range = true;
                    } else if (x < st->min) {
                        st->min = x;
                    } else if (x > st->max) {
                        st->max = x;
                    }
                }
            }
        }
    }
}

/* ----------------------------------------------------------------- storage */

/* A new dense chunk holding active rows [first, first + n) of src, copied. */
static sl_status sl_table_copy_chunk(const sl_table *t, const sl_batch *src, const uint32_t *identity,
                                     uint32_t first, uint32_t n, sl_batch **out, sl_error *err)
{
    sl_batch *chunk = sl_batch_new(t->column_count);
    if (!chunk)
        return sl_error_oom(err);
    const uint32_t *sel = src->sel ? src->sel + first : first ? identity + first : NULL;
    for (uint32_t c = 0; c < t->column_count; c++) {
        chunk->columns[c] = sl_vector_new(t->columns[c].type, n);
        sl_status st = chunk->columns[c] ? sl_vector_gather(chunk->columns[c], 0, src->columns[c], sel, n, err)
                                         : sl_error_oom(err);
        if (st != SL_OK) {
            sl_batch_free(chunk);
            return st;
        }
    }
    chunk->length = chunk->count = n;
    *out = chunk;
    return SL_OK;
}

sl_status sl_table_append(sl_table *table, const sl_batch *batch, sl_error *err)
{
    if (batch->column_count != table->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "table \"%s\" has %u columns but %u values were supplied",
                            table->name, table->column_count, batch->column_count);
    for (uint32_t c = 0; c < table->column_count; c++) {
        const sl_vector *v = batch->columns[c];
        if (!v || !sl_type_equal(v->type, table->columns[c].type)) {
            char want[32], got[32];
            return sl_error_set(err, SL_ERR_TYPE, "cannot append %s values to column \"%s\" of type %s in table \"%s\"",
                                v ? sl_type_name(v->type, got, sizeof got) : "missing", table->columns[c].name,
                                sl_type_name(table->columns[c].type, want, sizeof want), table->name);
        }
    }
    if (batch->count == 0)
        return SL_OK;
    if (batch->change) {
        for (uint32_t r = 0; r < batch->count; r++)
            if (batch->change[sl_batch_row(batch, r)] < 0)
                return sl_error_set(err, SL_ERR_INVALID_ARG,
                                    "cannot append a retraction to table \"%s\": tables are append-only", table->name);
    }
    for (uint32_t c = 0; c < table->column_count; c++) {
        if (table->columns[c].not_null && sl_vector_has_nulls(batch->columns[c], batch->sel, batch->count))
            return sl_error_set(err, SL_ERR_CONSTRAINT, "NOT NULL constraint failed: %s.%s", table->name,
                                table->columns[c].name);
    }

    bool share = !batch->sel && batch->count <= SL_BATCH_CAPACITY;
    uint32_t pieces = share ? 1 : (batch->count + SL_BATCH_CAPACITY - 1) / SL_BATCH_CAPACITY;
    SL_TRY(sl_array_reserve((void **)&table->chunks, &table->chunk_capacity, table->chunk_count + pieces,
                            sizeof(sl_batch *), err));
    if (share) {
        /* a dense batch becomes a chunk as is: the table takes references, no copy */
        sl_batch *chunk = sl_batch_new(table->column_count);
        if (!chunk)
            return sl_error_oom(err);
        for (uint32_t c = 0; c < table->column_count; c++)
            chunk->columns[c] = sl_vector_ref(batch->columns[c]);
        chunk->length = chunk->count = batch->count;
        table->chunks[table->chunk_count++] = chunk;
        table->row_count += batch->count;
        sl_table_update_stats(table, batch);
        return SL_OK;
    }

    uint32_t *identity = NULL;
    if (!batch->sel) {
        identity = sl_malloc((size_t)batch->count * sizeof(uint32_t));
        if (!identity)
            return sl_error_oom(err);
        for (uint32_t r = 0; r < batch->count; r++)
            identity[r] = r;
    }
    sl_status st = SL_OK;
    uint32_t made = 0;
    for (uint32_t first = 0; first < batch->count; first += SL_BATCH_CAPACITY, made++) {
        uint32_t n = batch->count - first < SL_BATCH_CAPACITY ? batch->count - first : SL_BATCH_CAPACITY;
        sl_batch *chunk = NULL;
        st = sl_table_copy_chunk(table, batch, identity, first, n, &chunk, err);
        if (st != SL_OK)
            break;
        /* staged past chunk_count: invisible until committed below */
        table->chunks[table->chunk_count + made] = chunk;
    }
    sl_free(identity);
    if (st != SL_OK) {
        for (uint32_t i = 0; i < made; i++)
            sl_batch_free(table->chunks[table->chunk_count + i]);
        return st;
    }
    table->chunk_count += made;
    table->row_count += batch->count;
    sl_table_update_stats(table, batch);
    return SL_OK;
}
