/*
 * watermark.c — per-split watermark tracking for sources (see watermark.h).
 */
#include "stream/watermark.h"

sl_status sl_watermark_tracker_init(sl_watermark_tracker *t, uint32_t split_count, int64_t idle_timeout,
                                    int64_t now_micros, sl_error *err)
{
    memset(t, 0, sizeof *t);
    if (split_count == 0)
        split_count = 1;
    t->split_count = split_count;
    t->idle_timeout = idle_timeout;
    t->emitted = SL_WATERMARK_NONE;
    t->split_max = sl_malloc(sizeof *t->split_max * split_count);
    t->split_active = sl_malloc(sizeof *t->split_active * split_count);
    t->split_ended = sl_calloc(split_count, sizeof *t->split_ended);
    if (!t->split_max || !t->split_active || !t->split_ended) {
        sl_watermark_tracker_free(t);
        return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < split_count; i++) {
        t->split_max[i] = SL_WATERMARK_NONE;
        t->split_active[i] = now_micros;
    }
    return SL_OK;
}

void sl_watermark_tracker_free(sl_watermark_tracker *t)
{
    sl_free(t->split_max);
    sl_free(t->split_active);
    sl_free(t->split_ended);
    memset(t, 0, sizeof *t);
}

void sl_watermark_observe(sl_watermark_tracker *t, uint32_t split, int64_t value, int64_t now_micros)
{
    if (split >= t->split_count)
        split = t->split_count - 1;
    t->split_active[split] = now_micros;
    if (value > t->split_max[split])
        t->split_max[split] = value;
}

void sl_watermark_split_ended(sl_watermark_tracker *t, uint32_t split)
{
    if (split < t->split_count)
        t->split_ended[split] = true;
}

sl_status sl_watermark_tracker_grow(sl_watermark_tracker *t, uint32_t split_count, int64_t now_micros, sl_error *err)
{
    if (split_count <= t->split_count)
        return SL_OK;
    int64_t *max = sl_realloc(t->split_max, sizeof *max * split_count);
    if (!max)
        return sl_error_oom(err);
    t->split_max = max;
    int64_t *active = sl_realloc(t->split_active, sizeof *active * split_count);
    if (!active)
        return sl_error_oom(err);
    t->split_active = active;
    bool *ended = sl_realloc(t->split_ended, sizeof *ended * split_count);
    if (!ended)
        return sl_error_oom(err);
    t->split_ended = ended;
    for (uint32_t i = t->split_count; i < split_count; i++) {
        max[i] = SL_WATERMARK_NONE;
        active[i] = now_micros;
        ended[i] = false;
    }
    t->split_count = split_count;
    return SL_OK;
}

bool sl_watermark_advance(sl_watermark_tracker *t, int64_t now_micros, int64_t *out)
{
    int64_t min = SL_WATERMARK_END;
    bool counted = false, all_ended = true;
    for (uint32_t i = 0; i < t->split_count; i++) {
        if (t->split_ended[i])
            continue;
        all_ended = false;
        if (t->idle_timeout > 0 && now_micros - t->split_active[i] >= t->idle_timeout)
            continue;   /* idle: stops holding the watermark back */
        counted = true;
        if (t->split_max[i] < min)
            min = t->split_max[i];
    }
    if (!counted && !all_ended)
        return false;   /* every live split idle: nothing moves the watermark */
    if (min <= t->emitted)
        return false;
    t->emitted = min;
    *out = min;
    return true;
}
