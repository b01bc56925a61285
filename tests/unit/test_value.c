/*
 * test_value.c — text rendering of every type (the CSV output contract, checked against
 * what DuckDB's COPY TO CSV prints), type-name parsing, and value <-> vector slots.
 */
#include <math.h>

#include "check.h"
#include "vector/value.h"

static const char *fmt_double(double d)
{
    static char buf[64];
    sl_format_double(d, buf, sizeof buf);
    return buf;
}

static const char *fmt_real(float f)
{
    static char buf[64];
    sl_vector *v = sl_vector_new(sl_type_make(SL_TYPE_REAL), 1);
    SL_VECTOR_DATA(v, float)[0] = f;
    sl_format_slot(v, 0, buf, sizeof buf);
    sl_vector_unref(v);
    return buf;
}

static void test_double(void)
{
    CHECK_EQ_STR(fmt_double(0.1), "0.1");
    CHECK_EQ_STR(fmt_double(1e20), "1e+20");
    CHECK_EQ_STR(fmt_double(1.5), "1.5");
    CHECK_EQ_STR(fmt_double(100.0), "100.0");
    CHECK_EQ_STR(fmt_double(INFINITY), "inf");
    CHECK_EQ_STR(fmt_double(-INFINITY), "-inf");
    CHECK_EQ_STR(fmt_double(NAN), "nan");
    CHECK_EQ_STR(fmt_double(-0.0), "-0.0");
    CHECK_EQ_STR(fmt_double(1e-7), "1e-07");
    CHECK_EQ_STR(fmt_double(123456789012345678.0), "1.2345678901234568e+17");
    CHECK_EQ_STR(fmt_double(1e15), "1000000000000000.0");
    CHECK_EQ_STR(fmt_double(1e16), "1e+16");
    CHECK_EQ_STR(fmt_double(1e301), "1e+301");
    CHECK_EQ_STR(fmt_double(2.5e-300), "2.5e-300");
    CHECK_EQ_STR(fmt_double(1.0 / 3), "0.3333333333333333");
    CHECK_EQ_STR(fmt_double(1e-5), "1e-05");
    CHECK_EQ_STR(fmt_double(0.0001), "0.0001");
    CHECK_EQ_STR(fmt_double(12345678.9), "12345678.9");
    CHECK_EQ_STR(fmt_double(5e-324), "5e-324");
    CHECK_EQ_STR(fmt_double(1.7976931348623157e308), "1.7976931348623157e+308");
    CHECK_EQ_STR(fmt_double(0.0), "0.0");
    CHECK_EQ_STR(fmt_double(-2.75), "-2.75");
    char small[4];
    CHECK_EQ_INT(sl_format_double(123456.0, small, sizeof small), 8);   /* snprintf-like */
    CHECK_EQ_STR(small, "123");
}

static void test_real(void)
{
    CHECK_EQ_STR(fmt_real(0.1f), "0.1");
    CHECK_EQ_STR(fmt_real(3.14159f), "3.14159");
    CHECK_EQ_STR(fmt_real(1.0f), "1.0");
    CHECK_EQ_STR(fmt_real(16777216.0f), "16777216.0");
    CHECK_EQ_STR(fmt_real(1e10f), "10000000000.0");
    CHECK_EQ_STR(fmt_real(123456789.0f), "123456790.0");
    CHECK_EQ_STR(fmt_real(1e-45f), "1e-45");
    CHECK_EQ_STR(fmt_real(3.4028235e38f), "3.4028235e+38");
    CHECK_EQ_STR(fmt_real(0.3f), "0.3");
}

static void test_decimal(void)
{
    char buf[64];
    sl_format_decimal(12345, 2, buf, sizeof buf);
    CHECK_EQ_STR(buf, "123.45");
    sl_format_decimal(-5, 2, buf, sizeof buf);
    CHECK_EQ_STR(buf, "-0.05");
    sl_format_decimal(12, 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "12");
    sl_format_decimal(100000, 3, buf, sizeof buf);
    CHECK_EQ_STR(buf, "100.000");
    /* -123456789012345678901234567.5 as DECIMAL(38,1) */
    sl_int128 u = (sl_int128)1234567890123456789LL * sl_pow10_i128(9) + 12345675;
    sl_value v = sl_value_decimal(-u, 38, 1);
    sl_value_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, "-123456789012345678901234567.5");
    v = sl_value_decimal(5, 1, 1);        /* DuckDB prints DECIMAL(p,p) without the 0 */
    sl_value_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, ".5");
    v = sl_value_decimal(-1, 3, 3);
    sl_value_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, "-.001");
    v = sl_value_decimal(1, 4, 3);
    sl_value_format(&v, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0.001");
}

static void test_date_timestamp(void)
{
    char buf[64];
    sl_format_date(19727, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2024-01-05");
    sl_format_date(0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1970-01-01");
    sl_format_date(-719162, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0001-01-01");
    sl_format_date(-719163, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0001-12-31 (BC)");
    sl_format_date(-719528, buf, sizeof buf);    /* astronomical 0000-01-01 */
    CHECK_EQ_STR(buf, "0001-01-01 (BC)");
    sl_format_date(2932897, buf, sizeof buf);
    CHECK_EQ_STR(buf, "10000-01-01");
    sl_format_date(INT32_MAX, buf, sizeof buf);
    CHECK_EQ_STR(buf, "infinity");

    int64_t base = INT64_C(19727) * 86400000000;
    sl_format_timestamp(base + INT64_C(3723) * 1000000 + 500000, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2024-01-05 01:02:03.5");
    sl_format_timestamp(base + INT64_C(3723) * 1000000, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2024-01-05 01:02:03");
    sl_format_timestamp(base + INT64_C(3723) * 1000000 + 123456, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2024-01-05 01:02:03.123456");
    sl_format_timestamp(base + INT64_C(3723) * 1000000 + 100, buf, sizeof buf);
    CHECK_EQ_STR(buf, "2024-01-05 01:02:03.0001");
    sl_format_timestamp(-1, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1969-12-31 23:59:59.999999");
    sl_format_timestamp(INT64_C(-62135596800) * 1000000, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0001-01-01 00:00:00");
    /* 0044-03-15 (BC) 10:00:00.25 */
    int64_t bc_days = -735160;
    sl_format_date((int32_t)bc_days, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0044-03-15 (BC)");
    sl_format_timestamp(bc_days * 86400000000 + INT64_C(36000250000), buf, sizeof buf);
    CHECK_EQ_STR(buf, "0044-03-15 (BC) 10:00:00.25");
}

static const char *fmt_iv(int32_t months, int32_t days, int64_t micros)
{
    static char buf[128];
    sl_interval iv = { months, days, micros };
    sl_format_interval(iv, buf, sizeof buf);
    return buf;
}

static void test_interval(void)
{
    int64_t s = 1000000;
    CHECK_EQ_STR(fmt_iv(14, 3, (4 * 3600 + 5 * 60 + 6) * s), "1 year 2 months 3 days 04:05:06");
    CHECK_EQ_STR(fmt_iv(0, 1, 0), "1 day");
    CHECK_EQ_STR(fmt_iv(0, -1, 3 * 3600 * s), "-1 day 03:00:00");
    CHECK_EQ_STR(fmt_iv(0, 0, 0), "00:00:00");
    CHECK_EQ_STR(fmt_iv(0, 0, 1500000), "00:00:01.5");
    CHECK_EQ_STR(fmt_iv(0, 0, -90 * 60 * s), "-01:30:00");
    CHECK_EQ_STR(fmt_iv(14, 0, 0), "1 year 2 months");
    CHECK_EQ_STR(fmt_iv(-27, 0, 0), "-2 years -3 months");
    CHECK_EQ_STR(fmt_iv(0, 0, 100 * 3600 * s), "100:00:00");
    CHECK_EQ_STR(fmt_iv(1, -1, 0), "1 month -1 day");
    CHECK_EQ_STR(fmt_iv(-12, 0, 0), "-1 year");
    CHECK_EQ_STR(fmt_iv(-1, 0, 0), "-1 month");
    CHECK_EQ_STR(fmt_iv(-13, 0, 0), "-1 year -1 month");
    CHECK_EQ_STR(fmt_iv(0, 0, 1), "00:00:00.000001");
    CHECK_EQ_STR(fmt_iv(0, 0, -500000), "-00:00:00.5");
    CHECK_EQ_STR(fmt_iv(0, 2, 25 * 3600 * s), "2 days 25:00:00");
}

static void test_type_parse(void)
{
    sl_type t;
    char buf[32];
    CHECK(sl_type_parse("int", 0, 0, &t) && t.id == SL_TYPE_INTEGER);
    CHECK(sl_type_parse("INT4", 0, 0, &t) && t.id == SL_TYPE_INTEGER);
    CHECK(sl_type_parse("bigint", 0, 0, &t) && t.id == SL_TYPE_BIGINT);
    CHECK(sl_type_parse("int8", 0, 0, &t) && t.id == SL_TYPE_BIGINT);
    CHECK(sl_type_parse("int2", 0, 0, &t) && t.id == SL_TYPE_SMALLINT);
    CHECK(sl_type_parse("tinyint", 0, 0, &t) && t.id == SL_TYPE_TINYINT);
    CHECK(sl_type_parse("real", 0, 0, &t) && t.id == SL_TYPE_REAL);
    CHECK(sl_type_parse("float", 0, 0, &t) && t.id == SL_TYPE_REAL);
    CHECK(sl_type_parse("float8", 0, 0, &t) && t.id == SL_TYPE_DOUBLE);
    CHECK(sl_type_parse("Double  Precision", 0, 0, &t) && t.id == SL_TYPE_DOUBLE);
    CHECK(sl_type_parse("numeric", 0, 0, &t) && t.id == SL_TYPE_DECIMAL && t.precision == 18 && t.scale == 3);
    CHECK(sl_type_parse("decimal(15,2)", 0, 0, &t) && t.precision == 15 && t.scale == 2);
    CHECK(sl_type_parse("decimal", 10, 0, &t) && t.precision == 10 && t.scale == 0);
    CHECK(sl_type_parse("decimal(38, 10)", 0, 0, &t) && !sl_decimal_is_small(t));
    CHECK(!sl_type_parse("decimal(39,0)", 0, 0, &t));
    CHECK(!sl_type_parse("decimal(5,6)", 0, 0, &t));
    CHECK(sl_type_parse("text", 0, 0, &t) && t.id == SL_TYPE_VARCHAR);
    CHECK(sl_type_parse("varchar(20)", 0, 0, &t) && t.id == SL_TYPE_VARCHAR);
    CHECK(sl_type_parse("bpchar", 0, 0, &t) && t.id == SL_TYPE_VARCHAR);
    CHECK(sl_type_parse("bool", 0, 0, &t) && t.id == SL_TYPE_BOOLEAN);
    CHECK(sl_type_parse("date", 0, 0, &t) && t.id == SL_TYPE_DATE);
    CHECK(sl_type_parse("datetime", 0, 0, &t) && t.id == SL_TYPE_TIMESTAMP);
    CHECK(sl_type_parse("interval", 0, 0, &t) && t.id == SL_TYPE_INTERVAL);
    CHECK(!sl_type_parse("hugeint", 0, 0, &t));
    CHECK(!sl_type_parse("int(3)", 0, 0, &t));
    CHECK_EQ_STR(sl_type_name(sl_type_decimal(15, 2), buf, sizeof buf), "DECIMAL(15,2)");
    CHECK_EQ_STR(sl_type_name(sl_type_make(SL_TYPE_REAL), buf, sizeof buf), "FLOAT");
    CHECK_EQ_INT(sl_type_width(sl_type_decimal(19, 0)), 16);
    CHECK_EQ_INT(sl_type_width(sl_type_make(SL_TYPE_VARCHAR)), 16);
    CHECK(sl_pow10_i128(38) / sl_pow10_i128(20) == sl_pow10_i128(18));
}

static void test_value_slots(void)
{
    sl_error err;
    sl_vector *v = sl_vector_new(sl_type_make(SL_TYPE_VARCHAR), 4);
    sl_value s;
    CHECK_OK(sl_value_varchar("a rather long string value", 26, &s, &err));
    CHECK_OK(sl_vector_set_value(v, 0, &s, &err));
    sl_value n = sl_value_null(sl_type_make(SL_TYPE_VARCHAR));
    CHECK_OK(sl_vector_set_value(v, 1, &n, &err));
    sl_value out;
    CHECK_OK(sl_vector_get_value(v, 0, &out, &err));
    CHECK(!out.is_null && out.v.str.length == 26 && strcmp(out.v.str.data, "a rather long string value") == 0);
    sl_value copy;
    CHECK_OK(sl_value_copy(&out, &copy, &err));
    CHECK(copy.v.str.data != out.v.str.data);
    sl_value_free(&out);
    sl_value_free(&copy);
    CHECK_OK(sl_vector_get_value(v, 1, &out, &err));
    CHECK(out.is_null);
    char buf[8];
    CHECK_EQ_INT(sl_format_slot(v, 1, buf, sizeof buf), 0);
    sl_value i = sl_value_int(SL_TYPE_INTEGER, 5);
    CHECK(sl_vector_set_value(v, 2, &i, &err) == SL_ERR_INTERNAL);
    sl_value_free(&s);
    sl_vector_unref(v);

    sl_value b = sl_value_boolean(true);
    CHECK_EQ_INT(sl_value_format(&b, buf, sizeof buf), 4);
    CHECK_EQ_STR(buf, "true");
}

int main(void)
{
    CHECK_RUN(test_double);
    CHECK_RUN(test_real);
    CHECK_RUN(test_decimal);
    CHECK_RUN(test_date_timestamp);
    CHECK_RUN(test_interval);
    CHECK_RUN(test_type_parse);
    CHECK_RUN(test_value_slots);
    CHECK(sl_alloc_live_bytes() == 0);
    return CHECK_EXIT_CODE();
}
