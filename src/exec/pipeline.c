/*
 * pipeline.c — pipeline construction (plan -> pipelines) and the single-threaded driver.
 *
 * See pipeline.h for the cutting rules and operator.h for the roles. The driver runs the
 * pipelines in list order; each pipeline gets one instance today. An instance creates the
 * local state of every stage, calls the source once (the source emits DATA until it is
 * exhausted, asked to stop, or interrupted), pushes END through every stage, lets the sink
 * combine its local state, and frees the locals. When the last pipeline feeding a sink has
 * ended, the sink is finalized; that is what makes the pipelines above runnable.
 */
#include "exec/pipeline.h"

#include <stdio.h>

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
    size_t count;
    size_t capacity;
} sl_stage_stack;

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
        if (!p->ops)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < p->op_count; i++)        /* bottom-up order */
            p->ops[i] = above->items[above->count - 1 - i];
    }
    ex->pipeline_count++;
    ex->nodes[sink].sink_pipelines++;
    for (uint32_t i = 0; i < p->op_count; i++)
        ex->nodes[p->ops[i]].stream_instances++;
    return SL_OK;
}

static sl_status push_stage(sl_stage_stack *stack, uint32_t node, sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)&stack->items, &stack->capacity, stack->count + 1, sizeof *stack->items, err));
    stack->items[stack->count++] = node;
    return SL_OK;
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
        if (plan->child_count != 1)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s expects 1 child, has %u",
                                sl_physical_kind_name(plan->kind), plan->child_count);
        SL_TRY(push_stage(above, self, err));
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
        sl_free(fresh.items);
        SL_TRY(st);
        SL_TRY(push_stage(above, self, err));
        st = build_pipelines(ex, plan->children[0], above, sink, sink_input, err);
        above->count = mark;
        return st;
    }

    case SL_POP_UNION_ALL:
        SL_TRY(push_stage(above, self, err));
        for (uint32_t i = 0; i < plan->child_count && st == SL_OK; i++)
            st = build_pipelines(ex, plan->children[i], above, sink, sink_input, err);
        above->count = mark;
        return st;

    case SL_POP_HASH_AGGREGATE:
    case SL_POP_SORT:
    case SL_POP_TOP_N:
    case SL_POP_WINDOW:
    case SL_POP_SET_OPERATION: {
        if (plan->child_count == 0)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: %s has no input",
                                sl_physical_kind_name(plan->kind));
        for (uint32_t i = 0; i < plan->child_count; i++) {
            sl_stage_stack fresh = { 0 };
            st = build_pipelines(ex, plan->children[i], &fresh, self, i, err);
            sl_free(fresh.items);
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
    sl_free(above.items);
    SL_TRY(st);
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
        sl_free(ex->pipelines[i].deps);
    }
    sl_free(ex->pipelines);
    sl_free(ex->nodes);
    memset(ex, 0, sizeof *ex);
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
    return node->type->push(&sub, node->plan, node->global, inst->locals[next], msg, err);
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
}

bool sl_pipeline_stop_requested(const sl_op_context *ctx)
{
    return ctx->instance->stop_requested;
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

static void free_instance(sl_pipeline_instance *inst)
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
    sl_free(inst->locals);
    sl_free(inst->nodes);
    sl_free(inst);
}

static sl_status run_instance(sl_executor *ex, const sl_pipeline *p, sl_error *err)
{
    sl_pipeline_instance *inst = sl_calloc(1, sizeof *inst);
    if (!inst)
        return sl_error_oom(err);
    inst->executor = ex;
    inst->pipeline = p;
    inst->stage_count = p->op_count + 2;
    inst->sink_input = p->sink_input;
    inst->nodes = sl_malloc(sizeof *inst->nodes * inst->stage_count);
    inst->locals = sl_calloc(inst->stage_count, sizeof *inst->locals);
    if (!inst->nodes || !inst->locals) {
        free_instance(inst);
        return sl_error_oom(err);
    }
    inst->nodes[0] = p->source;
    for (uint32_t i = 0; i < p->op_count; i++)
        inst->nodes[i + 1] = p->ops[i];
    inst->nodes[inst->stage_count - 1] = p->sink;

    sl_status st = SL_OK;
    for (uint32_t s = 0; s < inst->stage_count && st == SL_OK; s++) {
        sl_exec_node *node = &ex->nodes[inst->nodes[s]];
        if (node->type->init_local)
            st = node->type->init_local(node->plan, node->global, ex->exec, &inst->locals[s], err);
    }
    sl_op_context ctx = { ex->exec, inst, 0, 0 };
    sl_exec_node *source = &ex->nodes[p->source];
    if (st == SL_OK && sl_exec_interrupted(ex->exec))
        st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
    if (st == SL_OK) {
        if (!source->type->source)
            st = sl_error_set(err, SL_ERR_INTERNAL, "executor: operator %s cannot be a source", source->type->name);
        else
            st = source->type->source(&ctx, source->plan, source->global, inst->locals[0], err);
    }
    if (st == SL_OK && sl_exec_interrupted(ex->exec))
        st = sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
    if (st == SL_OK) {
        sl_msg end;
        memset(&end, 0, sizeof end);
        end.kind = SL_MSG_END;
        st = sl_emit(&ctx, &end, err);
    }
    if (st == SL_OK) {
        sl_exec_node *sink = &ex->nodes[p->sink];
        if (sink->type->combine) {
            sl_op_context sctx = { ex->exec, inst, inst->stage_count - 1, p->sink_input };
            st = sink->type->combine(&sctx, sink->plan, sink->global, inst->locals[inst->stage_count - 1], err);
        }
    }
    free_instance(inst);
    return st;
}

sl_status sl_executor_execute(sl_executor *ex, sl_error *err)
{
    for (uint32_t i = 0; i < ex->node_count; i++) {
        sl_exec_node *n = &ex->nodes[i];
        if (!n->type)
            return sl_error_set(err, SL_ERR_INTERNAL, "executor: no operator implements %s",
                                sl_physical_kind_name(n->plan->kind));
        if (n->type->init_global)
            SL_TRY(n->type->init_global(n->plan, ex->exec, &n->global, err));
        n->global_ready = true;
    }
    for (uint32_t i = 0; i < ex->pipeline_count; i++) {
        const sl_pipeline *p = &ex->pipelines[i];
        SL_TRY(run_instance(ex, p, err));
        sl_exec_node *sink = &ex->nodes[p->sink];
        if (++sink->sink_pipelines_done == sink->sink_pipelines && !sink->finalized) {
            sink->finalized = true;
            if (sink->type->finalize)
                SL_TRY(sink->type->finalize(ex->exec, sink->plan, sink->global, err));
        }
    }
    return SL_OK;
}
