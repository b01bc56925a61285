/*
 * plain_consumer.c — the baseline of bench/kafka/run.py: a plain librdkafka consumer that
 * reads every partition of a topic from the beginning to the end offsets it finds at start,
 * touching each message (bytes summed) and doing nothing else, with the same client
 * settings as Sluice's kafka source (kafka_common.c). Prints "messages bytes seconds".
 *
 *   cc -O2 -o plain_consumer plain_consumer.c -lrdkafka
 *   ./plain_consumer 127.0.0.1:9092 topic
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: plain_consumer BOOTSTRAP TOPIC\n");
        return 2;
    }
    char reason[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = { { "bootstrap.servers", argv[1] }, { "group.id", "plain-consumer-bench" },
                                  { "enable.auto.commit", "false" }, { "enable.partition.eof", "false" },
                                  { "fetch.wait.max.ms", "10" } };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], reason, sizeof reason) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", reason);
            return 1;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, reason, sizeof reason);
    if (!rk) {
        fprintf(stderr, "%s\n", reason);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *topic = rd_kafka_topic_new(rk, argv[2], NULL);
    if (rd_kafka_metadata(rk, 0, topic, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1) {
        fprintf(stderr, "no metadata for %s\n", argv[2]);
        return 1;
    }
    int partitions = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(topic);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    int64_t total = 0;
    for (int p = 0; p < partitions; p++) {
        int64_t low, high;
        rd_kafka_query_watermark_offsets(rk, argv[2], p, &low, &high, 10000);
        total += high - low;
        rd_kafka_topic_partition_list_add(list, argv[2], p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    double start = now();
    rd_kafka_assign(rk, list);
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *messages[1024];
    int64_t count = 0, bytes = 0;
    while (count < total) {
        ssize_t n = rd_kafka_consume_batch_queue(queue, 100, messages, 1024);
        for (ssize_t i = 0; i < n; i++) {
            if (!messages[i]->err) {
                count++;
                const unsigned char *p = messages[i]->payload;
                for (size_t k = 0; k < messages[i]->len; k++)
                    bytes += p[k] != 0;   /* touch every byte, as a decoder would */
            }
            rd_kafka_message_destroy(messages[i]);
        }
    }
    double seconds = now() - start;
    printf("%" PRId64 " %" PRId64 " %.6f\n", count, bytes, seconds);
    rd_kafka_queue_destroy(queue);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return 0;
}
