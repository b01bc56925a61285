/*
 * test_vector.c — buffers, vectors (validity, strings and heaps, gather, repeat) and
 * batches (share, selection, compact, append with change column).
 */
#include "check.h"
#include "vector/batch.h"
#include "vector/value.h"

static void test_buffers(void)
{
    sl_buffer *b = sl_buffer_new(100);
    CHECK(b && ((uintptr_t)b->data & 63) == 0 && b->capacity == 100);
    sl_buffer_ref(b);
    sl_buffer_unref(b);
    sl_buffer_unref(b);
}

static int released;
static void count_release(sl_buffer *buf) { released += *(int *)buf->release_data; }

static void test_wrap(void)
{
    static int payload[4] = { 1, 2, 3, 4 };
    int one = 1;
    released = 0;
    sl_buffer *b = sl_buffer_wrap(payload, sizeof payload, count_release, &one);
    sl_vector *v = sl_vector_new_from_buffers(sl_type_make(SL_TYPE_INTEGER), 4, b, b->data, NULL, NULL);
    CHECK(SL_VECTOR_DATA(v, int32_t)[3] == 4);
    sl_vector_unref(v);
    CHECK_EQ_INT(released, 1);
}

static void test_validity_and_gather(void)
{
    sl_error err;
    sl_vector *v = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), 100);
    for (int i = 0; i < 100; i++)
        SL_VECTOR_DATA(v, int64_t)[i] = i * 10;
    CHECK(!sl_vector_has_nulls(v, NULL, 100));
    CHECK_OK(sl_vector_set_null(v, 97, &err));
    CHECK(!sl_vector_is_valid(v, 97) && sl_vector_is_valid(v, 96));
    CHECK(sl_vector_has_nulls(v, NULL, 100));
    CHECK(!sl_vector_has_nulls(v, NULL, 97));
    uint32_t sel[3] = { 1, 97, 50 };
    CHECK(sl_vector_has_nulls(v, sel, 3));
    CHECK(!sl_vector_has_nulls(v, sel, 1));

    sl_vector *d = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), 10);
    CHECK_OK(sl_vector_gather(d, 0, v, NULL, 5, &err));        /* dense, src has validity */
    CHECK_OK(sl_vector_gather(d, 5, v, sel, 3, &err));
    CHECK(SL_VECTOR_DATA(d, int64_t)[4] == 40 && SL_VECTOR_DATA(d, int64_t)[5] == 10);
    CHECK(SL_VECTOR_DATA(d, int64_t)[7] == 500);
    CHECK(sl_vector_is_valid(d, 5) && !sl_vector_is_valid(d, 6) && sl_vector_is_valid(d, 7));
    CHECK(sl_vector_gather(d, 8, v, NULL, 5, &err) == SL_ERR_INTERNAL);   /* overflow */

    /* gather from an all-valid vector into a dst with a bitmap resets validity */
    sl_vector *w = sl_vector_new(sl_type_make(SL_TYPE_BIGINT), 10);
    for (int i = 0; i < 10; i++)
        SL_VECTOR_DATA(w, int64_t)[i] = -i;
    CHECK_OK(sl_vector_gather(d, 1, w, NULL, 9, &err));
    CHECK(!sl_vector_has_nulls(d, NULL, 10));
    CHECK(SL_VECTOR_DATA(d, int64_t)[9] == -8 && SL_VECTOR_DATA(d, int64_t)[0] == 0);

    sl_vector *r = sl_vector_new_repeat(v, 97, 20);
    CHECK(r && sl_vector_has_nulls(r, NULL, 20) && !sl_vector_is_valid(r, 19));
    sl_vector_unref(r);
    r = sl_vector_new_repeat(v, 3, 20);
    CHECK(r && !sl_vector_has_nulls(r, NULL, 20) && SL_VECTOR_DATA(r, int64_t)[19] == 30);
    sl_vector_unref(r);
    sl_vector_unref(v);
    sl_vector_unref(d);
    sl_vector_unref(w);
}

static void test_strings(void)
{
    sl_error err;
    sl_vector *v = sl_vector_new(sl_type_make(SL_TYPE_VARCHAR), 3000);
    char text[64];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(text, sizeof text, i % 2 ? "s%d" : "a long string number %d", i);
        CHECK_OK(sl_vector_set_string(v, i, text, n, &err));
    }
    const sl_string *s = SL_VECTOR_DATA(v, sl_string);
    CHECK(s[1].length == 2 && memcmp(sl_string_data(&s[1]), "s1", 2) == 0);
    CHECK(memcmp(sl_string_data(&s[2998]), "a long string number 2998", 25) == 0);
    CHECK(v->heap_count >= 1);

    sl_vector *d = sl_vector_new(sl_type_make(SL_TYPE_VARCHAR), 2);
    uint32_t sel[2] = { 2998, 1 };
    CHECK_OK(sl_vector_gather(d, 0, v, sel, 2, &err));
    uint32_t heaps = v->heap_count;
    CHECK(d->heap_count == heaps);
    /* a shared heap is never appended to: new long strings get a fresh heap */
    CHECK_OK(sl_vector_set_string(d, 1, "another long string", 19, &err));
    CHECK(d->heap_count == heaps + 1);
    sl_vector_unref(v);                 /* d keeps the heaps alive */
    const sl_string *t = SL_VECTOR_DATA(d, sl_string);
    CHECK(t[0].length == 25 && memcmp(sl_string_data(&t[0]), "a long string number 2998", 25) == 0);
    char buf[64];
    sl_format_slot(d, 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "a long string number 2998");

    sl_vector *r = sl_vector_new_repeat(d, 1, 5);
    CHECK(r && r->heap_count == 1);
    sl_format_slot(r, 4, buf, sizeof buf);
    CHECK_EQ_STR(buf, "another long string");
    sl_vector_unref(r);
    sl_vector_unref(d);

    sl_string a = sl_string_make("abcdefghijklmnop", 16), b = sl_string_make("abcdefghijklmnoq", 16);
    sl_string c = sl_string_make("abc", 3), e = sl_string_make("abcd", 4), f = sl_string_make("", 0);
    CHECK(sl_string_compare(&a, &b) < 0 && sl_string_compare(&b, &a) > 0);
    CHECK(sl_string_compare(&c, &e) < 0 && sl_string_compare(&e, &a) < 0);
    CHECK(sl_string_compare(&f, &c) < 0 && sl_string_compare(&f, &f) == 0);
    CHECK(sl_string_compare(&a, &a) == 0 && sl_string_equal(&a, &a) && !sl_string_equal(&a, &b));
    sl_string hi = sl_string_make("\xc3\xa9", 2), lo = sl_string_make("z", 1);
    CHECK(sl_string_compare(&hi, &lo) > 0);    /* unsigned byte order */
}

static void test_batches(void)
{
    sl_error err;
    sl_type types[2] = { sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_VARCHAR) };
    sl_batch *b = sl_batch_new_typed(types, 2, 10);
    for (int i = 0; i < 10; i++) {
        SL_VECTOR_DATA(b->columns[0], int32_t)[i] = i;
        char text[32];
        int n = snprintf(text, sizeof text, "row %d with a long tail", i);
        CHECK_OK(sl_vector_set_string(b->columns[1], i, text, n, &err));
    }
    CHECK_OK(sl_vector_set_null(b->columns[0], 4, &err));
    b->length = b->count = 10;
    uint32_t sel[4] = { 1, 4, 7, 9 };
    CHECK_OK(sl_batch_set_selection(b, sel, 4, &err));
    CHECK(b->count == 4 && sl_batch_row(b, 2) == 7);

    sl_batch *shared = sl_batch_share(b);
    CHECK(shared->columns[0] == b->columns[0] && shared->sel == b->sel && shared->count == 4);

    sl_batch *c = sl_batch_compact(b, &err);
    CHECK(c && c->sel == NULL && c->length == 4 && c->count == 4);
    CHECK(SL_VECTOR_DATA(c->columns[0], int32_t)[2] == 7 && !sl_vector_is_valid(c->columns[0], 1));
    char buf[64];
    sl_format_slot(c->columns[1], 3, buf, sizeof buf);
    CHECK_EQ_STR(buf, "row 9 with a long tail");

    sl_batch *dst = sl_batch_new_typed(types, 2, 20);
    CHECK_OK(sl_batch_append(dst, b, &err));
    CHECK_OK(sl_batch_append(dst, c, &err));
    CHECK(dst->length == 8 && dst->count == 8 && dst->change == NULL);
    /* a retraction batch makes the change column appear */
    sl_batch *retract = sl_batch_share(c);
    retract->change_buffer = sl_buffer_new(4);
    retract->change = (int8_t *)retract->change_buffer->data;
    memset(retract->change, 0xff, 4);
    CHECK_OK(sl_batch_append(dst, retract, &err));
    CHECK(dst->length == 12 && dst->change && dst->change[0] == 1 && dst->change[7] == 1 && dst->change[8] == -1);
    CHECK(!sl_vector_is_valid(dst->columns[0], 9) && sl_vector_is_valid(dst->columns[0], 8));
    sl_batch *cc = sl_batch_compact(dst, &err);
    CHECK(cc->change && cc->change[11] == -1);

    sl_batch_free(cc);
    sl_batch_free(retract);
    sl_batch_free(dst);
    sl_batch_free(c);
    sl_batch_free(shared);
    sl_batch_free(b);
}

static void test_oom(void)
{
    /* every allocation of a compact fails cleanly in turn */
    sl_error err;
    sl_type types[2] = { sl_type_make(SL_TYPE_DOUBLE), sl_type_make(SL_TYPE_VARCHAR) };
    sl_batch *b = sl_batch_new_typed(types, 2, 8);
    for (int i = 0; i < 8; i++) {
        SL_VECTOR_DATA(b->columns[0], double)[i] = i;
        CHECK_OK(sl_vector_set_string(b->columns[1], i, "a string longer than twelve", 27, &err));
    }
    CHECK_OK(sl_vector_set_null(b->columns[0], 3, &err));
    b->length = b->count = 8;
    for (int n = 1; n < 50; n++) {
        sl_alloc_fail_after(n);
        sl_batch *c = sl_batch_compact(b, &err);
        sl_alloc_fail_after(0);
        if (c) {
            sl_batch_free(c);
            break;
        }
        CHECK(err.code == SL_ERR_OOM);
    }
    sl_batch_free(b);
}

int main(void)
{
    int64_t before = sl_alloc_live_bytes();
    CHECK_RUN(test_buffers);
    CHECK_RUN(test_wrap);
    CHECK_RUN(test_validity_and_gather);
    CHECK_RUN(test_strings);
    CHECK_RUN(test_batches);
    CHECK_RUN(test_oom);
    CHECK_EQ_INT(sl_alloc_live_bytes(), before);
    return CHECK_EXIT_CODE();
}
