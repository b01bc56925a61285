/*
 * union_all.c — UNION_ALL: concatenates its inputs' streams.
 *
 * The pipeline builder instantiates the stages above a union once per branch, so the
 * union itself is a pass-through stage in each branch's pipeline: DATA, BARRIER and END
 * are forwarded as they come (the stages above use sl_op_end_is_last to tell the last
 * END). Watermarks are the one thing it merges: the global state keeps the latest
 * watermark of every branch instance (a branch that ended counts as +infinity; one not
 * yet started as -infinity) and forwards their minimum whenever it advances.
 */
#include "exec/operator.h"

typedef struct sl_union_all_global {
    uint32_t slot_count;         /* instances registered so far */
    uint32_t slot_capacity;
    int64_t *watermarks;         /* per instance */
    uint32_t expected;           /* branches (plan->child_count) */
    int64_t forwarded;           /* last watermark emitted */
} sl_union_all_global;

typedef struct sl_union_all_local {
    uint32_t slot;
} sl_union_all_local;

static sl_status union_init_global(const sl_physical_op *plan, sl_exec_context *exec, void **global, sl_error *err)
{
    sl_union_all_global *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->expected = plan->child_count;
    g->forwarded = INT64_MIN;
    *global = g;
    return SL_OK;
}

static void union_free_global(const sl_physical_op *plan, void *global)
{
    sl_union_all_global *g = global;
    sl_free(g->watermarks);
    sl_free(g);
}

static sl_status union_init_local(const sl_physical_op *plan, void *global, sl_exec_context *exec, void **local,
                                  sl_error *err)
{
    sl_union_all_global *g = global;
    sl_union_all_local *l = sl_calloc(1, sizeof *l);
    if (!l)
        return sl_error_oom(err);
    size_t cap = g->slot_capacity;
    sl_status st = sl_array_reserve((void **)&g->watermarks, &cap, g->slot_count + 1, sizeof *g->watermarks, err);
    if (st != SL_OK) {
        sl_free(l);
        return st;
    }
    g->slot_capacity = (uint32_t)cap;
    l->slot = g->slot_count++;
    g->watermarks[l->slot] = INT64_MIN;
    *local = l;
    return SL_OK;
}

static void union_free_local(const sl_physical_op *plan, void *local)
{
    sl_free(local);
}

/* Minimum watermark over all branch instances (missing branches count as -infinity). */
static int64_t union_min_watermark(const sl_union_all_global *g)
{
    if (g->slot_count < g->expected)
        return INT64_MIN;
    int64_t min = INT64_MAX;
    for (uint32_t i = 0; i < g->slot_count; i++)
        if (g->watermarks[i] < min)
            min = g->watermarks[i];
    return min;
}

static sl_status union_push(sl_op_context *ctx, const sl_physical_op *plan, void *global, void *local,
                            const sl_msg *msg, sl_error *err)
{
    sl_union_all_global *g = global;
    sl_union_all_local *l = local;
    if (msg->kind == SL_MSG_WATERMARK || msg->kind == SL_MSG_END) {
        g->watermarks[l->slot] = msg->kind == SL_MSG_END ? INT64_MAX : msg->watermark;
        int64_t min = union_min_watermark(g);
        if (msg->kind == SL_MSG_WATERMARK) {
            if (min <= g->forwarded)
                return SL_OK;
            g->forwarded = min;
            sl_msg wm = *msg;
            wm.watermark = min;
            return sl_emit(ctx, &wm, err);
        }
        if (min > g->forwarded) {
            /* this branch ended: the others' minimum may now advance (to +infinity when
             * every branch ended) */
            g->forwarded = min;
            sl_msg wm;
            memset(&wm, 0, sizeof wm);
            wm.kind = SL_MSG_WATERMARK;
            wm.watermark = min;
            SL_TRY(sl_emit(ctx, &wm, err));
        }
    }
    return sl_emit(ctx, msg, err);
}

const sl_operator_type sl_union_all_operator = {
    .name = "UNION_ALL",
    .init_global = union_init_global,
    .free_global = union_free_global,
    .init_local = union_init_local,
    .free_local = union_free_local,
    .push = union_push,
};
