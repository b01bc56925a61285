/*
 * copy_to.c — COPY_TO: the final sink of COPY <query> TO 'file' (FORMAT csv|json|parquet|arrow|arrows;
 * a .parquet path without FORMAT means Parquet).
 *
 * The file is created when the query starts (a bad path fails before any work), each
 * DATA batch's active rows are appended through the format writer (formats/csv_write.c,
 * formats/json_write.c), and finalize commits the file (atomic rename). If the query
 * fails, free_global removes the partial file and any old file stays untouched. The row
 * count ends up in exec->rows_affected. Writes are serialized by a mutex so parallel
 * pipeline instances may share the sink.
 */
#include <pthread.h>

#include "exec/operator.h"
#include "formats/copy.h"
#include "formats/csv.h"
#include "formats/json.h"
#include "formats/parquet.h"
#include "formats/arrow_ipc.h"

typedef struct sl_copy_to_global {
    pthread_mutex_t lock;
    sl_csv_writer *csv;
    sl_json_writer *json;
    sl_parquet_writer *parquet;
    sl_arrow_ipc_writer *arrow;
    int64_t rows;
} sl_copy_to_global;

static sl_status copy_to_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    const sl_copy_options *opts = plan->copy;
    if (!opts || !opts->path)
        return sl_error_set(err, SL_ERR_INTERNAL, "COPY TO without a file name");
    if (plan->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, "COPY TO needs exactly one input");
    const sl_physical_op *input = plan->children[0];
    sl_copy_to_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    pthread_mutex_init(&g->lock, NULL);
    sl_status st;
    if (sl_copy_effective_format(opts) == SL_COPY_FORMAT_PARQUET)
        st = sl_parquet_writer_open(opts->path, input->column_count, input->types, input->names,
                                    opts->compression >= 0 ? opts->compression : PQ_CODEC_SNAPPY, opts->row_group_size,
                                    &g->parquet, err);
    else if (sl_copy_effective_format(opts) == SL_COPY_FORMAT_ARROW ||
             sl_copy_effective_format(opts) == SL_COPY_FORMAT_ARROWS) {
        /* COMPRESSION uses the Parquet codec numbers (copy_options.c): zstd, lz4 or none */
        sl_arrow_ipc_compression codec = opts->compression == PQ_CODEC_ZSTD        ? SL_ARROW_IPC_ZSTD
                                         : opts->compression == PQ_CODEC_LZ4_RAW ? SL_ARROW_IPC_LZ4
                                                                                 : SL_ARROW_IPC_UNCOMPRESSED;
        if (opts->compression > 0 && codec == SL_ARROW_IPC_UNCOMPRESSED)
            st = sl_error_set(err, SL_ERR_INVALID_ARG, "Arrow IPC supports COMPRESSION zstd, lz4 or none");
        else
            st = sl_arrow_ipc_writer_open(opts->path, sl_copy_effective_format(opts) == SL_COPY_FORMAT_ARROW, codec,
                                          input->column_count, input->types, input->names, &g->arrow, err);
    } else if (opts->format == SL_COPY_FORMAT_JSON)
        st = sl_json_writer_open(opts->path, input->column_count, input->names, &g->json, err);
    else
        st = sl_csv_writer_open(opts->path, opts, input->column_count, input->names, &g->csv, err);
    if (st != SL_OK) {
        pthread_mutex_destroy(&g->lock);
        sl_free(g);
        return st;
    }
    *global = g;
    return SL_OK;
}

static void copy_to_free_global(const sl_physical_op *plan, void *global)
{
    sl_copy_to_global *g = global;
    if (!g)
        return;
    sl_csv_writer_abort(g->csv);   /* only still set when the query did not finish */
    sl_json_writer_abort(g->json);
    sl_parquet_writer_abort(g->parquet);
    sl_arrow_ipc_writer_abort(g->arrow);
    pthread_mutex_destroy(&g->lock);
    sl_free(g);
}

static sl_status copy_to_sink(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                              const sl_msg *msg, sl_error *err)
{
    if (msg->kind != SL_MSG_DATA || msg->batch->count == 0)
        return SL_OK;
    sl_copy_to_global *g = global;
    pthread_mutex_lock(&g->lock);
    sl_status st = g->csv       ? sl_csv_writer_write(g->csv, msg->batch, err)
                   : g->parquet ? sl_parquet_writer_write(g->parquet, msg->batch, err)
                   : g->arrow   ? sl_arrow_ipc_writer_write(g->arrow, msg->batch, err)
                                : sl_json_writer_write(g->json, msg->batch, err);
    if (st == SL_OK)
        g->rows += msg->batch->count;
    pthread_mutex_unlock(&g->lock);
    return st;
}

static sl_status copy_to_finalize(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err)
{
    sl_copy_to_global *g = global;
    sl_status st;
    if (g->csv) {
        st = sl_csv_writer_commit(g->csv, err);
        g->csv = NULL;
    } else if (g->parquet) {
        st = sl_parquet_writer_commit(g->parquet, err);
        g->parquet = NULL;
    } else if (g->arrow) {
        st = sl_arrow_ipc_writer_commit(g->arrow, err);
        g->arrow = NULL;
    } else {
        st = sl_json_writer_commit(g->json, err);
        g->json = NULL;
    }
    SL_TRY(st);
    exec->rows_affected = g->rows;
    return SL_OK;
}

const sl_operator_type sl_copy_to_operator = {
    .name = "COPY_TO",
    .init_global = copy_to_init_global,
    .free_global = copy_to_free_global,
    .sink = copy_to_sink,
    .finalize = copy_to_finalize,
};
