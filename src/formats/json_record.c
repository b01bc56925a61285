/*
 * json_record.c — splitting one JSON object into members (see json_record.h): the
 * per-record parser shared by the JSON file reader and the live-source record decoder.
 */
#include "formats/json_record.h"

#include "formats/text_parse.h"

/* Scans a string starting after its opening quote: *pos = the offset of the closing
 * quote; SL_JSON_INCOMPLETE when the buffer ends first; sets *escaped. Control
 * characters are errors. (Byte at a time: keys and values are mostly short, and an
 * 8-bytes-at-a-time scan measured slower on Nexmark bids.) */
static sl_json_status scan_string(const char *buf, size_t *pos, size_t end, bool *escaped, sl_json_parser *p)
{
    size_t i = *pos;
    *escaped = false;
    for (;;) {
        if (i >= end)
            return SL_JSON_INCOMPLETE;
        unsigned char c = (unsigned char)buf[i];
        if (c == '"') {
            *pos = i;
            return SL_JSON_OK;
        }
        if (c == '\\') {
            *escaped = true;
            i += 2;
            continue;
        }
        if (c < 0x20) {
            p->error_offset = i;
            p->error = "control character in a string (escape it)";
            return SL_JSON_ERROR;
        }
        i++;
    }
}

/* Skips a nested object/array starting at buf[*pos] ('{' or '['), iteratively: the
 * expected closing brackets live on p->stack, which grows on the heap, so any depth
 * works without recursion. *oom when the stack cannot grow. */
static sl_json_status skip_nested(const char *buf, size_t *pos, size_t end, sl_json_parser *p, bool *oom)
{
    size_t depth = 0, i = *pos;
    while (i < end) {
        char c = buf[i];
        if (c == '{' || c == '[') {
            if (depth == p->stack_cap) {
                size_t ncap = p->stack_cap ? p->stack_cap * 2 : 256;
                char *ns = sl_realloc(p->stack, ncap);
                if (!ns) {
                    *oom = true;
                    return SL_JSON_ERROR;
                }
                p->stack = ns;
                p->stack_cap = ncap;
            }
            p->stack[depth++] = c == '{' ? '}' : ']';
        } else if (c == '}' || c == ']') {
            if (depth == 0 || p->stack[depth - 1] != c) {
                p->error_offset = i;
                p->error = "mismatched bracket";
                return SL_JSON_ERROR;
            }
            if (--depth == 0) {
                *pos = i + 1;
                return SL_JSON_OK;
            }
        } else if (c == '"') {
            bool esc;
            size_t s = i + 1;
            sl_json_status st = scan_string(buf, &s, end, &esc, p);
            if (st != SL_JSON_OK)
                return st;
            i = s;
        }
        i++;
    }
    return SL_JSON_INCOMPLETE;
}

static bool match_word(const char *buf, size_t i, size_t end, const char *word, size_t n, bool *incomplete)
{
    if (i + n > end) {
        *incomplete = memcmp(buf + i, word, end - i) == 0;
        return false;
    }
    return memcmp(buf + i, word, n) == 0;
}

/* The slot of the next member (p->count is advanced by the caller once it is filled):
 * filling it in place avoids a store-forwarding stall of copying a fresh struct. NULL
 * on OOM. */
static sl_json_member *next_member(sl_json_parser *p)
{
    if (p->count == p->cap) {
        uint32_t ncap = p->cap ? p->cap * 2 : 32;
        sl_json_member *nm = sl_realloc(p->members, ncap * sizeof *nm);
        if (!nm)
            return NULL;
        p->members = nm;
        p->cap = ncap;
    }
    return &p->members[p->count];
}

#define JSON_FAIL(off, msg)         \
    do {                            \
        p->error_offset = (off);    \
        p->error = (msg);           \
        return SL_JSON_ERROR;          \
    } while (0)
#define JSON_NEED(cond)                  \
    do {                                 \
        if (!(cond))                     \
            return SL_JSON_INCOMPLETE;      \
    } while (0)

/* Parses one object at buf[pos] into p->members. in_array: records are separated by ','
 * and the array closes with ']' (then SL_JSON_END). Returns SL_JSON_INCOMPLETE when the buffer
 * ends first (the caller refills or, at EOF, reports truncation). */
sl_json_status sl_json_parse_object(const char *buf, size_t pos, size_t end, bool in_array, sl_json_parser *p, bool *oom)
{
    size_t i = pos;
    p->count = 0;
    while (i < end && sl_json_space(buf[i]))
        i++;
    JSON_NEED(i < end);
    if (in_array && buf[i] == ']') {
        p->next = i + 1;
        return SL_JSON_END;
    }
    if (buf[i] != '{')
        JSON_FAIL(i, in_array ? "expected an object in the array" : "expected a JSON object (one per line)");
    i++;
    while (i < end && sl_json_space(buf[i]))
        i++;
    JSON_NEED(i < end);
    if (buf[i] == '}') {
        i++;
    } else {
        for (;;) {
            sl_json_member *m = next_member(p);
            if (!m) {
                *oom = true;
                return SL_JSON_ERROR;
            }
            m->escaped = false;
            if (buf[i] != '"')
                JSON_FAIL(i, "expected a string key");
            size_t s = i + 1;
            bool esc;
            sl_json_status st = scan_string(buf, &s, end, &esc, p);
            if (st != SL_JSON_OK)
                return st;
            m->key_start = (uint32_t)(i + 1);
            m->key_len = (uint32_t)(s - i - 1);
            i = s + 1;
            while (i < end && sl_json_space(buf[i]))
                i++;
            JSON_NEED(i < end);
            if (buf[i] != ':')
                JSON_FAIL(i, "expected ':' after the key");
            i++;
            while (i < end && sl_json_space(buf[i]))
                i++;
            JSON_NEED(i < end);
            char c = buf[i];
            size_t vstart = i;
            bool incomplete = false;
            if (c == '"') {
                s = i + 1;
                st = scan_string(buf, &s, end, &m->escaped, p);
                if (st != SL_JSON_OK)
                    return st;
                m->kind = SL_JSON_STRING;
                vstart = i + 1;
                m->val_len = (uint32_t)(s - i - 1);
                i = s + 1;
            } else if (c == '{' || c == '[') {
                s = i;
                st = skip_nested(buf, &s, end, p, oom);
                if (st != SL_JSON_OK)
                    return st;
                m->kind = SL_JSON_NESTED;
                m->val_len = (uint32_t)(s - i);
                i = s;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                s = i + 1;
                while (s < end && ((buf[s] >= '0' && buf[s] <= '9') || buf[s] == '.' || buf[s] == 'e' ||
                                   buf[s] == 'E' || buf[s] == '+' || buf[s] == '-'))
                    s++;
                JSON_NEED(s < end);
                m->kind = SL_JSON_NUMBER;
                m->val_len = (uint32_t)(s - i);
                i = s;
            } else if (match_word(buf, i, end, "true", 4, &incomplete)) {
                m->kind = SL_JSON_TRUE, m->val_len = 4, i += 4;
            } else if (match_word(buf, i, end, "false", 5, &incomplete)) {
                m->kind = SL_JSON_FALSE, m->val_len = 5, i += 5;
            } else if (match_word(buf, i, end, "null", 4, &incomplete)) {
                m->kind = SL_JSON_NULL, m->val_len = 4, i += 4;
            } else {
                JSON_NEED(!incomplete);
                JSON_FAIL(i, "invalid value");
            }
            m->val_start = (uint32_t)vstart;
            p->count++;
            while (i < end && sl_json_space(buf[i]))
                i++;
            JSON_NEED(i < end);
            if (buf[i] == ',') {
                i++;
                while (i < end && sl_json_space(buf[i]))
                    i++;
                JSON_NEED(i < end);
                continue;
            }
            if (buf[i] == '}') {
                i++;
                break;
            }
            JSON_FAIL(i, "expected ',' or '}'");
        }
    }
    /* separator */
    if (in_array) {
        while (i < end && sl_json_space(buf[i]))
            i++;
        JSON_NEED(i < end);
        if (buf[i] == ',')
            i++;
        else if (buf[i] != ']')
            JSON_FAIL(i, "expected ',' or ']' after an object in the array");
    } else {
        while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r'))
            i++;
        if (i < end && buf[i] != '\n' && buf[i] != '{')
            JSON_FAIL(i, "unexpected text after the object");
    }
    p->next = i;
    return SL_JSON_OK;
}

/* Decodes a JSON string body (with escapes) into dst (room for n bytes: never grows). */
uint32_t sl_json_unescape(const char *s, uint32_t n, char *dst)
{
    uint32_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i];
        if (c != '\\' || i + 1 >= n) {
            dst[o++] = c;
            continue;
        }
        c = s[++i];
        switch (c) {
        case 'n': dst[o++] = '\n'; break;
        case 't': dst[o++] = '\t'; break;
        case 'r': dst[o++] = '\r'; break;
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'u': {
            uint32_t cp = 0;
            int k;
            for (k = 0; k < 4 && i + 1 < n; k++) {
                char h = s[++i];
                cp = cp * 16 + (uint32_t)(h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : 0);
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n + 0 && s[i + 1] == '\\' && s[i + 2] == 'u') {
                uint32_t lo = 0;
                for (k = 0; k < 4; k++) {
                    char h = s[i + 3 + k];
                    lo = lo * 16 + (uint32_t)(h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : 0);
                }
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            /* \uXXXX (6 input bytes) encodes to at most 3 bytes; a pair (12) to 4 */
            if (cp < 0x80) {
                dst[o++] = (char)cp;
            } else if (cp < 0x800) {
                dst[o++] = (char)(0xC0 | (cp >> 6));
                dst[o++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                dst[o++] = (char)(0xE0 | (cp >> 12));
                dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                dst[o++] = (char)(0x80 | (cp & 0x3F));
            } else {
                dst[o++] = (char)(0xF0 | (cp >> 18));
                dst[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                dst[o++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: dst[o++] = c; break; /* \" \\ \/ */
        }
    }
    return o;
}

void sl_json_parser_free(sl_json_parser *p)
{
    sl_free(p->members);
    sl_free(p->stack);
    memset(p, 0, sizeof *p);
}

bool sl_json_member_to_slot(sl_vector *v, uint32_t row, const sl_json_member *m, const char *text, uint32_t len)
{
    if (v->type.id == SL_TYPE_BOOLEAN && (m->kind == SL_JSON_TRUE || m->kind == SL_JSON_FALSE)) {
        SL_VECTOR_DATA(v, uint8_t)[row] = m->kind == SL_JSON_TRUE;
        return true;
    }
    if (m->kind != SL_JSON_STRING && m->kind != SL_JSON_NUMBER)
        return false;
    if (m->kind == SL_JSON_NUMBER && v->type.id == SL_TYPE_BIGINT && len > 0 && len <= 18) {
        /* fast path: a plain integer of at most 18 digits always fits */
        size_t i = text[0] == '-';
        int64_t value = 0;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++)
            value = value * 10 + (text[i] - '0');
        if (i == len && len > (size_t)(text[0] == '-')) {
            SL_VECTOR_DATA(v, int64_t)[row] = text[0] == '-' ? -value : value;
            return true;
        }
    }
    return sl_text_parse_slot(v, row, text, len);
}
