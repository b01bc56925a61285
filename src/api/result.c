/*
 * result.c — statement results: column metadata, chunk-wise fetching with text rendering,
 * and the move into an Arrow C stream.
 *
 * A result owns the batches the executor collected. Fetching hands each batch to the
 * caller as a chunk (ownership moves); the Arrow export moves the remaining batches
 * into a stream.
 */
#include <string.h>

#include "api/api_internal.h"
#include "vector/arrow.h"

sluice_result *sl_result_new(uint32_t column_count, const char *const *names, const sl_type *types)
{
    sluice_result *r = sl_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->column_count = column_count;
    r->names = sl_calloc(column_count ? column_count : 1, sizeof(char *));
    r->types = sl_calloc(column_count ? column_count : 1, sizeof(sl_type));
    r->type_names = sl_calloc(column_count ? column_count : 1, sizeof(char *));
    if (!r->names || !r->types || !r->type_names) {
        sluice_result_free(r);
        return NULL;
    }
    for (uint32_t i = 0; i < column_count; i++) {
        char buf[64];
        r->names[i] = sl_strdup(names && names[i] ? names[i] : "");
        r->types[i] = types[i];
        r->type_names[i] = sl_strdup(sl_type_name(types[i], buf, sizeof buf));
        if (!r->names[i] || !r->type_names[i]) {
            sluice_result_free(r);
            return NULL;
        }
    }
    return r;
}

void sluice_result_free(sluice_result *r)
{
    if (!r)
        return;
    for (uint32_t i = 0; i < r->column_count; i++) {
        if (r->names)
            sl_free(r->names[i]);
        if (r->type_names)
            sl_free(r->type_names[i]);
    }
    sl_free(r->names);
    sl_free(r->types);
    sl_free(r->type_names);
    for (size_t i = r->next_batch; i < r->batch_count; i++)
        sl_batch_free(r->batches[i]);
    sl_free(r->batches);
    sl_free(r->message);
    sl_live_free(r->live);
    sl_free(r);
}

bool sluice_result_returns_rows(const sluice_result *r) { return r && r->returns_rows; }
bool sluice_result_is_continuous(const sluice_result *r) { return r && r->continuous; }
uint32_t sluice_result_column_count(const sluice_result *r) { return r ? r->column_count : 0; }

const char *sluice_result_column_name(const sluice_result *r, uint32_t column)
{
    return r && column < r->column_count ? r->names[column] : NULL;
}

sluice_type sluice_result_column_type(const sluice_result *r, uint32_t column)
{
    if (!r || column >= r->column_count)
        return SLUICE_TYPE_INVALID;
    return (sluice_type)r->types[column].id;   /* the enums share their numbering */
}

const char *sluice_result_column_type_name(const sluice_result *r, uint32_t column)
{
    return r && column < r->column_count ? r->type_names[column] : NULL;
}

int64_t sluice_result_rows_changed(const sluice_result *r) { return r ? r->rows_changed : 0; }
const char *sluice_result_message(const sluice_result *r) { return r ? r->message : NULL; }

static sluice_status fail(sluice_result *r, const sl_error *err)
{
    return r->connection ? sl_api_fail(r->connection, err) : sl_api_status(err->code);
}

/* A continuous query's next chunk: drives it until output, its end, or timeout_ms (-1:
 * no limit) passed. */
static sluice_status fetch_live(sluice_result *r, int timeout_ms, sluice_chunk **out_chunk)
{
    sl_error err;
    sl_error_clear(&err);
    sl_batch *b = NULL;
    sl_status st;
    do {
        sl_batch_free(b);
        st = sl_live_poll(r->live, timeout_ms, &b, &err);
    } while (st == SL_OK && b && b->count == 0);
    if (st != SL_OK) {
        sl_live_free(r->live);
        r->live = NULL;
        return fail(r, &err);
    }
    if (!b && !sl_live_ended(r->live))
        return SLUICE_OK;   /* nothing in time */
    if (!b) {   /* ended */
        int64_t rejected = sl_live_rows_rejected(r->live);
        if (rejected > 0 && !r->message)
            r->message = sl_asprintf("skipped %lld malformed row%s", (long long)rejected, rejected == 1 ? "" : "s");
        sl_live_free(r->live);
        r->live = NULL;
        return SLUICE_OK;
    }
    sluice_chunk *chunk = sl_malloc(sizeof *chunk);
    if (!chunk) {
        sl_batch_free(b);
        return SLUICE_ERROR_OOM;
    }
    chunk->batch = b;
    *out_chunk = chunk;
    return SLUICE_OK;
}

sluice_status sluice_result_poll(sluice_result *r, int timeout_ms, sluice_chunk **out_chunk)
{
    if (!r || !out_chunk)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    *out_chunk = NULL;
    if (!r->live || r->next_batch < r->batch_count)
        return sluice_result_fetch(r, out_chunk);
    return fetch_live(r, timeout_ms < 0 ? 0 : timeout_ms, out_chunk);
}

bool sluice_result_is_finished(const sluice_result *r)
{
    return r && !r->live && r->next_batch >= r->batch_count;
}

bool sluice_result_is_updating(const sluice_result *r)
{
    return r && r->live && sl_live_is_updating(r->live);
}

sluice_status sluice_result_snapshot(sluice_result *r, sluice_result **out)
{
    if (!r || !out)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    *out = NULL;
    sl_error err;
    sl_error_clear(&err);
    sl_batch **batches = NULL;
    size_t count = 0;
    if (r->live && sl_live_snapshot(r->live, &batches, &count, &err) != SL_OK)
        return fail(r, &err);
    sluice_result *snap = sl_result_new(r->column_count, (const char *const *)r->names, r->types);
    if (!snap) {
        for (size_t i = 0; i < count; i++)
            sl_batch_free(batches[i]);
        sl_free(batches);
        return SLUICE_ERROR_OOM;
    }
    snap->returns_rows = true;
    snap->batches = batches;
    snap->batch_count = count;
    *out = snap;
    return SLUICE_OK;
}

sluice_status sluice_result_progress(sluice_result *r, sluice_progress *out)
{
    if (!r || !out)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    if (r->live)
        sl_live_progress(r->live, out);
    return SLUICE_OK;
}

sluice_status sluice_result_fetch(sluice_result *r, sluice_chunk **out_chunk)
{
    if (!r || !out_chunk)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    while (r->next_batch < r->batch_count && r->batches[r->next_batch]->count == 0) {
        sl_batch_free(r->batches[r->next_batch]);
        r->batches[r->next_batch++] = NULL;
    }
    if (r->next_batch == r->batch_count) {
        *out_chunk = NULL;
        return r->live ? fetch_live(r, -1, out_chunk) : SLUICE_OK;
    }
    sluice_chunk *chunk = sl_malloc(sizeof *chunk);
    if (!chunk)
        return SLUICE_ERROR_OOM;
    chunk->batch = r->batches[r->next_batch];
    r->batches[r->next_batch++] = NULL;
    *out_chunk = chunk;
    return SLUICE_OK;
}

uint64_t sluice_chunk_row_count(const sluice_chunk *chunk) { return chunk ? chunk->batch->count : 0; }

bool sluice_chunk_is_null(const sluice_chunk *chunk, uint32_t column, uint64_t row)
{
    if (!chunk || column >= chunk->batch->column_count || row >= chunk->batch->count)
        return true;
    return !sl_vector_is_valid(chunk->batch->columns[column], sl_batch_row(chunk->batch, (uint32_t)row));
}

size_t sluice_chunk_value_text(const sluice_chunk *chunk, uint32_t column, uint64_t row, char *buf, size_t cap)
{
    if (!chunk || column >= chunk->batch->column_count || row >= chunk->batch->count) {
        if (cap)
            buf[0] = 0;
        return 0;
    }
    uint32_t physical = sl_batch_row(chunk->batch, (uint32_t)row);
    const sl_vector *v = chunk->batch->columns[column];
    if (!sl_vector_is_valid(v, physical)) {
        if (cap)
            buf[0] = 0;
        return 0;
    }
    return sl_format_slot(v, physical, buf, cap);
}

void sluice_chunk_free(sluice_chunk *chunk)
{
    if (!chunk)
        return;
    sl_batch_free(chunk->batch);
    sl_free(chunk);
}

sluice_status sluice_result_arrow_stream(sluice_result *r, void *out_arrow_stream)
{
    if (!r || !out_arrow_stream)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sl_error err;
    sl_error_clear(&err);
    size_t remaining = r->batch_count - r->next_batch;
    sl_batch **batches = sl_malloc((remaining ? remaining : 1) * sizeof(sl_batch *));
    if (!batches)
        return r->connection ? sl_api_fail(r->connection, &(sl_error){ SL_ERR_OOM, -1, "out of memory" })
                             : SLUICE_ERROR_OOM;
    if (remaining)
        memcpy(batches, r->batches + r->next_batch, remaining * sizeof(sl_batch *));
    /* the stream takes the batches, also on failure */
    r->next_batch = r->batch_count;
    if (r->live) {   /* a continuous query: the stream pulls from it (after any collected batches) */
        for (size_t i = 0; i < remaining; i++)
            sl_batch_free(batches[i]);
        sl_free(batches);
        sl_live_query *live = r->live;
        r->live = NULL;
        sl_status st = sl_arrow_stream_new(r->types, (const char *const *)r->names, r->column_count,
                                           (sl_arrow_next_fn)sl_live_next, (sl_arrow_state_free_fn)sl_live_free, live,
                                           (struct ArrowArrayStream *)out_arrow_stream, &err);
        return st == SL_OK ? SLUICE_OK : fail(r, &err);
    }
    sl_status st = sl_arrow_stream_from_batches(r->types, (const char *const *)r->names, r->column_count, batches,
                                                remaining, (struct ArrowArrayStream *)out_arrow_stream, &err);
    if (st != SL_OK)
        return r->connection ? sl_api_fail(r->connection, &err) : sl_api_status(st);
    return SLUICE_OK;
}
