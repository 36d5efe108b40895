//! Course content: lessons and quiz questions, as plain data.
//!
//! Every lesson carries a scenario (format v1) whose fault makes the lesson's point. The
//! answer a lesson or quiz question reveals is never typed in: [`answer`] and
//! [`QuizQuestion::correct`] run the engine on the scenario and read the outcome. The text
//! (intro, steps, rule, misconception) follows `../shared/spec/semantics.md`, which cites
//! the real systems; where a widely read tutorial says otherwise, `misconception` says so.
//! Snippet ids point into [`crate::snippets`].

use crate::engine::{self, outcome::IdCounts, outcome::Ids, Guarantee, Outcome, Scenario};

/// One lesson: a scenario with a fault, narrated steps, a question and the rule behind
/// the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// Stable identifier (URL-safe).
    pub id: &'static str,
    pub title: &'static str,
    /// Two to four plain sentences: the setting and what to watch.
    pub intro: &'static str,
    /// The scenario JSON (format v1).
    pub scenario: &'static str,
    /// Teaching points shown while the run plays, in order.
    pub steps: &'static [&'static str],
    /// The question the learner answers before the reveal.
    pub question: &'static str,
    /// The rule that explains the answer, citing the real system.
    pub rule: &'static str,
    /// Where a common tutorial says otherwise.
    pub misconception: Option<&'static str>,
    /// Id of the matching entry of [`crate::snippets::snippets`].
    pub snippet: &'static str,
}

/// What the lesson's run shows, computed by the engine (never typed in).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Answer {
    /// Record ids the primary reader never sees, in id order.
    pub missing: Ids,
    /// Record ids the primary reader sees more than once, with their counts, in id order.
    pub duplicated: IdCounts,
    /// The configuration's guarantee in general (not only this run).
    pub guarantee: Guarantee,
    /// Distinct server errors of the run, sorted.
    pub errors: Vec<String>,
    /// Fired faults that no guarantee covers (checkpoint deleted, republish, …).
    pub assumptions_broken: Vec<String>,
}

impl Answer {
    /// Build the answer from an engine outcome.
    pub fn from_outcome(o: &Outcome) -> Answer {
        Answer {
            missing: o.missing.clone(),
            duplicated: o.duplicated.clone(),
            guarantee: o.guarantee,
            errors: o.errors.clone(),
            assumptions_broken: o.assumptions_broken.clone(),
        }
    }

    /// Missing ids as strings (`r2`, `r3`), in id order.
    pub fn missing_ids(&self) -> Vec<String> {
        self.missing.0.iter().map(|&i| format!("r{i}")).collect()
    }

    /// Duplicated ids as (`r2`, 2) pairs, in id order.
    pub fn duplicated_ids(&self) -> Vec<(String, u64)> {
        self.duplicated
            .0
            .iter()
            .map(|&(i, c)| (format!("r{i}"), c))
            .collect()
    }

    /// The guarantee's name: `at-most-once`, `at-least-once`, `exactly-once` or `none`.
    pub fn guarantee_name(&self) -> &'static str {
        self.guarantee.name()
    }

    /// One line for the UI, e.g. `missing: r2, r3 · duplicated: none · at-most-once`.
    pub fn summary(&self) -> String {
        let dup: Vec<String> = self
            .duplicated_ids()
            .into_iter()
            .map(|(id, c)| format!("{id}×{c}"))
            .collect();
        let mut s = format!(
            "missing: {} · duplicated: {} · {}",
            list_or_none(&self.missing_ids()),
            list_or_none(&dup),
            self.guarantee.name()
        );
        if !self.errors.is_empty() {
            s.push_str(&format!(" · errors: {}", self.errors.join(", ")));
        }
        if !self.assumptions_broken.is_empty() {
            s.push_str(&format!(
                " · outside the guarantee: {}",
                self.assumptions_broken.join(", ")
            ));
        }
        s
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

/// Parse a lesson's scenario. Every lesson scenario is valid (tests/lessons.rs).
pub fn scenario(l: &Lesson) -> Scenario {
    engine::parse_scenario(l.scenario)
        .unwrap_or_else(|e| panic!("lesson {}: invalid scenario: {e}", l.id))
}

/// Run the lesson's scenario and report what it shows.
pub fn answer(l: &Lesson) -> Answer {
    Answer::from_outcome(&engine::run_outcome(&scenario(l)))
}

/// The lesson with this id.
pub fn lesson(id: &str) -> Option<&'static Lesson> {
    lessons().iter().find(|l| l.id == id)
}

/// Every lesson, in course order; empty in a browser that has not loaded the course
/// text yet (see [`crate::content`]).
pub fn lessons() -> &'static [Lesson] {
    crate::content::get().map_or(&[], |c| c.lessons)
}

/// The lessons' text, compiled in natively only: the browser fetches it
/// (`assets/content.json`, see [`crate::content`]).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) static LESSONS: &[Lesson] = &[
    // ---------------------------------------------------------------- consumer commits
    Lesson {
        id: "commit-before-write",
        title: "At-most-once: commit the offset, then write",
        intro: "A plain Kafka consumer polls two records at a time and commits its offset before it inserts them. \
                The process dies right after the commit of batch 1. Watch which offset the restarted consumer resumes from.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "before"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "source_commit"}]}"#,
        steps: &[
            "Batch 0 (r0, r1): poll, commitSync(offset 2), insert. All fine.",
            "Batch 1 (r2, r3): poll, then commitSync stores offset 4 in the consumer group.",
            "Crash before the insert: r2 and r3 only ever existed in the dead process's memory.",
            "The restarted consumer asks the group for its committed offset, gets 4, and polls r4 next.",
            "r2 and r3 are never written, and nothing reports an error: the loss is silent.",
        ],
        question: "What does the table hold after the restart?",
        rule: "A consumer resumes from the group's committed offset (KafkaConsumer javadoc, \"Manual Offset Control\"). \
               Committing before processing makes every record between the commit and a crash unrecoverable: at-most-once. \
               No record is ever written twice, because each offset is handed out once.",
        misconception: Some(
            "Tutorials often say Spark Structured Streaming becomes at-most-once by \"committing Kafka offsets before \
             writing\". Spark's Kafka source commits nothing to Kafka: its progress lives only in the checkpoint's offset \
             and commit logs. Spark loses records when the source cannot replay (the socket source), when a sink \
             records its progress before the data (a foreachBatch marker written first, see the marker-first lesson), \
             or when the checkpoint is deleted.",
        ),
        snippet: "kafka-consumer-commit-before-java",
    },
    Lesson {
        id: "commit-after-write",
        title: "At-least-once: write, then commit the offset",
        intro: "The same consumer now inserts each batch first and commits the offset afterwards. \
                It dies between the insert of batch 1 and the commit. Count how often r2 and r3 end up in the table.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 0: poll r0, r1, insert them, then commitSync(offset 2).",
            "Batch 1: poll r2, r3 and insert them. The crash comes before commitSync.",
            "The group still holds offset 2, so the restarted consumer polls r2, r3 again (batch 1, attempt 2).",
            "The plain INSERT runs a second time: r2 and r3 are in the table twice.",
            "Nothing is lost: every record is written before its offset is committed.",
        ],
        question: "What does the table hold after the restart?",
        rule: "Committing after the write re-delivers everything since the last commit after a crash (KafkaConsumer \
               javadoc): no loss, possible duplicates, so at-least-once. Duplicates go away only if the sink is \
               idempotent (upsert on a key) or the offsets commit atomically with the output (a transaction).",
        misconception: None,
        snippet: "kafka-consumer-commit-after-java",
    },
    Lesson {
        id: "auto-commit-interval",
        title: "enable.auto.commit: a crash replays since the last auto-commit",
        intro: "With enable.auto.commit the Java consumer commits from inside poll(), every auto.commit.interval.ms. \
                Here it commits only at every second batch, and the process dies after writing batch 3. \
                Everything since the last automatic commit comes back.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "auto", "auto_commit_every": 2}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 3, "after": "sink_write"}]}"#,
        steps: &[
            "Auto-commit fires on batches 1 and 3 only (\"every 2 polls\" stands for auto.commit.interval.ms).",
            "Batch 1's auto-commit stores offset 4. Batch 2 is written but not committed.",
            "Batch 3 is written, and the crash comes before its auto-commit.",
            "The restart resumes at offset 4: batches 2 and 3 (r4..r7) are inserted again.",
        ],
        question: "What does the table hold once the restarted consumer has caught up?",
        rule: "The classic Java consumer's auto-commit commits, during poll(), the offsets of records already returned; if each \
               poll's records are processed before the next poll, it is at-least-once, and a crash replays everything \
               since the last auto-commit (Kafka consumer configs: enable.auto.commit, auto.commit.interval.ms).",
        misconception: Some(
            // KAFKA-18641: the new consumer protocol (group.protocol=consumer, KIP-848) commits
            // from a background thread and had a record-loss bug in auto-commit.
            "\"Auto-commit loses data\" is true for some clients, not for the classic Java consumer \
             (group.protocol=classic) used in this loop: it never commits an offset before poll() returned that record \
             and the loop finished it. The new consumer protocol (group.protocol=consumer) commits in the background and \
             had a record-loss bug (KAFKA-18641); librdkafka-based clients commit in the background and can commit \
             records not yet processed.",
        ),
        snippet: "kafka-consumer-auto-commit-java",
    },
    // ---------------------------------------------------------------- Spark checkpoint
    Lesson {
        id: "spark-offset-and-commit-log",
        title: "Spark's offset log and commit log: how a restart replays",
        intro: "Spark Structured Streaming writes offsets/N to the checkpoint before it reads batch N, and commits/N after \
                the sink finished. A plain INSERT sink writes batch 1, then the driver dies before commits/1. \
                Watch the restart find offsets/1 without commits/1.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "plan fixes batch 1's range [2, 4); offset_log writes offsets/1 before any data is read (write-ahead log).",
            "read and sink_write insert r2, r3. The crash comes before commit_log, so commits/1 is never written.",
            "On restart Spark sees offsets/1 as the last entry and no commits/1: it re-runs batch 1 with exactly the logged range.",
            "The engine replays precisely, but a plain INSERT cannot tell a re-run from new data: r2, r3 appear twice.",
        ],
        question: "What does the table hold after the restart?",
        rule: "MicroBatchExecution: on start, if the last offset-log entry has no commit-log entry, that batch is re-run \
               with the logged offsets and the same batchId; otherwise the next batch starts after it. The checkpoint \
               makes processing exactly-once inside Spark; end-to-end exactly-once needs a sink that is idempotent for \
               a re-run batch (Structured Streaming guide, \"Output Sinks\" table).",
        misconception: Some(
            "\"Structured Streaming guarantees exactly-once\" is only half the sentence: the guide promises end-to-end \
             exactly-once only with replayable sources and idempotent sinks. With a plain JDBC INSERT in foreachBatch \
             the pipeline is at-least-once.",
        ),
        snippet: "spark-foreachbatch-insert-py",
    },
    Lesson {
        id: "spark-file-sink-metadata-log",
        title: "The file sink: _spark_metadata decides what Spark reads",
        intro: "The parquet file sink writes new, uniquely named files for each batch and lists them in _spark_metadata/N. \
                The driver dies after writing batch 2's files but before _spark_metadata/2. \
                Compare what a Spark reader sees with a raw listing of the directory.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "file"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 2 writes part-…-<uuid>.parquet files with r4, r5. The crash comes before _spark_metadata/2.",
            "The restart re-runs batch 2 from offsets/2. Batch 2 is above the last metadata id, so it writes new files.",
            "_spark_metadata/2 lists only the second attempt's files. The first attempt's files stay as orphans.",
            "A Spark reader follows the metadata log: one copy of each record. A raw listing also sees the orphans.",
        ],
        question: "What does a Spark reader of the output see after the re-run?",
        rule: "FileStreamSink skips a batch whose id is already in _spark_metadata and otherwise writes new files \
               (ManifestFileCommitProtocol names them part-<split>-<uuid>). \"Some duplicate data may be present in the \
               target directory, but only one copy of each file will be present in the log\": exactly-once for readers \
               that use the log.",
        misconception: Some(
            "Two common claims are wrong: that the parquet file sink is \"at-least-once only\" (it is exactly-once for \
             Spark readers with a checkpoint), and that a retry \"overwrites\" the same file names (names carry a uuid; \
             the metadata log decides). Engines that ignore _spark_metadata, or reading a subdirectory or glob, can see \
             the orphan files.",
        ),
        snippet: "spark-file-sink-py",
    },
    Lesson {
        id: "upsert-vs-append",
        title: "Idempotent upsert (MERGE) versus append",
        intro: "The same crash as in the offset-log lesson: batch 1 is written, commits/1 is not. \
                This time the sink upserts each row on its business key (MERGE, or INSERT … ON CONFLICT DO UPDATE). \
                The re-run still happens; watch what it does to the table.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "upsert", "key": "record_id"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 upserts r2, r3 under their keys; the crash comes before commits/1.",
            "The restart re-runs batch 1 with the same offsets: the engine still replays.",
            "The upsert finds keys r2 and r3 and replaces the rows instead of adding new ones.",
            "An at-least-once replay plus an idempotent write gives exactly-once output.",
        ],
        question: "What does the table hold after the re-run?",
        rule: "A replayable source plus durable progress gives at-least-once delivery; an idempotent write on a stable key \
               turns that into exactly-once results (Structured Streaming guide: \"idempotent sinks\"). It works only \
               if the key comes from the data (business key or source position) and the write is a last-value \
               overwrite: UPDATE x = x + 1 or a freshly generated key is not idempotent.",
        misconception: Some(
            "\"Exactly-once needs transactions\" is not true: an idempotent upsert on a stable key is enough when the \
             source replays. Conversely, dropDuplicates does not make an INSERT idempotent (see the dedup lessons).",
        ),
        snippet: "spark-foreachbatch-merge-py",
    },
    // ---------------------------------------------------------------- foreachBatch
    Lesson {
        id: "foreachbatch-one-transaction",
        title: "foreachBatch: data and batchId marker in one transaction",
        intro: "foreachBatch hands you each micro-batch with its batchId. Here the function checks a control table for the \
                batchId, then writes the rows and the marker in one database transaction. \
                The process dies after the writes and before COMMIT.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "control_table": true, "transaction": "same"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1: BEGIN, the control table has no row for batch 1, INSERT r2, r3, INSERT marker 1.",
            "Crash before COMMIT: the database rolls back the rows and the marker together.",
            "Spark re-runs batch 1 with the same batchId. No marker, so the function writes again and commits.",
            "Had the crash come after COMMIT, the re-run would find marker 1 and skip: one copy either way.",
        ],
        question: "What does the table hold after the restart?",
        rule: "Structured Streaming guide: \"By default, foreachBatch provides only at-least-once write guarantees. \
               However, you can use the batchId provided to the function as way to deduplicate the output.\" The \
               check-and-write is exactly-once only if the rows and the marker commit in one transaction of the same \
               database.",
        misconception: None,
        snippet: "spark-foreachbatch-one-txn-py",
    },
    Lesson {
        id: "foreachbatch-data-first",
        title: "foreachBatch: data first, marker in a second transaction",
        intro: "The function commits the rows in one transaction and the batchId marker in a second one. \
                The crash lands between the two commits. \
                This is what you get when the data and the marker go to two tables or two systems.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "control_table": true, "transaction": "separate", "order": "data_first"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 commits r2, r3 in the data transaction.",
            "The crash comes before the marker transaction: the data is visible, marker 1 does not exist.",
            "The re-run of batch 1 finds no marker and writes r2, r3 again.",
        ],
        question: "What does the table hold after the restart?",
        rule: "Two commits are two transactions: a crash between them leaves data without its marker, and the batchId \
               check cannot recognise the batch (semantics 5.2). Writing data before the marker fails towards \
               duplicates: at-least-once.",
        misconception: Some(
            "A popular teaching module writes the data and the marker as two Delta appends to two tables and comments \
             that they are \"atomic with the write above if using Delta\". Each Delta append is its own commit; open-source \
             Delta Lake has no multi-table transaction. Use txnAppId/txnVersion on the data write instead.",
        ),
        snippet: "spark-foreachbatch-data-first-py",
    },
    Lesson {
        id: "foreachbatch-marker-first",
        title: "foreachBatch: marker first, then data (what not to do)",
        intro: "This variant records the batchId first, in its own transaction, and writes the rows afterwards. \
                The crash comes right after the marker commit. Watch what the re-run's batchId check decides.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "foreach_batch", "control_table": true, "transaction": "separate", "order": "marker_first"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 commits marker 1 first.",
            "The crash comes before the data transaction: marker 1 exists, r2 and r3 do not.",
            "The re-run of batch 1 finds marker 1 and skips the batch as \"already done\".",
            "r2 and r3 are lost for good, and the pipeline looks healthy.",
        ],
        question: "What does the table hold after the restart?",
        rule: "A marker claims the batch is written. Committed before the data, it can claim a write that never \
               happened, and the batchId check then skips the re-run: at-most-once (semantics 5.2). Only one \
               transaction covering data and marker is exactly-once.",
        misconception: None,
        snippet: "spark-foreachbatch-marker-first-py",
    },
    // ---------------------------------------------------------------- Delta
    Lesson {
        id: "delta-txn-skips-rerun",
        title: "Delta: txn(appId, version) skips a committed batch",
        intro: "The built-in Delta sink commits each batch to the Delta log together with a transaction marker \
                txn(appId = query id, version = batchId). The driver dies after the Delta commit of batch 2 and before \
                commits/2. Spark re-runs batch 2; Delta decides.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "delta", "txn_app_id": "query_id"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_commit"}]}"#,
        steps: &[
            "Batch 2 writes data files and commits them atomically with txn[q1] = 2.",
            "The crash comes before commits/2, so Spark re-runs batch 2.",
            "The Delta sink sees txn[q1] = 2 ≥ 2 and skips the batch (\"Skipping already complete epoch\").",
            "Readers of the Delta log see each record once.",
        ],
        question: "What does the Delta table hold after the restart?",
        rule: "DeltaSink records (queryId, batchId) in the same atomic log commit as the data and skips a batch whose id \
               is not above the recorded version. In foreachBatch, the txnAppId and txnVersion writer options do the \
               same for your own writes (Delta docs, \"Idempotent table writes in foreachBatch\").",
        misconception: Some(
            "\"Delta handles idempotency automatically\" holds only while the checkpoint survives: the appId and the \
             batch ids come from the checkpoint. The next lesson deletes it.",
        ),
        snippet: "delta-sink-py",
    },
    Lesson {
        id: "delta-deleted-checkpoint",
        title: "Delta: a deleted checkpoint with a fixed txnAppId",
        intro: "A foreachBatch writes to Delta with txnAppId = \"app\" and txnVersion = batchId. Batches 0-2 are committed, \
                then someone deletes the checkpoint and the query restarts at latest. \
                Batch ids start again at 0, but Delta still remembers version 2 for \"app\".",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2, "arrival_ticks": [1, 1, 1, 1, 1, 1, 10, 10, 10, 10]}, "source": {"kind": "log", "starting_position": "latest"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "delta", "txn_app_id": "fixed"}, "faults": [{"kind": "crash", "batch": 2, "after": "commit_log"}, {"kind": "delete_checkpoint", "before_restart": 1}]}"#,
        steps: &[
            "Batches 0-2 write r0..r5 and leave txn[app] = 2 in the Delta log.",
            "The checkpoint is deleted before the restart: offsets, commits and the batch counter are gone.",
            "The new query starts at latest (offset 6); r6..r9 arrive later and form new batches 0 and 1.",
            "Delta sees txn[app] = 2 ≥ 0 and ≥ 1 and silently skips both: r6..r9 are lost.",
            "With the built-in sink (appId = query id) the new query gets a new id and writes them; from earliest it would re-append r0..r5.",
        ],
        question: "What does the Delta table hold once the new query has run?",
        rule: "Delta docs warn that after deleting the checkpoint the batch ids restart at 0, so with the same txnAppId \
               the writes are skipped until batchId exceeds the stored txnVersion; a new appId re-applies replayed \
               batches instead. Deleting a checkpoint is outside every guarantee: change the appId and choose the \
               restart offsets deliberately.",
        misconception: Some(
            "\"Delta handles idempotency automatically\": only while the checkpoint (query id and batch ids) survives.",
        ),
        snippet: "delta-txn-foreachbatch-py",
    },
    // ---------------------------------------------------------------- Kafka transactions
    Lesson {
        id: "kafka-transactions-read-committed",
        title: "Kafka transactions: offsets committed inside the transaction",
        intro: "A consume-transform-produce loop writes each batch into a Kafka transaction and adds the consumed offsets to \
                the same transaction with sendOffsetsToTransaction. The process dies with batch 1 written but not committed. \
                The output is read with isolation.level=read_committed.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "transaction"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1: beginTransaction, send r2, r3. The crash comes before sendOffsetsToTransaction + commitTransaction.",
            "The new producer calls initTransactions with the same transactional.id: the open transaction is aborted.",
            "The group's offset is the one committed with transaction 0, so batch 1 is consumed again and committed once.",
            "read_committed skips the aborted records: each record once. The aborted copies are still in the log.",
        ],
        question: "What does a read_committed reader see after the restart?",
        rule: "KafkaProducer javadoc: sendOffsetsToTransaction commits the consumed offsets as part of the transaction, so \
               output and progress commit atomically; initTransactions aborts any open transaction of the same \
               transactional.id. Consumers with isolation.level=read_committed read only committed transactional \
               records.",
        misconception: None,
        snippet: "kafka-txn-read-process-write-java",
    },
    Lesson {
        id: "kafka-transactions-read-uncommitted",
        title: "The same transactions, read with read_uncommitted",
        intro: "Same pipeline, same crash. Only the downstream reader changes: it keeps Kafka's default \
                isolation.level=read_uncommitted. The aborted transaction's records are still in the partition.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "transaction"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_uncommitted"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Attempt 1 of batch 1 sends r2, r3 into a transaction that is later aborted.",
            "Attempt 2 sends r2, r3 again and commits.",
            "A read_uncommitted consumer reads every record in the log, aborted ones included: r2, r3 twice.",
        ],
        question: "What does the read_uncommitted reader see?",
        rule: "Kafka consumer configs: isolation.level defaults to read_uncommitted, which returns all messages, even \
               transactional messages which have been aborted. Exactly-once output needs the transactional writer and \
               read_committed readers.",
        misconception: Some(
            "\"Turn on transactions and the topic is exactly-once\": only for readers that set \
             isolation.level=read_committed. Kafka's default reader also sees aborted records.",
        ),
        snippet: "kafka-read-committed-consumer-java",
    },
    Lesson {
        id: "kafka-zombie-fencing",
        title: "Zombie fencing with transactional.id",
        intro: "The first instance stalls after writing batch 1 into an open transaction; the group moves on and a new \
                instance takes over with the same transactional.id. Later the old one wakes up and tries to commit. \
                Watch the broker fence it.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "transaction"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "zombie", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "The old instance has r2, r3 in an open transaction when it is cut off (not dead).",
            "The new instance calls initTransactions: the open transaction is aborted and the epoch is bumped.",
            "The new instance re-processes batch 1 and runs to the end.",
            "The zombie's commit fails with PRODUCER_FENCED and it stops: no second committed copy.",
        ],
        question: "What happens to the zombie's writes, and what does a read_committed reader see?",
        rule: "KafkaProducer javadoc (initTransactions): it \"ensures any transactions initiated by previous instances of \
               the producer with the same transactional.id are completed\" and fences them: their later sends and \
               commits fail with ProducerFencedException. Two mechanisms fence: the same transactional.id lets \
               initTransactions fence the old producer, and since Kafka 2.5 (KIP-447) \
               sendOffsetsToTransaction(offsets, consumer.groupMetadata()) fences a zombie consumer by its group \
               generation, without a fixed transactional.id per input partition.",
        misconception: None,
        snippet: "kafka-txn-read-process-write-java",
    },
    Lesson {
        id: "spark-kafka-sink-at-least-once",
        title: "Why Spark's Kafka sink is at-least-once",
        intro: "A Structured Streaming query writes to Kafka with kafka.enable.idempotence=true and acks=all. \
                The driver dies after batch 1 was sent and before commits/1. The restart re-runs batch 1.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "kafka", "idempotence": true}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 sends r2, r3; they are appended and visible to every reader.",
            "The crash comes before commits/1, so Spark re-runs batch 1.",
            "The re-run sends r2, r3 from a new producer with new sequence numbers: the broker accepts them as new.",
            "Both read_committed and read_uncommitted readers see r2, r3 twice.",
        ],
        question: "With enable.idempotence on, what does a reader of the topic see after the re-run?",
        rule: "Structured Streaming + Kafka guide: \"Apache Kafka only supports at least once write semantics.\" A \
               re-run batch is sent again, and Structured Streaming cannot prevent such duplicates. \
               enable.idempotence dedups only the producer's own retries of one send (producer id + sequence number); \
               Spark's Kafka sink uses no transactions.",
        misconception: Some(
            "Several tutorials claim kafka.enable.idempotence=true plus acks=all makes Spark's Kafka sink exactly-once, \
             or that \"the read offset commit and the Kafka write happen atomically\". Neither is true: dedup downstream \
             (a key to upsert on) or use a transactional writer outside Spark.",
        ),
        snippet: "spark-kafka-sink-py",
    },
    // ---------------------------------------------------------------- Flink
    Lesson {
        id: "flink-two-phase-commit",
        title: "Flink two-phase commit: crash before the checkpoint",
        intro: "Flink's KafkaSink with DeliveryGuarantee.EXACTLY_ONCE writes each checkpoint epoch into its own Kafka \
                transaction: pre-commit at the checkpoint barrier, commit when the checkpoint completes. \
                The job dies after writing epoch 1 and before checkpoint 1.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Epoch 1 writes r2, r3 into transaction T1, which stays open until its checkpoint completes.",
            "The crash comes before checkpoint 1. Recovery restores checkpoint 0 and aborts T1.",
            "Epoch 1 is replayed from checkpoint 0's source position into a new transaction and committed.",
            "read_committed sees one copy; read_uncommitted also sees the aborted one.",
        ],
        question: "What does a read_committed reader see after the restore?",
        // Flink 2.0 removed the SinkFunction API (TwoPhaseCommitSinkFunction); KafkaSink is a Sink V2
        // with a committer.
        rule: "Flink's two-phase-commit sink (Sink V2 committer, as in KafkaSink; formerly TwoPhaseCommitSinkFunction): data of an epoch is pre-committed at the checkpoint and \
               committed in notifyCheckpointComplete; on recovery Flink commits the transaction recorded in the restored \
               checkpoint and aborts the others. Exactly-once needs checkpointing enabled and read_committed consumers.",
        misconception: None,
        snippet: "flink-kafka-sink-exactly-once-java",
    },
    Lesson {
        id: "flink-transaction-timeout",
        title: "Flink: recovery slower than transaction.timeout.ms",
        intro: "Checkpoint 1 completed with transaction T1 pre-committed, and the job died before committing it. \
                The restart takes 70 ticks, but the transaction timeout is 60. \
                The broker aborts T1 on its own before Flink comes back to commit it.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed", "transaction_timeout": 60}, "faults": [{"kind": "crash", "batch": 1, "after": "checkpoint", "downtime": 70}]}"#,
        steps: &[
            "Epoch 1 wrote r2, r3 into T1 and checkpoint 1 completed: the source position is past r3.",
            "The crash comes before notifyCheckpointComplete commits T1.",
            "While the job is down, the broker aborts T1 at the 60-tick timeout.",
            "Recovery tries to commit T1 and gets PRODUCER_FENCED; Flink logs it and moves on from checkpoint 1.",
            "r2 and r3 are never committed and never replayed: lost for read_committed readers.",
        ],
        question: "What does a read_committed reader see once the job has restarted?",
        rule: "Flink Kafka connector docs: \"If the time between Flink application crash and completed restart is larger \
               than Kafka's transaction timeout there will be data loss (Kafka will automatically abort transactions that \
               exceeded timeout time).\" Set transaction.timeout.ms well above the maximum checkpoint interval plus the \
               maximum restart time, and within the broker's transaction.max.timeout.ms.",
        misconception: Some(
            "\"EXACTLY_ONCE can never lose data\": it can when a transaction outlives transaction.timeout.ms. Also note \
             Flink's KafkaSink defaults to a 1 h transaction timeout, above the broker's default \
             transaction.max.timeout.ms of 15 min, so the producer fails to start until one of them is changed.",
        ),
        snippet: "flink-kafka-sink-exactly-once-java",
    },
    // ---------------------------------------------------------------- BigQuery
    Lesson {
        id: "bq-default-stream",
        title: "BigQuery _default stream: at-least-once",
        intro: "The Storage Write API's _default stream is the simplest way in: no stream to create, rows visible at once. \
                It takes no offsets. A micro-batch writes batch 1 to it and dies before commits/1.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "default"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 appends r2, r3 to the _default stream; they are committed and queryable at once.",
            "The crash comes before commits/1, so the batch is re-run.",
            "The re-run appends r2, r3 again. Without an offset the server cannot tell a re-send from new rows.",
        ],
        question: "What does the table hold after the re-run, and what does the _default stream answer?",
        rule: "BigQuery Storage Write API: the default stream gives at-least-once semantics; exactly-once needs an \
               application-created stream with offsets. On AppendRowsRequest.offset: \"Specifying a value for this field \
               is not allowed when calling AppendRows for the '_default' stream\", so ALREADY_EXISTS cannot happen there.",
        misconception: Some(
            "A troubleshooting article shows \"ALREADY_EXISTS: The offset 42 has already been committed to stream …/_default\". \
             That error is impossible: the _default stream takes no offsets. (There is also no \"CommitStream\" RPC.)",
        ),
        snippet: "bq-default-stream-py",
    },
    Lesson {
        id: "bq-already-exists-lost-response",
        title: "ALREADY_EXISTS cause 1: a retried append after a lost response",
        intro: "A COMMITTED stream with offsets taken from the source position. The server appends r2 at offset 2, but the \
                response is lost and the client retries the same request with the same offset.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": [{"kind": "lost_ack", "batch": 1, "request": 0}]}"#,
        steps: &[
            "AppendRows(offset 2, r2) is applied: the stream end moves to 3. The client sees an error.",
            "The client retries AppendRows(offset 2, r2). 2 is below the end 3: ALREADY_EXISTS.",
            "The writer treats ALREADY_EXISTS as \"already written\" and moves on. r2 is in the table once.",
        ],
        question: "What does the table hold after the retry?",
        rule: "BigQuery Storage Write API: \"the Storage Write API never writes two messages that have the same offset \
               within a stream\"; an append at an offset below the stream's end returns ALREADY_EXISTS, which can be \
               ignored when the offset was computed from durable progress: the row is there.",
        misconception: None,
        snippet: "bq-committed-offsets-py",
    },
    Lesson {
        id: "bq-already-exists-rerun",
        title: "ALREADY_EXISTS cause 2: a re-run batch with durable offsets",
        intro: "Same COMMITTED stream, offsets = source positions. Batch 2 appends r4, r5 at offsets 4 and 5, then the \
                driver dies before commits/2. Spark re-runs batch 2 with the same offsets.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 2 appends r4 at offset 4 and r5 at offset 5; the stream end is 6. Rows are visible at once.",
            "The crash comes before commits/2; Spark re-runs batch 2 from offsets/2.",
            "The re-run sends r4 at 4 and r5 at 5. Both are below the end: ALREADY_EXISTS, treated as success.",
            "Each record once: the offset came from the source position, which the re-run recomputes exactly.",
        ],
        question: "What does the table hold after the re-run, and what does the writer hear back?",
        rule: "Offsets dedupe only within one stream, and only if a re-run recomputes the same offset: derive the offset \
               from durable progress (here the log position the offset log replays), not from an in-memory counter. \
               Then ALREADY_EXISTS means \"your row is there\" (BigQuery Storage Write API, exactly-once semantics).",
        misconception: Some(
            "\"Use offsets and retries are exactly-once\" is incomplete: a new stream per attempt, or an offset counter \
             that restarts at 0, breaks it (see the next lessons).",
        ),
        snippet: "bq-committed-offsets-java",
    },
    Lesson {
        id: "bq-already-exists-two-writers",
        title: "ALREADY_EXISTS cause 3: two writers on one stream",
        intro: "A Spark driver is cut off after reading batch 1 and a new driver takes over the same COMMITTED stream. \
                Later the old driver (a zombie) sends its rows with the offsets it computed.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": [{"kind": "zombie", "batch": 1, "after": "read"}]}"#,
        steps: &[
            "The zombie read r2, r3 and stalls. The new driver re-runs batch 1 and writes everything, offsets 0..9.",
            "The zombie wakes up and sends r2 at offset 2, r3 at offset 3: both below the end, ALREADY_EXISTS.",
            "Its commit-log write is rejected; it stops. No duplicate, because both writers used the same offsets.",
            "Had the new driver finalized the stream on shutdown, the zombie would get STREAM_FINALIZED instead.",
        ],
        question: "What does the table hold once both writers are done?",
        rule: "A stream's offsets are a single sequence: whoever appends at offset n first wins, and every later append \
               at n gets ALREADY_EXISTS (BigQuery AppendRows). With offsets derived from the source position, a zombie \
               writes nothing new; FinalizeWriteStream makes further appends fail with STREAM_FINALIZED.",
        misconception: None,
        snippet: "bq-committed-offsets-py",
    },
    Lesson {
        id: "bq-writer-counter-silent-loss",
        title: "ALREADY_EXISTS cause 4: an in-memory counter plus \"ignore it\" = silent loss",
        intro: "This writer numbers its appends with a counter kept in memory, starting at 0, and treats ALREADY_EXISTS as \
                success. The stream holds r0..r5 when the process crashes. The new process starts counting at 0 again.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "writer"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        steps: &[
            "Batches 0-2 append r0..r5 at offsets 0..5; the crash comes before commits/2.",
            "The new process re-runs batch 2 and sends r4, r5 at offsets 0, 1: ALREADY_EXISTS, \"success\".",
            "It keeps going: r6..r9 are sent at offsets 2..5, all below the end 6, all ALREADY_EXISTS.",
            "The writer reports success for every row. r6..r9 never land in the table.",
        ],
        question: "What does the table hold after the restart?",
        rule: "ALREADY_EXISTS only says \"something is already at this offset\", not \"your row is there\". Ignoring it \
               is safe only when the offset is derived from durable progress; an in-memory counter reset by a restart \
               turns it into silent data loss (BigQuery Storage Write API offsets; the Java client's OffsetAlreadyExists \
               carries the expected and actual offsets).",
        misconception: Some(
            "\"ALREADY_EXISTS is not a data loss event\" holds only when the offset was derived from durable progress. \
             Also, GetWriteStream returns no row count to resynchronise a counter from: derive the offset instead.",
        ),
        snippet: "bq-writer-counter-py",
    },
    Lesson {
        id: "bq-out-of-range-gap",
        title: "OUT_OF_RANGE: a gap in the offsets poisons the stream",
        intro: "Offsets are the source positions, and a dropDuplicates stage removes the republished copy of r2 before the \
                sink. The copy's position is never appended, so the next row's offset jumps past the stream's end.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 4}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": [{"kind": "republish", "record": "r2", "after": "r3"}]}"#,
        steps: &[
            "The publisher sends r2 twice; the copy sits at position 4, r4 moves to position 5.",
            "Batches 0, 1 append positions 0..3: the stream end is 4.",
            "Batch 2: dedup drops the copy at position 4, so r4 is sent with offset 5 while the end is 4: OUT_OF_RANGE.",
            "The end never moves again, so every later row fails the same way: r4..r9 are missing.",
            "A latest start (first offset above 0) or a watermark dropping a late row opens the same gap.",
        ],
        question: "What does the table hold at the end, and what does the writer hear back?",
        rule: "AppendRows with an offset beyond the current end of the stream returns OUT_OF_RANGE and writes nothing \
               (BigQuery StorageErrorCode / gRPC status). Source positions make good offsets only if every position \
               is written exactly once: with a filter or dedup stage, number the rows that reach the sink, durably.",
        misconception: None,
        snippet: "bq-committed-offsets-py",
    },
    Lesson {
        id: "bq-pending-batch-commit",
        title: "PENDING streams: invisible until BatchCommitWriteStreams",
        intro: "Each micro-batch gets its own PENDING stream: append, FinalizeWriteStream, then BatchCommitWriteStreams \
                makes the rows visible atomically. The process dies in the middle of batch 1's appends.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "pending"}, "faults": [{"kind": "crash_mid_write", "batch": 1, "after_records": 1}]}"#,
        steps: &[
            "Batch 1 creates pending stream s2 and appends r2. The crash comes before r3.",
            "s2 is never finalized or committed: r2 in it is invisible, and stays so.",
            "The re-run creates s3, appends r2, r3, finalizes and batch-commits it: both appear at once.",
            "A crash after BatchCommit but before commits/1 would commit a second stream: still at-least-once.",
        ],
        question: "What does the table hold once the re-run has committed?",
        rule: "BigQuery BatchCommitWriteStreams \"atomically commits a group of PENDING streams\"; streams must be \
               finalized first, and an uncommitted pending stream never becomes visible. That makes each batch atomic, \
               not exactly-once: a batch committed just before a crash is committed again by its re-run.",
        misconception: Some(
            "One widely read article lists three write \"modes\" (default, committed, buffered) and leaves out PENDING, \
             the stream type made for atomic batch commits.",
        ),
        snippet: "bq-pending-stream-py",
    },
    Lesson {
        id: "bq-batch-commit-committed-stream",
        title: "BatchCommit on a COMMITTED stream: INVALID_STREAM_TYPE",
        intro: "This writer copies a popular recipe: a new COMMITTED stream per batch, offsets counted from 0, then \
                FinalizeWriteStream and BatchCommitWriteStreams \"to make the data persist\". Batch 1 is appended and the \
                process dies before the commit step.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "writer", "stream": "per_batch", "batch_commit": true}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 appends r2, r3 to its COMMITTED stream: visible at once, no commit needed.",
            "The crash comes before finalize and BatchCommit; the rows stay visible.",
            "The re-run creates a new stream whose offsets start at 0 again: nothing detects the repeat, r2, r3 twice.",
            "Every BatchCommitWriteStreams on a COMMITTED stream returns INVALID_STREAM_TYPE.",
        ],
        question: "What does the table hold after the re-run, and what does BatchCommit report?",
        // Which channel carries INVALID_STREAM_TYPE is not documented (spec §10 (23)).
        rule: "BatchCommitWriteStreams applies only to PENDING streams; for any other type it reports \
               INVALID_STREAM_TYPE (StorageErrorCode), in stream_errors (with no commit_time) or as an \
               INVALID_ARGUMENT error. COMMITTED rows are durable \
               and visible when AppendRows succeeds. Offsets dedupe within one stream only, so a stream per attempt \
               re-appends a re-run batch.",
        misconception: Some(
            "A well-known exactly-once recipe creates a COMMITTED stream, then finalizes and batch-commits it so the data \
             \"persists\". BatchCommit fails on COMMITTED streams, and a stream per batch attempt gives no exactly-once.",
        ),
        snippet: "bq-committed-per-batch-py",
    },
    Lesson {
        id: "bq-buffered-flush",
        title: "BUFFERED streams: FlushRows makes rows visible",
        intro: "A BUFFERED stream holds appended rows invisible until FlushRows(offset) advances the visible prefix. \
                Batch 2 appends r4, r5 at offsets 4 and 5, then dies before flushing.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "buffered", "offsets": "source"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        steps: &[
            "r4, r5 are appended at offsets 4, 5 but not flushed: invisible, yet in the stream.",
            "The re-run sends r4, r5 at 4, 5: ALREADY_EXISTS for both.",
            "FlushRows(5) makes everything up to offset 5 visible, including the rows the crashed attempt appended.",
        ],
        question: "What does the table hold after the restart?",
        rule: "BigQuery FlushRows advances the visible prefix of a BUFFERED stream up to the offset in the request. \
               Flushing does not undo or dedupe appends; offsets derived from durable progress do, exactly as for COMMITTED streams.",
        misconception: None,
        snippet: "bq-buffered-stream-py",
    },
    // ---------------------------------------------------------------- Beam / Pub/Sub
    Lesson {
        id: "beam-stable-id-upsert",
        title: "Beam: a retried bundle upserting on a stable id",
        intro: "A Dataflow pipeline reads Pub/Sub and upserts each element keyed on its order id. The worker dies after the \
                writes of bundle 1 and before the runner commits the bundle, so the bundle is retried.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "beam"}, "sink": {"kind": "upsert", "key": "record_id"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Bundle 1 upserts r2, r3 into the database; the crash comes before the runner commits the bundle.",
            "The messages are redelivered and the bundle is retried on another worker: the DoFn runs again.",
            "The upsert finds keys r2, r3 and overwrites: one row each.",
        ],
        question: "What does the table hold after the retry?",
        rule: "Dataflow's exactly-once covers state and shuffled data, not side effects: a DoFn may process an element \
               more than once when a bundle is retried (Dataflow exactly-once docs). An external write is exactly-once only if it is idempotent \
               on a key that is the same on every attempt.",
        misconception: None,
        snippet: "beam-upsert-stable-key-py",
    },
    Lesson {
        id: "beam-uuid4-defeats-dedup",
        title: "Beam: uuid4 generated per attempt defeats dedup",
        intro: "Same pipeline and same crash, but the DoFn keys each row with str(uuid.uuid4()) generated inside process(). \
                The retry generates new keys.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "beam"}, "sink": {"kind": "upsert", "key": "uuid_per_attempt"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Attempt 1 upserts r2, r3 under two fresh uuids.",
            "The retried bundle generates two new uuids: the upsert finds no match and inserts two new rows.",
            "The table now holds r2 and r3 twice, with different ids.",
        ],
        question: "What does the table hold after the retry?",
        rule: "An idempotency key must be a function of the input, not of the attempt: a business key, the Pub/Sub \
               message id, or uuid5 over a stable field. A random id is stable only if it was generated once and \
               checkpointed before the side effect (for example before a Reshuffle on Dataflow).",
        misconception: Some(
            "A Beam exactly-once tutorial says at-least-once is the default of every pipeline and that insert ids make \
             BigQuery writes dedupe. A uuid4 made per attempt defeats any sink's dedup, and insert ids belong to the \
             legacy tabledata.insertAll (best effort); the Storage Write API dedupes by stream offset only.",
        ),
        snippet: "beam-upsert-uuid4-py",
    },
    Lesson {
        id: "beam-id-attribute",
        title: "Beam: dedup by an id attribute catches a republished message",
        intro: "The publisher retries and publishes r4 a second time: a new Pub/Sub message with a new message id. \
                The pipeline reads with id_label / withIdAttribute, so the runner dedups on the record id the publisher \
                put in an attribute.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "beam", "dedup_by": "id_attribute"}, "sink": {"kind": "append"}, "faults": [{"kind": "republish", "record": "r4", "after": "r6"}]}"#,
        steps: &[
            "The copy of r4 arrives after r6 as message m7, with the same id attribute as r4.",
            "The runner has r4's id in its dedup set: the copy is acked but not processed.",
            "With the default (dedup by message id) the copy would pass and be appended twice.",
        ],
        question: "What does the table hold after the publisher's retry?",
        rule: "Dataflow dedups Pub/Sub messages by message id; with an id attribute (Python ReadFromPubSub(id_label=…), \
               Java PubsubIO.read…withIdAttribute(…)) it dedups on the publisher's own id instead, which survives a \
               publisher retry. Dataflow's dedup is time-bounded; the simulator's is not.",
        misconception: Some(
            "\"Pub/Sub exactly-once delivery removes duplicates\": it dedups redeliveries of one message id. A message \
             published twice is two messages.",
        ),
        snippet: "beam-pubsub-id-attribute-py",
    },
    Lesson {
        id: "pubsub-ack-deadline",
        title: "Pub/Sub: processing longer than the ack deadline",
        intro: "A subscriber with exactly-once delivery enabled leases two messages with a 10-tick ack deadline, writes them, \
                then stalls for 15 ticks before acking. The lease has expired by the time the ack arrives.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue", "ack_deadline": 10, "exactly_once_delivery": true}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "append"}, "faults": [{"kind": "pause", "batch": 1, "after": "sink_write", "ticks": 15}]}"#,
        steps: &[
            "m2, m3 are leased at tick 0; the lease expires at tick 10.",
            "They are inserted, then the subscriber stalls until tick 15.",
            "The ack at tick 15 fails with INVALID_ACK_ID: only the latest ack id of a message is valid.",
            "The messages are delivered again and inserted a second time.",
        ],
        question: "With exactly-once delivery on, what does the table hold at the end?",
        rule: "Pub/Sub exactly-once delivery guarantees no redelivery after a successful ack, and rejects an ack on an \
               expired lease (INVALID_ACK_ID); it cannot make a late ack succeed. Extend the lease (client lease \
               management, max_lease_duration) and make the write idempotent.",
        misconception: Some(
            "\"At-least-once is Pub/Sub's default, so the pipeline is at-least-once\": delivery semantics of the \
             subscription are not the pipeline's guarantee. A subscriber that acks before writing can lose records, and \
             exactly-once delivery still redelivers a message whose ack came too late.",
        ),
        snippet: "pubsub-exactly-once-subscriber-py",
    },
    // ---------------------------------------------------------------- dropDuplicates
    Lesson {
        id: "dedup-with-watermark",
        title: "dropDuplicates with a watermark drops a copy still in state",
        intro: "The publisher sends r2 twice (same event time). The query runs dropDuplicates on (id, event time) with a \
                4-tick watermark and writes to the file sink. The copy arrives in the next batch.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 4}, "sink": {"kind": "file"}, "faults": [{"kind": "republish", "record": "r2", "after": "r3"}]}"#,
        steps: &[
            "Batch 1 emits r2 and r3 and stores keys (r2, 2), (r3, 3) in state.",
            "Batch 2 reads the copy of r2. Its watermark is 3 − 4 = −1: the copy is not late.",
            "Key (r2, 2) is still in state, so the copy is dropped.",
            "Keys are evicted once the watermark passes their event time; an identical copy arriving after that is at or below the watermark, so it is dropped as late (Spark's late filter runs before the state lookup). Only a copy with another event time, another key, gets through: that is what dropDuplicatesWithinWatermark is for.",
        ],
        question: "What does the output hold at the end of the run?",
        rule: "Structured Streaming guide: with a watermark, dropDuplicates keeps keys until the watermark passes them and \
               drops older rows as late; without one it keeps every key forever (unbounded state). The key includes \
               every dedup column, so put the event-time column in it or use dropDuplicatesWithinWatermark (Spark 3.5+).",
        misconception: Some(
            "\"dropDuplicates() in streaming requires withWatermark()\" is wrong: it runs without one, with state that \
             grows forever. And \"the same order_id twice → the second is dropped\" holds only when the event time \
             matches too and the key is still in state.",
        ),
        snippet: "spark-dedup-watermark-py",
    },
    Lesson {
        id: "dedup-does-not-stop-rerun",
        title: "dropDuplicates does not stop re-run duplicates",
        intro: "The dedup stage is still there, but the sink is a plain INSERT. Batch 1 is inserted and the driver dies \
                before commits/1. The re-run passes through dedup again.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 4}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        steps: &[
            "Batch 1 emits r2, r3 and inserts them; the crash comes before commits/1.",
            "The re-run of batch 1 starts from the dedup state after batch 0: r2, r3 are new to it.",
            "They pass dedup and are inserted a second time.",
        ],
        question: "What does the table hold after the re-run?",
        rule: "State is versioned with the batch: a re-run of batch N starts from the state stored for batch N−1 \
               (statefulOperators / state store). dropDuplicates removes duplicates in the input; it never removes \
               duplicates the sink creates on a re-run.",
        misconception: Some(
            "\"Add dropDuplicates and the output is exactly-once\": it does nothing against a re-run batch. Only an \
             idempotent or transactional sink does.",
        ),
        snippet: "spark-dedup-watermark-py",
    },
    // ---------------------------------------------------------------- closing
    Lesson {
        id: "sink-decision-table",
        title: "Putting it together: which pipeline gives which guarantee",
        intro: "Exactly-once needs three things at once: a source that can replay, progress stored durably, and a sink that \
                is idempotent or transactional. Here the sink is Spark's exactly-once file sink, but the source is a \
                socket. The driver dies after reading batch 1.",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "socket"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "file"}, "faults": [{"kind": "crash", "batch": 1, "after": "read"}]}"#,
        steps: &[
            "Exactly-once: file sink, Delta (txn), foreachBatch with one transaction, upsert on a stable key, Kafka transactions with offsets inside (read_committed), Flink 2PC, BigQuery stream offsets from durable progress.",
            "At-least-once: plain INSERT, console, Spark's Kafka sink, BigQuery _default or pending streams, foreachBatch data-first, uuid keys per attempt.",
            "At-most-once: commit before write, marker-first, a socket source, an in-memory BigQuery offset counter.",
            "Now the run: the socket delivered r2, r3 to batch 1 and the driver died. The restarted query re-runs batch 1 from a new connection and reads nothing, then fails (IllegalStateException: Offsets committed out of order): r2..r9 are never written.",
            "The weakest link decides: a perfect sink cannot bring back what the source will not replay.",
        ],
        question: "What does the output hold after the restart, and what is the guarantee of this pipeline?",
        rule: "Structured Streaming guide, sources table: the socket source is not fault-tolerant; end-to-end exactly-once \
               needs replayable sources, checkpointed progress and idempotent sinks together. The guarantee of a \
               pipeline is the weakest of its parts.",
        misconception: Some(
            "\"At-least-once is the default behaviour in Spark\" is not a blanket truth: the same engine is at-most-once \
             with a socket source, at-least-once with Kafka, console or a plain foreachBatch, and exactly-once with the \
             file or Delta sink.",
        ),
        snippet: "spark-socket-source-py",
    },
];

// ------------------------------------------------------------------------------ quiz

/// What a quiz question asks about the run; the correct choice is computed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The configuration's guarantee; choices are guarantee names (`at-most-once`, …).
    Guarantee,
    /// Ids the primary reader never sees; a choice is `r2, r3` or `none`.
    Missing,
    /// Ids the primary reader sees more than once (counts ignored); `r2, r3` or `none`.
    Duplicated,
    /// Distinct server errors, sorted; `ALREADY_EXISTS` or `none`.
    Errors,
    /// What the run did: one of [`EFFECTS`].
    Effect,
}

/// The choices of an [`Expect::Effect`] question, in this order.
pub const EFFECTS: [&str; 4] = [
    "nothing lost or duplicated",
    "records lost",
    "records duplicated",
    "records lost and duplicated",
];

/// The guarantee names, as the choices of an [`Expect::Guarantee`] question.
pub const GUARANTEES: [&str; 4] = ["at-most-once", "at-least-once", "exactly-once", "none"];

/// One quiz question, answered by running its scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuizQuestion {
    pub id: &'static str,
    pub prompt: &'static str,
    /// The scenario JSON (format v1).
    pub scenario: &'static str,
    pub choices: &'static [&'static str],
    /// Which part of the outcome the choices describe.
    pub expect: Expect,
    /// Shown after answering: why the engine's answer is right.
    pub explain: &'static str,
}

impl QuizQuestion {
    /// Parse the question's scenario. Every quiz scenario is valid (tests/lessons.rs).
    pub fn scenario(&self) -> Scenario {
        engine::parse_scenario(self.scenario)
            .unwrap_or_else(|e| panic!("quiz {}: invalid scenario: {e}", self.id))
    }

    /// The choice text the engine's outcome selects.
    pub fn key_for(&self, o: &Outcome) -> String {
        match self.expect {
            Expect::Guarantee => o.guarantee.name().to_string(),
            Expect::Missing => ids_key(o.missing.0.iter().copied()),
            Expect::Duplicated => ids_key(o.duplicated.0.iter().map(|&(i, _)| i)),
            Expect::Errors => {
                if o.errors.is_empty() {
                    "none".to_string()
                } else {
                    o.errors.join(", ")
                }
            }
            Expect::Effect => {
                let lost = !o.missing.0.is_empty();
                let dup = !o.duplicated.0.is_empty();
                EFFECTS[match (lost, dup) {
                    (false, false) => 0,
                    (true, false) => 1,
                    (false, true) => 2,
                    (true, true) => 3,
                }]
                .to_string()
            }
        }
    }

    /// Index of the correct choice for this outcome, if a choice matches.
    pub fn correct_for(&self, o: &Outcome) -> Option<usize> {
        let key = self.key_for(o);
        self.choices.iter().position(|c| *c == key)
    }

    /// Index of the correct choice, computed by running the scenario.
    pub fn correct(&self) -> Option<usize> {
        self.correct_for(&engine::run_outcome(&self.scenario()))
    }
}

fn ids_key(ids: impl Iterator<Item = usize>) -> String {
    let v: Vec<String> = ids.map(|i| format!("r{i}")).collect();
    list_or_none(&v)
}

/// Every quiz question, in order; empty in a browser that has not loaded the course
/// text yet.
pub fn quiz() -> Vec<QuizQuestion> {
    crate::content::get().map_or(&[][..], |c| c.quiz).to_vec()
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) static QUIZ: &[QuizQuestion] = &[
    QuizQuestion {
        id: "q-commit-before-no-loss-this-run",
        prompt: "A Kafka consumer commits before writing. It crashes after polling batch 2 and before the commit, so this \
                 run loses nothing. What does the configuration guarantee?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "before"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 2, "after": "read"}]}"#,
        choices: &GUARANTEES,
        expect: Expect::Guarantee,
        explain: "A guarantee describes every run, not this one: a crash one step later, after the commit, would skip the batch.",
    },
    QuizQuestion {
        id: "q-pubsub-ack-first",
        prompt: "A Pub/Sub subscriber acks each batch before writing it, and one ack arrives after the ack deadline. \
                 What does this configuration guarantee?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "queue"}, "engine": {"kind": "consumer", "commit_mode": "before"}, "sink": {"kind": "append"}, "faults": [{"kind": "pause", "batch": 1, "after": "read", "ticks": 15}]}"#,
        choices: &GUARANTEES,
        expect: Expect::Guarantee,
        explain: "Acking first can lose a batch if the process dies after a successful ack; a late ack may not stick \
                  (without exactly-once delivery it may or may not), and then the batch is redelivered and written again. \
                  It can lose and duplicate: none.",
    },
    QuizQuestion {
        id: "q-file-sink-spark-reader",
        prompt: "Spark's file sink crashes after writing batch 2's files and before _spark_metadata/2. \
                 Which records does a Spark reader of the output see more than once?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "file"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        choices: &["none", "r4, r5", "r4", "r0, r1, r2, r3, r4, r5"],
        expect: Expect::Duplicated,
        explain: "The orphan files of the first attempt are not in _spark_metadata, so a Spark reader never sees them; a raw \
                  directory listing would.",
    },
    QuizQuestion {
        id: "q-delta-new-query-earliest",
        prompt: "The built-in Delta sink (appId = query id). Batches 0-2 committed, then the checkpoint is deleted and the \
                 query restarts from earliest. Which records does the Delta table hold twice?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "delta"}, "faults": [{"kind": "crash", "batch": 2, "after": "commit_log"}, {"kind": "delete_checkpoint", "before_restart": 1}]}"#,
        choices: &["none", "r0, r1, r2, r3, r4, r5", "r4, r5", "r6, r7, r8, r9"],
        expect: Expect::Duplicated,
        explain: "The new checkpoint has a new query id, so Delta's txn check does not recognise the replayed batches and \
                  appends r0..r5 again.",
    },
    QuizQuestion {
        id: "q-kafka-txn-offsets-outside",
        prompt: "A consumer writes each batch in a Kafka transaction but commits its offsets with commitSync after \
                 commitTransaction. It crashes between the two. What does a read_committed reader see twice?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "consumer", "commit_mode": "after"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_commit"}]}"#,
        choices: &["none", "r2, r3", "r2", "r0, r1, r2, r3"],
        expect: Expect::Duplicated,
        explain: "Transaction 1 is committed but the offsets are not, so batch 1 is consumed again and committed in a second \
                  transaction. Only sendOffsetsToTransaction makes the two atomic.",
    },
    QuizQuestion {
        id: "q-kafka-lost-ack-no-idempotence",
        prompt: "Spark's Kafka sink with kafka.enable.idempotence=false. The broker appends r3 but the acknowledgement is \
                 lost and the producer retries. Which records are duplicated?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "kafka", "idempotence": false}, "faults": [{"kind": "lost_ack", "batch": 1, "request": 1}]}"#,
        choices: &["none", "r3", "r2, r3", "r2"],
        expect: Expect::Duplicated,
        explain: "Without idempotence the broker cannot recognise the retry and appends r3 again. With idempotence on it \
                  would drop the retry, and only this kind of duplicate.",
    },
    QuizQuestion {
        id: "q-flink-crash-after-checkpoint",
        prompt: "Flink EXACTLY_ONCE Kafka sink. The job dies after checkpoint 1 completed and before it committed \
                 transaction 1, and restarts 1 tick later (timeout 60). What happens to r2, r3?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "flink"}, "sink": {"kind": "kafka", "transactions": true, "isolation": "read_committed"}, "faults": [{"kind": "crash", "batch": 1, "after": "checkpoint"}]}"#,
        choices: &EFFECTS,
        expect: Expect::Effect,
        explain: "Recovery restores checkpoint 1 and commits its pre-committed transaction before the timeout, then resumes \
                  after r3: nothing is replayed and nothing is lost.",
    },
    QuizQuestion {
        id: "q-bq-zombie-finalized",
        prompt: "BigQuery COMMITTED stream with source offsets, finalized by the new driver when it drains. \
                 A zombie driver later appends its copy of batch 1. Which error does it get?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source", "finalize_on_drain": true}, "faults": [{"kind": "zombie", "batch": 1, "after": "read"}]}"#,
        choices: &["none", "ALREADY_EXISTS", "OUT_OF_RANGE", "STREAM_FINALIZED", "INVALID_STREAM_TYPE"],
        expect: Expect::Errors,
        explain: "A finalized stream accepts no appends at all. The order of BigQuery's checks is not documented: this \
                  simulator checks for a finalized stream before comparing offsets, so the zombie gets STREAM_FINALIZED \
                  rather than ALREADY_EXISTS.",
    },
    QuizQuestion {
        id: "q-bq-latest-start",
        prompt: "A query starts at latest (offset 4) and writes to a fresh COMMITTED stream with offset = source position. \
                 Which error fills the log?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2, "arrival_ticks": [0, 0, 0, 0, 1, 1, 2, 2, 3, 3]}, "source": {"kind": "log", "starting_position": "latest"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "bigquery", "stream_type": "committed", "offsets": "source"}, "faults": []}"#,
        choices: &["none", "ALREADY_EXISTS", "OUT_OF_RANGE", "ALREADY_EXISTS, OUT_OF_RANGE"],
        expect: Expect::Errors,
        explain: "The first row is sent at offset 4 to a stream whose end is 0: OUT_OF_RANGE, nothing is written, the end \
                  never moves, and every later row fails too.",
    },
    QuizQuestion {
        id: "q-dedup-late-row",
        // SPARK-40925 (Spark 3.4): with allowMultiple=true (the default) late rows are filtered with the
        // previous batch's watermark (-1 here), so default Spark keeps r5 (spec §10 (6)).
        prompt: "dropDuplicates with a 2-tick watermark and spark.sql.streaming.statefulOperator.allowMultiple=false; r5 \
                 has event time 0 and arrives in batch 2, when the watermark is 1. The driver also dies after writing \
                 batch 2. Which records are missing from the output?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2, "event_times": [0, 1, 2, 3, 4, 0, 6, 7, 8, 9]}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 2}, "sink": {"kind": "file"}, "faults": [{"kind": "crash", "batch": 2, "after": "sink_write"}]}"#,
        choices: &["none", "r5", "r4, r5", "r0, r5"],
        expect: Expect::Missing,
        explain: "A row at or below the watermark is dropped as late even when it has no duplicate. The crash changes \
                  nothing: the re-run uses the watermark stored with offsets/2. With allowMultiple left at its default \
                  (true, Spark 3.4 and later) lateness is judged against the previous batch's watermark (−1), so r5 \
                  would be kept.",
    },
    QuizQuestion {
        id: "q-dedup-within-watermark-evicted",
        prompt: "dropDuplicatesWithinWatermark with a 2-tick delay. A copy of r2 with event time 9 arrives after r9, long \
                 after r2's key expired. Which records does the file sink write twice?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "log"}, "engine": {"kind": "micro_batch"}, "dedup": {"mode": "within_watermark", "watermark_delay": 2}, "sink": {"kind": "file"}, "faults": [{"kind": "republish", "record": "r2", "after": "r9", "event_time": 9}]}"#,
        choices: &["none", "r2", "r2, r9", "r9"],
        expect: Expect::Duplicated,
        explain: "Within-watermark dedup keeps a key only until the watermark passes its event time plus the delay; the late \
                  copy finds no key and is not late itself, so it is emitted.",
    },
    QuizQuestion {
        id: "q-socket-crash-after-write",
        prompt: "Spark reads a socket source into a plain INSERT table and dies after writing batch 1, before commits/1. \
                 What does the configuration guarantee?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2}, "source": {"kind": "socket"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "append"}, "faults": [{"kind": "crash", "batch": 1, "after": "sink_write"}]}"#,
        choices: &GUARANTEES,
        expect: Expect::Guarantee,
        explain: "The re-run reads nothing from the new socket connection, so even an INSERT sink gets no second copy; \
                  then the query fails (Offsets committed out of order) and nothing after batch 1 is written. It can lose, \
                  never duplicate: at-most-once.",
    },
    QuizQuestion {
        id: "q-memory-sink-latest",
        prompt: "A memory-sink query reading Kafka from latest crashes after batch 1 and restarts. Records keep arriving. \
                 What does this configuration guarantee?",
        scenario: r#"{"version": 1, "workload": {"records": 10, "batch_size": 2, "arrival_ticks": [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]}, "source": {"kind": "log", "starting_position": "latest"}, "engine": {"kind": "micro_batch"}, "sink": {"kind": "memory"}, "faults": [{"kind": "crash", "batch": 1, "after": "commit_log"}]}"#,
        choices: &GUARANTEES,
        expect: Expect::Guarantee,
        explain: "With no checkpointLocation (the usual memory-sink setup) Spark gives every start a new temporary \
                  checkpoint: every restart is a new query with an empty table that starts at latest again. (With a fixed \
                  checkpointLocation Spark refuses to restart an append-mode memory-sink query at all.)",
    },
];
