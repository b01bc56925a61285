/*
 * late_rows.c — rows that reach a window or interval-join operator behind its watermark
 * (see late_rows.h): counted in the operator's metrics and, when the source asked for it
 * (`late_rows_table = 'name'`), appended to that catalog table, one row per late row.
 *
 * The row itself is stored as a JSON object text, rendered with the JSON writer's value
 * formatting (formats/json_write.c) into an in-memory output. Appending follows INSERT:
 * sl_table_append under the catalog lock, so queries reading the table see whole batches
 * and the chunk list never changes under a concurrent scan.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "stream/late_rows.h"

#include "catalog/catalog.h"
#include "exec/pipeline.h"
#include "formats/file_output.h"
#include "formats/json.h"

#define SL_LATE_ROWS_COLUMNS 5

static const char *const late_names[SL_LATE_ROWS_COLUMNS] = { "operator", "watermark", "event_time", "lateness",
                                                              "row" };
static const sl_type_id late_types[SL_LATE_ROWS_COLUMNS] = { SL_TYPE_VARCHAR, SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP,
                                                             SL_TYPE_INTERVAL, SL_TYPE_VARCHAR };

/* "WINDOW_AGGREGATE#3": the kind and the operator's node index in the running executor
 * (the plan's pre-order position, stable for a plan); the kind alone when the context has
 * no executor. */
static void operator_name(sl_op_context *ctx, const sl_physical_op *plan, char *buf, size_t cap)
{
    const char *kind = sl_physical_kind_name(plan->kind);
    uint32_t index = UINT32_MAX;
    if (ctx->instance && ctx->instance->executor)
        index = sl_executor_node_index(ctx->instance->executor, plan);
    if (index == UINT32_MAX)
        snprintf(buf, cap, "%s", kind);
    else
        snprintf(buf, cap, "%s#%u", kind, index);
}

/* Renders physical row `row` of batch as a JSON object keyed by the input's column names
 * into `out` (an in-memory output, reset first). */
static sl_status row_json(sl_file_output *out, const sl_physical_op *input, const sl_batch *batch, uint32_t row,
                          sl_error *err)
{
    out->size = 0;
    SL_TRY(sl_file_output_putc(out, '{', err));
    for (uint32_t c = 0; c < batch->column_count; c++) {
        if (c > 0)
            SL_TRY(sl_file_output_putc(out, ',', err));
        const char *name = input->names && input->names[c] ? input->names[c] : NULL;
        char fallback[32];
        if (!name) {
            snprintf(fallback, sizeof fallback, "column%u", c);
            name = fallback;
        }
        SL_TRY(sl_json_write_string(out, name, strlen(name), err));
        SL_TRY(sl_file_output_putc(out, ':', err));
        SL_TRY(sl_json_write_value(out, batch->columns[c], row, err));
    }
    return sl_file_output_putc(out, '}', err);
}

/* Fills `rows` (count late rows) of the late-rows batch `late`. */
static sl_status fill_late_batch(sl_op_context *ctx, const sl_physical_op *plan, const sl_physical_op *input,
                                 const sl_batch *batch, const uint32_t *rows, const int64_t *event_times,
                                 uint32_t count, int64_t watermark, sl_batch *late, sl_error *err)
{
    char name[96];
    operator_name(ctx, plan, name, sizeof name);
    sl_file_output json;
    SL_TRY(sl_file_output_open_memory(&json, err));
    sl_status st = SL_OK;
    int64_t *watermarks = SL_VECTOR_DATA(late->columns[1], int64_t);
    int64_t *times = SL_VECTOR_DATA(late->columns[2], int64_t);
    sl_interval *lateness = SL_VECTOR_DATA(late->columns[3], sl_interval);
    for (uint32_t i = 0; i < count && st == SL_OK; i++) {
        st = sl_vector_set_string(late->columns[0], i, name, (uint32_t)strlen(name), err);
        if (st != SL_OK)
            break;
        watermarks[i] = watermark;
        times[i] = event_times[i];
        /* watermark - event_time as TIMESTAMP - TIMESTAMP gives it: days and micros */
        int64_t diff;
        if (__builtin_sub_overflow(watermark, event_times[i], &diff))
            diff = INT64_MAX;
        lateness[i].months = 0;
        lateness[i].days = (int32_t)(diff / INT64_C(86400000000));
        lateness[i].micros = diff % INT64_C(86400000000);
        st = row_json(&json, input, batch, rows[i], err);
        if (st == SL_OK)
            st = sl_vector_set_string(late->columns[4], i, json.buf, (uint32_t)json.size, err);
    }
    sl_file_output_abort(&json);
    return st;
}

sl_status sl_late_rows_report(sl_op_context *ctx, const sl_physical_op *plan, const sl_physical_op *input,
                              const sl_batch *batch, const uint32_t *rows, const int64_t *event_times,
                              uint32_t count, int64_t watermark, sl_error *err)
{
    if (count == 0)
        return SL_OK;
    sl_op_metrics *metrics = sl_op_metrics_of(ctx);
    if (metrics)
        atomic_fetch_add(&metrics->late_rows, (long long)count);
    sl_table *table = plan->late_rows_table;
    if (!table)
        return SL_OK;
    if (batch->column_count != input->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "late rows at %s: a batch of %u columns for an input of %u",
                            sl_physical_kind_name(plan->kind), batch->column_count, input->column_count);
    sl_type types[SL_LATE_ROWS_COLUMNS];
    for (uint32_t c = 0; c < SL_LATE_ROWS_COLUMNS; c++)
        types[c] = sl_type_make(late_types[c]);
    sl_status st = SL_OK;
    for (uint32_t first = 0; first < count && st == SL_OK; first += SL_BATCH_CAPACITY) {
        uint32_t n = count - first < SL_BATCH_CAPACITY ? count - first : SL_BATCH_CAPACITY;
        sl_batch *late = sl_batch_new_typed(types, SL_LATE_ROWS_COLUMNS, n);
        if (!late)
            return sl_error_oom(err);
        st = fill_late_batch(ctx, plan, input, batch, rows + first, event_times + first, n, watermark, late, err);
        if (st == SL_OK) {
            late->length = late->count = n;
            sl_catalog *catalog = ctx->exec ? ctx->exec->catalog : NULL;
            if (catalog)
                sl_catalog_lock(catalog);
            st = sl_table_append(table, late, err);
            if (catalog)
                sl_catalog_unlock(catalog);
        }
        sl_batch_free(late);
    }
    return st;
}

/* Checks an existing table's schema against the late-rows schema; runs under the lock. */
static sl_status check_schema(const sl_table *t, sl_error *err)
{
    char want[32], got[32];
    if (t->column_count != SL_LATE_ROWS_COLUMNS)
        return sl_error_set(err, SL_ERR_CATALOG,
                            "table \"%s\" cannot hold late rows: it has %u columns, a late-rows table has 5 "
                            "(operator VARCHAR, watermark TIMESTAMP, event_time TIMESTAMP, lateness INTERVAL, row VARCHAR)",
                            t->name, t->column_count);
    for (uint32_t c = 0; c < SL_LATE_ROWS_COLUMNS; c++) {
        if (strcasecmp(t->columns[c].name, late_names[c]) != 0)
            return sl_error_set(err, SL_ERR_CATALOG,
                                "table \"%s\" cannot hold late rows: its column %u is \"%s\", expected \"%s\"", t->name,
                                c + 1, t->columns[c].name, late_names[c]);
        sl_type type = sl_type_make(late_types[c]);
        if (!sl_type_equal(t->columns[c].type, type))
            return sl_error_set(err, SL_ERR_CATALOG,
                                "table \"%s\" cannot hold late rows: column \"%s\" has type %s, expected %s", t->name,
                                t->columns[c].name, sl_type_name(t->columns[c].type, got, sizeof got),
                                sl_type_name(type, want, sizeof want));
    }
    return SL_OK;
}

sl_status sl_late_rows_create(struct sl_catalog *catalog, const char *name, sl_error *err)
{
    sl_column_def columns[SL_LATE_ROWS_COLUMNS];
    for (uint32_t c = 0; c < SL_LATE_ROWS_COLUMNS; c++) {
        columns[c].name = (char *)late_names[c];
        columns[c].type = sl_type_make(late_types[c]);
        columns[c].not_null = false;
    }
    /* one critical section: nobody can create or drop the table between look and create */
    sl_catalog_lock(catalog);
    sl_table *t = sl_catalog_find_table(catalog, name);
    sl_status st;
    if (t)
        st = check_schema(t, err);
    else if (sl_catalog_find_view(catalog, name) || sl_catalog_find_source(catalog, name))
        st = sl_error_set(err, SL_ERR_CATALOG, "cannot keep late rows in \"%s\": it is a %s, not a table", name,
                          sl_catalog_find_view(catalog, name) ? "view" : "source");
    else
        st = sl_catalog_create_table(catalog, name, columns, SL_LATE_ROWS_COLUMNS, false, NULL, err);
    sl_catalog_unlock(catalog);
    return st;
}
