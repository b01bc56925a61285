/*
 * watermark.h — a source's watermark from its splits (src/stream/README.md).
 *
 * Each split (partition) keeps the greatest watermark-expression value seen on its rows.
 * The source's watermark is the minimum over the splits that still count: a split that
 * ended stops counting (a bounded split ends at +infinity), and so does a split that
 * produced nothing for idle_timeout (it counts again with its next row). The source
 * forwards a watermark only when that minimum rises.
 */
#ifndef SL_STREAM_WATERMARK_H
#define SL_STREAM_WATERMARK_H

#include "exec/operator.h"

typedef struct sl_watermark_tracker {
    uint32_t split_count;
    int64_t *split_max;          /* greatest value seen per split (SL_WATERMARK_NONE: none yet) */
    int64_t *split_active;       /* wall-clock micros of the split's last row */
    bool *split_ended;
    int64_t idle_timeout;        /* micros; 0 = never idle */
    int64_t emitted;             /* last watermark forwarded */
} sl_watermark_tracker;

sl_status sl_watermark_tracker_init(sl_watermark_tracker *t, uint32_t split_count, int64_t idle_timeout,
                                    int64_t now_micros, sl_error *err);
void sl_watermark_tracker_free(sl_watermark_tracker *t);
/* Split `split` delivered rows whose greatest watermark value is `value` (may be
 * SL_WATERMARK_NONE when every value was NULL). */
void sl_watermark_observe(sl_watermark_tracker *t, uint32_t split, int64_t value, int64_t now_micros);
void sl_watermark_split_ended(sl_watermark_tracker *t, uint32_t split);
/* A source whose split set grows (a followed glob finding new files): adds splits up to
 * split_count, each without a value yet (it holds the watermark back until its first
 * rows, or until idle_timeout). Fewer splits than now: nothing happens. */
sl_status sl_watermark_tracker_grow(sl_watermark_tracker *t, uint32_t split_count, int64_t now_micros, sl_error *err);
/* The watermark to forward now, if it rose: returns true and sets *out (and remembers it
 * as emitted). */
bool sl_watermark_advance(sl_watermark_tracker *t, int64_t now_micros, int64_t *out);

#endif
