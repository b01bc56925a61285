/*
 * lexer.c — the SQL tokenizer (see lexer.h for the token kinds).
 *
 * Follows PostgreSQL's lexical rules where they matter for users: identifiers fold to
 * lower case, '' doubles a quote, E'' strings take backslash escapes, nested block
 * comments, and operator tokens drop a trailing + or - so that `a*-1` is `a * -1`.
 */
#include "sql/lexer.h"

#include <ctype.h>
#include <string.h>

void sl_lexer_init(sl_lexer *lexer, sl_arena *arena, const char *sql, size_t offset)
{
    lexer->sql = sql;
    lexer->length = strlen(sql);
    lexer->pos = offset <= lexer->length ? offset : lexer->length;
    lexer->arena = arena;
}

static bool is_ident_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static bool is_op_char(char c)
{
    return c != '\0' && strchr("+-*/<>=~!@#%^&|", c) != NULL;
}

size_t sl_lexer_skip_space(const char *sql, size_t length, size_t pos)
{
    for (;;) {
        while (pos < length && isspace((unsigned char)sql[pos]))
            pos++;
        if (pos + 1 < length && sql[pos] == '-' && sql[pos + 1] == '-') {
            while (pos < length && sql[pos] != '\n')
                pos++;
            continue;
        }
        if (pos + 1 < length && sql[pos] == '/' && sql[pos + 1] == '*') {
            int depth = 0;
            while (pos < length) {
                if (pos + 1 < length && sql[pos] == '/' && sql[pos + 1] == '*') {
                    depth++;
                    pos += 2;
                } else if (pos + 1 < length && sql[pos] == '*' && sql[pos + 1] == '/') {
                    depth--;
                    pos += 2;
                    if (depth == 0)
                        break;
                } else {
                    pos++;
                }
            }
            continue;
        }
        return pos;
    }
}

/* Fills *out with kind/position/length and an arena copy of text[0, n). */
static sl_status make_token(sl_lexer *lx, sl_token *out, sl_token_kind kind, size_t start,
                            const char *text, size_t n, sl_error *err)
{
    out->kind = kind;
    out->position = (int)start;
    out->length = (int)(lx->pos - start);
    out->text = sl_arena_strndup(lx->arena, text, n);
    if (!out->text)
        return sl_error_oom(err);
    out->text_length = n;
    return SL_OK;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends the UTF-8 encoding of code point cp to buf; returns bytes written (0 if invalid). */
static size_t utf8_encode(uint32_t cp, char *buf)
{
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        buf[0] = (char)(0xF0 | (cp >> 18));
        buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

/* Scans a quoted run starting at lx->pos (the opening quote). The decoded contents go
 * into an arena buffer (never longer than the source). `escapes` enables E'' backslash
 * escapes. */
static sl_status scan_quoted(sl_lexer *lx, sl_token *out, sl_token_kind kind, size_t start, char quote,
                             bool escapes, sl_error *err)
{
    const char *s = lx->sql;
    size_t pos = lx->pos + 1;
    char *buf = sl_arena_alloc(lx->arena, lx->length - pos + 1);
    size_t n = 0;
    if (!buf)
        return sl_error_oom(err);
    for (;;) {
        if (pos >= lx->length) {
            const char *what = kind == SL_TOKEN_STRING ? "unterminated quoted string"
                                                       : "unterminated quoted identifier";
            int shown = (int)(lx->length - start);
            if (shown > 40)
                shown = 40;
            return sl_error_set_at(err, SL_ERR_SYNTAX, (int)start, "%s at or near \"%.*s\"", what, shown,
                                   s + start);
        }
        char c = s[pos];
        if (c == quote) {
            if (pos + 1 < lx->length && s[pos + 1] == quote) {
                buf[n++] = quote;
                pos += 2;
                continue;
            }
            pos++;
            break;
        }
        if (escapes && c == '\\' && pos + 1 < lx->length) {
            char e = s[pos + 1];
            pos += 2;
            switch (e) {
            case 'n': buf[n++] = '\n'; break;
            case 't': buf[n++] = '\t'; break;
            case 'r': buf[n++] = '\r'; break;
            case 'b': buf[n++] = '\b'; break;
            case 'f': buf[n++] = '\f'; break;
            case 'x': {
                int v = 0, digits = 0;
                while (digits < 2 && pos < lx->length && hex_value(s[pos]) >= 0) {
                    v = v * 16 + hex_value(s[pos++]);
                    digits++;
                }
                if (digits == 0)
                    buf[n++] = 'x';
                else
                    buf[n++] = (char)v;
                break;
            }
            case 'u':
            case 'U': {
                int want = e == 'u' ? 4 : 8;
                uint32_t cp = 0;
                for (int i = 0; i < want; i++) {
                    if (pos >= lx->length || hex_value(s[pos]) < 0)
                        return sl_error_set_at(err, SL_ERR_SYNTAX, (int)pos,
                                               "invalid Unicode escape: \\%c must be followed by %d hexadecimal digits",
                                               e, want);
                    cp = cp * 16 + (uint32_t)hex_value(s[pos++]);
                }
                char enc[4];
                size_t len = utf8_encode(cp, enc);
                /* an escape is at least 6 source bytes, its UTF-8 at most 4: buf has room */
                if (len == 0 || cp == 0)
                    return sl_error_set_at(err, SL_ERR_SYNTAX, (int)pos, "invalid Unicode escape value");
                memcpy(buf + n, enc, len);
                n += len;
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0', digits = 1;
                    while (digits < 3 && pos < lx->length && s[pos] >= '0' && s[pos] <= '7') {
                        v = v * 8 + (s[pos++] - '0');
                        digits++;
                    }
                    buf[n++] = (char)v;
                } else {
                    buf[n++] = e; /* \\ \' \" and unknown escapes stand for the character */
                }
            }
            continue;
        }
        buf[n++] = c;
        pos++;
    }
    buf[n] = '\0';
    if (kind == SL_TOKEN_STRING && memchr(buf, '\0', n) != NULL)
        return sl_error_set_at(err, SL_ERR_SYNTAX, (int)start, "string literal contains a NUL character");
    if (kind == SL_TOKEN_QUOTED_IDENT && n == 0)
        return sl_error_set_at(err, SL_ERR_SYNTAX, (int)start, "zero-length delimited identifier at or near \"%c%c\"",
                               quote, quote);
    lx->pos = pos;
    out->kind = kind;
    out->position = (int)start;
    out->length = (int)(pos - start);
    out->text = buf;
    out->text_length = n;
    return SL_OK;
}

static sl_status scan_number(sl_lexer *lx, sl_token *out, sl_error *err)
{
    const char *s = lx->sql;
    size_t start = lx->pos, pos = lx->pos;
    sl_token_kind kind = SL_TOKEN_INTEGER;
    while (pos < lx->length && isdigit((unsigned char)s[pos]))
        pos++;
    /* a '.' belongs to the number unless it starts '..' */
    if (pos < lx->length && s[pos] == '.' && !(pos + 1 < lx->length && s[pos + 1] == '.')) {
        kind = SL_TOKEN_DECIMAL;
        pos++;
        while (pos < lx->length && isdigit((unsigned char)s[pos]))
            pos++;
    }
    if (pos < lx->length && (s[pos] == 'e' || s[pos] == 'E')) {
        size_t p = pos + 1;
        if (p < lx->length && (s[p] == '+' || s[p] == '-'))
            p++;
        if (p < lx->length && isdigit((unsigned char)s[p])) {
            while (p < lx->length && isdigit((unsigned char)s[p]))
                p++;
            pos = p;
            kind = SL_TOKEN_FLOAT;
        }
    }
    if (pos < lx->length && is_ident_start((unsigned char)s[pos])) {
        size_t junk = pos;
        while (junk < lx->length && is_ident_char((unsigned char)s[junk]))
            junk++;
        return sl_error_set_at(err, SL_ERR_SYNTAX, (int)start, "trailing junk after numeric literal at or near \"%.*s\"",
                               (int)(junk - start), s + start);
    }
    lx->pos = pos;
    return make_token(lx, out, kind, start, s + start, pos - start, err);
}

sl_status sl_lexer_next(sl_lexer *lx, sl_token *out, sl_error *err)
{
    const char *s = lx->sql;
    size_t start = sl_lexer_skip_space(s, lx->length, lx->pos);
    lx->pos = start;
    if (start >= lx->length) {
        out->kind = SL_TOKEN_EOF;
        out->position = (int)lx->length;
        out->length = 0;
        out->text = "";
        out->text_length = 0;
        return SL_OK;
    }
    unsigned char c = (unsigned char)s[start];

    if ((c == 'e' || c == 'E') && start + 1 < lx->length && s[start + 1] == '\'') {
        lx->pos = start + 1;
        return scan_quoted(lx, out, SL_TOKEN_STRING, start, '\'', true, err);
    }
    if (is_ident_start(c)) {
        size_t pos = start;
        while (pos < lx->length && is_ident_char((unsigned char)s[pos]))
            pos++;
        lx->pos = pos;
        SL_TRY(make_token(lx, out, SL_TOKEN_IDENT, start, s + start, pos - start, err));
        for (size_t i = 0; i < out->text_length; i++)
            out->text[i] = (char)tolower((unsigned char)out->text[i]);
        return SL_OK;
    }
    if (isdigit(c) || (c == '.' && start + 1 < lx->length && isdigit((unsigned char)s[start + 1])))
        return scan_number(lx, out, err);
    if (c == '\'')
        return scan_quoted(lx, out, SL_TOKEN_STRING, start, '\'', false, err);
    if (c == '"' || c == '`')
        return scan_quoted(lx, out, SL_TOKEN_QUOTED_IDENT, start, (char)c, false, err);
    if (c == '$' && start + 1 < lx->length && isdigit((unsigned char)s[start + 1])) {
        size_t pos = start + 1;
        while (pos < lx->length && isdigit((unsigned char)s[pos]))
            pos++;
        lx->pos = pos;
        return make_token(lx, out, SL_TOKEN_PARAM, start, s + start + 1, pos - start - 1, err);
    }

    sl_token_kind kind;
    size_t len = 1;
    switch (c) {
    case '(': kind = SL_TOKEN_LPAREN; break;
    case ')': kind = SL_TOKEN_RPAREN; break;
    case '[': kind = SL_TOKEN_LBRACKET; break;
    case ']': kind = SL_TOKEN_RBRACKET; break;
    case ',': kind = SL_TOKEN_COMMA; break;
    case ';': kind = SL_TOKEN_SEMICOLON; break;
    case '.': kind = SL_TOKEN_DOT; break;
    case '?': kind = SL_TOKEN_QMARK; break;
    case ':':
        if (start + 1 < lx->length && s[start + 1] == ':') {
            kind = SL_TOKEN_DOUBLE_COLON;
            len = 2;
        } else if (start + 1 < lx->length && s[start + 1] == '=') {
            kind = SL_TOKEN_COLON_EQUALS;
            len = 2;
        } else {
            kind = SL_TOKEN_COLON;
        }
        break;
    default:
        if (is_op_char((char)c)) {
            size_t pos = start;
            bool special = false;   /* contains a char that keeps trailing +/- attached */
            while (pos < lx->length && is_op_char(s[pos])) {
                if (pos + 1 < lx->length && ((s[pos] == '-' && s[pos + 1] == '-') || (s[pos] == '/' && s[pos + 1] == '*')))
                    break;
                if (strchr("~!@#%^&|", s[pos]))
                    special = true;
                pos++;
            }
            len = pos - start;
            if (len == 0)
                len = 1;
            if (!special)
                while (len > 1 && (s[start + len - 1] == '+' || s[start + len - 1] == '-'))
                    len--;
            kind = SL_TOKEN_OP;
            break;
        }
        {
            /* show the whole UTF-8 sequence of the offending character */
            size_t n = 1;
            while (start + n < lx->length && ((unsigned char)s[start + n] & 0xC0) == 0x80)
                n++;
            return sl_error_set_at(err, SL_ERR_SYNTAX, (int)start, "syntax error at or near \"%.*s\"", (int)n,
                                   s + start);
        }
    }
    lx->pos = start + len;
    return make_token(lx, out, kind, start, s + start, len, err);
}
