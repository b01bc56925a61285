/*
 * test_hash.c — value hashing: equal values hash equally across storage widths,
 * NULL/-0.0/NaN normalisation, selection vectors and multi-column combining.
 */
#include <math.h>

#include "check.h"
#include "common/hash.h"
#include "vector/value.h"

static void test_scalar(void)
{
    CHECK(sl_hash_bytes("abc", 3) == sl_hash_bytes("abc", 3));
    CHECK(sl_hash_bytes("abc", 3) != sl_hash_bytes("abd", 3));
    CHECK(sl_hash_double(0.0) == sl_hash_double(-0.0));
    CHECK(sl_hash_double(NAN) == sl_hash_double(-NAN));
    CHECK(sl_hash_double(1.0) != sl_hash_double(2.0));
    CHECK(sl_hash_int128(42) == sl_hash_int64(42));
    CHECK(sl_hash_combine(1, 2) != sl_hash_combine(2, 1));
}

static void test_vector_hash(void)
{
    sl_error err;
    sl_vector *i32 = sl_vector_new(sl_type_make(SL_TYPE_INTEGER), 4);
    sl_vector *i64 = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), 4);
    sl_vector *str = sl_vector_new(sl_type_make(SL_TYPE_VARCHAR), 4);
    sl_vector *dbl = sl_vector_new(sl_type_make(SL_TYPE_DOUBLE), 4);
    const char *words[4] = { "x", "a string that is long", "x", "" };
    for (int i = 0; i < 4; i++) {
        SL_VECTOR_DATA(i32, int32_t)[i] = i % 2 ? -7 : 3;
        SL_VECTOR_DATA(i64, int64_t)[i] = i % 2 ? -7 : 3;
        CHECK_OK(sl_vector_set_string(str, i, words[i], strlen(words[i]), &err));
    }
    SL_VECTOR_DATA(dbl, double)[0] = 0.0;
    SL_VECTOR_DATA(dbl, double)[1] = -0.0;
    SL_VECTOR_DATA(dbl, double)[2] = NAN;
    SL_VECTOR_DATA(dbl, double)[3] = -NAN;
    CHECK_OK(sl_vector_set_null(i64, 3, &err));

    uint64_t h1[4], h2[4];
    sl_hash_vector(i32, NULL, 4, h1, false);
    sl_hash_vector(i64, NULL, 4, h2, false);
    CHECK(h1[0] == h2[0] && h1[1] == h2[1] && h1[2] == h2[2] && h1[0] != h1[1]);
    CHECK(h2[3] == SL_HASH_NULL && h1[3] != SL_HASH_NULL);

    sl_hash_vector(str, NULL, 4, h1, false);
    CHECK(h1[0] == h1[2] && h1[0] != h1[1] && h1[1] == sl_hash_bytes("a string that is long", 21));
    sl_hash_vector(dbl, NULL, 4, h1, false);
    CHECK(h1[0] == h1[1] && h1[2] == h1[3] && h1[0] != h1[2]);

    /* selection: hashes[i] belongs to the i-th active row */
    uint32_t sel[2] = { 3, 1 };
    sl_hash_vector(str, sel, 2, h2, false);
    CHECK(h2[0] == sl_hash_bytes("", 0) && h2[1] == sl_hash_bytes("a string that is long", 21));

    /* combine: (3,"x") at rows 0 and 2 collide, (−7, "a string...") differs */
    sl_hash_vector(i32, NULL, 4, h1, false);
    sl_hash_vector(str, NULL, 4, h1, true);
    CHECK(h1[0] == h1[2] && h1[0] != h1[1]);

    /* sl_hash_value agrees with sl_hash_vector */
    sl_value v;
    CHECK_OK(sl_vector_get_value(str, 1, &v, &err));
    sl_hash_vector(str, NULL, 4, h1, false);
    CHECK(sl_hash_value(&v) == h1[1]);
    sl_value_free(&v);
    sl_value n = sl_value_null(sl_type_make(SL_TYPE_BIGINT));
    CHECK(sl_hash_value(&n) == SL_HASH_NULL);
    sl_value i = sl_value_int(SL_TYPE_INTEGER, -7);
    sl_hash_vector(i64, NULL, 4, h1, false);
    CHECK(sl_hash_value(&i) == h1[1]);

    /* intervals hash their normalised length: 1 month == 30 days */
    sl_vector *iv = sl_vector_new(sl_type_make(SL_TYPE_INTERVAL), 2);
    SL_VECTOR_DATA(iv, sl_interval)[0] = (sl_interval){ 1, 0, 0 };
    SL_VECTOR_DATA(iv, sl_interval)[1] = (sl_interval){ 0, 30, 0 };
    sl_hash_vector(iv, NULL, 2, h1, false);
    CHECK(h1[0] == h1[1]);

    sl_vector_unref(iv);
    sl_vector_unref(i32);
    sl_vector_unref(i64);
    sl_vector_unref(str);
    sl_vector_unref(dbl);
}

static void test_distribution(void)
{
    /* sequential integers spread over the low bits (hash tables mask them) */
    enum { N = 4096, BUCKETS = 256 };
    sl_vector *v = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), N);
    for (int i = 0; i < N; i++)
        SL_VECTOR_DATA(v, int64_t)[i] = i;
    static uint64_t h[N];
    sl_hash_vector(v, NULL, N, h, false);
    int counts[BUCKETS] = { 0 };
    for (int i = 0; i < N; i++)
        counts[h[i] & (BUCKETS - 1)]++;
    int max = 0;
    for (int i = 0; i < BUCKETS; i++)
        if (counts[i] > max)
            max = counts[i];
    CHECK(max < 40);   /* expected 16 per bucket */
    sl_vector_unref(v);
}

int main(void)
{
    CHECK_RUN(test_scalar);
    CHECK_RUN(test_vector_hash);
    CHECK_RUN(test_distribution);
    return CHECK_EXIT_CODE();
}
