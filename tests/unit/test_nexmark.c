/*
 * test_nexmark.c — the Nexmark generator (src/connect/nexmark.c): determinism (same seed,
 * same bytes; another seed, other bytes), the 1:3:46 proportions, hot auction / bidder /
 * seller shares, average event sizes, auction expiry after dateTime, split independence
 * (a range generated in pieces equals one pass) and column projection. Prints the
 * generation rate (events per second) of each table as information, not as a check.
 */
#include <stdlib.h>
#include <math.h>
#include <time.h>

#include "check.h"
#include "connect/nexmark.h"

/* A digest of every value of every row (FNV-1a over the fixed slots and string bytes). */
static uint64_t digest_batch(uint64_t h, const sl_batch *b)
{
    for (uint32_t r = 0; r < b->count; r++) {
        for (uint32_t c = 0; c < b->column_count; c++) {
            const sl_vector *v = b->columns[c];
            const uint8_t *p;
            size_t n;
            if (v->type.id == SL_TYPE_VARCHAR) {
                const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[r];
                p = (const uint8_t *)sl_string_data(s);
                n = s->length;
            } else {
                p = (const uint8_t *)&SL_VECTOR_DATA(v, int64_t)[r];
                n = 8;
            }
            for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * UINT64_C(0x100000001b3);
            h = (h ^ 0xff) * UINT64_C(0x100000001b3);
        }
    }
    return h;
}

/* Digest of `table` over events [first, end), generated with batches of at most max_rows. */
static uint64_t digest_range(const sl_nexmark_generator *g, sl_nexmark_table table, int64_t first, int64_t end,
                             uint32_t max_rows, int64_t *rows, uint64_t h)
{
    int64_t next = first;
    while (next < end) {
        sl_batch *b = NULL;
        sl_error err;
        sl_error_clear(&err);
        if (sl_nexmark_generate(g, table, &next, end, max_rows, NULL, 0, &b, &err) != SL_OK) {
            CHECK(!"generate failed");
            return h;
        }
        h = digest_batch(h, b);
        *rows += b->count;
        sl_batch_free(b);
    }
    return h;
}

static sl_nexmark_generator *make(uint64_t seed)
{
    sl_nexmark_config config;
    sl_nexmark_config_init(&config);
    config.seed = seed;
    sl_nexmark_generator *g = NULL;
    sl_error err;
    CHECK_OK(sl_nexmark_generator_new(&config, &g, &err));
    return g;
}

static void test_determinism(void)
{
    sl_nexmark_generator *a = make(42), *b = make(42), *c = make(43);
    for (int t = 0; t < 3; t++) {
        int64_t ra = 0, rb = 0, rc = 0;
        uint64_t ha = digest_range(a, (sl_nexmark_table)t, 0, 20000, SL_BATCH_CAPACITY, &ra, 1469598103934665603ULL);
        uint64_t hb = digest_range(b, (sl_nexmark_table)t, 0, 20000, SL_BATCH_CAPACITY, &rb, 1469598103934665603ULL);
        uint64_t hc = digest_range(c, (sl_nexmark_table)t, 0, 20000, SL_BATCH_CAPACITY, &rc, 1469598103934665603ULL);
        CHECK(ha == hb);
        CHECK(ha != hc);
        CHECK_EQ_INT(ra, rb);
        CHECK_EQ_INT(ra, rc);
    }
    sl_nexmark_generator_free(a);
    sl_nexmark_generator_free(b);
    sl_nexmark_generator_free(c);
}

static void test_split_independence(void)
{
    sl_nexmark_generator *g = make(7);
    for (int t = 0; t < 3; t++) {
        int64_t rows_one = 0, rows_pieces = 0;
        uint64_t one = digest_range(g, (sl_nexmark_table)t, 0, 30011, SL_BATCH_CAPACITY, &rows_one,
                                    1469598103934665603ULL);
        /* pieces of odd sizes and small batches, in order: the same rows in the same order */
        uint64_t h = 1469598103934665603ULL;
        int64_t bounds[] = { 0, 1, 2, 49, 50, 51, 777, 1000, 12345, 29999, 30011 };
        for (size_t i = 0; i + 1 < sizeof bounds / sizeof bounds[0]; i++)
            h = digest_range(g, (sl_nexmark_table)t, bounds[i], bounds[i + 1], 97, &rows_pieces, h);
        CHECK(h == one);
        CHECK_EQ_INT(rows_one, rows_pieces);
        CHECK_EQ_INT(rows_one, sl_nexmark_table_rows((sl_nexmark_table)t, 30011));
    }
    /* a second generator made from the same seed by another "split" agrees on a late range */
    sl_nexmark_generator *other = make(7);
    int64_t r1 = 0, r2 = 0;
    CHECK(digest_range(g, SL_NEXMARK_BID, 5000000, 5010000, 2048, &r1, 1) ==
          digest_range(other, SL_NEXMARK_BID, 5000000, 5010000, 2048, &r2, 1));
    sl_nexmark_generator_free(other);
    sl_nexmark_generator_free(g);
}

static void test_proportions(void)
{
    CHECK_EQ_INT(sl_nexmark_table_rows(SL_NEXMARK_PERSON, 10000), 200);
    CHECK_EQ_INT(sl_nexmark_table_rows(SL_NEXMARK_AUCTION, 10000), 600);
    CHECK_EQ_INT(sl_nexmark_table_rows(SL_NEXMARK_BID, 10000), 9200);
    CHECK_EQ_INT(sl_nexmark_table_rows(SL_NEXMARK_PERSON, 1), 1);
    CHECK_EQ_INT(sl_nexmark_table_rows(SL_NEXMARK_AUCTION, 3), 2);
    CHECK_EQ_INT(sl_nexmark_table_rows(SL_NEXMARK_BID, 5), 1);
    CHECK(sl_nexmark_event_kind(0) == SL_NEXMARK_PERSON);
    CHECK(sl_nexmark_event_kind(3) == SL_NEXMARK_AUCTION);
    CHECK(sl_nexmark_event_kind(4) == SL_NEXMARK_BID);
    CHECK(sl_nexmark_event_kind(50) == SL_NEXMARK_PERSON);
}

/* Hot shares, id ranges, sizes, times: over 100 000 events. */
static void test_model(void)
{
    sl_nexmark_generator *g = make(1);
    const sl_nexmark_config *cfg = sl_nexmark_generator_config(g);
    const int64_t events = 100000;
    sl_error err;
    /* bids */
    int64_t next = 0, bids = 0, hot_auction = 0, hot_bidder = 0, size = 0, ordered = 1;
    int64_t last_time = INT64_MIN;
    while (next < events) {
        sl_batch *b = NULL;
        CHECK_OK(sl_nexmark_generate(g, SL_NEXMARK_BID, &next, events, SL_BATCH_CAPACITY, NULL, 0, &b, &err));
        const int64_t *auction = SL_VECTOR_DATA(b->columns[SL_NEXMARK_BID_AUCTION], int64_t);
        const int64_t *bidder = SL_VECTOR_DATA(b->columns[SL_NEXMARK_BID_BIDDER], int64_t);
        const int64_t *price = SL_VECTOR_DATA(b->columns[SL_NEXMARK_BID_PRICE], int64_t);
        const int64_t *when = SL_VECTOR_DATA(b->columns[SL_NEXMARK_BID_DATETIME], int64_t);
        const sl_string *extra = SL_VECTOR_DATA(b->columns[SL_NEXMARK_BID_EXTRA], sl_string);
        for (uint32_t r = 0; r < b->count; r++) {
            hot_auction += (auction[r] - 1000) % 100 == 0;
            hot_bidder += (bidder[r] - 1000) % 100 == 1;
            CHECK(price[r] >= 100 && price[r] <= 100000000);
            CHECK(auction[r] >= 1000 && bidder[r] >= 1000);
            ordered &= when[r] >= last_time;
            last_time = when[r];
            size += 32 + extra[r].length;
            for (uint32_t i = 0; i < extra[r].length; i++)
                CHECK(sl_string_data(&extra[r])[i] >= 'a' && sl_string_data(&extra[r])[i] <= 'z');
        }
        bids += b->count;
        sl_batch_free(b);
    }
    CHECK_EQ_INT(bids, 92000);
    CHECK(ordered);
    /* P(hot) = 1/2 + (1/2) * P(random pick is a batch head) ~ 0.5 ; hot bidder ~ 0.75 */
    double auction_share = (double)hot_auction / bids, bidder_share = (double)hot_bidder / bids;
    fprintf(stderr, "  hot auctions %.3f, hot bidders %.3f, bid size %.1f\n", auction_share, bidder_share,
            (double)size / bids);
    CHECK(auction_share > 0.49 && auction_share < 0.53);
    CHECK(bidder_share > 0.74 && bidder_share < 0.77);
    CHECK(fabs((double)size / bids - cfg->bid_size) < 3);
    CHECK_EQ_INT(last_time, sl_nexmark_event_time(cfg, events - 1));
    CHECK_EQ_INT(last_time - cfg->base_time, (events - 1) * 1000000 / cfg->event_rate / 1000 * 1000);

    /* auctions */
    next = 0;
    int64_t auctions = 0, hot_seller = 0, expected_id = 1000;
    size = 0;
    while (next < events) {
        sl_batch *b = NULL;
        CHECK_OK(sl_nexmark_generate(g, SL_NEXMARK_AUCTION, &next, events, SL_BATCH_CAPACITY, NULL, 0, &b, &err));
        const int64_t *id = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_ID], int64_t);
        const int64_t *seller = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_SELLER], int64_t);
        const int64_t *category = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_CATEGORY], int64_t);
        const int64_t *initial = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_INITIAL_BID], int64_t);
        const int64_t *reserve = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_RESERVE], int64_t);
        const int64_t *when = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_DATETIME], int64_t);
        const int64_t *expires = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_EXPIRES], int64_t);
        const sl_string *name = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_ITEM_NAME], sl_string);
        const sl_string *desc = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_DESCRIPTION], sl_string);
        const sl_string *extra = SL_VECTOR_DATA(b->columns[SL_NEXMARK_AUCTION_EXTRA], sl_string);
        for (uint32_t r = 0; r < b->count; r++) {
            CHECK_EQ_INT(id[r], expected_id);
            expected_id++;
            hot_seller += (seller[r] - 1000) % 100 == 0;
            CHECK(category[r] >= 10 && category[r] < 15);
            CHECK(reserve[r] > initial[r]);
            CHECK(expires[r] > when[r]);
            size += 8 + name[r].length + desc[r].length + 40 + extra[r].length;
        }
        auctions += b->count;
        sl_batch_free(b);
    }
    CHECK_EQ_INT(auctions, 6000);
    double seller_share = (double)hot_seller / auctions;
    fprintf(stderr, "  hot sellers %.3f, auction size %.1f\n", seller_share, (double)size / auctions);
    CHECK(seller_share > 0.72 && seller_share < 0.79);
    CHECK(fabs((double)size / auctions - cfg->auction_size) < 10);

    /* people */
    next = 0;
    int64_t people = 0;
    size = 0;
    expected_id = 1000;
    while (next < events) {
        sl_batch *b = NULL;
        CHECK_OK(sl_nexmark_generate(g, SL_NEXMARK_PERSON, &next, events, SL_BATCH_CAPACITY, NULL, 0, &b, &err));
        const int64_t *id = SL_VECTOR_DATA(b->columns[SL_NEXMARK_PERSON_ID], int64_t);
        for (uint32_t r = 0; r < b->count; r++) {
            CHECK_EQ_INT(id[r], expected_id);
            expected_id++;
            size += 8;
            for (int c = SL_NEXMARK_PERSON_NAME; c <= SL_NEXMARK_PERSON_EXTRA; c++) {
                if (c == SL_NEXMARK_PERSON_DATETIME)
                    continue;
                const sl_string *s = &SL_VECTOR_DATA(b->columns[c], sl_string)[r];
                size += s->length;
            }
            const sl_string *email = &SL_VECTOR_DATA(b->columns[SL_NEXMARK_PERSON_EMAIL], sl_string)[r];
            CHECK(memchr(sl_string_data(email), '@', email->length) != NULL);
        }
        people += b->count;
        sl_batch_free(b);
    }
    CHECK_EQ_INT(people, 2000);
    fprintf(stderr, "  person size %.1f\n", (double)size / people);
    CHECK(fabs((double)size / people - cfg->person_size) < 5);
    sl_nexmark_generator_free(g);
}

static void test_projection(void)
{
    sl_nexmark_generator *g = make(3);
    sl_error err;
    int64_t n1 = 0, n2 = 0;
    sl_batch *all = NULL, *some = NULL;
    uint32_t cols[] = { SL_NEXMARK_BID_EXTRA, SL_NEXMARK_BID_PRICE, SL_NEXMARK_BID_PRICE };
    CHECK_OK(sl_nexmark_generate(g, SL_NEXMARK_BID, &n1, 10000, 1000, NULL, 0, &all, &err));
    CHECK_OK(sl_nexmark_generate(g, SL_NEXMARK_BID, &n2, 10000, 1000, cols, 3, &some, &err));
    CHECK_EQ_INT(n1, n2);
    CHECK_EQ_INT(some->column_count, 3);
    CHECK_EQ_INT(all->count, some->count);
    for (uint32_t r = 0; r < all->count; r++) {
        CHECK(SL_VECTOR_DATA(all->columns[SL_NEXMARK_BID_PRICE], int64_t)[r] ==
              SL_VECTOR_DATA(some->columns[1], int64_t)[r]);
        CHECK(SL_VECTOR_DATA(some->columns[2], int64_t)[r] == SL_VECTOR_DATA(some->columns[1], int64_t)[r]);
        CHECK(sl_string_equal(&SL_VECTOR_DATA(all->columns[SL_NEXMARK_BID_EXTRA], sl_string)[r],
                              &SL_VECTOR_DATA(some->columns[0], sl_string)[r]));
    }
    sl_batch_free(all);
    sl_batch_free(some);
    sl_nexmark_generator_free(g);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Information only: events per second generating each table over 5 M events. */
static void test_rate(void)
{
    sl_nexmark_generator *g = make(0);
    const int64_t events = 5000000;
    for (int t = 0; t < 3; t++) {
        double start = seconds();
        int64_t next = 0, rows = 0;
        while (next < events) {
            sl_batch *b = NULL;
            sl_error err;
            if (sl_nexmark_generate(g, (sl_nexmark_table)t, &next, events, SL_BATCH_CAPACITY, NULL, 0, &b, &err) !=
                SL_OK)
                break;
            rows += b->count;
            sl_batch_free(b);
        }
        double elapsed = seconds() - start;
        fprintf(stderr, "  %-7s %8lld rows: %.1f M events/s, %.1f M rows/s\n", sl_nexmark_table_name((sl_nexmark_table)t),
                (long long)rows, events / elapsed / 1e6, rows / elapsed / 1e6);
    }
    sl_nexmark_generator_free(g);
}

int main(void)
{
    CHECK_RUN(test_proportions);
    CHECK_RUN(test_determinism);
    CHECK_RUN(test_split_independence);
    CHECK_RUN(test_model);
    CHECK_RUN(test_projection);
    CHECK_RUN(test_rate);
    return CHECK_EXIT_CODE();
}
