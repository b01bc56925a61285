/*
 * arrow_table.c — sluice_register_arrow_stream: an external Arrow C stream becomes a table.
 *
 * The stream is read to its end; every array is imported zero-copy where the layouts
 * agree (fixed-width columns keep pointing at the producer's buffers, which stay alive
 * until the table is dropped) and cut into chunks of at most SL_BATCH_CAPACITY rows that
 * the table shares. The stream is released at the end, also on failure.
 */
#include <string.h>

#include "api/api_internal.h"
#include "vector/arrow.h"

static sl_status import_stream(sluice_connection *conn, const char *name, struct ArrowArrayStream *stream,
                               sl_error *err)
{
    sl_catalog *catalog = conn->database->catalog;
    struct ArrowSchema schema;
    memset(&schema, 0, sizeof schema);
    if (stream->get_schema(stream, &schema) != 0) {
        const char *why = stream->get_last_error ? stream->get_last_error(stream) : NULL;
        return sl_error_set(err, SL_ERR_INVALID_INPUT, "the Arrow stream failed to give its schema: %s",
                            why ? why : "(no message)");
    }
    sl_type *types = NULL;
    char **names = NULL;
    uint32_t count = 0;
    sl_status st = sl_arrow_import_schema(&schema, &types, &names, &count, err);
    if (st != SL_OK) {
        schema.release(&schema);
        return st;
    }
    sl_column_def *columns = sl_calloc(count ? count : 1, sizeof *columns);
    if (!columns) {
        st = sl_error_oom(err);
        goto done;
    }
    for (uint32_t i = 0; i < count; i++) {
        columns[i].name = names[i];
        columns[i].type = types[i];
    }
    sl_table *table = NULL;
    st = sl_catalog_create_table(catalog, name, columns, count, false, &table, err);
    if (st != SL_OK)
        goto done;

    for (;;) {
        struct ArrowArray array;
        memset(&array, 0, sizeof array);
        if (stream->get_next(stream, &array) != 0) {
            const char *why = stream->get_last_error ? stream->get_last_error(stream) : NULL;
            st = sl_error_set(err, SL_ERR_INVALID_INPUT, "the Arrow stream failed to give its next batch: %s",
                              why ? why : "(no message)");
            break;
        }
        if (!array.release)
            break;
        sl_batch **batches = NULL;
        size_t batch_count = 0;
        st = sl_arrow_import_array_chunked(&array, &schema, SL_BATCH_CAPACITY, &batches, &batch_count, err);
        if (st != SL_OK)
            break;
        sl_catalog_lock(catalog);
        for (size_t i = 0; i < batch_count; i++) {
            if (st == SL_OK)
                st = sl_table_append(table, batches[i], err);
            sl_batch_free(batches[i]);
        }
        sl_catalog_unlock(catalog);
        sl_free(batches);
        if (st != SL_OK)
            break;
    }
    if (st != SL_OK) {
        sl_error ignored;
        sl_catalog_drop_table(catalog, name, true, &ignored);
    }
done:
    sl_free(columns);
    sl_arrow_free_columns(types, names, count);
    schema.release(&schema);
    return st;
}

sluice_status sluice_register_arrow_stream(sluice_connection *conn, const char *name, void *arrow_stream)
{
    if (!conn || !name || !arrow_stream)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    struct ArrowArrayStream *stream = arrow_stream;
    if (!stream->release) {
        sl_error err;
        sl_error_set(&err, SL_ERR_INVALID_ARG, "the Arrow stream given for table \"%s\" was already released", name);
        return sl_api_fail(conn, &err);
    }
    sl_error err;
    sl_error_clear(&err);
    pthread_mutex_lock(&conn->database->statement_lock);
    sl_status st = import_stream(conn, name, stream, &err);
    sl_error sync_err;
    sl_error_clear(&sync_err);
    if (sl_storage_sync(conn->database->storage, conn->database->catalog, &sync_err) != SL_OK && st == SL_OK) {
        err = sync_err;
        st = sync_err.code;
    }
    pthread_mutex_unlock(&conn->database->statement_lock);
    stream->release(stream);
    if (st != SL_OK)
        return sl_api_fail(conn, &err);
    sl_error_clear(&conn->error);
    return SLUICE_OK;
}
