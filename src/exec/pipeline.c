/*
 * pipeline.c — pipeline construction (plan -> pipelines) and the driver.
 *
 * See pipeline.h for the cutting rules and operator.h for the roles. The driver runs the
 * pipelines in list order; a pipeline gets one instance, or several when its source splits
 * into morsels (see "parallel runs" below). An instance creates the
 * local state of every stage, calls the source once (the source emits DATA until it is
 * exhausted, asked to stop, or interrupted), pushes END through every stage, lets the sink
 * combine its local state, and frees the locals. When the last pipeline feeding a sink has
 * ended, the sink is finalized; that is what makes the pipelines above runnable.
 */
#include "exec/pipeline.h"

#include <pthread.h>
#include <stdio.h>

#include "catalog/catalog.h"
#include "exec/scheduler.h"

/* ------------------------------------------------------------------ node table */

uint32_t sl_executor_node_index(const sl_executor *ex, const sl_physical_op *plan)
{
    for (uint32_t i = 0; i < ex->node_count; i++)
        if (ex->nodes[i].plan == plan)
            return i;
    return UINT32_MAX;
}

/* Adds plan (and, recursively, its children) to the node table once. */
static sl_status collect_nodes(sl_executor *ex, const sl_physical_op *plan, sl_error *err)
{
    if (!plan)
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: physical plan has a NULL child");
    if (sl_executor_node_index(ex, plan) != UINT32_MAX)
        return SL_OK;
    if ((unsigned)plan->kind >= SL_POP_KIND_COUNT_)
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: invalid physical operator kind %d", (int)plan->kind);
    SL_TRY(sl_array_reserve((void **)&ex->nodes, &ex->node_capacity, ex->node_count + 1, sizeof *ex->nodes, err));
    sl_exec_node *node = &ex->nodes[ex->node_count++];
    memset(node, 0, sizeof *node);
    node->plan = plan;
    node->type = sl_operator_type_for(plan->kind);
    for (uint32_t i = 0; i < plan->child_count; i++)
        SL_TRY(collect_nodes(ex, plan->children[i], err));
    return SL_OK;
}

/* ------------------------------------------------------------------ pipeline cutting */

typedef struct sl_stage_stack {
    uint32_t *items;     /* node indexes of the streaming ops above the current point, top-down */
    uint32_t *inputs;    /* per item: the child of that op the pipeline comes through */
    size_t count;
    size_t capacity;
    size_t input_capacity;
} sl_stage_stack;

static void stage_stack_free(sl_stage_stack *stack)
{
    sl_free(stack->items);
    sl_free(stack->inputs);
}

static sl_status add_pipeline(sl_executor *ex, uint32_t source, const sl_stage_stack *above, uint32_t sink,
                              uint32_t sink_input, sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)&ex->pipelines, &ex->pipeline_capacity, ex->pipeline_count + 1,
                            sizeof *ex->pipelines, err));
    sl_pipeline *p = &ex->pipelines[ex->pipeline_count];
    memset(p, 0, sizeof *p);
    p->id = ex->pipeline_count;
    p->source = source;
    p->sink = sink;
    p->sink_input = sink_input;
    p->op_count = (uint32_t)above->count;
    if (p->op_count) {
        p->ops = sl_malloc(sizeof *p->ops * p->op_count);
        p->op_inputs = sl_malloc(sizeof *p->op_inputs * p->op_count);
        if (!p->ops || !p->op_inputs) {   /* not counted yet: sl_executor_free would miss them */
            sl_free(p->ops);
            sl_free(p->op_inputs);
            return sl_error_oom(err);
        }
        for (uint32_t i = 0; i < p->op_count; i++) {      /* bottom-up order */
            p->ops[i] = above->items[above->count - 1 - i];
            p->op_inputs[i] = above->inputs[above->count - 1 - i];
        }
    }
    ex->pipeline_count++;
    ex->nodes[sink].sink_pipelines++;
    for (uint32_t i = 0; i < p->op_count; i++)
        ex->nodes[p->ops[i]].stream_instances++;
    return SL_OK;
}

/* Pushes the streaming stage `node`, reached through its child `input`. */
static sl_status push_stage(sl_stage_stack *stack, uint32_t node, uint32_t input, sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)&stack->items, &stack->capacity, stack->count + 1, sizeof *stack->items, err));
    SL_TRY(sl_array_reserve((void **)&stack->inputs, &stack->input_capacity, stack->count + 1, sizeof *stack->inputs,
                            err));
    stack->inputs[stack->count] = input;
    stack->items[stack->count++] = node;
    return SL_OK;
}

/* Whether `plan` runs as a push stage (rather than a pipeline breaker) in this plan:
 * stateless window assignment always; everything marked streaming in a continuous query
 * (plan/streaming.c leaves no blocking operator there, except a SORT at the top of a
 * bounded run and the build side of a lookup join). */
static bool push_stage_kind(const sl_physical_op *plan)
{
    switch (plan->kind) {
    case SL_POP_FILTER:
    case SL_POP_PROJECTION:
    case SL_POP_LIMIT:
    case SL_POP_WINDOW_TVF:
        return true;
    case SL_POP_SESSION_WINDOW:
    case SL_POP_WINDOW_AGGREGATE:
    case SL_POP_STREAM_AGGREGATE:
    case SL_POP_STREAM_TOP_N:
        return plan->streaming;
    default:
        return false;
    }
}

/* Builds the pipelines that carry `plan`'s output, through the streaming stages in
 * `above`, into `sink` (input `sink_input`). Pipelines it depends on are added first. */
static sl_status build_pipelines(sl_executor *ex, const sl_physical_op *plan, sl_stage_stack *above,
                                 uint32_t sink, uint32_t sink_input, sl_error *err)
{
    uint32_t self = sl_executor_node_index(ex, plan);
    size_t mark = above->count;
    sl_status st = SL_OK;
    switch (plan->kind) {
    case SL_POP_TABLE_SCAN:
    case SL_POP_TABLE_FUNCTION:
    case SL_POP_VALUES:
    case SL_POP_EMPTY:
        return add_pipeline(ex, self, above, sink, sink_input, err);

    case SL_POP_FILTER:
    case SL_POP_PROJECTION:
    case SL_POP_LIMIT:
    case SL_POP_WINDOW_TVF:
    case SL_POP_SESSION_WINDOW:
    case SL_POP_WINDOW_AGGREGATE:
    case SL_POP_STREAM_AGGREGATE:
    case SL_POP_STREAM_TOP_N:
        if (!push_stage_kind(plan))
            goto breaker;
        if (plan->child_count != 1)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s expects 1 child, has %u",
                                sl_physical_kind_name(plan->kind), plan->child_count);
        SL_TRY(push_stage(above, self, 0, err));
        st = build_pipelines(ex, plan->children[0], above, sink, sink_input, err);
        above->count = mark;
        return st;

    case SL_POP_HASH_JOIN:
    case SL_POP_NESTED_LOOP_JOIN: {
        if (plan->child_count != 2)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s expects 2 children, has %u",
                                sl_physical_kind_name(plan->kind), plan->child_count);
        /* build side first: its own pipeline(s) ending in the join's sink role */
        sl_stage_stack fresh = { 0 };
        st = build_pipelines(ex, plan->children[1], &fresh, self, 1, err);
        stage_stack_free(&fresh);
        SL_TRY(st);
        SL_TRY(push_stage(above, self, 0, err));
        st = build_pipelines(ex, plan->children[0], above, sink, sink_input, err);
        above->count = mark;
        return st;
    }

    case SL_POP_UNION_ALL:
    case SL_POP_STREAM_JOIN:   /* a push stage reached from each input */
        for (uint32_t i = 0; i < plan->child_count && st == SL_OK; i++) {
            st = push_stage(above, self, i, err);
            if (st == SL_OK)
                st = build_pipelines(ex, plan->children[i], above, sink, sink_input, err);
            above->count = mark;
        }
        return st;

    case SL_POP_HASH_AGGREGATE:
    case SL_POP_SORT:
    case SL_POP_TOP_N:
    case SL_POP_WINDOW:
    case SL_POP_SET_OPERATION:
    breaker: {
        if (plan->child_count == 0)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s has no input",
                                sl_physical_kind_name(plan->kind));
        for (uint32_t i = 0; i < plan->child_count; i++) {
            sl_stage_stack fresh = { 0 };
            st = build_pipelines(ex, plan->children[i], &fresh, self, i, err);
            stage_stack_free(&fresh);
            SL_TRY(st);
        }
        return add_pipeline(ex, self, above, sink, sink_input, err);
    }

    case SL_POP_RESULT:
    case SL_POP_INSERT:
    case SL_POP_COPY_TO:
    default:
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s can only be the root of a plan",
                            sl_physical_kind_name(plan->kind));
    }
}

static sl_status add_dep(sl_pipeline *p, uint32_t dep, sl_error *err)
{
    for (uint32_t i = 0; i < p->dep_count; i++)
        if (p->deps[i] == dep)
            return SL_OK;
    uint32_t *grown = sl_realloc(p->deps, sizeof *grown * (p->dep_count + 1));
    if (!grown)
        return sl_error_oom(err);
    p->deps = grown;
    p->deps[p->dep_count++] = dep;
    return SL_OK;
}

/* A pipeline depends on the pipelines whose sink is its source, and on the build
 * pipelines of the joins it probes. */
static sl_status compute_dependencies(sl_executor *ex, sl_error *err)
{
    for (uint32_t i = 0; i < ex->pipeline_count; i++) {
        sl_pipeline *p = &ex->pipelines[i];
        for (uint32_t j = 0; j < ex->pipeline_count; j++) {
            const sl_pipeline *q = &ex->pipelines[j];
            if (j == i)
                continue;
            bool feeds = q->sink == p->source;
            for (uint32_t k = 0; k < p->op_count && !feeds; k++)
                feeds = q->sink == p->ops[k];
            if (feeds) {
                if (j > i)
                    return sl_error_set(err, SL_ERR_INTERNAL, "executor: pipeline %u scheduled before its dependency %u", i, j);
                SL_TRY(add_dep(p, j, err));
            }
        }
    }
    return SL_OK;
}

/* A continuous query's pipelines: those feeding a lookup join's build (sink role of a
 * HASH_JOIN / NESTED_LOOP_JOIN) run first, to completion; the rest run interleaved, a
 * group at a time (stream/README.md). Moves the build pipelines to the front, keeping
 * their order and the order of the others, and renumbers. */
static sl_status order_for_streaming(sl_executor *ex, sl_error *err)
{
    uint32_t n = ex->pipeline_count;
    if (n < 2)
        return SL_OK;
    sl_pipeline *sorted = sl_malloc(sizeof *sorted * n);
    if (!sorted)
        return sl_error_oom(err);
    uint32_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < n; i++) {
            sl_physical_kind sink = ex->nodes[ex->pipelines[i].sink].plan->kind;
            bool build = sink == SL_POP_HASH_JOIN || sink == SL_POP_NESTED_LOOP_JOIN;
            if (build == (pass == 0))
                sorted[k++] = ex->pipelines[i];
        }
    for (uint32_t i = 0; i < n; i++)
        sorted[i].id = i;
    memcpy(ex->pipelines, sorted, sizeof *sorted * n);
    sl_free(sorted);
    return SL_OK;
}

sl_status sl_executor_build(sl_executor *ex, sl_exec_context *exec, const sl_physical_op *root, sl_error *err)
{
    ex->exec = exec;
    ex->root = root;
    if (!root)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "executor: no plan to run");
    if (root->kind != SL_POP_RESULT && root->kind != SL_POP_INSERT && root->kind != SL_POP_COPY_TO)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "executor: the plan root must be RESULT, INSERT or COPY_TO, not %s",
                            sl_physical_kind_name(root->kind));
    if (root->child_count != 1)
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s expects 1 child, has %u",
                            sl_physical_kind_name(root->kind), root->child_count);
    SL_TRY(collect_nodes(ex, root, err));
    sl_stage_stack above = { 0 };
    sl_status st = build_pipelines(ex, root->children[0], &above, 0, 0, err);
    stage_stack_free(&above);
    SL_TRY(st);
    ex->streaming = root->streaming;
    if (ex->streaming)
        SL_TRY(order_for_streaming(ex, err));
    return compute_dependencies(ex, err);
}

void sl_executor_free(sl_executor *ex)
{
    for (uint32_t i = 0; i < ex->node_count; i++) {
        sl_exec_node *n = &ex->nodes[i];
        if (n->global_ready && n->type && n->type->free_global)
            n->type->free_global(n->plan, n->global);
    }
    for (uint32_t i = 0; i < ex->pipeline_count; i++) {
        sl_free(ex->pipelines[i].ops);
        sl_free(ex->pipelines[i].op_inputs);
        sl_free(ex->pipelines[i].deps);
    }
    sl_free(ex->pipelines);
    sl_free(ex->nodes);
    memset(ex, 0, sizeof *ex);
}

/* ------------------------------------------------------------------ parallel runs
 *
 * A pipeline whose source hands out morsels (TABLE_SCAN) runs as n instances. Its stages
 * split at `boundary`: the *prefix* [source, ops that are per-batch functions of their
 * input and safe on several instances) runs in every worker instance, each with its own
 * local states; the *suffix* [first other op .. sink] runs as one shared instance, fed in
 * morsel order: a worker buffers what its current morsel produces at the boundary and,
 * when it claims its next morsel (or its source ends), puts it in a reorder buffer; the
 * worker that finds the next morsel in line ready pushes ready morsels through the suffix,
 * one worker at a time. The suffix therefore sees exactly the batches, in
 * exactly the order, of a single-instance run: results are identical at any thread count,
 * whatever the sink (aggregate, join build, sort, LIMIT, RESULT, INSERT, COPY TO). Each
 * worker delivers END through its prefix (swallowed at the boundary); the driver then
 * sends one END through the suffix and combines the sink once.
 * A sink whose operator says parallel_sink() (an aggregate with order-insensitive
 * aggregates) joins the prefix when every op is in it: the suffix is then empty, every
 * worker runs the sink on its own local state, and the driver combines the workers' sink
 * locals one by one in instance order (the sink makes the merge order-independent).
 * The first error (or interrupt) is recorded, every other instance stops at its next
 * message or turn, and the recorded error is reported. */

/* The output of one morsel waiting in the reorder buffer. */
typedef struct sl_pending_morsel {
    sl_buffered_msg *items;
    size_t count;
    bool ready;
} sl_pending_morsel;

struct sl_parallel_run {
    pthread_mutex_t lock;
    pthread_cond_t turn_changed;
    uint64_t turn;                   /* the morsel whose output the suffix takes next */
    sl_pending_morsel *pending;      /* reorder buffer, by morsel index (under lock) */
    size_t pending_capacity;
    bool draining;                   /* a worker is pushing ready morsels through the suffix */
    uint64_t window;                 /* how far ahead of `turn` a worker may run */
    atomic_bool failed;
    atomic_bool stop;                /* the suffix requested a stop (LIMIT reached) */
    sl_error error;                  /* the first failure */
    sl_executor *executor;
    const sl_pipeline *pipeline;
    sl_pipeline_instance *shared;    /* the suffix's instance */
    sl_pipeline_instance **workers;
};

static void record_failure(sl_parallel_run *par, const sl_error *err, sl_status st)
{
    pthread_mutex_lock(&par->lock);
    if (!atomic_load(&par->failed)) {
        par->error = *err;
        if (par->error.code == SL_OK)
            par->error.code = st;
        atomic_store(&par->failed, true);
    }
    pthread_cond_broadcast(&par->turn_changed);
    pthread_mutex_unlock(&par->lock);
}

static void clear_buffer(sl_pipeline_instance *inst)
{
    for (size_t i = 0; i < inst->buffered_count; i++)
        if (inst->buffered[i].batch)
            sl_batch_free(inst->buffered[i].batch);
    inst->buffered_count = 0;
}

/* A worker keeps msg (which reached the boundary) for its current morsel. */
static sl_status buffer_message(sl_pipeline_instance *inst, const sl_msg *msg, sl_error *err)
{
    if (msg->kind == SL_MSG_END)
        return SL_OK;   /* the driver sends the suffix's single END */
    if (inst->morsel < 0)
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: a parallel pipeline produced data outside a morsel");
    if (msg->kind == SL_MSG_DATA && msg->batch->count == 0)
        return SL_OK;
    SL_TRY(sl_array_reserve((void **)&inst->buffered, &inst->buffered_capacity, inst->buffered_count + 1,
                            sizeof *inst->buffered, err));
    sl_buffered_msg *b = &inst->buffered[inst->buffered_count];
    b->msg = *msg;
    b->batch = NULL;
    if (msg->kind == SL_MSG_DATA) {
        b->batch = sl_batch_share(msg->batch);
        if (!b->batch)
            return sl_error_oom(err);
        b->msg.batch = b->batch;
    }
    inst->buffered_count++;
    return SL_OK;
}

static void free_pending(sl_pending_morsel *m)
{
    for (size_t i = 0; i < m->count; i++)
        if (m->items[i].batch)
            sl_batch_free(m->items[i].batch);
    sl_free(m->items);
    memset(m, 0, sizeof *m);
}

/* Hands the worker's current morsel output to the reorder buffer and, unless another
 * worker is already doing it, pushes every morsel whose turn has come through the suffix.
 * Nobody waits for a turn; a worker only waits when it runs more than a window of morsels
 * ahead of the suffix (to bound the buffered output). No-op without a current morsel. */
static sl_status flush_morsel(sl_pipeline_instance *inst, sl_error *err)
{
    if (inst->morsel < 0)
        return SL_OK;
    sl_parallel_run *par = inst->par;
    uint64_t morsel = (uint64_t)inst->morsel;
    inst->morsel = -1;
    sl_status st = SL_OK;
    pthread_mutex_lock(&par->lock);
    if (morsel >= par->pending_capacity) {
        size_t old = par->pending_capacity;
        st = sl_array_reserve((void **)&par->pending, &par->pending_capacity, morsel + 1, sizeof *par->pending, err);
        if (st == SL_OK)
            memset(par->pending + old, 0, (par->pending_capacity - old) * sizeof *par->pending);
    }
    if (st == SL_OK) {
        sl_pending_morsel *slot = &par->pending[morsel];
        slot->items = inst->buffered;
        slot->count = inst->buffered_count;
        slot->ready = true;
        inst->buffered = NULL;
        inst->buffered_count = inst->buffered_capacity = 0;
    }
    if (st == SL_OK && !par->draining) {
        par->draining = true;
        sl_op_context ctx = { inst->executor->exec, par->shared, inst->boundary - 1, 0 };
        while (st == SL_OK && !atomic_load(&par->failed) && par->turn < par->pending_capacity &&
               par->pending[par->turn].ready) {
            sl_pending_morsel take = par->pending[par->turn];
            memset(&par->pending[par->turn], 0, sizeof take);
            pthread_mutex_unlock(&par->lock);
            for (size_t i = 0; i < take.count && st == SL_OK && !par->shared->stop_requested; i++)
                st = sl_emit(&ctx, &take.items[i].msg, err);
            free_pending(&take);
            pthread_mutex_lock(&par->lock);
            par->turn++;
            pthread_cond_broadcast(&par->turn_changed);
        }
        par->draining = false;
    }
    while (st == SL_OK && !atomic_load(&par->failed) && morsel > par->turn + par->window)
        pthread_cond_wait(&par->turn_changed, &par->lock);
    pthread_mutex_unlock(&par->lock);
    if (st == SL_OK && atomic_load(&par->failed))
        st = sl_error_set(err, SL_ERR_CANCELLED, "query stopped: another thread failed");
    return st;
}

sl_status sl_pipeline_begin_morsel(sl_op_context *ctx, uint64_t index, sl_error *err)
{
    sl_pipeline_instance *inst = ctx->instance;
    if (!inst->worker)
        return SL_OK;
    SL_TRY(flush_morsel(inst, err));
    inst->morsel = (int64_t)index;
    return SL_OK;
}

int64_t sl_pipeline_morsel(const sl_op_context *ctx)
{
    const sl_pipeline_instance *inst = ctx->instance;
    return inst && inst->worker ? inst->morsel : -1;
}

/* ------------------------------------------------------------------ message passing */

sl_status sl_emit(sl_op_context *ctx, const sl_msg *msg, sl_error *err)
{
    sl_pipeline_instance *inst = ctx->instance;
    uint32_t next = ctx->stage + 1;
    if (next >= inst->stage_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: the sink emitted a message");
    if (msg->kind == SL_MSG_DATA && sl_exec_interrupted(ctx->exec))
        return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
    if (inst->par && msg->kind == SL_MSG_DATA && atomic_load(&inst->par->failed))
        return sl_error_set(err, SL_ERR_CANCELLED, "query stopped: another thread failed");
    sl_op_metrics *metrics = &inst->executor->nodes[inst->nodes[ctx->stage]].metrics;
    if (msg->kind == SL_MSG_DATA)
        atomic_fetch_add_explicit(&metrics->rows_out, msg->batch->count, memory_order_relaxed);
    else if (msg->kind == SL_MSG_WATERMARK)
        atomic_store_explicit(&metrics->watermark, msg->watermark, memory_order_relaxed);
    if (inst->worker && next == inst->boundary)
        return buffer_message(inst, msg, err);
    sl_exec_node *node = &inst->executor->nodes[inst->nodes[next]];
    sl_op_context sub = *ctx;
    sub.stage = next;
    if (next == inst->stage_count - 1) {
        sub.input_index = inst->sink_input;
        if (!node->type->sink)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: operator %s cannot be a sink", node->type->name);
        return node->type->sink(&sub, node->plan, node->global, inst->locals[next], msg, err);
    }
    if (!node->type->push)
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: operator %s cannot be a streaming stage", node->type->name);
    sub.input_index = inst->pipeline->op_inputs[next - 1];
    if (msg->kind == SL_MSG_DATA)
        atomic_fetch_add_explicit(&node->metrics.rows_in, msg->batch->count, memory_order_relaxed);
    return node->type->push(&sub, node->plan, node->global, inst->locals[next], msg, err);
}

sl_op_metrics *sl_op_metrics_of(sl_op_context *ctx)
{
    sl_pipeline_instance *inst = ctx->instance;
    return &inst->executor->nodes[inst->nodes[ctx->stage]].metrics;
}

sl_status sl_emit_batch(sl_op_context *ctx, const sl_batch *batch, sl_error *err)
{
    sl_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.kind = SL_MSG_DATA;
    msg.batch = batch;
    return sl_emit(ctx, &msg, err);
}

void sl_pipeline_request_stop(sl_op_context *ctx)
{
    ctx->instance->stop_requested = true;
    if (ctx->instance->par)
        atomic_store(&ctx->instance->par->stop, true);
}

bool sl_pipeline_stop_requested(const sl_op_context *ctx)
{
    const sl_pipeline_instance *inst = ctx->instance;
    if (inst->stop_requested)
        return true;
    return inst->par && (atomic_load(&inst->par->stop) || atomic_load(&inst->par->failed));
}

bool sl_op_end_is_last(sl_op_context *ctx, void *global)
{
    (void)global;  /* the stage identifies the operator; stateless operators have no global */
    sl_pipeline_instance *inst = ctx->instance;
    sl_exec_node *node = &inst->executor->nodes[inst->nodes[ctx->stage]];
    if (ctx->stage == inst->stage_count - 1)
        return atomic_fetch_add(&node->sink_ends, 1) + 1 == node->sink_pipelines;
    return atomic_fetch_add(&node->stream_ends, 1) + 1 == node->stream_instances;
}

/* ------------------------------------------------------------------ driver */

void sl_pipeline_instance_free(sl_pipeline_instance *inst)
{
    if (!inst)
        return;
    for (uint32_t s = 0; s < inst->stage_count; s++) {
        if (!inst->locals || !inst->locals[s])
            continue;
        sl_exec_node *node = &inst->executor->nodes[inst->nodes[s]];
        if (node->type->free_local)
            node->type->free_local(node->plan, inst->locals[s]);
    }
    clear_buffer(inst);
    sl_free(inst->buffered);
    sl_free(inst->locals);
    sl_free(inst->nodes);
    sl_free(inst);
}

/* Creates an instance of p with the local states of stages [first, end). */
sl_status sl_pipeline_instance_new(sl_executor *ex, const sl_pipeline *p, uint32_t first, uint32_t end,
                                   sl_pipeline_instance **out, sl_error *err)
{
    *out = NULL;
    sl_pipeline_instance *inst = sl_calloc(1, sizeof *inst);
    if (!inst)
        return sl_error_oom(err);
    inst->executor = ex;
    inst->pipeline = p;
    inst->stage_count = p->op_count + 2;
    inst->sink_input = p->sink_input;
    inst->morsel = -1;
    inst->nodes = sl_malloc(sizeof *inst->nodes * inst->stage_count);
    inst->locals = sl_calloc(inst->stage_count, sizeof *inst->locals);
    if (!inst->nodes || !inst->locals) {
        sl_pipeline_instance_free(inst);
        return sl_error_oom(err);
    }
    inst->nodes[0] = p->source;
    for (uint32_t i = 0; i < p->op_count; i++)
        inst->nodes[i + 1] = p->ops[i];
    inst->nodes[inst->stage_count - 1] = p->sink;
    sl_status st = SL_OK;
    for (uint32_t s = first; s < end && s < inst->stage_count && st == SL_OK; s++) {
        sl_exec_node *node = &ex->nodes[inst->nodes[s]];
        if (node->type->init_local)
            st = node->type->init_local(node->plan, node->global, ex->exec, &inst->locals[s], err);
    }
    if (st != SL_OK) {
        sl_pipeline_instance_free(inst);
        return st;
    }
    *out = inst;
    return SL_OK;
}

sl_status sl_pipeline_emit_end(sl_op_context *ctx, sl_error *err)
{
    sl_msg end;
    memset(&end, 0, sizeof end);
    end.kind = SL_MSG_END;
    return sl_emit(ctx, &end, err);
}

sl_status sl_pipeline_combine(sl_executor *ex, const sl_pipeline *p, sl_pipeline_instance *inst, sl_error *err)
{
    sl_exec_node *sink = &ex->nodes[p->sink];
    if (!sink->type->combine)
        return SL_OK;
    sl_op_context sctx = { ex->exec, inst, inst->stage_count - 1, p->sink_input };
    return sink->type->combine(&sctx, sink->plan, sink->global, inst->locals[inst->stage_count - 1], err);
}

/* Runs the source of inst, then END through its stages (through all of them, or for a
 * worker through its prefix). */
static sl_status drive_instance(sl_executor *ex, const sl_pipeline *p, sl_pipeline_instance *inst, sl_error *err)
{
    sl_op_context ctx = { ex->exec, inst, 0, 0 };
    sl_exec_node *source = &ex->nodes[p->source];
    sl_status st = SL_OK;
    if (sl_exec_interrupted(ex->exec))
        st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
    if (st == SL_OK) {
        if (!source->type->source)
            st = sl_error_set(err, SL_ERR_INTERNAL, "executor: operator %s cannot be a source", source->type->name);
        else
            st = source->type->source(&ctx, source->plan, source->global, inst->locals[0], err);
    }
    if (st == SL_OK && inst->worker)
        st = flush_morsel(inst, err);
    if (st == SL_OK && sl_exec_interrupted(ex->exec))
        st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
    if (st == SL_OK)
        st = sl_pipeline_emit_end(&ctx, err);
    return st;
}

static sl_status run_instance(sl_executor *ex, const sl_pipeline *p, sl_error *err)
{
    sl_pipeline_instance *inst = NULL;
    SL_TRY(sl_pipeline_instance_new(ex, p, 0, p->op_count + 2, &inst, err));
    sl_status st = drive_instance(ex, p, inst, err);
    if (st == SL_OK)
        st = sl_pipeline_combine(ex, p, inst, err);
    sl_pipeline_instance_free(inst);
    return st;
}

/* Whether the streaming stage `node` may run as several instances in a parallel prefix:
 * its output for a batch depends only on that batch (and read-only global state), it keeps
 * no order-dependent state, and it does nothing on END. */
static bool parallel_safe_stage(const sl_exec_node *node)
{
    switch (node->plan->kind) {
    case SL_POP_FILTER:
    case SL_POP_PROJECTION:
        return true;
    case SL_POP_HASH_JOIN:   /* probe: reads the finalized build; RIGHT/FULL and spilled joins emit on END */
        return sl_hash_join_parallel_probe(node->plan, node->global);
    default:
        return false;
    }
}

/* How many instances p runs as, and its boundary stage; 1 = the plain run. */
static uint32_t plan_parallelism(sl_executor *ex, const sl_pipeline *p, uint32_t *boundary)
{
    uint32_t threads = ex->exec ? ex->exec->threads : 1;
    if (threads <= 1)
        return 1;
    const sl_exec_node *source = &ex->nodes[p->source];
    if (source->plan->kind != SL_POP_TABLE_SCAN || !source->plan->table)
        return 1;
    uint32_t b = 1;
    while (b <= p->op_count && parallel_safe_stage(&ex->nodes[p->ops[b - 1]]))
        b++;
    const sl_exec_node *sink = &ex->nodes[p->sink];
    if (b == p->op_count + 1 && sink->type->parallel_sink && sink->type->parallel_sink(sink->plan))
        b = p->op_count + 2;   /* the sink too: thread-local state merged by combine() */
    if (b == 1)
        return 1;   /* nothing to do in parallel: the scan alone is zero-copy */
    if (ex->exec->catalog)
        sl_catalog_lock(ex->exec->catalog);
    size_t chunks = source->plan->table->chunk_count;
    if (ex->exec->catalog)
        sl_catalog_unlock(ex->exec->catalog);
    if (chunks < 2)
        return 1;
    *boundary = b;
    return chunks < threads ? (uint32_t)chunks : threads;
}

static void worker_main(void *arg, uint32_t index)
{
    sl_parallel_run *par = arg;
    sl_pipeline_instance *inst = par->workers[index];
    sl_error err;
    sl_error_clear(&err);
    sl_status st = drive_instance(par->executor, par->pipeline, inst, &err);
    if (st != SL_OK)
        record_failure(par, &err, st);   /* wakes the instances waiting for a turn */
}

static sl_status run_parallel(sl_executor *ex, const sl_pipeline *p, uint32_t n, uint32_t boundary, sl_error *err)
{
    sl_parallel_run par;
    memset(&par, 0, sizeof par);
    pthread_mutex_init(&par.lock, NULL);
    pthread_cond_init(&par.turn_changed, NULL);
    atomic_init(&par.failed, false);
    atomic_init(&par.stop, false);
    par.executor = ex;
    par.pipeline = p;
    par.window = 4 * (uint64_t)n + 4;
    sl_status st = sl_pipeline_instance_new(ex, p, boundary, p->op_count + 2, &par.shared, err);
    if (st == SL_OK) {
        par.shared->par = &par;
        par.workers = sl_calloc(n, sizeof *par.workers);
        if (!par.workers)
            st = sl_error_oom(err);
    }
    for (uint32_t i = 0; i < n && st == SL_OK; i++) {
        st = sl_pipeline_instance_new(ex, p, 0, boundary, &par.workers[i], err);
        if (st == SL_OK) {
            par.workers[i]->par = &par;
            par.workers[i]->worker = true;
            par.workers[i]->boundary = boundary;
        }
    }
    /* A parallel_sink() sink runs in every worker: each worker's END reaches it, and each
     * worker's sink local is combined, in instance order (so such a sink must not rely on
     * sl_op_end_is_last, which counts pipelines). */
    bool sink_parallel = boundary == p->op_count + 2;
    uint32_t ops_in_prefix = sink_parallel ? p->op_count : boundary - 1;
    if (st == SL_OK) {
        for (uint32_t s = 1; s <= ops_in_prefix; s++)      /* each worker sends END through its prefix */
            ex->nodes[p->ops[s - 1]].stream_instances += n - 1;
        sl_scheduler_run(n, worker_main, &par);
        for (uint32_t s = 1; s <= ops_in_prefix; s++)
            ex->nodes[p->ops[s - 1]].stream_instances -= n - 1;

        if (atomic_load(&par.failed)) {
            if (err)
                *err = par.error;
            st = par.error.code != SL_OK ? par.error.code : SL_ERR_INTERNAL;
        }
    }
    if (st == SL_OK && !sink_parallel) {
        sl_op_context ctx = { ex->exec, par.shared, boundary - 1, 0 };
        st = sl_pipeline_emit_end(&ctx, err);
    }
    if (st == SL_OK && !sink_parallel)
        st = sl_pipeline_combine(ex, p, par.shared, err);
    for (uint32_t i = 0; i < n && st == SL_OK && sink_parallel; i++)   /* in instance order */
        st = sl_pipeline_combine(ex, p, par.workers[i], err);
    if (par.workers)
        for (uint32_t i = 0; i < n; i++)
            sl_pipeline_instance_free(par.workers[i]);
    sl_free(par.workers);
    for (size_t i = 0; i < par.pending_capacity; i++)
        free_pending(&par.pending[i]);
    sl_free(par.pending);
    sl_pipeline_instance_free(par.shared);
    pthread_cond_destroy(&par.turn_changed);
    pthread_mutex_destroy(&par.lock);
    return st;
}

sl_status sl_executor_init_globals(sl_executor *ex, sl_error *err)
{
    for (uint32_t i = 0; i < ex->node_count; i++) {
        sl_exec_node *n = &ex->nodes[i];
        if (!n->type)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: no operator implements %s",
                                sl_physical_kind_name(n->plan->kind));
        atomic_store(&n->metrics.watermark, SL_WATERMARK_NONE);
        if (n->type->init_global)
            SL_TRY(n->type->init_global(n->plan, ex->exec, &n->global, err));
        n->global_ready = true;
    }
    return SL_OK;
}

sl_status sl_executor_pipeline_done(sl_executor *ex, const sl_pipeline *p, sl_error *err)
{
    sl_exec_node *sink = &ex->nodes[p->sink];
    if (++sink->sink_pipelines_done == sink->sink_pipelines && !sink->finalized) {
        sink->finalized = true;
        if (sink->type->finalize)
            SL_TRY(sink->type->finalize(ex->exec, sink->plan, sink->global, err));
    }
    return SL_OK;
}

sl_status sl_executor_run_pipeline(sl_executor *ex, const sl_pipeline *p, sl_error *err)
{
    uint32_t boundary = 0;
    uint32_t n = plan_parallelism(ex, p, &boundary);
    if (n > 1)
        SL_TRY(run_parallel(ex, p, n, boundary, err));
    else
        SL_TRY(run_instance(ex, p, err));
    return sl_executor_pipeline_done(ex, p, err);
}

sl_status sl_executor_execute(sl_executor *ex, sl_error *err)
{
    if (ex->streaming)
        return sl_stream_drive(ex, err);
    SL_TRY(sl_executor_init_globals(ex, err));
    for (uint32_t i = 0; i < ex->pipeline_count; i++)
        SL_TRY(sl_executor_run_pipeline(ex, &ex->pipelines[i], err));
    return SL_OK;
}
