/*
 * stream_driver.c — drives a continuous query (src/stream/README.md).
 *
 * The pipelines of a streaming executor come in order (pipeline.c, order_for_streaming):
 * first the ones feeding a lookup join's build side, which run to completion one by
 * one like in a batch query; then groups of consecutive pipelines ending in the same
 * sink (normally the RESULT / INSERT / COPY_TO at the top; a SORT at the top of a bounded
 * run). A group runs interleaved on the calling thread: one round asks each live
 * instance's source for one step (operator.h, `step`), whose messages are pushed through
 * the stages above synchronously. Because the round-robin order is fixed, the same inputs
 * always give the same interleaving, hence the same watermarks, late rows and output.
 *
 * A source that ends gets WATERMARK(+inf) and END pushed after it (operators close what
 * is left); its sink combines the instance's local state. When every pipeline of the
 * group ended the sink is finalized and the next group starts. A round in which every
 * source was idle reports it; the caller waits a little (outside any lock it holds) so an
 * idle continuous query does not spin.
 */
#include <time.h>

#include "exec/pipeline.h"

typedef struct sl_stream_slot {
    const sl_pipeline *pipeline;
    sl_pipeline_instance *instance;
    bool done;
} sl_stream_slot;

struct sl_stream_driver {
    sl_executor *ex;
    uint32_t next_pipeline;          /* first pipeline not yet started */
    sl_stream_slot *slots;           /* the running group */
    uint32_t slot_count;
    uint32_t live;                   /* slots not done */
    bool finished;
};

static sl_status interrupted(sl_error *err)
{
    return sl_error_set(err, SL_ERR_CANCELLED, "query interrupted");
}

static void free_group(sl_stream_driver *d)
{
    for (uint32_t i = 0; i < d->slot_count; i++)
        sl_pipeline_instance_free(d->slots[i].instance);
    sl_free(d->slots);
    d->slots = NULL;
    d->slot_count = d->live = 0;
}

static bool is_build_pipeline(const sl_executor *ex, const sl_pipeline *p)
{
    sl_physical_kind sink = ex->nodes[p->sink].plan->kind;
    return sink == SL_POP_HASH_JOIN || sink == SL_POP_NESTED_LOOP_JOIN;
}

/* Starts the next group: the run of pipelines from next_pipeline sharing its sink. */
static sl_status start_group(sl_stream_driver *d, sl_error *err)
{
    sl_executor *ex = d->ex;
    uint32_t first = d->next_pipeline;
    uint32_t end = first + 1;
    while (end < ex->pipeline_count && ex->pipelines[end].sink == ex->pipelines[first].sink)
        end++;
    d->slots = sl_calloc(end - first, sizeof *d->slots);
    if (!d->slots)
        return sl_error_oom(err);
    /* every instance exists before any source runs, so multi-input operators know all
     * their inputs (UNION_ALL counts its branches' watermarks) */
    for (uint32_t i = first; i < end; i++) {
        sl_stream_slot *slot = &d->slots[d->slot_count++];
        slot->pipeline = &ex->pipelines[i];
        SL_TRY(sl_pipeline_instance_new(ex, slot->pipeline, 0, slot->pipeline->op_count + 2, &slot->instance, err));
        d->live++;
    }
    d->next_pipeline = end;
    return SL_OK;
}

/* The source of slot ended (or was asked to stop): close the stream and combine. */
static sl_status end_slot(sl_stream_driver *d, sl_stream_slot *slot, sl_error *err)
{
    sl_op_context ctx = { d->ex->exec, slot->instance, 0, 0 };
    sl_msg wm;
    memset(&wm, 0, sizeof wm);
    wm.kind = SL_MSG_WATERMARK;
    wm.watermark = SL_WATERMARK_END;
    SL_TRY(sl_emit(&ctx, &wm, err));
    SL_TRY(sl_pipeline_emit_end(&ctx, err));
    SL_TRY(sl_pipeline_combine(d->ex, slot->pipeline, slot->instance, err));
    sl_pipeline_instance_free(slot->instance);
    slot->instance = NULL;
    slot->done = true;
    d->live--;
    return sl_executor_pipeline_done(d->ex, slot->pipeline, err);
}

/* One step of one slot's source; *idle when it had nothing to give. */
static sl_status step_slot(sl_stream_driver *d, sl_stream_slot *slot, bool *idle, sl_error *err)
{
    sl_executor *ex = d->ex;
    sl_exec_node *source = &ex->nodes[slot->pipeline->source];
    sl_op_context ctx = { ex->exec, slot->instance, 0, 0 };
    int state = SL_STEP_DONE;
    *idle = false;
    if (source->type->step) {
        SL_TRY(source->type->step(&ctx, source->plan, source->global, slot->instance->locals[0], &state, err));
    } else if (source->type->source) {
        SL_TRY(source->type->source(&ctx, source->plan, source->global, slot->instance->locals[0], err));
    } else {
        return sl_error_set(err, SL_ERR_INTERNAL, "executor: operator %s cannot be a source", source->type->name);
    }
    if (sl_exec_interrupted(ex->exec))
        return interrupted(err);
    if (state == SL_STEP_DONE || slot->instance->stop_requested)
        return end_slot(d, slot, err);
    *idle = state == SL_STEP_IDLE;
    return SL_OK;
}

sl_status sl_stream_driver_start(sl_executor *ex, sl_stream_driver **out, sl_error *err)
{
    *out = NULL;
    sl_stream_driver *d = sl_calloc(1, sizeof *d);
    if (!d)
        return sl_error_oom(err);
    d->ex = ex;
    sl_status st = sl_executor_init_globals(ex, err);
    while (st == SL_OK && d->next_pipeline < ex->pipeline_count &&
           is_build_pipeline(ex, &ex->pipelines[d->next_pipeline]))
        st = sl_executor_run_pipeline(ex, &ex->pipelines[d->next_pipeline++], err);
    if (st != SL_OK) {
        sl_stream_driver_free(d);
        return st;
    }
    *out = d;
    return SL_OK;
}

sl_status sl_stream_driver_step(sl_stream_driver *d, bool *finished, bool *idle, sl_error *err)
{
    *finished = false;
    *idle = false;
    if (d->finished) {
        *finished = true;
        return SL_OK;
    }
    if (sl_exec_interrupted(d->ex->exec))
        return interrupted(err);
    if (d->live == 0) {
        free_group(d);
        if (d->next_pipeline >= d->ex->pipeline_count) {
            d->finished = *finished = true;
            return SL_OK;
        }
        return start_group(d, err);
    }
    bool all_idle = true;
    for (uint32_t i = 0; i < d->slot_count; i++) {
        sl_stream_slot *slot = &d->slots[i];
        if (slot->done)
            continue;
        bool idle = false;
        SL_TRY(step_slot(d, slot, &idle, err));
        all_idle &= idle;
    }
    *idle = all_idle && d->live > 0;
    return SL_OK;
}

void sl_stream_idle_wait(void)
{
    struct timespec pause = { 0, 1000000 };   /* 1 ms */
    nanosleep(&pause, NULL);
}

void sl_stream_driver_free(sl_stream_driver *d)
{
    if (!d)
        return;
    free_group(d);
    sl_free(d);
}

sl_status sl_stream_drive(sl_executor *ex, sl_error *err)
{
    sl_stream_driver *d = NULL;
    SL_TRY(sl_stream_driver_start(ex, &d, err));
    bool finished = false, idle = false;
    sl_status st = SL_OK;
    while (st == SL_OK && !finished) {
        st = sl_stream_driver_step(d, &finished, &idle, err);
        if (st == SL_OK && idle)
            sl_stream_idle_wait();
    }
    sl_stream_driver_free(d);
    return st;
}
