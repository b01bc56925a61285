/*
 * nexmark.c — the Nexmark event generator (model and contract in nexmark.h).
 *
 * Layout: the generator holds one pool buffer (random letters for `extra`, random text with
 * spaces for item names and descriptions, the person names, cities, states and the 10 000
 * channel URLs) built from the seed when the generator is created. A generated row is a
 * handful of counter-based random draws for its event number plus views into the pool;
 * every emitted VARCHAR vector takes a reference to the pool as one of its heaps.
 *
 * The per-event random stream: state = mix(seed_key + event * K) and then splitmix64
 * steps. Draws are made in a fixed order per event kind whatever columns are requested,
 * so projecting columns never changes values.
 */
#include "connect/nexmark.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* --------------------------------------------------------------------- model constants */

#define FIRST_PERSON_ID 1000
#define FIRST_AUCTION_ID 1000
#define FIRST_CATEGORY_ID 10
#define NUM_CATEGORIES 5
#define PERSON_ID_LEAD 10
#define AUCTION_ID_LEAD 10
#define HOT_AUCTION_BATCH 100     /* a hot auction is the first of the last 100 auctions */
#define HOT_PERSON_BATCH 100      /* hot sellers / bidders: first / second of the last 100 people */
#define HOT_CHANNEL_RATIO 2
#define CHANNEL_COUNT 10000
#define MIN_STRING_LENGTH 3

#define LETTER_POOL_SIZE 65536u   /* random offsets into these pools */
#define WORD_POOL_SIZE 65536u
#define WORD_SLACK 128u           /* longest nextString() view */

static const char *const first_names[] = { "Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                           "Kate",  "Julie", "Sarah", "Deiter", "Walter" };
static const char *const last_names[] = { "Shultz", "Abrams", "Spencer", "White", "Bartels",
                                          "Walton", "Smith",  "Jones",   "Noris" };
static const char *const us_cities[] = { "Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                         "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne" };
static const char *const us_states[] = { "AZ", "CA", "ID", "OR", "WA", "WY" };
static const char *const hot_channels[] = { "Google", "Facebook", "Baidu", "Apple" };

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))
#define FIRST_NAME_COUNT COUNT_OF(first_names)
#define LAST_NAME_COUNT COUNT_OF(last_names)
#define CITY_COUNT COUNT_OF(us_cities)
#define STATE_COUNT COUNT_OF(us_states)
#define HOT_CHANNEL_COUNT COUNT_OF(hot_channels)

#define PRICE_STEPS 4096          /* price table resolution (see next_price) */

struct sl_nexmark_generator {
    sl_nexmark_config config;
    uint64_t seed_key;
    sl_buffer *pool;              /* every long string below points into it */
    const char *letters;          /* LETTER_POOL_SIZE + letter_slack random a-z */
    uint32_t letter_slack;
    const char *words;            /* WORD_POOL_SIZE + WORD_SLACK a-z with ~1/13 spaces */
    sl_string names[FIRST_NAME_COUNT * LAST_NAME_COUNT];
    sl_string cities[CITY_COUNT];
    sl_string states[STATE_COUNT];
    sl_string channels[CHANNEL_COUNT];
    sl_string channel_urls[CHANNEL_COUNT];
    sl_string hot_channels[HOT_CHANNEL_COUNT];
    sl_string hot_urls[HOT_CHANNEL_COUNT];
    double prices[PRICE_STEPS + 1];   /* 100 * 10^(6 i / PRICE_STEPS) */
};

/* --------------------------------------------------------------------- schema */

typedef struct column_spec {
    const char *name;
    sl_type_id type;
} column_spec;

static const column_spec person_columns[SL_NEXMARK_PERSON_COLUMNS] = {
    { "id", SL_TYPE_BIGINT },         { "name", SL_TYPE_VARCHAR },  { "emailAddress", SL_TYPE_VARCHAR },
    { "creditCard", SL_TYPE_VARCHAR }, { "city", SL_TYPE_VARCHAR }, { "state", SL_TYPE_VARCHAR },
    { "dateTime", SL_TYPE_TIMESTAMP }, { "extra", SL_TYPE_VARCHAR },
};
static const column_spec auction_columns[SL_NEXMARK_AUCTION_COLUMNS] = {
    { "id", SL_TYPE_BIGINT },         { "itemName", SL_TYPE_VARCHAR },   { "description", SL_TYPE_VARCHAR },
    { "initialBid", SL_TYPE_BIGINT }, { "reserve", SL_TYPE_BIGINT },     { "dateTime", SL_TYPE_TIMESTAMP },
    { "expires", SL_TYPE_TIMESTAMP }, { "seller", SL_TYPE_BIGINT },      { "category", SL_TYPE_BIGINT },
    { "extra", SL_TYPE_VARCHAR },
};
static const column_spec bid_columns[SL_NEXMARK_BID_COLUMNS] = {
    { "auction", SL_TYPE_BIGINT }, { "bidder", SL_TYPE_BIGINT },      { "price", SL_TYPE_BIGINT },
    { "channel", SL_TYPE_VARCHAR }, { "url", SL_TYPE_VARCHAR },       { "dateTime", SL_TYPE_TIMESTAMP },
    { "extra", SL_TYPE_VARCHAR },
};

static const column_spec *table_columns(sl_nexmark_table table)
{
    switch (table) {
    case SL_NEXMARK_PERSON: return person_columns;
    case SL_NEXMARK_AUCTION: return auction_columns;
    default: return bid_columns;
    }
}

uint32_t sl_nexmark_column_count(sl_nexmark_table table)
{
    switch (table) {
    case SL_NEXMARK_PERSON: return SL_NEXMARK_PERSON_COLUMNS;
    case SL_NEXMARK_AUCTION: return SL_NEXMARK_AUCTION_COLUMNS;
    default: return SL_NEXMARK_BID_COLUMNS;
    }
}

const char *sl_nexmark_column_name(sl_nexmark_table table, uint32_t column)
{
    return column < sl_nexmark_column_count(table) ? table_columns(table)[column].name : NULL;
}

sl_type sl_nexmark_column_type(sl_nexmark_table table, uint32_t column)
{
    return sl_type_make(column < sl_nexmark_column_count(table) ? table_columns(table)[column].type : SL_TYPE_NULL);
}

bool sl_nexmark_table_parse(const char *name, sl_nexmark_table *out)
{
    if (strcmp(name, "person") == 0)
        *out = SL_NEXMARK_PERSON;
    else if (strcmp(name, "auction") == 0)
        *out = SL_NEXMARK_AUCTION;
    else if (strcmp(name, "bid") == 0)
        *out = SL_NEXMARK_BID;
    else
        return false;
    return true;
}

const char *sl_nexmark_table_name(sl_nexmark_table table)
{
    switch (table) {
    case SL_NEXMARK_PERSON: return "person";
    case SL_NEXMARK_AUCTION: return "auction";
    default: return "bid";
    }
}

void sl_nexmark_config_init(sl_nexmark_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 0;
    c->event_rate = 10000;
    c->base_time = SL_NEXMARK_DEFAULT_BASE_TIME;
    c->hot_auction_ratio = 2;
    c->hot_bidder_ratio = 4;
    c->hot_seller_ratio = 4;
    c->in_flight_auctions = 100;
    c->active_people = 1000;
    c->person_size = 200;
    c->auction_size = 500;
    c->bid_size = 100;
}

/* --------------------------------------------------------------------- event arithmetic */

sl_nexmark_table sl_nexmark_event_kind(int64_t event)
{
    int64_t offset = event % SL_NEXMARK_TOTAL_PROPORTION;
    if (offset < SL_NEXMARK_PERSON_PROPORTION)
        return SL_NEXMARK_PERSON;
    if (offset < SL_NEXMARK_PERSON_PROPORTION + SL_NEXMARK_AUCTION_PROPORTION)
        return SL_NEXMARK_AUCTION;
    return SL_NEXMARK_BID;
}

static int64_t event_time_ms(const sl_nexmark_config *c, int64_t event)
{
    /* event * 1000 overflows only beyond 9e15 events; split to stay exact anyway */
    int64_t whole = event / c->event_rate, rest = event % c->event_rate;
    return whole * 1000 + rest * 1000 / c->event_rate;
}

int64_t sl_nexmark_event_time(const sl_nexmark_config *c, int64_t event)
{
    return c->base_time + event_time_ms(c, event) * 1000;
}

int64_t sl_nexmark_table_rows(sl_nexmark_table table, int64_t events)
{
    int64_t lo, hi;  /* the table's offsets within an epoch of 50 events: [lo, hi) */
    switch (table) {
    case SL_NEXMARK_PERSON: lo = 0; hi = SL_NEXMARK_PERSON_PROPORTION; break;
    case SL_NEXMARK_AUCTION:
        lo = SL_NEXMARK_PERSON_PROPORTION;
        hi = lo + SL_NEXMARK_AUCTION_PROPORTION;
        break;
    default:
        lo = SL_NEXMARK_PERSON_PROPORTION + SL_NEXMARK_AUCTION_PROPORTION;
        hi = SL_NEXMARK_TOTAL_PROPORTION;
        break;
    }
    if (events <= 0)
        return 0;
    int64_t epochs = events / SL_NEXMARK_TOTAL_PROPORTION, rest = events % SL_NEXMARK_TOTAL_PROPORTION;
    int64_t partial = rest <= lo ? 0 : (rest < hi ? rest : hi) - lo;
    return epochs * (hi - lo) + partial;
}

/* The most recent person id (0-based) at or before event `event`. */
static int64_t last_base0_person(int64_t event)
{
    int64_t epoch = event / SL_NEXMARK_TOTAL_PROPORTION, offset = event % SL_NEXMARK_TOTAL_PROPORTION;
    if (offset >= SL_NEXMARK_PERSON_PROPORTION)
        offset = SL_NEXMARK_PERSON_PROPORTION - 1;
    return epoch * SL_NEXMARK_PERSON_PROPORTION + offset;
}

/* The most recent auction id (0-based) at or before event `event` (-1 before the first). */
static int64_t last_base0_auction(int64_t event)
{
    int64_t epoch = event / SL_NEXMARK_TOTAL_PROPORTION, offset = event % SL_NEXMARK_TOTAL_PROPORTION;
    if (offset < SL_NEXMARK_PERSON_PROPORTION) {
        epoch--;
        offset = SL_NEXMARK_AUCTION_PROPORTION - 1;
    } else if (offset >= SL_NEXMARK_PERSON_PROPORTION + SL_NEXMARK_AUCTION_PROPORTION) {
        offset = SL_NEXMARK_AUCTION_PROPORTION - 1;
    } else {
        offset -= SL_NEXMARK_PERSON_PROPORTION;
    }
    return epoch * SL_NEXMARK_AUCTION_PROPORTION + offset;
}

/* --------------------------------------------------------------------- random draws */

typedef struct rng {
    uint64_t state;
} rng;

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static inline uint64_t rng_next(rng *r)
{
    r->state += UINT64_C(0x9e3779b97f4a7c15);
    return mix64(r->state);
}

/* Uniform in [0, n) (multiply-shift; n > 0). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static inline rng event_rng(const sl_nexmark_generator *g, int64_t event)
{
    rng r = { mix64(g->seed_key + (uint64_t)event * UINT64_C(0xd1b54a32d192ed03)) };
    return r;
}

/* 100 * 10^(6u), u uniform in [0, 1), rounded: the reference's price distribution. A table
 * of 4096 steps plus a cubic for the step's fraction keeps it to a few multiplications. */
static inline int64_t next_price(const sl_nexmark_generator *g, rng *r)
{
    uint64_t u = rng_next(r) >> 11;                       /* 53 bits */
    uint32_t step = (uint32_t)(u >> 41);                  /* top 12 bits */
    double frac = (double)(u & ((UINT64_C(1) << 41) - 1)) * (1.0 / (double)(UINT64_C(1) << 41));
    double x = frac * (2.302585092994046 * 6.0 / PRICE_STEPS);
    double v = g->prices[step] * (1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0))));
    return (int64_t)(v + 0.5);
}

/* A random person among the active ones, plus a few ids ahead (0-based). */
static inline int64_t next_base0_person(const sl_nexmark_generator *g, int64_t event, rng *r)
{
    int64_t people = last_base0_person(event) + 1;
    int64_t active = people < (int64_t)g->config.active_people ? people : (int64_t)g->config.active_people;
    int64_t n = (int64_t)rng_below(r, (uint64_t)(active + PERSON_ID_LEAD));
    return people - active + n;
}

/* A random auction among those likely in flight, plus a few ids ahead (0-based). */
static inline int64_t next_base0_auction(const sl_nexmark_generator *g, int64_t event, rng *r)
{
    int64_t max = last_base0_auction(event);
    int64_t min = max - (int64_t)g->config.in_flight_auctions;
    if (min < 0)
        min = 0;
    return min + (int64_t)rng_below(r, (uint64_t)(max - min + 1 + AUCTION_ID_LEAD));
}

/* nextString(max_length): 3 .. max_length-1 characters of text with ~1/13 spaces, trimmed;
 * a view into the word pool. */
static inline sl_string next_text(const sl_nexmark_generator *g, rng *r, uint32_t max_length)
{
    uint32_t length = MIN_STRING_LENGTH + (uint32_t)rng_below(r, max_length - MIN_STRING_LENGTH);
    const char *s = g->words + rng_below(r, WORD_POOL_SIZE);
    while (length && *s == ' ') {
        s++;
        length--;
    }
    while (length && s[length - 1] == ' ')
        length--;
    return sl_string_make(s, length);
}

/* Length of the `extra` padding that brings current_size to an average of `average`:
 * uniform in [avg - 20%, avg + 20%) of what is missing (0 when nothing is). */
static inline uint32_t next_extra_length(const sl_nexmark_generator *g, rng *r, uint32_t current_size,
                                         uint32_t average)
{
    if (current_size > average)
        return 0;
    uint32_t missing = average - current_size;
    uint32_t delta = (uint32_t)((missing * 2 + 5) / 10);  /* round(missing * 0.2) */
    uint32_t length = missing - delta + (delta ? (uint32_t)rng_below(r, 2 * (uint64_t)delta) : 0);
    return length <= g->letter_slack ? length : g->letter_slack;
}

static inline sl_string next_extra(const sl_nexmark_generator *g, rng *r, uint32_t current_size, uint32_t average)
{
    uint32_t length = next_extra_length(g, r, current_size, average);
    return sl_string_make(g->letters + rng_below(r, LETTER_POOL_SIZE), length);
}

/* --------------------------------------------------------------------- pools */

typedef struct pool_writer {
    char *data;
    size_t size;
    size_t capacity;
} pool_writer;

static const char *pool_put(pool_writer *w, const char *s, size_t length)
{
    if (w->size + length > w->capacity)
        return NULL;
    char *p = w->data + w->size;
    memcpy(p, s, length);
    w->size += length;
    return p;
}

/* "https://www.nexmark.com/xxx/yyy/zzz/item.htm?query=1" with three random path parts
 * of 2..4 letters ('_' with probability 1/13), as the reference's getBaseUrl. */
static size_t make_url(char *buf, size_t cap, rng *r)
{
    size_t n = (size_t)snprintf(buf, cap, "https://www.nexmark.com/");
    for (int part = 0; part < 3; part++) {
        uint32_t length = MIN_STRING_LENGTH + (uint32_t)rng_below(r, 5 - MIN_STRING_LENGTH);
        for (uint32_t i = 0; i < length && n + 1 < cap; i++)
            buf[n++] = rng_below(r, 13) == 0 ? '_' : (char)('a' + rng_below(r, 26));
        if (n + 1 < cap)
            buf[n++] = '/';
    }
    n += (size_t)snprintf(buf + n, cap - n, "item.htm?query=1");
    return n < cap ? n : cap - 1;
}

static uint32_t reverse_bits32(uint32_t x)
{
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
    x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
    x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
    return (x >> 16) | (x << 16);
}

static sl_string pool_string(pool_writer *w, const char *s, size_t length, bool *ok)
{
    const char *p = pool_put(w, s, length);
    if (!p) {
        *ok = false;
        return sl_string_make("", 0);
    }
    return sl_string_make(p, (uint32_t)length);
}

sl_status sl_nexmark_generator_new(const sl_nexmark_config *config, sl_nexmark_generator **out, sl_error *err)
{
    if (config->event_rate <= 0)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "nexmark: event_rate must be positive");
    sl_nexmark_generator *g = sl_calloc(1, sizeof *g);
    if (!g)
        return sl_error_oom(err);
    g->config = *config;
    g->seed_key = mix64(config->seed ^ UINT64_C(0x6e65786d61726b21));  /* "nexmark!" */
    uint32_t largest = config->person_size;
    if (config->auction_size > largest)
        largest = config->auction_size;
    if (config->bid_size > largest)
        largest = config->bid_size;
    g->letter_slack = largest + largest / 4 + 16;

    size_t capacity = LETTER_POOL_SIZE + g->letter_slack + WORD_POOL_SIZE + WORD_SLACK +
                      FIRST_NAME_COUNT * LAST_NAME_COUNT * 16 + 256 + (size_t)(CHANNEL_COUNT + HOT_CHANNEL_COUNT) * 96;
    g->pool = sl_buffer_new(capacity);
    if (!g->pool) {
        sl_free(g);
        return sl_error_oom(err);
    }
    pool_writer w = { (char *)g->pool->data, 0, capacity };
    rng r = { mix64(g->seed_key ^ UINT64_C(0x706f6f6c)) };   /* the pools' own stream */

    char *letters = w.data + w.size;
    for (uint32_t i = 0; i < LETTER_POOL_SIZE + g->letter_slack; i++)
        letters[i] = (char)('a' + rng_below(&r, 26));
    w.size += LETTER_POOL_SIZE + g->letter_slack;
    g->letters = letters;

    char *words = w.data + w.size;
    for (uint32_t i = 0; i < WORD_POOL_SIZE + WORD_SLACK; i++)
        words[i] = rng_below(&r, 13) == 0 ? ' ' : (char)('a' + rng_below(&r, 26));
    w.size += WORD_POOL_SIZE + WORD_SLACK;
    g->words = words;

    bool ok = true;
    char buf[128];
    for (size_t f = 0; f < FIRST_NAME_COUNT; f++)
        for (size_t l = 0; l < LAST_NAME_COUNT; l++) {
            int n = snprintf(buf, sizeof buf, "%s %s", first_names[f], last_names[l]);
            g->names[f * LAST_NAME_COUNT + l] = pool_string(&w, buf, (size_t)n, &ok);
        }
    for (size_t i = 0; i < CITY_COUNT; i++)
        g->cities[i] = pool_string(&w, us_cities[i], strlen(us_cities[i]), &ok);
    for (size_t i = 0; i < STATE_COUNT; i++)
        g->states[i] = pool_string(&w, us_states[i], strlen(us_states[i]), &ok);
    for (size_t i = 0; i < HOT_CHANNEL_COUNT; i++) {
        g->hot_channels[i] = pool_string(&w, hot_channels[i], strlen(hot_channels[i]), &ok);
        size_t n = make_url(buf, sizeof buf, &r);
        g->hot_urls[i] = pool_string(&w, buf, n, &ok);
    }
    for (uint32_t i = 0; i < CHANNEL_COUNT; i++) {
        int n = snprintf(buf, sizeof buf, "channel-%u", i);
        g->channels[i] = pool_string(&w, buf, (size_t)n, &ok);
        size_t len = make_url(buf, sizeof buf, &r);
        if (rng_below(&r, 2))
            len += (size_t)snprintf(buf + len, sizeof buf - len, "&channel_id=%lld",
                                    llabs((long long)(int32_t)reverse_bits32(i)));
        g->channel_urls[i] = pool_string(&w, buf, len < sizeof buf ? len : sizeof buf - 1, &ok);
    }
    g->pool->size = w.size;
    if (!ok) {
        sl_nexmark_generator_free(g);
        return sl_error_set(err, SL_ERR_INTERNAL, "nexmark: string pool too small");
    }
    for (uint32_t i = 0; i <= PRICE_STEPS; i++)
        g->prices[i] = 100.0 * pow(10.0, 6.0 * i / PRICE_STEPS);
    *out = g;
    return SL_OK;
}

void sl_nexmark_generator_free(sl_nexmark_generator *g)
{
    if (!g)
        return;
    sl_buffer_unref(g->pool);
    sl_free(g);
}

const sl_nexmark_config *sl_nexmark_generator_config(const sl_nexmark_generator *g)
{
    return &g->config;
}

/* --------------------------------------------------------------------- rows */

/* First event >= e of the table. */
static inline int64_t align_event(sl_nexmark_table table, int64_t e)
{
    int64_t offset = e % SL_NEXMARK_TOTAL_PROPORTION;
    switch (table) {
    case SL_NEXMARK_PERSON:
        return offset < SL_NEXMARK_PERSON_PROPORTION ? e : e + SL_NEXMARK_TOTAL_PROPORTION - offset;
    case SL_NEXMARK_AUCTION:
        if (offset < SL_NEXMARK_PERSON_PROPORTION)
            return e + SL_NEXMARK_PERSON_PROPORTION - offset;
        if (offset < SL_NEXMARK_PERSON_PROPORTION + SL_NEXMARK_AUCTION_PROPORTION)
            return e;
        return e + SL_NEXMARK_TOTAL_PROPORTION - offset + SL_NEXMARK_PERSON_PROPORTION;
    default:
        return offset < SL_NEXMARK_PERSON_PROPORTION + SL_NEXMARK_AUCTION_PROPORTION
                   ? e + SL_NEXMARK_PERSON_PROPORTION + SL_NEXMARK_AUCTION_PROPORTION - offset
                   : e;
    }
}

/* Writes 4 decimal digits of v (0..9999). */
static inline void put4(char *p, uint32_t v)
{
    p[0] = (char)('0' + v / 1000);
    p[1] = (char)('0' + v / 100 % 10);
    p[2] = (char)('0' + v / 10 % 10);
    p[3] = (char)('0' + v % 10);
}

typedef struct outputs {
    void *data[SL_NEXMARK_AUCTION_COLUMNS];   /* per table column: slot array or NULL (not requested) */
    sl_vector *vector[SL_NEXMARK_AUCTION_COLUMNS];
} outputs;

#define PUT(o, col, ctype, row, value)                    \
    do {                                                  \
        if ((o)->data[col])                               \
            ((ctype *)(o)->data[col])[row] = (value);     \
    } while (0)

static sl_status person_row(const sl_nexmark_generator *g, int64_t e, uint32_t row, outputs *o, sl_error *err)
{
    rng r = event_rng(g, e);
    int64_t id = last_base0_person(e) + FIRST_PERSON_ID;
    sl_string name = g->names[rng_below(&r, FIRST_NAME_COUNT * LAST_NAME_COUNT)];
    /* email: nextString(7) '@' nextString(5) ".com" */
    char email[32];
    sl_string user = next_text(g, &r, 7), domain = next_text(g, &r, 5);
    uint32_t email_length = 0;
    memcpy(email, sl_string_data(&user), user.length);
    email_length += user.length;
    email[email_length++] = '@';
    memcpy(email + email_length, sl_string_data(&domain), domain.length);
    email_length += domain.length;
    memcpy(email + email_length, ".com", 4);
    email_length += 4;
    char card[19];
    for (int k = 0; k < 4; k++) {
        put4(card + k * 5, (uint32_t)rng_below(&r, 10000));
        if (k < 3)
            card[k * 5 + 4] = ' ';
    }
    sl_string city = g->cities[rng_below(&r, CITY_COUNT)];
    sl_string state = g->states[rng_below(&r, STATE_COUNT)];
    uint32_t size = 8 + name.length + email_length + (uint32_t)sizeof card + city.length + state.length;
    sl_string extra = next_extra(g, &r, size, g->config.person_size);

    PUT(o, SL_NEXMARK_PERSON_ID, int64_t, row, id);
    PUT(o, SL_NEXMARK_PERSON_NAME, sl_string, row, name);
    if (o->data[SL_NEXMARK_PERSON_EMAIL])
        SL_TRY(sl_vector_set_string(o->vector[SL_NEXMARK_PERSON_EMAIL], row, email, email_length, err));
    if (o->data[SL_NEXMARK_PERSON_CREDIT_CARD])
        SL_TRY(sl_vector_set_string(o->vector[SL_NEXMARK_PERSON_CREDIT_CARD], row, card, sizeof card, err));
    PUT(o, SL_NEXMARK_PERSON_CITY, sl_string, row, city);
    PUT(o, SL_NEXMARK_PERSON_STATE, sl_string, row, state);
    PUT(o, SL_NEXMARK_PERSON_DATETIME, int64_t, row, sl_nexmark_event_time(&g->config, e));
    PUT(o, SL_NEXMARK_PERSON_EXTRA, sl_string, row, extra);
    return SL_OK;
}

static void auction_row(const sl_nexmark_generator *g, int64_t e, uint32_t row, outputs *o)
{
    const sl_nexmark_config *c = &g->config;
    rng r = event_rng(g, e);
    int64_t id = last_base0_auction(e) + FIRST_AUCTION_ID;
    int64_t seller;
    if (rng_below(&r, c->hot_seller_ratio) > 0)
        seller = last_base0_person(e) / HOT_PERSON_BATCH * HOT_PERSON_BATCH;   /* hot seller */
    else
        seller = next_base0_person(g, e, &r);
    seller += FIRST_PERSON_ID;
    int64_t category = FIRST_CATEGORY_ID + (int64_t)rng_below(&r, NUM_CATEGORIES);
    int64_t initial_bid = next_price(g, &r);
    /* expiry: on average the time it takes the next in_flight_auctions auctions to appear */
    int64_t now_ms = event_time_ms(c, e);
    int64_t events_for_auctions =
        (int64_t)c->in_flight_auctions * SL_NEXMARK_TOTAL_PROPORTION / SL_NEXMARK_AUCTION_PROPORTION;
    int64_t horizon_ms = event_time_ms(c, e + events_for_auctions) - now_ms;
    int64_t length_ms = 1 + (int64_t)rng_below(&r, (uint64_t)(horizon_ms * 2 > 1 ? horizon_ms * 2 : 1));
    sl_string item_name = next_text(g, &r, 20);
    sl_string description = next_text(g, &r, 100);
    int64_t reserve = initial_bid + next_price(g, &r);
    uint32_t size = 8 + item_name.length + description.length + 8 + 8 + 8 + 8 + 8;
    sl_string extra = next_extra(g, &r, size, c->auction_size);

    PUT(o, SL_NEXMARK_AUCTION_ID, int64_t, row, id);
    PUT(o, SL_NEXMARK_AUCTION_ITEM_NAME, sl_string, row, item_name);
    PUT(o, SL_NEXMARK_AUCTION_DESCRIPTION, sl_string, row, description);
    PUT(o, SL_NEXMARK_AUCTION_INITIAL_BID, int64_t, row, initial_bid);
    PUT(o, SL_NEXMARK_AUCTION_RESERVE, int64_t, row, reserve);
    PUT(o, SL_NEXMARK_AUCTION_DATETIME, int64_t, row, c->base_time + now_ms * 1000);
    PUT(o, SL_NEXMARK_AUCTION_EXPIRES, int64_t, row, c->base_time + (now_ms + length_ms) * 1000);
    PUT(o, SL_NEXMARK_AUCTION_SELLER, int64_t, row, seller);
    PUT(o, SL_NEXMARK_AUCTION_CATEGORY, int64_t, row, category);
    PUT(o, SL_NEXMARK_AUCTION_EXTRA, sl_string, row, extra);
}

static inline void bid_row(const sl_nexmark_generator *g, int64_t e, uint32_t row, outputs *o)
{
    const sl_nexmark_config *c = &g->config;
    rng r = event_rng(g, e);
    int64_t auction;
    if (rng_below(&r, c->hot_auction_ratio) > 0)
        auction = last_base0_auction(e) / HOT_AUCTION_BATCH * HOT_AUCTION_BATCH;   /* hot auction */
    else
        auction = next_base0_auction(g, e, &r);
    auction += FIRST_AUCTION_ID;
    int64_t bidder;
    if (rng_below(&r, c->hot_bidder_ratio) > 0)
        bidder = last_base0_person(e) / HOT_PERSON_BATCH * HOT_PERSON_BATCH + 1;   /* hot bidder */
    else
        bidder = next_base0_person(g, e, &r);
    bidder += FIRST_PERSON_ID;
    int64_t price = next_price(g, &r);
    sl_string channel, url;
    if (rng_below(&r, HOT_CHANNEL_RATIO) > 0) {
        uint32_t i = (uint32_t)rng_below(&r, HOT_CHANNEL_COUNT);
        channel = g->hot_channels[i];
        url = g->hot_urls[i];
    } else {
        uint32_t i = (uint32_t)rng_below(&r, CHANNEL_COUNT);
        channel = g->channels[i];
        url = g->channel_urls[i];
    }
    sl_string extra = next_extra(g, &r, 8 + 8 + 8 + 8, c->bid_size);

    PUT(o, SL_NEXMARK_BID_AUCTION, int64_t, row, auction);
    PUT(o, SL_NEXMARK_BID_BIDDER, int64_t, row, bidder);
    PUT(o, SL_NEXMARK_BID_PRICE, int64_t, row, price);
    PUT(o, SL_NEXMARK_BID_CHANNEL, sl_string, row, channel);
    PUT(o, SL_NEXMARK_BID_URL, sl_string, row, url);
    PUT(o, SL_NEXMARK_BID_DATETIME, int64_t, row, sl_nexmark_event_time(c, e));
    PUT(o, SL_NEXMARK_BID_EXTRA, sl_string, row, extra);
}

sl_status sl_nexmark_generate(const sl_nexmark_generator *g, sl_nexmark_table table, int64_t *next_event,
                              int64_t end_event, uint32_t max_rows, const uint32_t *columns, uint32_t column_count,
                              sl_batch **out, sl_error *err)
{
    uint32_t table_column_count = sl_nexmark_column_count(table);
    if (!columns)
        column_count = table_column_count;
    if (max_rows > SL_BATCH_CAPACITY)
        max_rows = SL_BATCH_CAPACITY;
    if (*next_event < 0)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "nexmark: negative event number %lld", (long long)*next_event);
    sl_batch *batch = sl_batch_new(column_count);
    if (!batch)
        return sl_error_oom(err);
    outputs o;
    memset(&o, 0, sizeof o);
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < column_count && st == SL_OK; i++) {
        uint32_t col = columns ? columns[i] : i;
        if (col >= table_column_count) {
            st = sl_error_set(err, SL_ERR_INTERNAL, "nexmark: %s has no column %u", sl_nexmark_table_name(table), col);
            break;
        }
        sl_type type = sl_nexmark_column_type(table, col);
        sl_vector *v = sl_vector_new(type, max_rows ? max_rows : 1);
        if (!v) {
            st = sl_error_oom(err);
            break;
        }
        sl_batch_set_column(batch, i, v);
        if (type.id == SL_TYPE_VARCHAR)
            st = sl_vector_add_heap(v, g->pool, err);
        if (o.data[col]) {
            /* the same column asked twice: share the vector */
            continue;
        }
        o.data[col] = v->data;
        o.vector[col] = v;
    }
    /* a column listed twice points at the first vector: make the later ones references */
    for (uint32_t i = 0; i < column_count && st == SL_OK && columns; i++) {
        uint32_t col = columns[i];
        if (batch->columns[i] != o.vector[col]) {
            sl_vector_unref(batch->columns[i]);
            batch->columns[i] = sl_vector_ref(o.vector[col]);
        }
    }
    if (st != SL_OK) {
        sl_batch_free(batch);
        return st;
    }

    int64_t e = align_event(table, *next_event);
    uint32_t row = 0;
    while (row < max_rows && e < end_event) {
        switch (table) {
        case SL_NEXMARK_PERSON:
            st = person_row(g, e, row, &o, err);
            break;
        case SL_NEXMARK_AUCTION:
            auction_row(g, e, row, &o);
            break;
        default:
            bid_row(g, e, row, &o);
            break;
        }
        if (st != SL_OK) {
            sl_batch_free(batch);
            return st;
        }
        row++;
        e = align_event(table, e + 1);
    }
    *next_event = e < end_event ? e : end_event;
    batch->length = batch->count = row;
    *out = batch;
    return SL_OK;
}
