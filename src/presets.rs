//! Presets: named scenarios, each teaching one point about delivery guarantees.
//!
//! Plain data (no UI code), so the CLI, lessons and tests can reuse it. Most scenarios come
//! from the shared conformance cases (`../shared/spec/cases/*.json`); the first preset is
//! the UI's default page.

/// One preset: a scenario with a name and the point it makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Stable identifier (URL-safe), e.g. `spark-append`.
    pub id: &'static str,
    /// Short title shown in the preset menu.
    pub title: &'static str,
    /// One or two sentences: what the learner sees and why.
    pub teaches: &'static str,
    /// The scenario, format v1 (scenario-format.md).
    pub scenario_json: &'static str,
}

/// Every preset, in menu order; the first is the default.
pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "spark-append",
            title: "Spark micro-batch into a plain INSERT table",
            teaches: "Spark's offset and commit logs replay a failed batch exactly, but a plain INSERT sink writes the replayed batch again. Crash after sink_write to see duplicates.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": []}"#,
        },
        Preset {
            id: "consumer-commit-before",
            title: "Kafka consumer: commit, then write (at-most-once)",
            teaches: "Committing the offset before the write means a crash after the commit skips the batch: its records are lost.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "before"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "source_commit"}]}"#,
        },
        Preset {
            id: "consumer-commit-after",
            title: "Kafka consumer: write, then commit (at-least-once)",
            teaches: "Committing after the write means a crash before the commit re-reads the batch and inserts it again: duplicates, never loss.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "consumer-auto-commit",
            title: "Kafka consumer with auto-commit every 2 polls",
            teaches: "Auto-commit only commits now and then, so a crash replays everything since the last auto-commit.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "auto", "auto_commit_every": 2}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 3, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "spark-wal-replay",
            title: "Spark offset log as a write-ahead log",
            teaches: "offsets/N is written before any data is read; after a crash Spark re-runs batch N with exactly the logged range, then writes commits/N.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "offset_log"}]}"#,
        },
        Preset {
            id: "spark-upsert",
            title: "Idempotent upsert (MERGE on the business key)",
            teaches: "A re-run batch upserts the same keys again, so the table still holds one row per record: exactly-once from an at-least-once replay.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "upsert"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "spark-file-sink",
            title: "Spark file sink: _spark_metadata decides",
            teaches: "A crash before _spark_metadata/N leaves orphan files; Spark readers follow the metadata log and see each record once, a raw directory listing sees duplicates.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "file"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "fb-same",
            title: "foreachBatch: data and batchId marker in one transaction",
            teaches: "Writing the data and the control-table marker in one transaction makes the batchId check exactly-once: a crash rolls both back.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "transaction": "same"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "fb-data-first",
            title: "foreachBatch: data first, marker in a second transaction",
            teaches: "Two transactions are two commits: a crash between them leaves data without a marker, so the re-run writes the batch again.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "transaction": "separate", "order": "data_first"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "fb-marker-first",
            title: "foreachBatch: marker first, data in a second transaction",
            teaches: "Writing the marker first and crashing before the data makes the re-run skip the batch: its records are lost.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "transaction": "separate", "order": "marker_first"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "delta-txn",
            title: "Delta sink: txn(appId, version) skips a re-run",
            teaches: "Delta records the last committed batch id per query; a re-run of a committed batch is skipped, so the table stays exactly-once.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "delta"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_commit"}]}"#,
        },
        Preset {
            id: "delta-deleted-checkpoint-new-id",
            title: "Delta after a deleted checkpoint: new query id replays",
            teaches: "Deleting the checkpoint starts a new query id from earliest: Delta no longer recognises the old batches and appends them again.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "delta"}, "faults": [{"kind": "crash", "batch": 2, "after": "commit_log"}, {"kind": "delete_checkpoint", "before_restart": 1}]}"#,
        },
        Preset {
            id: "delta-deleted-checkpoint-fixed-id",
            title: "Delta after a deleted checkpoint: fixed appId skips new data",
            teaches: "With a fixed txnAppId, the new query's batch ids restart at 0 and are silently skipped until they pass the stored version: new records are lost.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2, "arrival_ticks": [1, 1, 1, 1, 1, 1, 10, 10, 10, 10]}, "source": {"kind": "log", "starting_position": "latest"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "delta", "txn_app_id": "fixed"}, "faults": [{"kind": "crash", "batch": 2, "after": "commit_log"}, {"kind": "delete_checkpoint", "before_restart": 1}]}"#,
        },
        Preset {
            id: "dedup-watermark",
            title: "dropDuplicates with a watermark drops a republished copy",
            teaches: "dropDuplicates keeps (id, event time) keys in state until the watermark passes them, so an identical copy arriving soon after is dropped.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 4}, "sink": {"kind": "file"}, "faults": [{"kind": "republish", "record": "r2", "after": "r3"}]}"#,
        },
        Preset {
            id: "dedup-rerun",
            title: "dropDuplicates does not stop re-run duplicates",
            teaches: "Dedup state rolls back with a failed batch, so a re-run batch passes dedup again and a plain INSERT sink duplicates it.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 4}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "spark-socket",
            title: "Socket source: nothing to replay",
            teaches: "A socket cannot be re-read and Spark's socket source cannot resume from a checkpoint: the restarted query re-runs the open batch with nothing in it, then fails, so every record not written before the crash is lost.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "socket"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "read"}]}"#,
        },
        Preset {
            id: "kafka-txn-read-committed",
            title: "Kafka transactions read with read_committed",
            teaches: "Offsets committed inside the producer's transaction make read-process-write exactly-once for read_committed readers; the aborted attempt stays in the log.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "transaction"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "kafka-txn-read-uncommitted",
            title: "The same transactions read with read_uncommitted",
            teaches: "read_uncommitted (Kafka's default) also sees records of aborted transactions, so the same run shows duplicates to this reader.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "transaction"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_uncommitted"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "kafka-sink-duplicates",
            title: "Spark's Kafka sink duplicates a re-run batch",
            teaches: "Producer idempotence only dedups the producer's own retries; Spark's Kafka sink has no transactions, so a re-run batch is sent again.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "kafka", "idempotence": true}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "kafka-lost-ack-no-idempotence",
            title: "Kafka producer retry without idempotence",
            teaches: "A lost ack makes the producer resend; without enable.idempotence the broker keeps both copies.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "kafka", "idempotence": false}, "faults": [{"kind": "lost_ack", "batch": 1, "request": 1}]}"#,
        },
        Preset {
            id: "flink-2pc",
            title: "Flink two-phase commit: crash before the checkpoint",
            teaches: "Rows go into a Kafka transaction that commits only after the checkpoint completes; a crash before it aborts the transaction and replays the epoch.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "flink-txn-timeout",
            title: "Flink two-phase commit outlived by the transaction timeout",
            teaches: "If recovery takes longer than the Kafka transaction timeout, the broker aborts the pre-committed transaction and its records are lost.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "checkpoint", "downtime": 70}]}"#,
        },
        Preset {
            id: "bq-default",
            title: "BigQuery _default stream: at-least-once",
            teaches: "The _default stream takes no offsets, so a re-run batch is appended again.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "bq-committed-source-offsets",
            title: "BigQuery committed stream with source offsets",
            teaches: "Appending at offsets derived from source positions turns a re-run into ALREADY_EXISTS, which the writer can safely ignore: exactly-once.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "bq-writer-offsets-loss",
            title: "BigQuery offsets from an in-memory counter: silent loss",
            teaches: "A restarted writer counts from 0 again; its new rows hit ALREADY_EXISTS, and treating that as success silently drops them.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "writer"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "bq-pending",
            title: "BigQuery pending stream: invisible until BatchCommit",
            teaches: "Rows of a pending stream become visible atomically at BatchCommit; a crash before it leaves the stream uncommitted and invisible.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "pending"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "bq-buffered",
            title: "BigQuery buffered stream: FlushRows makes rows visible",
            teaches: "Rows of a buffered stream become visible when flushed; with source offsets the re-run is rejected as ALREADY_EXISTS and the flush shows each row once.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "buffered", "offsets": "source"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "bq-out-of-range",
            title: "BigQuery offset gap: OUT_OF_RANGE",
            teaches: "Starting at the latest offset leaves a gap in source positions, so every append is OUT_OF_RANGE and nothing is written.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2, "arrival_ticks": [0, 0, 0, 0, 1, 1, 2, 2, 3, 3]}, "source": {"kind": "log", "starting_position": "latest"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": []}"#,
        },
        Preset {
            id: "beam-stable-id",
            title: "Beam: upsert keyed on a stable id",
            teaches: "A retried bundle runs its side effects again; an upsert keyed on the record id absorbs the retry.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "beam"}, "sink": {"kind": "upsert", "key": "record_id"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "beam-random-id",
            title: "Beam: a uuid4 per attempt defeats dedup",
            teaches: "A key generated per attempt is new on every retry, so the retried bundle inserts new rows: duplicates.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "beam"}, "sink": {"kind": "upsert", "key": "uuid_per_attempt"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        },
        Preset {
            id: "beam-id-attribute",
            title: "Beam: dedup by id attribute catches a republished copy",
            teaches: "Dataflow dedups by message id; a republished copy is a new message unless the pipeline dedups by an id attribute set by the publisher.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "beam", "dedup_by": "id_attribute"}, "sink": {"kind": "append"}, "faults": [{"kind": "republish", "record": "r4", "after": "r6"}]}"#,
        },
        Preset {
            id: "pubsub-redelivery",
            title: "Pub/Sub: processing outlives the ack deadline",
            teaches: "When processing takes longer than the ack deadline the lease expires; the late ack may not stick, and then the message is delivered again: a duplicate write (the simulator always redelivers after a late ack).",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "append"}, "faults": [{"kind": "pause", "batch": 1, "after": "sink_write", "ticks": 15}]}"#,
        },
        Preset {
            id: "pubsub-exactly-once-delivery",
            title: "Pub/Sub exactly-once delivery and a slow subscriber",
            teaches: "Exactly-once delivery rejects the late ack with INVALID_ACK_ID but still redelivers: it does not make the pipeline exactly-once.",
            scenario_json: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue", "exactly_once_delivery": true}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "append"}, "faults": [{"kind": "pause", "batch": 1, "after": "sink_write", "ticks": 15}]}"#,
        },
    ]
}

/// The preset with this id.
pub fn preset(id: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.id == id)
}

/// The default preset: Spark micro-batch into a plain INSERT table, no fault.
pub fn default_preset() -> Preset {
    presets()[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_url_safe() {
        let all = presets();
        let mut ids: Vec<&str> = all.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for p in &all {
            assert!(
                p.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                p.id
            );
        }
    }

    #[test]
    fn every_preset_is_a_valid_scenario() {
        for p in presets() {
            let s = crate::engine::parse_scenario(p.scenario_json)
                .unwrap_or_else(|e| panic!("preset {}: {e}", p.id));
            crate::engine::validate(&s).unwrap_or_else(|e| panic!("preset {}: {e}", p.id));
        }
    }

    #[test]
    fn default_preset_is_simple() {
        let s = crate::engine::parse_scenario(default_preset().scenario_json).unwrap();
        assert_eq!(s.workload.records, 10);
        assert_eq!(s.workload.batch_size, 2);
        assert!(s.faults.is_empty());
    }
}
