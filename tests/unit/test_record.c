/*
 * test_record.c — the live-source record decoder (formats/record.h) driven directly:
 * Avro in the Confluent wire format (records written here with libavro's own writer),
 * the metadata columns from the origin, a failing record leaving the pending rows as they
 * were, the room rule for debezium-json updates, records at and over max_record_bytes,
 * and the reject policy (fail / skip /
 * dead_letter into a catalog table). Expected values are worked out by hand from the
 * records each test builds.
 */
#include <avro.h>

#include "catalog/catalog.h"
#include "check.h"
#include "formats/record.h"

static const char *string_at(const sl_vector *v, uint32_t row, char *buf, size_t cap)
{
    if (!sl_vector_is_valid(v, row))
        return "NULL";
    sl_string s = SL_VECTOR_DATA(v, sl_string)[row];
    snprintf(buf, cap, "%.*s", (int)s.length, sl_string_data(&s));
    return buf;
}

static const char *const avro_schema_text =
    "{\"type\":\"record\",\"name\":\"bid\",\"fields\":["
    "{\"name\":\"auction\",\"type\":\"long\"},{\"name\":\"price\",\"type\":\"double\"},"
    "{\"name\":\"channel\",\"type\":[\"null\",\"string\"]},{\"name\":\"dateTime\",\"type\":\"long\"},"
    "{\"name\":\"ignored\",\"type\":\"int\"}]}";

/* One Confluent-framed Avro record (magic 0, schema id 7) into buf; returns its length. */
static size_t make_avro_record(char *buf, size_t cap, int64_t auction, double price, const char *channel, int64_t millis)
{
    avro_schema_t schema;
    CHECK_EQ_INT(avro_schema_from_json_length(avro_schema_text, strlen(avro_schema_text), &schema), 0);
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t value, field, branch;
    avro_generic_value_new(iface, &value);
    avro_value_get_by_name(&value, "auction", &field, NULL);
    avro_value_set_long(&field, auction);
    avro_value_get_by_name(&value, "price", &field, NULL);
    avro_value_set_double(&field, price);
    avro_value_get_by_name(&value, "channel", &field, NULL);
    if (channel) {
        avro_value_set_branch(&field, 1, &branch);
        avro_value_set_string(&branch, channel);
    } else {
        avro_value_set_branch(&field, 0, &branch);
        avro_value_set_null(&branch);
    }
    avro_value_get_by_name(&value, "dateTime", &field, NULL);
    avro_value_set_long(&field, millis);
    avro_value_get_by_name(&value, "ignored", &field, NULL);
    avro_value_set_int(&field, 5);
    memcpy(buf, "\0\0\0\0\7", 5);
    avro_writer_t writer = avro_writer_memory(buf + 5, (int64_t)(cap - 5));
    CHECK_EQ_INT(avro_value_write(writer, &value), 0);
    size_t n = 5 + (size_t)avro_writer_tell(writer);
    avro_writer_free(writer);
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return n;
}

static void test_avro(void)
{
    const char *names[] = { "dateTime", "auction", "channel", "price", "_offset" };
    sl_type types[] = { sl_type_make(SL_TYPE_TIMESTAMP), sl_type_make(SL_TYPE_BIGINT), sl_type_make(SL_TYPE_VARCHAR),
                        sl_type_make(SL_TYPE_DOUBLE), sl_type_make(SL_TYPE_BIGINT) };
    sl_record_decoder_config config = { .format = SL_RECORD_AVRO, .column_count = 5, .types = types, .names = names,
                                        .event_time_column = 0, .avro_schema = avro_schema_text };
    sl_error err;
    sl_record_decoder *d = NULL;
    CHECK_OK(sl_record_decoder_new(&config, &d, &err));
    if (!d)
        return;
    sl_record_origin origin = { .source = "bids", .partition = 2, .offset = 40, .line = -1, .timestamp_micros = -1 };
    char buf[256];
    size_t n = make_avro_record(buf, sizeof buf, 1001, 12.5, "Google", 1704067200123);
    CHECK_OK(sl_record_decoder_add(d, buf, n, &origin, &err));
    origin.offset = 41;
    n = make_avro_record(buf, sizeof buf, 1002, -1.25, NULL, 0);
    CHECK_OK(sl_record_decoder_add(d, buf, n, &origin, &err));
    /* errors: not the wire format, a body cut short */
    buf[0] = 1;
    CHECK_EQ_INT(sl_record_decoder_add(d, buf, n, &origin, &err), SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "source 'bids' partition 2 offset 41: not an Avro record in the Confluent wire format: "
                              "magic byte 1") != NULL);
    buf[0] = 0;
    CHECK_EQ_INT(sl_record_decoder_add(d, buf, 7, &origin, &err), SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "invalid Avro record (schema id 7)") != NULL);
    CHECK_EQ_INT(sl_record_decoder_pending(d), 2);
    sl_batch *b = NULL;
    CHECK_OK(sl_record_decoder_flush(d, &b, &err));
    if (b) {
        char s[64];
        CHECK_EQ_INT(b->length, 2);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[0], int64_t)[0], INT64_C(1704067200123000));
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[1], int64_t)[0], 1001);
        CHECK_EQ_STR(string_at(b->columns[2], 0, s, sizeof s), "Google");
        CHECK(SL_VECTOR_DATA(b->columns[3], double)[0] == 12.5);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[4], int64_t)[0], 40);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[1], int64_t)[1], 1002);
        CHECK_EQ_STR(string_at(b->columns[2], 1, s, sizeof s), "NULL");
        CHECK(SL_VECTOR_DATA(b->columns[3], double)[1] == -1.25);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[4], int64_t)[1], 41);
        sl_batch_free(b);
    }
    sl_record_decoder_free(d);
    /* without a schema: a clear error */
    config.avro_schema = NULL;
    CHECK_EQ_INT(sl_record_decoder_new(&config, &d, &err), SL_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "avro.schema") != NULL);
}

static void test_metadata_and_failed_record(void)
{
    const char *names[] = { "id", "Name", "_key", "_partition", "_timestamp", "_headers" };
    sl_type types[] = { sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_VARCHAR), sl_type_make(SL_TYPE_VARCHAR),
                        sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_TIMESTAMP), sl_type_make(SL_TYPE_VARCHAR) };
    sl_record_decoder_config config = { .format = SL_RECORD_JSON, .column_count = 6, .types = types, .names = names,
                                        .event_time_column = -1 };
    sl_error err;
    sl_record_decoder *d = NULL;
    CHECK_OK(sl_record_decoder_new(&config, &d, &err));
    if (!d)
        return;
    sl_record_origin origin = { .source = "s", .partition = 3, .offset = 9, .line = -1, .timestamp_micros = 77,
                                .key = "k1", .key_length = 2 };
    const char *good = "{\"NAME\":\"a long name over twelve bytes\",\"id\":1}";
    CHECK_OK(sl_record_decoder_add(d, good, strlen(good), &origin, &err));
    /* writes name into row 1, then fails on id: row 1 stays free */
    const char *bad = "{\"name\":\"zzz\",\"id\":\"x\"}";
    CHECK_EQ_INT(sl_record_decoder_add(d, bad, strlen(bad), &origin, &err), SL_ERR_INVALID_INPUT);
    CHECK_EQ_STR(err.message, "source 's' partition 3 offset 9: type mismatch in column \"id\": cannot convert \"x\" to INTEGER");
    CHECK_EQ_INT(sl_record_decoder_pending(d), 1);
    origin.key = NULL;
    origin.partition = -1;
    origin.timestamp_micros = -1;
    const char *third = "{\"id\":3}";
    CHECK_OK(sl_record_decoder_add(d, third, strlen(third), &origin, &err));
    sl_batch *b = NULL;
    CHECK_OK(sl_record_decoder_flush(d, &b, &err));
    if (b) {
        char s[64];
        CHECK_EQ_INT(b->length, 2);
        CHECK(b->change == NULL);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[0], int32_t)[0], 1);
        CHECK_EQ_STR(string_at(b->columns[1], 0, s, sizeof s), "a long name over twelve bytes");
        CHECK_EQ_STR(string_at(b->columns[2], 0, s, sizeof s), "k1");
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[3], int32_t)[0], 3);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[4], int64_t)[0], 77);
        CHECK(!sl_vector_is_valid(b->columns[5], 0));
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[0], int32_t)[1], 3);
        CHECK_EQ_STR(string_at(b->columns[1], 1, s, sizeof s), "NULL");   /* not the failed record's "zzz" */
        CHECK_EQ_STR(string_at(b->columns[2], 1, s, sizeof s), "NULL");
        CHECK(!sl_vector_is_valid(b->columns[3], 1));
        CHECK(!sl_vector_is_valid(b->columns[4], 1));
        sl_batch_free(b);
    }
    CHECK_OK(sl_record_decoder_flush(d, &b, &err));
    CHECK(b == NULL);
    sl_record_decoder_free(d);
}

static void test_debezium_room(void)
{
    const char *names[] = { "id" };
    sl_type types[] = { sl_type_make(SL_TYPE_INTEGER) };
    sl_record_decoder_config config = { .format = SL_RECORD_DEBEZIUM_JSON, .column_count = 1, .types = types,
                                        .names = names, .event_time_column = -1 };
    sl_error err;
    sl_record_decoder *d = NULL;
    CHECK_OK(sl_record_decoder_new(&config, &d, &err));
    if (!d)
        return;
    const char *insert = "{\"op\":\"c\",\"after\":{\"id\":1}}";
    const char *update = "{\"op\":\"u\",\"before\":{\"id\":1},\"after\":{\"id\":2}}";
    for (uint32_t i = 0; i < SL_BATCH_CAPACITY - 1; i++)
        CHECK_OK(sl_record_decoder_add(d, insert, strlen(insert), NULL, &err));
    CHECK(sl_record_decoder_full(d));
    CHECK_EQ_INT(sl_record_decoder_add(d, update, strlen(update), NULL, &err), SL_ERR_INTERNAL);
    sl_batch *b = NULL;
    CHECK_OK(sl_record_decoder_flush(d, &b, &err));
    if (b) {
        CHECK_EQ_INT(b->length, SL_BATCH_CAPACITY - 1);
        sl_batch_free(b);
    }
    CHECK(!sl_record_decoder_full(d));
    CHECK_OK(sl_record_decoder_add(d, update, strlen(update), NULL, &err));
    CHECK_OK(sl_record_decoder_flush(d, &b, &err));
    if (b) {
        CHECK_EQ_INT(b->length, 2);
        CHECK(b->change && b->change[0] == SL_CHANGE_UPDATE_BEFORE && b->change[1] == SL_CHANGE_UPDATE_AFTER);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[0], int32_t)[0], 1);
        CHECK_EQ_INT(SL_VECTOR_DATA(b->columns[0], int32_t)[1], 2);
        sl_batch_free(b);
    }
    sl_record_decoder_free(d);
}

static void test_size_limit(void)
{
    const char *names[] = { "line" };
    sl_type types[] = { sl_type_make(SL_TYPE_VARCHAR) };
    sl_record_decoder_config config = { .format = SL_RECORD_RAW, .column_count = 1, .types = types, .names = names,
                                        .event_time_column = -1, .max_record_bytes = 10 };
    sl_error err;
    sl_record_decoder *d = NULL;
    CHECK_OK(sl_record_decoder_new(&config, &d, &err));
    if (!d)
        return;
    sl_record_origin origin = { .source = "s", .partition = 0, .offset = 1, .line = -1, .timestamp_micros = -1 };
    CHECK_OK(sl_record_decoder_add(d, "0123456789", 10, &origin, &err));   /* at the limit */
    CHECK_EQ_INT(sl_record_decoder_add(d, "0123456789A", 11, &origin, &err), SL_ERR_INVALID_INPUT);
    CHECK_EQ_STR(err.message, "source 's' partition 0 offset 1: record of 11 bytes is over max_record_bytes (10)");
    CHECK_EQ_INT(sl_record_decoder_pending(d), 1);
    sl_record_decoder_free(d);
}

static void test_reject_policy(void)
{
    sl_catalog *catalog = sl_catalog_new();
    sl_error err, record_error;
    sl_error_set(&record_error, SL_ERR_INVALID_INPUT, "source 's' partition 1 offset 5: invalid JSON at byte 1: x");
    sl_record_origin origin = { .source = "s", .partition = 1, .offset = 5, .line = -1, .timestamp_micros = -1 };
    int64_t rejected = 0;
    sl_reject_policy fail = { SL_ON_ERROR_FAIL, catalog, NULL };
    CHECK_EQ_INT(sl_reject_record(&fail, &origin, "x", 1, &record_error, &rejected, &err), SL_ERR_INVALID_INPUT);
    CHECK_EQ_STR(err.message, record_error.message);
    CHECK_EQ_INT(rejected, 0);
    sl_reject_policy skip = { SL_ON_ERROR_SKIP, catalog, NULL };
    CHECK_OK(sl_reject_record(&skip, &origin, "x", 1, &record_error, &rejected, &err));
    CHECK_EQ_INT(rejected, 1);
    CHECK_OK(sl_dead_letter_table_create(catalog, "dl", &err));
    CHECK_OK(sl_dead_letter_table_create(catalog, "dl", &err));   /* exists with the schema: fine */
    sl_table *t = sl_catalog_find_table(catalog, "dl");
    CHECK(t != NULL);
    if (!t) {
        sl_catalog_free(catalog);
        return;
    }
    sl_reject_policy dead = { SL_ON_ERROR_DEAD_LETTER, catalog, t };
    char raw[2000];
    memset(raw, 'a', sizeof raw);
    raw[0] = (char)0xC3;   /* a cut UTF-8 sequence: shown as \xC3 */
    CHECK_OK(sl_reject_record(&dead, &origin, raw, sizeof raw, &record_error, &rejected, &err));
    CHECK_EQ_INT(rejected, 2);
    CHECK_EQ_INT(t->row_count, 1);
    if (t->chunk_count == 1) {
        const sl_batch *c = t->chunks[0];
        char s[1100];
        CHECK_EQ_STR(string_at(c->columns[0], 0, s, sizeof s), "s");
        CHECK_EQ_INT(SL_VECTOR_DATA(c->columns[1], int32_t)[0], 1);
        CHECK_EQ_INT(SL_VECTOR_DATA(c->columns[2], int64_t)[0], 5);
        CHECK(!sl_vector_is_valid(c->columns[3], 0));
        CHECK(!sl_vector_is_valid(c->columns[4], 0));
        CHECK_EQ_STR(string_at(c->columns[5], 0, s, sizeof s), record_error.message);
        string_at(c->columns[6], 0, s, sizeof s);
        CHECK_EQ_INT(strlen(s), 4 + 1023);   /* 1 KB of the record, the first byte as \xC3 */
        CHECK(strncmp(s, "\\xC3aaa", 7) == 0);
        CHECK(sl_vector_is_valid(c->columns[7], 0));
    }
    /* a table of another shape is refused */
    sl_column_def one = { (char *)"a", sl_type_make(SL_TYPE_INTEGER), false };
    CHECK_OK(sl_catalog_create_table(catalog, "other", &one, 1, false, NULL, &err));
    CHECK_EQ_INT(sl_dead_letter_table_create(catalog, "other", &err), SL_ERR_CATALOG);
    sl_catalog_free(catalog);
}

int main(void)
{
    CHECK_RUN(test_avro);
    CHECK_RUN(test_metadata_and_failed_record);
    CHECK_RUN(test_debezium_room);
    CHECK_RUN(test_size_limit);
    CHECK_RUN(test_reject_policy);
    return CHECK_EXIT_CODE();
}
