/*
 * operator.h — the runtime contract between the pipeline driver and physical operators.
 *
 * Data flow. The executor cuts the physical plan into pipelines at pipeline breakers
 * (hash-join build, aggregate, sort, window, set operations, final sinks). A pipeline is
 * a source, a chain of streaming operators and a sink:
 *
 *     source ──msg──► op ──msg──► op ──msg──► sink
 *
 * Execution is push-based: the driver asks the source to produce; every message a stage
 * emits with sl_emit() is pushed synchronously into the next stage. Messages are
 * DATA(batch) / WATERMARK(t) / BARRIER(id) / END. A stage that has nothing special to do
 * with a non-DATA message forwards it unchanged (sl_emit(ctx, msg, err)).
 *
 * States. The plan (sl_physical_op) is immutable. Each physical operator has one *global*
 * state per query execution (shared by every pipeline instance that touches it: the
 * build side and probe side of a hash join, the sink and source side of an aggregate, the
 * several threads of a parallel pipeline) and one *local* state per pipeline instance.
 * Today one thread runs each pipeline; morsel parallelism adds more instances of the same
 * pipeline, each with its own local states, without changing this interface: sinks merge
 * locals into the global in `combine`, sources hand out morsels from the global state.
 *
 * Roles. An operator type implements the roles its kind plays:
 *   source    : source()   emits DATA messages until exhausted (the driver then emits END)
 *   streaming : push()     consumes one message, emits zero or more
 *   sink      : sink()     consumes one message; combine() merges a local state into the
 *                          global after the pipeline instance ends; finalize() runs once
 *                          after all instances of all pipelines feeding it are done.
 * An operator may play several roles in different pipelines (hash aggregate: sink, then
 * source; hash join: sink for the build pipeline, streaming in the probe pipeline).
 * A multi-input sink (set operations) learns which input a pipeline feeds from
 * ctx->input_index.
 *
 * Continuous queries (src/stream/README.md). When the plan is streaming
 * (plan->streaming), no operator is a pipeline breaker: every stage is a push stage, and
 * a multi-input stage (UNION_ALL, STREAM_JOIN) is reached by one pipeline per input, which
 * share the stages above it; such a stage learns the input of each message from
 * ctx->input_index. The driver interleaves the pipelines, asking each source for one
 * step() at a time. A push stage:
 *   DATA       consumes the batch (batch->change: NULL = inserts, else +1/+2 insert or
 *              update-after, -1/-2 retraction or update-before per physical row) and may emit;
 *   WATERMARK  may emit what the watermark completes (closed windows), then forwards a
 *              watermark (multi-input stages: the minimum over their inputs, once it rises);
 *   BARRIER    forwards it (state snapshots come with checkpoints);
 *   END        emits whatever is still pending, then forwards END (multi-input stages: once
 *              every input ended, see sl_op_end_is_last). A bounded source sends
 *              WATERMARK(SL_WATERMARK_END) right before END.
 * Streaming operators keep their state in the global state (one driver thread runs a
 * continuous query) and report metrics through sl_op_metrics().
 */
#ifndef SL_EXEC_OPERATOR_H
#define SL_EXEC_OPERATOR_H

#include <stdatomic.h>

#include "plan/physical.h"

struct sl_catalog;

typedef enum sl_msg_kind {
    SL_MSG_DATA,
    SL_MSG_WATERMARK,
    SL_MSG_BARRIER,
    SL_MSG_END
} sl_msg_kind;

/* Watermark values: before any watermark, and the final one of a bounded input. */
#define SL_WATERMARK_NONE INT64_MIN
#define SL_WATERMARK_END INT64_MAX

/* batch->change codes (the sign is the direction; update codes pair a retraction with
 * the insertion that replaces it, for EMIT CHANGES' -U/+U). */
#define SL_CHANGE_INSERT 1
#define SL_CHANGE_DELETE (-1)
#define SL_CHANGE_UPDATE_AFTER 2
#define SL_CHANGE_UPDATE_BEFORE (-2)

typedef struct sl_msg {
    sl_msg_kind kind;
    const sl_batch *batch;      /* DATA: borrowed for the duration of the push */
    int64_t watermark;          /* WATERMARK: event time in microseconds */
    uint64_t barrier_id;        /* BARRIER */
} sl_msg;

/* What a statement spilled to disk (exec/spill.h). */
typedef struct sl_spill_stats {
    atomic_llong bytes_written;      /* compressed bytes */
    atomic_llong rows_written;
    atomic_llong files_created;
} sl_spill_stats;

/* How far a statement is (the shell's progress bar): units of input (bytes, or for
 * tables the bytes of their scanned columns) the scans know they will read, and have
 * read. Added to by the scans on any thread; read by another thread
 * (sluice_query_progress). */
typedef struct sl_progress {
    atomic_llong done;
    atomic_llong total;
} sl_progress;

/* Query-wide execution context (one per running statement). */
typedef struct sl_exec_context {
    sl_eval_context eval;
    sl_memory *memory;           /* the database's memory manager */
    struct sl_catalog *catalog;
    atomic_bool *interrupt;      /* set asynchronously to cancel; operators poll sl_exec_interrupted() */
    atomic_llong rows_rejected;  /* rows skipped by ignore_errors readers */
    int64_t rows_affected;       /* INSERT / COPY counts */
    char *temp_directory;
    uint32_t threads;            /* pipeline instances a splittable pipeline may run as (0 or 1: one) */
    struct sl_query_registry *queries;  /* the database's running continuous queries (system tables) */
    sl_spill_stats spill;
    sl_progress *progress;       /* the connection's progress counters; NULL: not tracked */
} sl_exec_context;

/* Progress of a scan: `done` more units read, `total` more units known to come. */
static inline void sl_exec_progress_add(sl_exec_context *exec, int64_t done, int64_t total)
{
    if (!exec || !exec->progress)
        return;
    if (total)
        atomic_fetch_add(&exec->progress->total, total);
    if (done)
        atomic_fetch_add(&exec->progress->done, done);
}

static inline bool sl_exec_interrupted(const sl_exec_context *exec)
{
    return exec->interrupt && atomic_load(exec->interrupt);
}

typedef struct sl_pipeline_instance sl_pipeline_instance;

/* Per-call context: where in which pipeline instance the current stage is. */
typedef struct sl_op_context {
    sl_exec_context *exec;
    sl_pipeline_instance *instance;
    uint32_t stage;              /* position of the current operator in the pipeline */
    uint32_t input_index;        /* for sinks: which child of the sink this pipeline feeds;
                                    for multi-input push stages: which child the message comes from */
} sl_op_context;

/* Live counters of one operator in one running query (system table sluice_operator_metrics).
 * Written by the driver thread; read by other connections, hence atomics. */
typedef struct sl_op_metrics {
    atomic_llong rows_in;
    atomic_llong rows_out;
    atomic_llong late_rows;          /* rows behind the watermark, dropped or sent to the late-rows table */
    atomic_llong state_rows;         /* rows / groups / windows held now */
    atomic_llong state_bytes;        /* approximate bytes held now */
    atomic_llong watermark;          /* last watermark forwarded (SL_WATERMARK_NONE before any) */
} sl_op_metrics;

/* The metrics of the operator at ctx's stage (never NULL while the query runs). */
sl_op_metrics *sl_op_metrics_of(sl_op_context *ctx);

/* Pushes msg into the stage after ctx's stage. Returns the downstream status. */
sl_status sl_emit(sl_op_context *ctx, const sl_msg *msg, sl_error *err);
/* Convenience: emit a DATA message for batch. */
sl_status sl_emit_batch(sl_op_context *ctx, const sl_batch *batch, sl_error *err);
/* Tells the pipeline instance that no more input is needed (LIMIT reached): the source
 * should stop producing. The driver still delivers END. */
void sl_pipeline_request_stop(sl_op_context *ctx);
bool sl_pipeline_stop_requested(const sl_op_context *ctx);
/* Sources that split into morsels call this when they claim morsel `index` (0, 1, 2, ...
 * from a shared counter; every claimed index must be announced, in claim order per
 * instance) and before emitting its data. In a parallel pipeline it hands the previous
 * morsel's output of this instance, in morsel order, to the order-sensitive part of the
 * pipeline (see pipeline.c); otherwise it does nothing. */
sl_status sl_pipeline_begin_morsel(sl_op_context *ctx, uint64_t index, sl_error *err);
/* The morsel the current stage is processing when it runs in one of several parallel
 * instances of a pipeline (a worker), or -1 when it runs as the single instance (or in the
 * shared, morsel-ordered part of a parallel pipeline). A sink with parallel_sink() uses it
 * to tell thread-local accumulation from the plain path and to order what it merges. */
int64_t sl_pipeline_morsel(const sl_op_context *ctx);
/* For operators reached from several pipeline instances (UNION ALL branches, threads):
 * call on END; returns true for exactly one caller, the last of the instances. */
bool sl_op_end_is_last(sl_op_context *ctx, void *global);

enum { SL_STEP_MORE, SL_STEP_IDLE, SL_STEP_DONE };

typedef struct sl_operator_type {
    const char *name;
    /* global state: created before any pipeline runs; freed after the query. */
    sl_status (*init_global)(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err);
    void (*free_global)(const sl_physical_op *plan, void *global);
    /* local state: one per pipeline instance that includes the operator. May be NULL. */
    sl_status (*init_local)(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                            sl_error *err);
    void (*free_local)(const sl_physical_op *plan, void *local);

    sl_status (*source)(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local, sl_error *err);
    /* Optional, sources of continuous queries: emit at most one batch (plus the watermark
     * it moves) and return. *state: SL_STEP_MORE (call again), SL_STEP_IDLE (nothing
     * available now, e.g. paced or waiting for a broker: the driver may wait a little),
     * SL_STEP_DONE (exhausted; the driver sends END). A source without step() runs
     * source() to completion in one step. */
    sl_status (*step)(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local, int *state,
                      sl_error *err);
    sl_status (*push)(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                      const sl_msg *msg, sl_error *err);
    sl_status (*sink)(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                      const sl_msg *msg, sl_error *err);
    sl_status (*combine)(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local, sl_error *err);
    sl_status (*finalize)(sl_exec_context *exec, const sl_physical_op *plan, void *global, sl_error *err);
    /* Optional: may this sink run in every instance of a parallel pipeline (each with its
     * own local state, merged by combine() one instance at a time after all have ended)
     * with results identical to a single-instance run? NULL = no. */
    bool (*parallel_sink)(const sl_physical_op *plan);
} sl_operator_type;

/* May the probe of this HASH_JOIN (its build finished) run in every instance of a
 * parallel pipeline? Not when it emits on END: RIGHT/FULL, or a build that spilled. */
bool sl_hash_join_parallel_probe(const sl_physical_op *plan, const void *global);

/* The operator type implementing a physical kind (exec/operators.c holds the table). */
const sl_operator_type *sl_operator_type_for(sl_physical_kind kind);

/* One entry point per operator file (exec/<operator>.c). */
extern const sl_operator_type sl_table_scan_operator;
extern const sl_operator_type sl_table_function_operator;
extern const sl_operator_type sl_values_operator;
extern const sl_operator_type sl_empty_operator;
extern const sl_operator_type sl_filter_operator;
extern const sl_operator_type sl_projection_operator;
extern const sl_operator_type sl_hash_aggregate_operator;
extern const sl_operator_type sl_hash_join_operator;
extern const sl_operator_type sl_nested_loop_join_operator;
extern const sl_operator_type sl_sort_operator;
extern const sl_operator_type sl_top_n_operator;
extern const sl_operator_type sl_limit_operator;
extern const sl_operator_type sl_union_all_operator;
extern const sl_operator_type sl_set_operation_operator;
extern const sl_operator_type sl_window_operator;
extern const sl_operator_type sl_result_operator;
extern const sl_operator_type sl_insert_operator;
extern const sl_operator_type sl_copy_to_operator;
extern const sl_operator_type sl_window_tvf_operator;
extern const sl_operator_type sl_session_window_operator;
extern const sl_operator_type sl_window_aggregate_operator;
extern const sl_operator_type sl_stream_aggregate_operator;
extern const sl_operator_type sl_stream_join_operator;
extern const sl_operator_type sl_stream_top_n_operator;

#endif
