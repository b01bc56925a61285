/*
 * system_tables.c — what running continuous queries are doing, as tables:
 *
 *   sluice_operator_metrics   one row per operator of every running continuous query:
 *       query_id, operator_id, operator, rows_in, rows_out, late_rows, state_rows,
 *       state_bytes, watermark (the last watermark it forwarded; NULL before any)
 *   sluice_watermarks         one row per source of every running continuous query:
 *       query_id, operator_id, source, watermark, lag (wall clock minus watermark; NULL
 *       before the first watermark and after the last)
 *   sluice_sources            one row per split (partition, file) of every source of every
 *       running continuous query: query_id, operator_id, source, split, partition, name,
 *       next_offset, lag (records behind the end known now), watermark (the greatest
 *       watermark value seen on the split), rows, rejected (by the on_error policy);
 *       unknown values are NULL
 *
 * Both are table functions without arguments that the binder also finds by bare name
 * (`SELECT * FROM sluice_watermarks`). They read the database's query registry
 * (stream/registry.h) through exec->queries, taking one snapshot when the scan starts.
 */
#include <string.h>
#include <sys/time.h>

#include "plan/table_function.h"
#include "stream/registry.h"

typedef enum system_table { SYSTEM_OPERATOR_METRICS, SYSTEM_WATERMARKS, SYSTEM_SOURCES } system_table;

typedef struct system_scan {
    sl_batch *batch;             /* the snapshot, handed out by the first next() */
    uint32_t rows;
    system_table table;
} system_scan;

static const char *const metrics_names[] = { "query_id",  "operator_id", "operator",    "rows_in",  "rows_out",
                                             "late_rows", "state_rows",  "state_bytes", "watermark" };
static const sl_type_id metrics_types[] = { SL_TYPE_BIGINT, SL_TYPE_INTEGER, SL_TYPE_VARCHAR,
                                            SL_TYPE_BIGINT, SL_TYPE_BIGINT,  SL_TYPE_BIGINT,
                                            SL_TYPE_BIGINT, SL_TYPE_BIGINT,  SL_TYPE_TIMESTAMP };
static const char *const watermark_names[] = { "query_id", "operator_id", "source", "watermark", "lag" };
static const sl_type_id watermark_types[] = { SL_TYPE_BIGINT, SL_TYPE_INTEGER, SL_TYPE_VARCHAR, SL_TYPE_TIMESTAMP,
                                              SL_TYPE_INTERVAL };
static const char *const source_names[] = { "query_id", "operator_id", "source",    "split", "partition", "name",
                                            "next_offset", "lag",     "watermark", "rows",  "rejected" };
static const sl_type_id source_types[] = { SL_TYPE_BIGINT,  SL_TYPE_INTEGER, SL_TYPE_VARCHAR,   SL_TYPE_INTEGER,
                                           SL_TYPE_INTEGER, SL_TYPE_VARCHAR, SL_TYPE_BIGINT,    SL_TYPE_BIGINT,
                                           SL_TYPE_TIMESTAMP, SL_TYPE_BIGINT, SL_TYPE_BIGINT };

static sl_status bind_schema(sl_arena *arena, const sl_table_function_args *args, const char *name,
                             const char *const *names, const sl_type_id *ids, uint32_t count, uint32_t *column_count,
                             sl_type **types, const char ***out_names, sl_error *err)
{
    if (args->positional_count || args->named_count)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, args->position, "%s takes no arguments", name);
    *types = sl_arena_alloc(arena, sizeof **types * count);
    *out_names = sl_arena_alloc(arena, sizeof **out_names * count);
    if (!*types || !*out_names)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        (*types)[i] = sl_type_make(ids[i]);
        (*out_names)[i] = names[i];
    }
    *column_count = count;
    return SL_OK;
}

static sl_status metrics_bind(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                              uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    *bind_data = NULL;
    return bind_schema(arena, args, "sluice_operator_metrics", metrics_names, metrics_types, 9, column_count, types,
                       names, err);
}

static sl_status watermarks_bind(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                                 uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    *bind_data = NULL;
    return bind_schema(arena, args, "sluice_watermarks", watermark_names, watermark_types, 5, column_count, types,
                       names, err);
}

static sl_status sources_bind(sl_arena *arena, const sl_table_function_args *args, void **bind_data,
                              uint32_t *column_count, sl_type **types, const char ***names, sl_error *err)
{
    *bind_data = NULL;
    return bind_schema(arena, args, "sluice_sources", source_names, source_types, 11, column_count, types, names,
                       err);
}

/* Makes room for one more row in the snapshot batch (doubling). */
static sl_status grow(system_scan *s, const sl_type_id *ids, uint32_t ncols, sl_error *err)
{
    if (s->batch && s->rows < s->batch->columns[0]->capacity)
        return SL_OK;
    uint32_t capacity = s->batch ? s->batch->columns[0]->capacity * 2 : 64;
    sl_type types[16];
    for (uint32_t c = 0; c < ncols; c++)
        types[c] = sl_type_make(ids[c]);
    sl_batch *b = sl_batch_new_typed(types, ncols, capacity);
    if (!b)
        return sl_error_oom(err);
    for (uint32_t c = 0; c < ncols && s->batch; c++) {
        sl_status st = sl_vector_gather(b->columns[c], 0, s->batch->columns[c], NULL, s->rows, err);
        if (st != SL_OK) {
            sl_batch_free(b);
            return st;
        }
    }
    sl_batch_free(s->batch);
    s->batch = b;
    return SL_OK;
}

static void set_int64(sl_batch *b, uint32_t c, uint32_t r, int64_t v) { SL_VECTOR_DATA(b->columns[c], int64_t)[r] = v; }

static sl_status set_null(sl_batch *b, uint32_t c, uint32_t r, sl_error *err)
{
    return sl_vector_set_null(b->columns[c], r, err);
}

static sl_status set_text(sl_batch *b, uint32_t c, uint32_t r, const char *text, sl_error *err)
{
    return sl_vector_set_string(b->columns[c], r, text, (uint32_t)strlen(text), err);
}

static sl_status metrics_row(void *state, uint64_t query_id, uint32_t operator_id, const sl_physical_op *plan,
                             const sl_op_metrics *m, void *operator_state, sl_error *err)
{
    system_scan *s = state;
    SL_TRY(grow(s, metrics_types, 9, err));
    sl_batch *b = s->batch;
    uint32_t r = s->rows;
    set_int64(b, 0, r, (int64_t)query_id);
    SL_VECTOR_DATA(b->columns[1], int32_t)[r] = (int32_t)operator_id;
    SL_TRY(set_text(b, 2, r, sl_physical_kind_name(plan->kind), err));
    set_int64(b, 3, r, atomic_load(&((sl_op_metrics *)m)->rows_in));
    set_int64(b, 4, r, atomic_load(&((sl_op_metrics *)m)->rows_out));
    set_int64(b, 5, r, atomic_load(&((sl_op_metrics *)m)->late_rows));
    set_int64(b, 6, r, atomic_load(&((sl_op_metrics *)m)->state_rows));
    set_int64(b, 7, r, atomic_load(&((sl_op_metrics *)m)->state_bytes));
    int64_t wm = atomic_load(&((sl_op_metrics *)m)->watermark);
    if (wm == SL_WATERMARK_NONE || wm == SL_WATERMARK_END)
        SL_TRY(set_null(b, 8, r, err));
    else
        set_int64(b, 8, r, wm);
    s->rows++;
    return SL_OK;
}

static int64_t wall_micros(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static sl_status watermark_row(void *state, uint64_t query_id, uint32_t operator_id, const sl_physical_op *plan,
                               const sl_op_metrics *m, void *operator_state, sl_error *err)
{
    system_scan *s = state;
    if (plan->kind != SL_POP_TABLE_FUNCTION || !plan->source_name)
        return SL_OK;
    SL_TRY(grow(s, watermark_types, 5, err));
    sl_batch *b = s->batch;
    uint32_t r = s->rows;
    set_int64(b, 0, r, (int64_t)query_id);
    SL_VECTOR_DATA(b->columns[1], int32_t)[r] = (int32_t)operator_id;
    SL_TRY(set_text(b, 2, r, plan->source_name, err));
    int64_t wm = atomic_load(&((sl_op_metrics *)m)->watermark);
    if (wm == SL_WATERMARK_NONE || wm == SL_WATERMARK_END) {
        SL_TRY(set_null(b, 3, r, err));
        SL_TRY(set_null(b, 4, r, err));
    } else {
        set_int64(b, 3, r, wm);
        sl_interval lag = { 0, 0, wall_micros() - wm };
        SL_VECTOR_DATA(b->columns[4], sl_interval)[r] = lag;
    }
    s->rows++;
    return SL_OK;
}

static sl_status source_rows(void *state, uint64_t query_id, uint32_t operator_id, const sl_physical_op *plan,
                             const sl_op_metrics *m, void *operator_state, sl_error *err)
{
    system_scan *s = state;
    if (plan->kind != SL_POP_TABLE_FUNCTION || !plan->source_name)
        return SL_OK;
    uint32_t splits = sl_table_function_scan_splits(plan, operator_state);
    for (uint32_t split = 0; split < splits; split++) {
        sl_split_stats stats;
        int64_t watermark;
        sl_table_function_scan_split(plan, operator_state, split, &stats, &watermark);
        SL_TRY(grow(s, source_types, 11, err));
        sl_batch *b = s->batch;
        uint32_t r = s->rows;
        set_int64(b, 0, r, (int64_t)query_id);
        SL_VECTOR_DATA(b->columns[1], int32_t)[r] = (int32_t)operator_id;
        SL_TRY(set_text(b, 2, r, plan->source_name, err));
        SL_VECTOR_DATA(b->columns[3], int32_t)[r] = (int32_t)split;
        if (stats.partition >= 0)
            SL_VECTOR_DATA(b->columns[4], int32_t)[r] = stats.partition;
        else
            SL_TRY(set_null(b, 4, r, err));
        if (stats.name)
            SL_TRY(set_text(b, 5, r, stats.name, err));
        else
            SL_TRY(set_null(b, 5, r, err));
        if (stats.offset >= 0)
            set_int64(b, 6, r, stats.offset);
        else
            SL_TRY(set_null(b, 6, r, err));
        if (stats.lag >= 0)
            set_int64(b, 7, r, stats.lag);
        else
            SL_TRY(set_null(b, 7, r, err));
        if (watermark == SL_WATERMARK_NONE || watermark == SL_WATERMARK_END)
            SL_TRY(set_null(b, 8, r, err));
        else
            set_int64(b, 8, r, watermark);
        set_int64(b, 9, r, stats.rows);
        set_int64(b, 10, r, stats.rejected);
        s->rows++;
    }
    return SL_OK;
}

static sl_status system_init(system_table table, sl_exec_context *exec, void **state, sl_error *err)
{
    system_scan *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_error_oom(err);
    s->table = table;
    sl_query_visit_fn visit = table == SYSTEM_WATERMARKS ? watermark_row
                              : table == SYSTEM_SOURCES  ? source_rows
                                                         : metrics_row;
    sl_status st = SL_OK;
    if (exec->queries)
        st = sl_query_registry_visit(exec->queries, visit, s, err);
    if (st != SL_OK) {
        sl_batch_free(s->batch);
        sl_free(s);
        return st;
    }
    if (s->batch)
        s->batch->length = s->batch->count = s->rows;
    *state = s;
    return SL_OK;
}

static sl_status metrics_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    return system_init(SYSTEM_OPERATOR_METRICS, exec, state, err);
}

static sl_status watermarks_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    return system_init(SYSTEM_WATERMARKS, exec, state, err);
}

static sl_status sources_init(const void *bind_data, sl_exec_context *exec, void **state, sl_error *err)
{
    return system_init(SYSTEM_SOURCES, exec, state, err);
}

static sl_status system_next(void *state, sl_exec_context *exec, sl_batch **out, sl_error *err)
{
    system_scan *s = state;
    *out = s->batch;
    s->batch = NULL;
    return SL_OK;
}

static void system_free(void *state)
{
    system_scan *s = state;
    sl_batch_free(s->batch);
    sl_free(s);
}

const sl_table_function sl_operator_metrics_function = {
    .name = "sluice_operator_metrics",
    .bind = metrics_bind,
    .init = metrics_init,
    .next = system_next,
    .free = system_free,
};

const sl_table_function sl_sources_function = {
    .name = "sluice_sources",
    .bind = sources_bind,
    .init = sources_init,
    .next = system_next,
    .free = system_free,
};

const sl_table_function sl_watermarks_function = {
    .name = "sluice_watermarks",
    .bind = watermarks_bind,
    .init = watermarks_init,
    .next = system_next,
    .free = system_free,
};
