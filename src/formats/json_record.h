/*
 * json_record.h — one JSON object split into members, shared by the JSON file reader
 * (json_read.c) and the record decoder of live sources (record.c), formats-internal.
 *
 * sl_json_parse_object splits one object into (key span, value span, kind) members
 * without copying: scalars are spans of the input; nested objects and arrays are skipped
 * with a bracket stack on the heap (iterative, any depth: 10,000 levels cost 10 KB, never
 * stack frames) and kept as the span of their raw text. sl_json_member_to_slot converts
 * one member into a typed column slot with the text parsers (text_parse.h).
 *
 * Lifetime: the parser owns its member array and bracket stack (reused from object to
 * object, freed by sl_json_parser_free); member spans point into the caller's buffer.
 */
#ifndef SL_FORMATS_JSON_RECORD_H
#define SL_FORMATS_JSON_RECORD_H

#include "vector/vector.h"

typedef enum sl_json_kind {
    SL_JSON_MISSING = 0,
    SL_JSON_NULL,
    SL_JSON_STRING,     /* span excludes the quotes */
    SL_JSON_NUMBER,
    SL_JSON_TRUE,
    SL_JSON_FALSE,
    SL_JSON_NESTED      /* raw text of an object or array */
} sl_json_kind;

typedef struct sl_json_member {
    uint32_t key_start, key_len;
    uint32_t val_start, val_len;
    uint8_t kind;       /* sl_json_kind */
    bool escaped;       /* string value contains backslash escapes */
} sl_json_member;

typedef enum sl_json_status { SL_JSON_OK, SL_JSON_INCOMPLETE, SL_JSON_ERROR, SL_JSON_END } sl_json_status;

typedef struct sl_json_parser {
    sl_json_member *members;
    uint32_t count, cap;
    char *stack;          /* closing brackets of the open nested values */
    size_t stack_cap;
    size_t next;          /* after the object (and, in an array, its ',') */
    size_t error_offset;
    const char *error;    /* static text */
} sl_json_parser;

static inline bool sl_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses one object starting at buf[pos] (leading blanks skipped) into p->members.
 * in_array: objects are separated by ',' and the array closes with ']' (SL_JSON_END).
 * Otherwise the object may be followed by blanks up to a '\n' or the next '{'.
 * SL_JSON_INCOMPLETE when buf ends first; SL_JSON_ERROR with p->error / error_offset, or
 * with *oom set when the member array or bracket stack could not grow. */
sl_json_status sl_json_parse_object(const char *buf, size_t pos, size_t end, bool in_array, sl_json_parser *p,
                                    bool *oom);
void sl_json_parser_free(sl_json_parser *p);

/* Decodes a JSON string body (with escapes) into dst, which has room for n bytes (the
 * decoded text is never longer); returns the decoded length. */
uint32_t sl_json_unescape(const char *s, uint32_t n, char *dst);

/* Converts a member of any kind but MISSING/NULL into slot `row` of v, whose type is not
 * VARCHAR: true/false into BOOLEAN, strings and numbers through sl_text_parse_slot.
 * `text` is the member's value text (already unescaped for escaped strings). false when
 * it does not convert (nested values never do). Does not touch validity. */
bool sl_json_member_to_slot(sl_vector *v, uint32_t row, const sl_json_member *m, const char *text, uint32_t len);

#endif
