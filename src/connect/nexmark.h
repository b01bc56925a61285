/*
 * nexmark.h — the Nexmark auction event generator (our own implementation of the public
 * Nexmark benchmark model, as in the Apache Beam and nexmark-flink generators).
 *
 * One infinite sequence of events numbered 0, 1, 2, ...; event n is a person, an auction or
 * a bid according to n mod 50 (0: person, 1-3: auction, 4-49: bid, so person : auction :
 * bid = 1 : 3 : 46). A table (person, auction, bid) is one projection of that sequence.
 * Every value of event n is a pure function of (config, n): a counter-based random
 * generator (splitmix64 seeded from the seed and the event number) drives it, and the
 * string pools are derived from the seed alone, so any split can generate any range of
 * events independently and the same options give the same events, byte for byte.
 *
 * The model (see docs/streaming.md): person and auction ids start at 1000; bids go to a
 * hot auction (the first of the last 100 auctions) with probability 1/2, otherwise to one
 * of the ~100 auctions in flight; bidders and sellers are hot (first/second of the last
 * 100 people) with probability 3/4, otherwise one of the 1000 active people; auctions
 * expire after a random length averaging the time the next 100 auctions take to appear;
 * `extra` pads each event to an average size of 200 (person), 500 (auction) and 100 (bid)
 * bytes counted as the reference generator counts them. Event n happens at
 * base_time + floor(n * 1000 / event_rate) milliseconds.
 *
 * Strings point into one shared, immutable pool buffer (names, cities, URLs, random
 * text), referenced by every emitted vector as a heap: generating a row copies no string
 * bytes except the few composed per person (email, credit card).
 */
#ifndef SL_CONNECT_NEXMARK_H
#define SL_CONNECT_NEXMARK_H

#include "vector/batch.h"

typedef enum sl_nexmark_table {
    SL_NEXMARK_PERSON,
    SL_NEXMARK_AUCTION,
    SL_NEXMARK_BID
} sl_nexmark_table;

/* Column positions of each table (the public Nexmark Flink DDL order). */
enum {
    SL_NEXMARK_PERSON_ID, SL_NEXMARK_PERSON_NAME, SL_NEXMARK_PERSON_EMAIL, SL_NEXMARK_PERSON_CREDIT_CARD,
    SL_NEXMARK_PERSON_CITY, SL_NEXMARK_PERSON_STATE, SL_NEXMARK_PERSON_DATETIME, SL_NEXMARK_PERSON_EXTRA,
    SL_NEXMARK_PERSON_COLUMNS
};
enum {
    SL_NEXMARK_AUCTION_ID, SL_NEXMARK_AUCTION_ITEM_NAME, SL_NEXMARK_AUCTION_DESCRIPTION,
    SL_NEXMARK_AUCTION_INITIAL_BID, SL_NEXMARK_AUCTION_RESERVE, SL_NEXMARK_AUCTION_DATETIME,
    SL_NEXMARK_AUCTION_EXPIRES, SL_NEXMARK_AUCTION_SELLER, SL_NEXMARK_AUCTION_CATEGORY, SL_NEXMARK_AUCTION_EXTRA,
    SL_NEXMARK_AUCTION_COLUMNS
};
enum {
    SL_NEXMARK_BID_AUCTION, SL_NEXMARK_BID_BIDDER, SL_NEXMARK_BID_PRICE, SL_NEXMARK_BID_CHANNEL,
    SL_NEXMARK_BID_URL, SL_NEXMARK_BID_DATETIME, SL_NEXMARK_BID_EXTRA,
    SL_NEXMARK_BID_COLUMNS
};

/* Model proportions (per 50 events). */
#define SL_NEXMARK_PERSON_PROPORTION 1
#define SL_NEXMARK_AUCTION_PROPORTION 3
#define SL_NEXMARK_BID_PROPORTION 46
#define SL_NEXMARK_TOTAL_PROPORTION 50

/* Default base time: 2024-01-01 00:00:00 UTC, in microseconds since the epoch. */
#define SL_NEXMARK_DEFAULT_BASE_TIME INT64_C(1704067200000000)

typedef struct sl_nexmark_config {
    uint64_t seed;                 /* default 0 */
    int64_t event_rate;            /* events per second of event time, > 0 (default 10000) */
    int64_t base_time;             /* event 0's time, microseconds since 1970 */
    uint32_t hot_auction_ratio;    /* 2: a bid is for a hot auction with probability 1 - 1/2 */
    uint32_t hot_bidder_ratio;     /* 4 */
    uint32_t hot_seller_ratio;     /* 4 */
    uint32_t in_flight_auctions;   /* 100 */
    uint32_t active_people;        /* 1000 */
    uint32_t person_size;          /* average bytes: 200 */
    uint32_t auction_size;         /* 500 */
    uint32_t bid_size;             /* 100 */
} sl_nexmark_config;

/* Fills the defaults above. */
void sl_nexmark_config_init(sl_nexmark_config *config);

/* Table by lower-case name ("person", "auction", "bid"); false if unknown. */
bool sl_nexmark_table_parse(const char *name, sl_nexmark_table *out);
const char *sl_nexmark_table_name(sl_nexmark_table table);
/* Schema: column count, names (as in the Flink DDL: "dateTime", "emailAddress", ...) and types. */
uint32_t sl_nexmark_column_count(sl_nexmark_table table);
const char *sl_nexmark_column_name(sl_nexmark_table table, uint32_t column);
sl_type sl_nexmark_column_type(sl_nexmark_table table, uint32_t column);

/* Event kind of event number n, and its event time (microseconds; millisecond-aligned). */
sl_nexmark_table sl_nexmark_event_kind(int64_t event);
int64_t sl_nexmark_event_time(const sl_nexmark_config *config, int64_t event);
/* Number of events of `table` among events [0, events). */
int64_t sl_nexmark_table_rows(sl_nexmark_table table, int64_t events);

typedef struct sl_nexmark_generator sl_nexmark_generator;

/* Creates a generator (builds the string pools from the seed; ~1 MB, ~1 ms). The config
 * is copied. The generator is immutable afterwards and may be used by several threads at
 * once. */
sl_status sl_nexmark_generator_new(const sl_nexmark_config *config, sl_nexmark_generator **out, sl_error *err);
void sl_nexmark_generator_free(sl_nexmark_generator *generator);
const sl_nexmark_config *sl_nexmark_generator_config(const sl_nexmark_generator *generator);

/* Generates the rows of `table` for the events in [*next_event, end_event), at most
 * max_rows (<= SL_BATCH_CAPACITY) of them, into a new dense batch *out (caller frees)
 * holding `column_count` columns: column i is table column columns[i] (columns NULL: all
 * columns in order). *next_event advances past the last event consumed; *out has 0 rows
 * only when the range holds no event of the table. */
sl_status sl_nexmark_generate(const sl_nexmark_generator *generator, sl_nexmark_table table, int64_t *next_event,
                              int64_t end_event, uint32_t max_rows, const uint32_t *columns, uint32_t column_count,
                              sl_batch **out, sl_error *err);

#endif
