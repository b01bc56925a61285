/*
 * pipeline.h — cutting a physical plan into pipelines and driving them (internal to exec/).
 *
 * A pipeline is `source -> op* -> sink` (see operator.h). sl_pipeline_build walks the
 * physical tree once (DuckDB's model):
 *   - TABLE_SCAN, TABLE_FUNCTION, VALUES, EMPTY start a pipeline (source only);
 *   - FILTER, PROJECTION, LIMIT, UNION_ALL and the probe side (children[0]) of HASH_JOIN /
 *     NESTED_LOOP_JOIN are streaming stages;
 *   - HASH_AGGREGATE, SORT, TOP_N, WINDOW, SET_OPERATION end the pipelines below them
 *     (sink) and start the one above (source); the build side (children[1]) of a join
 *     ends in the join's sink role; RESULT / INSERT / COPY_TO are the final sinks;
 *   - UNION_ALL: the stages above the union are instantiated once per branch (one
 *     pipeline per child, sharing the operators' global states).
 * Pipelines are listed in a valid execution order: every pipeline comes after all the
 * pipelines it depends on (those whose sink it reads from as its source, and the build
 * pipelines of the joins it probes). `deps` records those edges for EXPLAIN and for a
 * future parallel scheduler.
 *
 * Stage numbering inside a pipeline instance: 0 = source, 1..op_count = streaming ops,
 * op_count + 1 = sink. sl_op_context.stage holds the current stage.
 *
 * Lifetimes: the plan is borrowed (read-only). The sl_executor owns the pipeline list,
 * one global state per physical operator (created before the first pipeline runs, freed
 * by sl_executor_free), and the per-instance local states (freed when the instance ends).
 */
#ifndef SL_EXEC_PIPELINE_H
#define SL_EXEC_PIPELINE_H

#include "exec/operator.h"

/* One physical operator node of the plan with its execution-wide bookkeeping. */
typedef struct sl_exec_node {
    const sl_physical_op *plan;
    const sl_operator_type *type;
    void *global;
    bool global_ready;               /* init_global succeeded (free_global due) */
    uint32_t sink_pipelines;         /* pipelines that end in this operator's sink role */
    uint32_t sink_pipelines_done;
    uint32_t stream_instances;       /* pipeline instances using it as a streaming stage */
    atomic_uint stream_ends;         /* END messages seen in the streaming role */
    atomic_uint sink_ends;           /* END messages seen in the sink role */
    bool finalized;
    sl_op_metrics metrics;           /* rows in/out, late rows, state, watermark */
} sl_exec_node;

typedef struct sl_pipeline {
    uint32_t id;                     /* position in execution order */
    uint32_t source;                 /* node index playing the source role */
    uint32_t op_count;
    uint32_t *ops;                   /* node indexes of the streaming stages, bottom-up */
    uint32_t *op_inputs;             /* per stage: which child of it this pipeline comes through */
    uint32_t sink;                   /* node index playing the sink role */
    uint32_t sink_input;             /* which child of the sink this pipeline feeds */
    uint32_t dep_count;
    uint32_t *deps;                  /* ids of pipelines that must finish first */
} sl_pipeline;

typedef struct sl_parallel_run sl_parallel_run;

/* A message a parallel worker instance produced for the ordered part of its pipeline. */
typedef struct sl_buffered_msg {
    sl_msg msg;
    sl_batch *batch;                 /* owned (DATA) */
} sl_buffered_msg;

struct sl_pipeline_instance {
    struct sl_executor *executor;
    const sl_pipeline *pipeline;
    uint32_t stage_count;            /* op_count + 2 */
    uint32_t *nodes;                 /* node index per stage */
    void **locals;                   /* local state per stage (may be NULL) */
    uint32_t sink_input;
    bool stop_requested;
    /* parallel runs only (pipeline.c): NULL par = the plain single-instance run */
    sl_parallel_run *par;
    bool worker;                     /* runs stages [0, boundary); buffers what reaches boundary */
    uint32_t boundary;               /* first stage of the ordered (single-instance) part */
    int64_t morsel;                  /* worker: the morsel being produced, -1 for none */
    sl_buffered_msg *buffered;
    size_t buffered_count;
    size_t buffered_capacity;
};

typedef struct sl_executor {
    sl_exec_context *exec;
    const sl_physical_op *root;
    uint32_t node_count;
    size_t node_capacity;
    sl_exec_node *nodes;
    uint32_t pipeline_count;
    size_t pipeline_capacity;
    sl_pipeline *pipelines;
    bool streaming;                  /* a continuous query (root->streaming): see stream_driver.c */
} sl_executor;

/* Builds the node table and the pipelines of the plan rooted at `root` (a RESULT, INSERT or
 * COPY_TO operator) into a zeroed `ex`; no operator state is created. exec may be NULL
 * (EXPLAIN). On failure ex holds what was built; sl_executor_free releases it. */
sl_status sl_executor_build(sl_executor *ex, sl_exec_context *exec, const sl_physical_op *root, sl_error *err);

/* Creates every global state, runs the pipelines in order, combining and finalizing sinks
 * as their last feeding pipeline ends. A pipeline whose source splits into morsels runs
 * as up to exec->threads instances (see pipeline.c: parallel prefix, ordered suffix). */
sl_status sl_executor_execute(sl_executor *ex, sl_error *err);

/* The pieces of sl_executor_execute, for the continuous driver (stream_driver.c). */
sl_status sl_executor_init_globals(sl_executor *ex, sl_error *err);
/* Runs pipeline p to completion (in parallel when it can), then sl_executor_pipeline_done. */
sl_status sl_executor_run_pipeline(sl_executor *ex, const sl_pipeline *p, sl_error *err);
/* Bookkeeping after p's last instance combined: finalizes p's sink after its last pipeline. */
sl_status sl_executor_pipeline_done(sl_executor *ex, const sl_pipeline *p, sl_error *err);
/* An instance of p with the local states of stages [first, end); freed with _free. */
sl_status sl_pipeline_instance_new(sl_executor *ex, const sl_pipeline *p, uint32_t first, uint32_t end,
                                   sl_pipeline_instance **out, sl_error *err);
void sl_pipeline_instance_free(sl_pipeline_instance *inst);
/* Pushes END from ctx's stage on. */
sl_status sl_pipeline_emit_end(sl_op_context *ctx, sl_error *err);
/* Lets p's sink combine inst's local state. */
sl_status sl_pipeline_combine(sl_executor *ex, const sl_pipeline *p, sl_pipeline_instance *inst, sl_error *err);

/* ---- stream_driver.c: continuous queries */

/* Runs a streaming executor's pipelines to the end (every input bounded, or until
 * interrupted): the lookup-join builds first, then the rest interleaved. */
sl_status sl_stream_drive(sl_executor *ex, sl_error *err);

typedef struct sl_stream_driver sl_stream_driver;
/* Starts the continuous run of a built executor: creates the global states and runs the
 * pipelines that must finish before the streams start. */
sl_status sl_stream_driver_start(sl_executor *ex, sl_stream_driver **out, sl_error *err);
/* One round: every running source takes one step. *finished once every pipeline ended and
 * every sink finalized; *idle when every source had nothing to give (the caller should
 * wait a little, sl_stream_idle_wait, before the next round). */
sl_status sl_stream_driver_step(sl_stream_driver *d, bool *finished, bool *idle, sl_error *err);
/* Sleeps the short while an idle continuous query waits between rounds (1 ms). */
void sl_stream_idle_wait(void);
void sl_stream_driver_free(sl_stream_driver *d);

/* Frees global states (if created) and the pipeline structures. */
void sl_executor_free(sl_executor *ex);

/* Index of a plan node in ex->nodes, or UINT32_MAX. */
uint32_t sl_executor_node_index(const sl_executor *ex, const sl_physical_op *plan);

#endif
