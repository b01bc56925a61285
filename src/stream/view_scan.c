/*
 * view_scan.c — the rows of a materialized view (a changelog table behind a mutex) and the
 * TABLE_FUNCTION that scans a snapshot of them (see view_scan.h).
 */
#include <pthread.h>
#include <string.h>

#include "catalog/catalog.h"
#include "stream/changelog.h"
#include "stream/view_scan.h"

struct sl_view_store {
    pthread_mutex_t lock;       /* guards table and failure */
    sl_changelog_table *table;
    char *name;
    char *failure;              /* NULL while healthy */
    uint32_t column_count;
    sl_type *types;
};

sl_view_store *sl_view_store_new(const char *name, uint32_t column_count, const sl_type *types)
{
    sl_view_store *s = sl_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->name = sl_strdup(name);
    s->types = sl_malloc((column_count ? column_count : 1) * sizeof(sl_type));
    s->table = sl_changelog_table_new(column_count, types);
    if (!s->name || !s->types || !s->table) {
        sl_changelog_table_free(s->table);
        sl_free(s->types);
        sl_free(s->name);
        sl_free(s);
        return NULL;
    }
    if (column_count)
        memcpy(s->types, types, column_count * sizeof(sl_type));
    s->column_count = column_count;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

void sl_view_store_free(sl_view_store *s)
{
    if (!s)
        return;
    sl_changelog_table_free(s->table);
    pthread_mutex_destroy(&s->lock);
    sl_free(s->failure);
    sl_free(s->types);
    sl_free(s->name);
    sl_free(s);
}

sl_status sl_view_store_apply(sl_view_store *s, const sl_batch *batch, sl_error *err)
{
    pthread_mutex_lock(&s->lock);
    sl_status st = sl_changelog_table_apply(s->table, batch, err);
    pthread_mutex_unlock(&s->lock);
    return st;
}

void sl_view_store_fail(sl_view_store *s, const char *message)
{
    pthread_mutex_lock(&s->lock);
    if (!s->failure)
        s->failure = sl_strdup(message ? message : "unknown error");
    pthread_mutex_unlock(&s->lock);
}

sl_status sl_view_store_rows(sl_view_store *s, sl_batch ***batches, size_t *count, sl_error *err)
{
    *batches = NULL;
    *count = 0;
    pthread_mutex_lock(&s->lock);
    sl_status st = s->failure ? sl_error_set(err, SL_ERR_INVALID_ARG, "materialized view %s failed: %s", s->name,
                                             s->failure)
                              : sl_changelog_table_rows(s->table, batches, count, err);
    pthread_mutex_unlock(&s->lock);
    return st;
}

int64_t sl_view_store_row_count(sl_view_store *s)
{
    pthread_mutex_lock(&s->lock);
    int64_t n = sl_changelog_table_row_count(s->table);
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ------------------------------------------------------------------ the scan */

typedef struct view_scan_state {
    sl_batch **batches;
    size_t count;
    size_t next;
} view_scan_state;

static sl_status view_scan_bind(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    (void)arena, (void)bind_data, (void)column_count, (void)types, (void)names;
    return sl_error_set_at(err, SL_ERR_INTERNAL, args ? args->position : -1,
                           "a materialized view is read by naming it in FROM");
}

static void view_scan_free(void *state)
{
    view_scan_state *s = state;
    if (!s)
        return;
    for (size_t i = s->next; i < s->count; i++)
        sl_batch_free(s->batches[i]);
    sl_free(s->batches);
    sl_free(s);
}

/* Looks the view up now (the statement lock is held) and snapshots its rows. */
static sl_status view_scan_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    const sl_view_scan_bind *bind = bind_data;
    sl_stream_object *view = sl_catalog_find_stream_object(exec->catalog, bind->name);
    if (!view || view->kind != SL_STREAM_OBJECT_MATERIALIZED_VIEW || !view->store)
        return sl_error_set(err, SL_ERR_CATALOG, "materialized view %s was dropped", bind->name);
    bool same = view->column_count == bind->column_count;
    for (uint32_t c = 0; same && c < bind->column_count; c++)
        same = sl_type_equal(view->columns[c].type, bind->types[c]);
    if (!same)
        return sl_error_set(err, SL_ERR_CATALOG, "materialized view %s changed since the statement was prepared",
                            bind->name);
    view_scan_state *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    sl_status st = sl_view_store_rows(view->store, &s->batches, &s->count, err);
    if (st != SL_OK) {
        view_scan_free(s);
        return st;
    }
    *state = s;
    return SL_OK;
}

static sl_status view_scan_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    (void)exec, (void)err;
    view_scan_state *s = state;
    *out = s->next < s->count ? s->batches[s->next++] : NULL;
    return SL_OK;
}

const sl_table_function sl_view_scan_function = {
    .name = "materialized_view_scan",
    .bind = view_scan_bind,
    .init = view_scan_init,
    .next = view_scan_next,
    .free = view_scan_free,
};
