/*
 * decode_json.c — throughput of the live-source record decoder (formats/record.h) on
 * JSON Nexmark bids of about 100 bytes: MB/s and records/s of sl_record_decoder_add (plus
 * the flush of every full batch) on one core, timed in thread CPU time (the best of the
 * rounds). A benchmark, not a test.
 *
 * Build and run (from the repository root, after building sluice into BUILD):
 *   cc -O2 -Iinclude -Isrc bench/ingest/decode_json.c BUILD/libsluice.a \
 *      -lavro -lnats -lrdkafka -lpcre2-8 -lxxhash -lsnappy -lzstd -lz -llz4 -lm -lpthread \
 *      -o /tmp/decode_json && /tmp/decode_json [records] [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "formats/record.h"

/* CPU time of this thread: per-core throughput even on a busy machine */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int records = argc > 1 ? atoi(argv[1]) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    static const char *const channels[] = { "Google", "Facebook", "Baidu", "Apple" };
    /* the records, back to back, with their offsets */
    size_t cap = (size_t)records * 160, used = 0;
    char *text = malloc(cap);
    size_t *offsets = malloc(sizeof *offsets * ((size_t)records + 1));
    if (!text || !offsets)
        return 1;
    unsigned long long x = 88172645463325252ULL;
    for (int i = 0; i < records; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        offsets[i] = used;
        used += (size_t)snprintf(text + used, cap - used,
                                 "{\"auction\":%llu,\"bidder\":%llu,\"price\":%llu,\"channel\":\"%s\","
                                 "\"dateTime\":\"2024-01-01 %02d:%02d:%02d.%03d\"}",
                                 1000 + x % 10000, 2000 + (x >> 16) % 100000, 100 + (x >> 32) % 100000,
                                 channels[(x >> 40) % 4], (i / 3600000) % 24, (i / 60000) % 60, (i / 1000) % 60,
                                 i % 1000);
    }
    offsets[records] = used;

    static const char *const names[] = { "auction", "bidder", "price", "channel", "dateTime" };
    sl_type types[5] = { sl_type_make(SL_TYPE_BIGINT), sl_type_make(SL_TYPE_BIGINT), sl_type_make(SL_TYPE_BIGINT),
                         sl_type_make(SL_TYPE_VARCHAR), sl_type_make(SL_TYPE_TIMESTAMP) };
    sl_record_decoder_config config = { .format = SL_RECORD_JSON, .column_count = 5, .types = types,
                                        .names = names, .event_time_column = 4 };
    sl_error err;
    sl_record_decoder *d;
    if (sl_record_decoder_new(&config, &d, &err) != SL_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    sl_record_origin origin = { .source = "bids", .partition = 0, .offset = 0, .file = NULL, .line = -1,
                                .timestamp_micros = -1 };
    double best = 1e30;
    long long rows = 0;
    for (int round = 0; round < rounds; round++) {
        double t0 = now_seconds();
        for (int i = 0; i < records; i++) {
            origin.offset = i;
            if (sl_record_decoder_add(d, text + offsets[i], offsets[i + 1] - offsets[i], &origin, &err) != SL_OK) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
            }
            if (sl_record_decoder_full(d)) {
                sl_batch *b;
                sl_record_decoder_flush(d, &b, &err);
                rows += b->count;
                sl_batch_free(b);
            }
        }
        sl_batch *b;
        sl_record_decoder_flush(d, &b, &err);
        if (b) {
            rows += b->count;
            sl_batch_free(b);
        }
        double t = now_seconds() - t0;
        if (t < best)
            best = t;
    }
    printf("records %d, average %.1f bytes, best of %d rounds: %.3f s = %.0f MB/s, %.2f M records/s (rows %lld)\n",
           records, (double)used / records, rounds, best, (double)used / best / 1e6, records / best / 1e6, rows);
    sl_record_decoder_free(d);
    free(text);
    free(offsets);
    return 0;
}
