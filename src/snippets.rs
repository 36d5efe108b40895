//! Real-system code for each configuration the simulator models.
//!
//! Short, idiomatic snippets (PySpark, Scala, Java, Python clients) that show what a
//! scenario's engine, sink and options look like in the real system. Snippets that show
//! what *not* to do say so in their title and first comment line. [`snippet_for`] picks
//! the snippets that match a scenario. The content follows `../shared/spec/semantics.md`:
//! no offsets on the BigQuery `_default` stream, BatchCommit only for PENDING streams,
//! no transactions in Spark's Kafka sink, a per-attempt uuid defeats dedup, marker-first
//! loses data.

use crate::engine::scenario::{
    CommitMode, DedupBy, DedupMode, Engine, FbOrder, FbTransaction, Offsets, SinkCfg, Source,
    StreamScope, StreamType, TxnAppId, UpsertKey,
};
use crate::engine::Scenario;

/// One code sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// Stable identifier, referenced by lessons.
    pub id: &'static str,
    pub title: &'static str,
    /// `python`, `scala` or `java`.
    pub language: &'static str,
    pub code: &'static str,
    /// What the snippet guarantees and the caveat to remember.
    pub note: Option<&'static str>,
}

impl Snippet {
    /// Does this snippet show what not to do?
    pub fn is_unsafe(&self) -> bool {
        self.title.starts_with("What not to do")
    }
}

/// Every snippet; empty in a browser that has not loaded the course text yet (see
/// [`crate::content`]).
pub fn snippets() -> &'static [Snippet] {
    crate::content::get().map_or(&[], |c| c.snippets)
}

/// The snippet with this id.
pub fn snippet(id: &str) -> Option<&'static Snippet> {
    snippets().iter().find(|s| s.id == id)
}

/// The snippets that show this scenario's configuration in the real system (engine ×
/// source × dedup × sink × options), most specific first; never empty for a valid scenario
/// once the course text is there (tests/lessons.rs checks every id resolves).
pub fn snippet_for(s: &Scenario) -> Vec<&'static Snippet> {
    snippet_ids_for(s)
        .iter()
        .filter_map(|id| snippet(id))
        .collect()
}

/// The ids of the snippets matching a configuration (engine × source × sink × options),
/// without touching the snippet texts (so a build that only needs ids stays small).
pub fn snippet_ids_for(s: &Scenario) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = Vec::new();
    let sink = s.sink.cfg();
    let queue = matches!(s.source, Source::Queue { .. });
    match &s.engine {
        Engine::MicroBatch => {
            if matches!(s.source, Source::Socket) {
                ids.push("spark-socket-source-py");
            }
            if let Some(d) = &s.dedup {
                ids.push(match d.mode {
                    DedupMode::DropDuplicates => "spark-dedup-watermark-py",
                    DedupMode::WithinWatermark => "spark-dedup-within-watermark-py",
                });
            }
            match sink {
                SinkCfg::Append => ids.push("spark-foreachbatch-insert-py"),
                SinkCfg::Upsert(UpsertKey::UuidPerAttempt) => ids.push("spark-merge-uuid-key-py"),
                SinkCfg::Upsert(_) => ids.push("spark-foreachbatch-merge-py"),
                SinkCfg::File => ids.extend(["spark-file-sink-py", "spark-file-sink-scala"]),
                SinkCfg::ForeachBatch {
                    control_table,
                    transaction,
                    order,
                } => ids.extend(match (control_table, transaction, order) {
                    (false, _, _) => &["spark-foreachbatch-insert-py"][..],
                    (true, FbTransaction::Same, _) => &[
                        "spark-foreachbatch-one-txn-py",
                        "spark-foreachbatch-one-txn-scala",
                    ][..],
                    (true, FbTransaction::Separate, FbOrder::DataFirst) => {
                        &["spark-foreachbatch-data-first-py"][..]
                    }
                    (true, FbTransaction::Separate, FbOrder::MarkerFirst) => {
                        &["spark-foreachbatch-marker-first-py"][..]
                    }
                }),
                SinkCfg::Delta(app) => ids.push(match app {
                    TxnAppId::QueryId => "delta-sink-py",
                    TxnAppId::Fixed => "delta-txn-foreachbatch-py",
                    TxnAppId::None => "delta-foreachbatch-no-txn-py",
                }),
                SinkCfg::Kafka { .. } => {
                    ids.extend(["spark-kafka-sink-py", "spark-kafka-sink-scala"])
                }
                SinkCfg::Bigquery { .. } => bigquery_ids(sink, &mut ids),
                SinkCfg::Console => ids.push("spark-console-sink-py"),
                SinkCfg::Memory => ids.push("spark-memory-sink-py"),
            }
        }
        Engine::Consumer { .. } => {
            let mode = s.engine.commit_mode();
            ids.push(match (queue, mode) {
                (true, CommitMode::Before) => "pubsub-ack-before-write-py",
                (true, _) if s.source.exactly_once_delivery() => {
                    "pubsub-exactly-once-subscriber-py"
                }
                (true, _) => "pubsub-subscriber-py",
                (false, CommitMode::Before) => "kafka-consumer-commit-before-java",
                (false, CommitMode::After) => "kafka-consumer-commit-after-java",
                (false, CommitMode::Auto) => "kafka-consumer-auto-commit-java",
                (false, CommitMode::Transaction) => "kafka-txn-read-process-write-java",
            });
            match sink {
                SinkCfg::Upsert(UpsertKey::UuidPerAttempt) => ids.push("jdbc-upsert-uuid-java"),
                SinkCfg::Upsert(_) => ids.push("jdbc-upsert-java"),
                SinkCfg::Kafka { transactions, .. } => {
                    if !transactions {
                        ids.push("kafka-idempotent-producer-java");
                    } else {
                        if mode != CommitMode::Transaction {
                            ids.push("kafka-txn-then-commitsync-java");
                        }
                        ids.push("kafka-read-committed-consumer-java");
                    }
                }
                SinkCfg::Bigquery { .. } => bigquery_ids(sink, &mut ids),
                _ => {}
            }
        }
        Engine::Flink => match sink {
            SinkCfg::Kafka {
                transactions: true, ..
            } => ids.extend([
                "flink-kafka-sink-exactly-once-java",
                "kafka-read-committed-consumer-java",
            ]),
            SinkCfg::Kafka { .. } => ids.push("flink-kafka-sink-at-least-once-java"),
            SinkCfg::Upsert(UpsertKey::UuidPerAttempt) => {
                ids.extend(["flink-jdbc-sink-java", "jdbc-upsert-uuid-java"])
            }
            SinkCfg::Console => ids.push("flink-print-sink-java"),
            _ => ids.push("flink-jdbc-sink-java"),
        },
        Engine::Beam { .. } => {
            if queue {
                match s.engine.dedup_by() {
                    DedupBy::IdAttribute => ids.extend([
                        "beam-pubsub-id-attribute-py",
                        "beam-pubsub-id-attribute-java",
                    ]),
                    DedupBy::MessageId => ids.push("beam-pubsub-read-py"),
                }
            } else {
                ids.push("beam-kafka-read-java");
            }
            match sink {
                SinkCfg::Upsert(UpsertKey::UuidPerAttempt) => ids.push("beam-upsert-uuid4-py"),
                SinkCfg::Upsert(_) => ids.push("beam-upsert-stable-key-py"),
                SinkCfg::Bigquery {
                    stream_type,
                    offsets,
                    ..
                } if offsets == Offsets::State || stream_type == StreamType::Default => {
                    ids.push("beam-bigquery-storage-write-java")
                }
                SinkCfg::Bigquery { .. } => bigquery_ids(sink, &mut ids),
                _ => {}
            }
        }
    }
    ids
}

/// BigQuery Storage Write API snippets for a stream type × offsets × scope.
fn bigquery_ids(sink: SinkCfg, ids: &mut Vec<&'static str>) {
    let SinkCfg::Bigquery {
        stream_type,
        offsets,
        stream,
        ..
    } = sink
    else {
        return;
    };
    match stream_type {
        StreamType::Default => ids.extend(["bq-default-stream-py", "bq-default-stream-java"]),
        StreamType::Pending => ids.push("bq-pending-stream-py"),
        StreamType::Buffered => {
            if offsets == Offsets::Writer {
                ids.push("bq-writer-counter-py");
            }
            ids.push("bq-buffered-stream-py");
        }
        StreamType::Committed => match (stream, offsets) {
            (StreamScope::PerBatch, _) => ids.push("bq-committed-per-batch-py"),
            (StreamScope::Shared, Offsets::Source | Offsets::State) => {
                ids.extend(["bq-committed-offsets-py", "bq-committed-offsets-java"])
            }
            (StreamScope::Shared, Offsets::Writer) => ids.push("bq-writer-counter-py"),
            (StreamScope::Shared, Offsets::None) => ids.push("bq-committed-no-offsets-py"),
        },
    }
}

/// The snippets' text, compiled in natively only: the browser fetches it.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) static SNIPPETS: &[Snippet] = &[
    // ------------------------------------------------------------------ Spark sinks
    Snippet {
        id: "spark-file-sink-py",
        title: "PySpark: Kafka to parquet with a checkpoint (file sink)",
        language: "python",
        code: r#"from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("orders-to-parquet").getOrCreate()

orders = (spark.readStream.format("kafka")
          .option("kafka.bootstrap.servers", "broker:9092")
          .option("subscribe", "orders")
          .option("startingOffsets", "earliest")  # used only when the checkpoint is empty
          .load()
          .selectExpr("CAST(key AS STRING) AS order_id", "CAST(value AS STRING) AS payload"))

query = (orders.writeStream
         .format("parquet")
         .option("path", "s3://lake/orders/")  # _spark_metadata/ lives here
         .option("checkpointLocation", "s3://lake/_checkpoints/orders/")  # offsets/, commits/
         .outputMode("append")
         .start())

# Read the output root with Spark so that _spark_metadata is honoured:
# spark.read.parquet("s3://lake/orders/")
"#,
        note: Some(
            "Exactly-once for readers that follow _spark_metadata. A batch re-run after a crash writes new \
             uniquely named files; the old attempt's files stay as orphans that a raw listing, a glob, a \
             subdirectory read or another engine can see.",
        ),
    },
    Snippet {
        id: "spark-file-sink-scala",
        title: "Scala: Kafka to parquet with a checkpoint (file sink)",
        language: "scala",
        code: r#"import org.apache.spark.sql.SparkSession

val spark = SparkSession.builder.appName("orders-to-parquet").getOrCreate()

val orders = spark.readStream
  .format("kafka")
  .option("kafka.bootstrap.servers", "broker:9092")
  .option("subscribe", "orders")
  .option("startingOffsets", "earliest")
  .load()
  .selectExpr("CAST(key AS STRING) AS order_id", "CAST(value AS STRING) AS payload")

val query = orders.writeStream
  .format("parquet")
  .option("path", "s3://lake/orders/")
  .option("checkpointLocation", "s3://lake/_checkpoints/orders/")
  .outputMode("append")
  .start()

query.awaitTermination()
"#,
        note: Some(
            "Exactly-once for Spark readers of the output root (they follow _spark_metadata); orphan files of a \
             failed attempt stay in the directory.",
        ),
    },
    Snippet {
        id: "spark-console-sink-py",
        title: "PySpark: console sink with a checkpoint",
        language: "python",
        code: r#"orders = (spark.readStream.format("kafka")
          .option("kafka.bootstrap.servers", "broker:9092")
          .option("subscribe", "orders")
          .load())

query = (orders.selectExpr("CAST(value AS STRING) AS payload")
         .writeStream
         .format("console")
         .option("truncate", "false")
         # Without a checkpointLocation Spark uses a temporary one and a restart is a new query.
         .option("checkpointLocation", "/tmp/chk/orders-console")
         .outputMode("append")
         .start())
"#,
        note: Some(
            "At-least-once: a batch re-run after a crash is printed again. For debugging only.",
        ),
    },
    Snippet {
        id: "spark-memory-sink-py",
        title: "PySpark: memory sink (debugging only)",
        language: "python",
        code: r#"orders = (spark.readStream.format("kafka")
          .option("kafka.bootstrap.servers", "broker:9092")
          .option("subscribe", "orders")
          .option("startingOffsets", "earliest")
          .load())

query = (orders.selectExpr("CAST(value AS STRING) AS payload")
         .writeStream
         .format("memory")
         .queryName("orders_view")  # an in-memory table on the driver
         .outputMode("append")
         .start())

spark.sql("SELECT count(*) FROM orders_view").show()
"#,
        note: Some(
            "The table lives in the driver's memory. Without a checkpointLocation (as here) Spark uses a new \
             temporary checkpoint per start, so every restart is a new query with an empty table that resolves \
             startingOffsets again: with latest, records are lost. With a fixed checkpointLocation Spark refuses \
             to restart an append-mode memory-sink query (\"This query does not support recovering from \
             checkpoint location\") until the checkpoint is deleted.",
        ),
    },
    Snippet {
        id: "spark-kafka-sink-py",
        title: "PySpark: Kafka sink with kafka.enable.idempotence (still at-least-once)",
        language: "python",
        code: r#"(orders
 .selectExpr("order_id AS key", "to_json(struct(*)) AS value")
 .writeStream
 .format("kafka")
 .option("kafka.bootstrap.servers", "broker:9092")
 .option("topic", "orders-enriched")
 # Dedups the producer's own retries of one send (producer id + sequence number).
 # It does NOT dedup a batch that Spark re-runs after a crash: that is a new send.
 .option("kafka.enable.idempotence", "true")
 .option("kafka.acks", "all")
 .option("checkpointLocation", "s3://lake/_checkpoints/orders-to-kafka/")
 .start())

# Downstream: key every record and upsert/dedupe on the key, because a re-run batch
# is written again. Spark's Kafka sink has no transactions.
"#,
        note: Some(
            "At-least-once. The Structured Streaming + Kafka guide: \"Apache Kafka only supports at least once \
             write semantics\". No Spark option makes this sink transactional.",
        ),
    },
    Snippet {
        id: "spark-kafka-sink-scala",
        title: "Scala: Kafka sink with kafka.enable.idempotence (still at-least-once)",
        language: "scala",
        code: r#"val query = orders
  .selectExpr("order_id AS key", "to_json(struct(*)) AS value")
  .writeStream
  .format("kafka")
  .option("kafka.bootstrap.servers", "broker:9092")
  .option("topic", "orders-enriched")
  .option("kafka.enable.idempotence", "true") // producer retries only, not re-run batches
  .option("kafka.acks", "all")
  .option("checkpointLocation", "s3://lake/_checkpoints/orders-to-kafka/")
  .start()
"#,
        note: Some(
            "At-least-once: a batch re-run after a crash is sent again by a new producer with new sequence numbers.",
        ),
    },
    Snippet {
        id: "spark-socket-source-py",
        title: "PySpark: socket source (not fault-tolerant)",
        language: "python",
        code: r#"lines = (spark.readStream
         .format("socket")
         .option("host", "localhost")
         .option("port", 9999)
         .load())

# Even an exactly-once sink cannot help: the socket never re-delivers a line, and
# the socket source keeps no offsets. A query restarted on this checkpoint re-runs
# its open batch with nothing in it, then fails with IllegalStateException:
# "Offsets committed out of order" (if the server sends faster, it silently drops
# lines of the new connection instead).
query = (lines.writeStream
         .format("parquet")
         .option("path", "/data/lines/")
         .option("checkpointLocation", "/chk/lines/")
         .start())
"#,
        note: Some(
            // Measured with Spark 4.3 (fidelity scenarios 28, 29; TextSocketMicroBatchStream).
            "At-most-once. The socket source is for testing: lines delivered to a driver that dies before writing \
             them are gone, and a query restarted on its checkpoint re-runs the open batch with nothing in it and \
             then fails, so nothing after the crash is written. Use a replayable source (Kafka, files) for anything \
             that matters.",
        ),
    },
    // ------------------------------------------------------------------ foreachBatch
    Snippet {
        id: "spark-foreachbatch-insert-py",
        title: "PySpark foreachBatch: plain INSERT, no batchId check",
        language: "python",
        code: r#"import psycopg

DSN = "postgresql://app@db:5432/shop"

def insert_batch(batch_df, batch_id):
    rows = [(r.order_id, r.amount) for r in batch_df.collect()]
    with psycopg.connect(DSN) as conn:  # commits when the block ends
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO orders (order_id, amount) VALUES (%s, %s)", rows)

query = (orders.writeStream
         .foreachBatch(insert_batch)
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-pg/")
         .start())
"#,
        note: Some(
            "At-least-once: a batch re-run after a crash before commits/N is inserted again. collect() keeps the \
             example short; use foreachPartition or df.write.jdbc for volume.",
        ),
    },
    Snippet {
        id: "spark-foreachbatch-merge-py",
        title: "PySpark foreachBatch: idempotent upsert (MERGE / ON CONFLICT) on the business key",
        language: "python",
        code: r#"from delta.tables import DeltaTable

def merge_batch(batch_df, batch_id):
    latest = batch_df.dropDuplicates(["order_id"])  # MERGE needs one source row per key
    (DeltaTable.forPath(spark, "s3://lake/orders")
     .alias("t")
     .merge(latest.alias("s"), "t.order_id = s.order_id")
     .whenMatchedUpdateAll()
     .whenNotMatchedInsertAll()
     .execute())

# The same idea in PostgreSQL:
#   INSERT INTO orders (order_id, amount) VALUES (%s, %s)
#   ON CONFLICT (order_id) DO UPDATE SET amount = EXCLUDED.amount

query = (orders.writeStream
         .foreachBatch(merge_batch)
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-merge/")
         .start())
"#,
        note: Some(
            "Exactly-once results with a replaying source: a re-run batch overwrites the same keys. The key must \
             come from the data, and the write must be a last-value overwrite (not amount = amount + x).",
        ),
    },
    Snippet {
        id: "spark-merge-uuid-key-py",
        title: "What not to do: PySpark upsert keyed on uuid()",
        language: "python",
        code: r#"from pyspark.sql import functions as F
from delta.tables import DeltaTable

# WRONG: uuid() is evaluated again when Spark re-runs the batch,
# so the re-run rows get new keys and the MERGE inserts them again.
keyed = orders.withColumn("row_id", F.expr("uuid()"))

def merge_batch(batch_df, batch_id):
    (DeltaTable.forPath(spark, "s3://lake/orders").alias("t")
     .merge(batch_df.alias("s"), "t.row_id = s.row_id")  # never matches a re-run row
     .whenMatchedUpdateAll()
     .whenNotMatchedInsertAll()
     .execute())

# RIGHT: merge on data that is the same on every attempt:
#   .merge(batch_df.alias("s"), "t.order_id = s.order_id")
"#,
        note: Some(
            "At-least-once: a key generated per attempt (uuid(), uuid4(), current_timestamp()) turns an upsert \
             into an insert.",
        ),
    },
    Snippet {
        id: "spark-foreachbatch-one-txn-py",
        title: "PySpark foreachBatch: data and batchId marker in one transaction (psycopg)",
        language: "python",
        code: r#"import psycopg

DSN = "postgresql://app@db:5432/shop"
# CREATE TABLE stream_batches (query text, batch_id bigint, PRIMARY KEY (query, batch_id));

def write_batch(batch_df, batch_id):
    rows = [(r.order_id, r.amount) for r in batch_df.collect()]
    with psycopg.connect(DSN) as conn:  # ONE transaction, committed when the block ends
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM stream_batches WHERE query = %s AND batch_id = %s",
                        ("orders", batch_id))
            if cur.fetchone():
                return  # committed by an earlier attempt: skip the re-run
            cur.executemany("INSERT INTO orders (order_id, amount) VALUES (%s, %s)", rows)
            cur.execute("INSERT INTO stream_batches (query, batch_id) VALUES (%s, %s)",
                        ("orders", batch_id))

query = (orders.writeStream
         .foreachBatch(write_batch)
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-pg/")
         .start())
"#,
        note: Some(
            "Exactly-once: a crash before COMMIT rolls back rows and marker together; after COMMIT the re-run \
             finds the marker. The primary key on (query, batch_id) makes a concurrent second writer fail. The \
             control table outlives the checkpoint: if you delete the checkpoint, also use a new query name.",
        ),
    },
    Snippet {
        id: "spark-foreachbatch-one-txn-scala",
        title: "Scala foreachBatch: data and batchId marker in one JDBC transaction",
        language: "scala",
        code: r#"import java.sql.DriverManager
import org.apache.spark.sql.DataFrame

def writeBatch(batch: DataFrame, batchId: Long): Unit = {
  val rows = batch.select("order_id", "amount").collect()
  val conn = DriverManager.getConnection(jdbcUrl)
  try {
    conn.setAutoCommit(false) // one transaction for data + marker
    val check = conn.prepareStatement("SELECT 1 FROM stream_batches WHERE query = ? AND batch_id = ?")
    check.setString(1, "orders"); check.setLong(2, batchId)
    if (!check.executeQuery().next()) {
      val ins = conn.prepareStatement("INSERT INTO orders (order_id, amount) VALUES (?, ?)")
      rows.foreach { r => ins.setString(1, r.getString(0)); ins.setBigDecimal(2, r.getDecimal(1)); ins.addBatch() }
      ins.executeBatch()
      val mark = conn.prepareStatement("INSERT INTO stream_batches (query, batch_id) VALUES (?, ?)")
      mark.setString(1, "orders"); mark.setLong(2, batchId); mark.executeUpdate()
    }
    conn.commit()
  } catch { case e: Exception => conn.rollback(); throw e }
  finally conn.close()
}

orders.writeStream
  .foreachBatch(writeBatch _)
  .option("checkpointLocation", "s3://lake/_checkpoints/orders-jdbc/")
  .start()
"#,
        note: Some(
            "Exactly-once: rows and marker commit or roll back together, so a re-run either writes once or skips.",
        ),
    },
    Snippet {
        id: "spark-foreachbatch-data-first-py",
        title: "What not to do: foreachBatch with data and marker in two transactions (data first)",
        language: "python",
        code: r#"# WHAT NOT TO DO: two commits, data first
def write_batch(batch_df, batch_id):
    rows = [(r.order_id, r.amount) for r in batch_df.collect()]
    with psycopg.connect(DSN) as conn:
        if conn.execute("SELECT 1 FROM stream_batches WHERE query = %s AND batch_id = %s",
                        ("orders", batch_id)).fetchone():
            return
    with psycopg.connect(DSN) as conn:  # transaction 1: data
        conn.cursor().executemany(
            "INSERT INTO orders (order_id, amount) VALUES (%s, %s)", rows)
    # A crash here leaves data without a marker: the re-run inserts the batch again.
    with psycopg.connect(DSN) as conn:  # transaction 2: marker
        conn.execute("INSERT INTO stream_batches (query, batch_id) VALUES (%s, %s)",
                     ("orders", batch_id))
"#,
        note: Some(
            "At-least-once. The same happens with two Delta appends to two tables: each is its own commit. Put data \
             and marker in one transaction, or use txnAppId/txnVersion on the Delta write.",
        ),
    },
    Snippet {
        id: "spark-foreachbatch-marker-first-py",
        title: "What not to do: foreachBatch with the marker committed before the data",
        language: "python",
        code: r#"# WHAT NOT TO DO: two commits, marker first
def write_batch(batch_df, batch_id):
    rows = [(r.order_id, r.amount) for r in batch_df.collect()]
    with psycopg.connect(DSN) as conn:  # transaction 1: marker
        cur = conn.execute("INSERT INTO stream_batches (query, batch_id) VALUES (%s, %s) "
                           "ON CONFLICT DO NOTHING", ("orders", batch_id))
        if cur.rowcount == 0:
            return  # "already done"
    # A crash here leaves a marker without data: the re-run skips the batch. Lost.
    with psycopg.connect(DSN) as conn:  # transaction 2: data
        conn.cursor().executemany(
            "INSERT INTO orders (order_id, amount) VALUES (%s, %s)", rows)
"#,
        note: Some(
            "At-most-once: the marker can claim a write that never happened, and nothing reports the loss.",
        ),
    },
    // ------------------------------------------------------------------ Delta
    Snippet {
        id: "delta-sink-py",
        title: "PySpark: built-in Delta sink (txn = query id, batch id)",
        language: "python",
        code: r#"orders = (spark.readStream.format("kafka")
          .option("kafka.bootstrap.servers", "broker:9092")
          .option("subscribe", "orders")
          .load()
          .selectExpr("CAST(key AS STRING) AS order_id", "CAST(value AS STRING) AS payload"))

query = (orders.writeStream
         .format("delta")
         .outputMode("append")
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-delta/")
         .start("s3://lake/orders_delta"))  # or .toTable("lake.orders")

# Each batch commits its files together with txn(appId = query id, version = batch id).
# A re-run of a committed batch is skipped ("Skipping already complete epoch").
"#,
        note: Some(
            "Exactly-once while the checkpoint lives. Deleting the checkpoint starts a new query id: batches it \
             replays are appended again.",
        ),
    },
    Snippet {
        id: "delta-txn-foreachbatch-py",
        title: "PySpark foreachBatch: idempotent Delta writes with txnAppId / txnVersion",
        language: "python",
        code: r#"APP_ID = "orders-to-delta-v1"  # stable per writer; change it whenever you reset the checkpoint

def write_batch(batch_df, batch_id):
    # Delta skips a write whose (txnAppId, txnVersion) is not above the recorded version.
    (batch_df.write.format("delta")
     .option("txnAppId", APP_ID)
     .option("txnVersion", batch_id)
     .mode("append")
     .save("s3://lake/orders_delta"))
    (batch_df.groupBy("country").count()
     .write.format("delta")
     .option("txnAppId", APP_ID)
     .option("txnVersion", batch_id)
     .mode("append")
     .save("s3://lake/orders_by_country"))  # each table keeps its own txn record

query = (orders.writeStream
         .foreachBatch(write_batch)
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-fb/")
         .start())
"#,
        note: Some(
            "Exactly-once per table while the checkpoint lives. After deleting the checkpoint batch ids restart at \
             0: with the same txnAppId new batches are silently skipped until batch_id exceeds the stored version \
             (Delta docs warn about this). Use a new txnAppId when you reset.",
        ),
    },
    Snippet {
        id: "delta-foreachbatch-no-txn-py",
        title: "What not to do: plain Delta append in foreachBatch",
        language: "python",
        code: r#"# WHAT NOT TO DO: an atomic commit per batch, but no idempotency check
def write_batch(batch_df, batch_id):
    (batch_df.write
     .format("delta")
     .mode("append")
     .save("s3://lake/orders_delta"))
    # A batch re-run after a crash before commits/N is appended a second time.

# FIX: .option("txnAppId", "orders-to-delta-v1").option("txnVersion", batch_id)
query = (orders.writeStream.foreachBatch(write_batch)
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-fb/")
         .start())
"#,
        note: Some("At-least-once: each Delta commit is atomic, but nothing recognises a re-run batch."),
    },
    // ------------------------------------------------------------------ dropDuplicates
    Snippet {
        id: "spark-dedup-watermark-py",
        title: "PySpark: dropDuplicates with withWatermark",
        language: "python",
        code: r#"from pyspark.sql import functions as F

events = (spark.readStream.format("kafka")
          .option("kafka.bootstrap.servers", "broker:9092")
          .option("subscribe", "orders")
          .load()
          .select(F.from_json(F.col("value").cast("string"),
                              "order_id STRING, event_time TIMESTAMP, amount DOUBLE").alias("o"))
          .select("o.*"))

deduped = (events
           # Late rows are dropped before the state lookup. Since Spark 3.4 (SPARK-40925,
           # spark.sql.streaming.statefulOperator.allowMultiple=true by default) "late"
           # means at or below the PREVIOUS batch's watermark; with allowMultiple=false,
           # at or below this batch's watermark.
           .withWatermark("event_time", "10 minutes")
           .dropDuplicates(["order_id", "event_time"]))   # include event_time so keys can be evicted

query = (deduped.writeStream.format("delta")
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-dedup/")
         .start("s3://lake/orders_dedup"))
"#,
        note: Some(
            "dropDuplicates also runs without withWatermark, keeping every key forever. It removes duplicates in \
             the input only: a re-run batch starts from the previous batch's state and passes again, so pair it \
             with an idempotent or transactional sink.",
        ),
    },
    Snippet {
        id: "spark-dedup-within-watermark-py",
        title: "PySpark: dropDuplicatesWithinWatermark (Spark 3.5+)",
        language: "python",
        code: r#"from pyspark.sql import functions as F

events = (spark.readStream.format("kafka")
          .option("kafka.bootstrap.servers", "broker:9092")
          .option("subscribe", "orders")
          .load()
          .select(F.from_json(F.col("value").cast("string"),
                              "order_id STRING, event_time TIMESTAMP, amount DOUBLE").alias("o"))
          .select("o.*"))

deduped = (events
           .withWatermark("event_time", "10 minutes")
           # key = order_id only; a key is kept until the watermark passes event_time + 10 minutes
           .dropDuplicatesWithinWatermark(["order_id"]))

query = (deduped.writeStream.format("delta")
         .option("checkpointLocation", "s3://lake/_checkpoints/orders-dedup/")
         .start("s3://lake/orders_dedup"))
"#,
        note: Some(
            "A duplicate arriving after its key expired passes again; a row at or below the watermark is dropped \
             as late even if it is unique.",
        ),
    },
    // ------------------------------------------------------------------ Kafka consumer
    Snippet {
        id: "kafka-consumer-commit-after-java",
        title: "Java KafkaConsumer: write, then commitSync (at-least-once)",
        language: "java",
        code: r#"Properties props = new Properties();
props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
props.put(ConsumerConfig.GROUP_ID_CONFIG, "orders-loader");
props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"); // Kafka's default is latest
props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
    consumer.subscribe(List.of("orders"));
    while (running) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : records) {
            db.insert(r.key(), r.value());  // 1. write
        }
        consumer.commitSync();              // 2. then commit: a crash in between replays the batch
    }
}
"#,
        note: Some(
            "At-least-once. Make the write an upsert on the record key (or on topic/partition/offset) and a replay \
             becomes harmless.",
        ),
    },
    Snippet {
        id: "kafka-consumer-commit-before-java",
        title: "What not to do: Java KafkaConsumer commits before writing (at-most-once)",
        language: "java",
        code: r#"props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");

try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
    consumer.subscribe(List.of("orders"));
    while (running) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        consumer.commitSync();              // WRONG ORDER: progress first ...
        for (ConsumerRecord<String, String> r : records) {
            db.insert(r.key(), r.value());  // ... a crash here skips these records for good
        }
    }
}
"#,
        note: Some(
            "At-most-once: after a crash between commit and write the group resumes past records never written.",
        ),
    },
    Snippet {
        id: "kafka-consumer-auto-commit-java",
        title: "Java KafkaConsumer with enable.auto.commit",
        language: "java",
        code: r#"props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
props.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "5000");

try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
    consumer.subscribe(List.of("orders"));
    while (running) {
        // poll() commits, at most every 5 s, the offsets of records returned by earlier polls
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : records) {
            db.insert(r.key(), r.value());  // finish every record before the next poll()
        }
    }
}   // close() commits the final position
"#,
        note: Some(
            "At-least-once with the Java client as long as each poll's records are processed before the next poll; \
             a crash replays everything since the last auto-commit. Clients that commit in the background \
             (librdkafka) can commit records not yet processed.",
        ),
    },
    Snippet {
        id: "jdbc-upsert-java",
        title: "Java: idempotent JDBC upsert in the consumer loop",
        language: "java",
        code: r#"String sql = "INSERT INTO orders (order_id, amount) VALUES (?, ?) "
           + "ON CONFLICT (order_id) DO UPDATE SET amount = EXCLUDED.amount";
ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
try (PreparedStatement ps = conn.prepareStatement(sql)) {
    for (ConsumerRecord<String, String> r : records) {
        Order o = Order.parse(r.value());
        ps.setString(1, o.orderId());   // a business key (or topic-partition-offset)
        ps.setBigDecimal(2, o.amount());
        ps.addBatch();
    }
    ps.executeBatch();
}
consumer.commitSync();                  // at-least-once delivery, idempotent result
"#,
        note: Some(
            "Exactly-once results when the source replays (commit after the write): a re-delivered record \
             overwrites its own row. Committing before the write would still lose records.",
        ),
    },
    Snippet {
        id: "jdbc-upsert-uuid-java",
        title: "What not to do: upsert keyed on a random UUID",
        language: "java",
        code: r#"String sql = "INSERT INTO orders (row_id, order_id, amount) VALUES (?, ?, ?) "
           + "ON CONFLICT (row_id) DO NOTHING";
try (PreparedStatement ps = conn.prepareStatement(sql)) {
    for (ConsumerRecord<String, String> r : records) {
        Order o = Order.parse(r.value());
        ps.setString(1, UUID.randomUUID().toString()); // WRONG: a new key on every delivery
        ps.setString(2, o.orderId());
        ps.setBigDecimal(3, o.amount());
        ps.addBatch();
    }
    ps.executeBatch();
}
// RIGHT: ps.setString(1, o.orderId()) or UUID.nameUUIDFromBytes(o.orderId().getBytes(UTF_8))
"#,
        note: Some("At-least-once: a re-delivered record gets a new key, so the conflict clause never fires."),
    },
    // ------------------------------------------------------------------ Kafka producer
    Snippet {
        id: "kafka-idempotent-producer-java",
        title: "Java: idempotent producer in a consumer loop (at-least-once)",
        language: "java",
        code: r#"Properties p = new Properties();
p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
// Set explicitly: the 3.0 default only took effect in 3.0.1 / 3.1.1 / 3.2 (KAFKA-13598),
// and only when no conflicting setting (acks, retries, max.in.flight) is given.
p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
p.put(ProducerConfig.ACKS_CONFIG, "all");
p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
KafkaProducer<String, String> producer = new KafkaProducer<>(p);

// inside the poll loop:
List<Future<RecordMetadata>> sends = new ArrayList<>();
for (ConsumerRecord<String, String> r : records) {
    sends.add(producer.send(new ProducerRecord<>("orders-enriched", r.key(), enrich(r.value()))));
}
// flush() does not throw when a send failed: the error is only in its Future (or callback).
for (Future<RecordMetadata> f : sends) {
    f.get();           // throws ExecutionException if this record was not written
}
consumer.commitSync(); // only now commit the input offsets
"#,
        note: Some(
            "Idempotence drops the producer's internal retries of one send (same producer id and sequence). A \
             replayed batch is a new send and is written again: at-least-once, provided every send is checked \
             (Future.get() or a callback) before commitSync(): flush() alone hides failed sends, and committing \
             after one loses its records. Without idempotence even a retry after a lost ack duplicates.",
        ),
    },
    Snippet {
        id: "kafka-txn-read-process-write-java",
        title: "Java: consume-transform-produce with sendOffsetsToTransaction",
        language: "java",
        code: r#"// The same id lets initTransactions fence the previous producer; since Kafka 2.5 (KIP-447)
// sendOffsetsToTransaction(..., consumer.groupMetadata()) also fences a zombie consumer by
// its group generation, so the id need not be fixed per input partition.
producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "orders-enricher-1"); // stable across restarts
consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");

producer.initTransactions(); // aborts an open transaction of a previous instance and fences it
while (running) {
    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
    if (records.isEmpty()) continue;
    producer.beginTransaction();
    try {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            producer.send(new ProducerRecord<>("orders-enriched", r.key(), enrich(r.value())));
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata()); // progress commits with the output
        producer.commitTransaction();
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
        // Fatal (as in Kafka's own KafkaProducer example): this producer cannot go on.
        producer.close(); // e.g. a newer instance owns this transactional.id: stop
        break;
    } catch (KafkaException e) {
        producer.abortTransaction(); // any other error: abort and retry
        rewindToCommittedOffsets(consumer); // seek back and process the batch again
    }
}
"#,
        note: Some(
            "Exactly-once for downstream consumers with isolation.level=read_committed. Aborted attempts stay in \
             the log and are visible to read_uncommitted readers (Kafka's default).",
        ),
    },
    Snippet {
        id: "kafka-txn-then-commitsync-java",
        title: "What not to do: transactional output, offsets committed separately",
        language: "java",
        code: r#"// WHAT NOT TO DO: the transaction covers the output but not the consumed offsets
producer.beginTransaction();
for (ConsumerRecord<String, String> r : records) {
    producer.send(new ProducerRecord<>("orders-enriched", r.key(), enrich(r.value())));
}
producer.commitTransaction(); // output committed ...
// A crash here: the output is committed, the offsets are not, so the batch is
// consumed again and committed in a second transaction.
consumer.commitSync();        // ... offsets committed on their own

// FIX: producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata())
//      before producer.commitTransaction(), and no commitSync().
"#,
        note: Some(
            "At-least-once even for read_committed readers: two commits are not atomic.",
        ),
    },
    Snippet {
        id: "kafka-read-committed-consumer-java",
        title: "Java: downstream consumer with isolation.level=read_committed",
        language: "java",
        code: r#"Properties props = new Properties();
props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092");
props.put(ConsumerConfig.GROUP_ID_CONFIG, "orders-reporting");
// The default is read_uncommitted, which also returns records of aborted transactions.
props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());

try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
    consumer.subscribe(List.of("orders-enriched"));
    while (running) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            report(r.value()); // only records of committed transactions (and non-transactional ones)
        }
    }
}
"#,
        note: Some(
            "Transactions are exactly-once only for readers like this one. Records appear when their transaction \
             commits (for Flink: when the checkpoint completes).",
        ),
    },
    // ------------------------------------------------------------------ Flink
    Snippet {
        id: "flink-kafka-sink-exactly-once-java",
        title: "Flink KafkaSink with DeliveryGuarantee.EXACTLY_ONCE",
        language: "java",
        code: r#"StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(60_000, CheckpointingMode.EXACTLY_ONCE); // transactions commit on checkpoint completion

KafkaSink<String> sink = KafkaSink.<String>builder()
    .setBootstrapServers("broker:9092")
    .setRecordSerializer(KafkaRecordSerializationSchema.builder()
        .setTopic("orders-enriched")
        .setValueSerializationSchema(new SimpleStringSchema())
        .build())
    .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
    .setTransactionalIdPrefix("orders-enricher") // unique per job, stable across restarts
    // Must exceed max checkpoint duration + max restart time, and stay within the broker's
    // transaction.max.timeout.ms (15 min by default; the sink's own default is 1 h).
    .setProperty("transaction.timeout.ms", "900000")
    .build();

env.fromSource(kafkaSource, WatermarkStrategy.noWatermarks(), "orders")
    .map(OrderEnricher::enrich)
    .sinkTo(sink);
env.execute("orders-enricher");
"#,
        note: Some(
            "Exactly-once for read_committed readers. If a crashed job comes back after transaction.timeout.ms, \
             the broker has aborted the pre-committed transaction and its records are lost (Flink logs the failed \
             commit and continues).",
        ),
    },
    Snippet {
        id: "flink-kafka-sink-at-least-once-java",
        title: "Flink KafkaSink with DeliveryGuarantee.AT_LEAST_ONCE",
        language: "java",
        code: r#"env.enableCheckpointing(60_000);

KafkaSink<String> sink = KafkaSink.<String>builder()
    .setBootstrapServers("broker:9092")
    .setRecordSerializer(KafkaRecordSerializationSchema.builder()
        .setTopic("orders-enriched")
        .setValueSerializationSchema(new SimpleStringSchema())
        .build())
    .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE) // flushes on checkpoint, no transactions
    .build();

stream.sinkTo(sink);
"#,
        note: Some(
            "At-least-once: records are visible when written, and the epoch replayed after a failure is written \
             again for every reader.",
        ),
    },
    Snippet {
        id: "flink-jdbc-sink-java",
        title: "Flink JdbcSink with an idempotent upsert (Sink V2 API, flink-connector-jdbc 3.3+)",
        language: "java",
        // JdbcSink.<T>builder() + sinkTo is the Sink V2 API; addSink(JdbcSink.sink(...)) is the
        // legacy SinkFunction API, deprecated in Flink 1.x and removed from Flink 2.0's core.
        code: r#"env.enableCheckpointing(60_000);

JdbcSink<Order> sink = JdbcSink.<Order>builder()
    .withQueryStatement(
        "INSERT INTO orders (order_id, amount) VALUES (?, ?) "
            + "ON CONFLICT (order_id) DO UPDATE SET amount = EXCLUDED.amount",
        (ps, o) -> {
            ps.setString(1, o.orderId);
            ps.setBigDecimal(2, o.amount);
        })
    .withExecutionOptions(JdbcExecutionOptions.builder()
        .withBatchSize(500)
        .withBatchIntervalMs(200)
        .build())
    .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
        .withUrl("jdbc:postgresql://db:5432/shop")
        .withDriverName("org.postgresql.Driver")
        .build());

orders.sinkTo(sink);
"#,
        note: Some(
            "JdbcSink flushes on checkpoints: at-least-once. A plain INSERT duplicates the replayed epoch; the upsert \
             on a stable key makes it harmless. buildExactlyOnce(...) uses XA transactions instead.",
        ),
    },
    Snippet {
        id: "flink-print-sink-java",
        title: "Flink: print sink",
        language: "java",
        code: r#"StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(60_000);

KafkaSource<String> kafkaSource = KafkaSource.<String>builder()
    .setBootstrapServers("broker:9092")
    .setTopics("orders")
    .setGroupId("orders-debug")
    .setValueOnlyDeserializer(new SimpleStringSchema())
    .build();

env.fromSource(kafkaSource, WatermarkStrategy.noWatermarks(), "orders")
    .map(OrderEnricher::enrich)
    .print(); // TaskManager stdout; the epoch replayed after a failure is printed again

env.execute("orders-debug");
"#,
        note: Some("At-least-once: output already printed cannot be taken back."),
    },
    // ------------------------------------------------------------------ BigQuery
    Snippet {
        id: "bq-default-stream-py",
        title: "Python: BigQuery Storage Write API, _default stream (at-least-once)",
        language: "python",
        code: r#"from google.cloud import bigquery_storage_v1
from google.cloud.bigquery_storage_v1 import types, writer
from google.protobuf import descriptor_pb2
import order_pb2  # generated from order.proto

client = bigquery_storage_v1.BigQueryWriteClient()
parent = client.table_path("my-project", "shop", "orders")

template = types.AppendRowsRequest()
template.write_stream = f"{parent}/streams/_default"  # always exists; takes no offsets
descriptor = descriptor_pb2.DescriptorProto()
order_pb2.Order.DESCRIPTOR.CopyToProto(descriptor)
template.proto_rows = types.AppendRowsRequest.ProtoData(
    writer_schema=types.ProtoSchema(proto_descriptor=descriptor))
stream = writer.AppendRowsStream(client, template)

def write_batch(orders):
    rows = types.ProtoRows(serialized_rows=[o.SerializeToString() for o in orders])
    request = types.AppendRowsRequest(proto_rows=types.AppendRowsRequest.ProtoData(rows=rows))
    stream.send(request).result()  # a retry or a re-run appends the rows again
"#,
        note: Some(
            "At-least-once. Rows are committed and visible at once, and the server cannot tell a re-send from new \
             rows, so ALREADY_EXISTS never happens here. Dedupe downstream (e.g. a MERGE on a business key) if \
             duplicates matter.",
        ),
    },
    Snippet {
        id: "bq-default-stream-java",
        title: "Java: JsonStreamWriter on the _default stream (at-least-once)",
        language: "java",
        code: r#"BigQueryWriteClient client = BigQueryWriteClient.create();
TableName table = TableName.of("my-project", "shop", "orders");

// A table name (not a stream name) selects the _default stream: nothing to create.
try (JsonStreamWriter writer = JsonStreamWriter.newBuilder(table.toString(), client).build()) {
    JSONArray rows = new JSONArray();
    for (Order o : batch) {
        rows.put(new JSONObject().put("order_id", o.id()).put("amount", o.amount()));
    }
    writer.append(rows).get(); // no stream position: a re-run batch is appended again
}
"#,
        note: Some("At-least-once: rows are visible at once; the _default stream has no exactly-once mode."),
    },
    Snippet {
        id: "bq-committed-offsets-py",
        title: "Python: COMMITTED stream with offsets derived from durable progress",
        language: "python",
        code: r#"from google.api_core import exceptions
from google.cloud.bigquery_storage_v1 import types, writer

# One long-lived COMMITTED stream: create it once, store its name durably, reuse it after restarts.
stream_name = load_or_create_stream(client, parent, types.WriteStream.Type.COMMITTED)
template = types.AppendRowsRequest(
    write_stream=stream_name,
    proto_rows=types.AppendRowsRequest.ProtoData(writer_schema=SCHEMA))
stream = writer.AppendRowsStream(client, template)

def write_batch(batch_df, batch_id):
    rows = batch_df.orderBy("offset").collect()  # single-partition source, no gaps
    if not rows:
        return
    request = types.AppendRowsRequest(
        offset=rows[0]["offset"],  # from the source position: a re-run sends the same offset
        proto_rows=types.AppendRowsRequest.ProtoData(rows=to_proto_rows(rows)))
    try:
        stream.send(request).result()
    except exceptions.AlreadyExists:
        pass  # an earlier attempt already wrote this offset: the rows are there
    # exceptions.OutOfRange means a gap: stop and alert, never skip it
"#,
        note: Some(
            "Exactly-once only because the offset is recomputed from durable progress. Positions must be dense: a \
             filter, a dedup stage, a latest start, compaction or Kafka transaction markers leave gaps that make \
             every later append OUT_OF_RANGE. Otherwise number the rows that reach the sink and checkpoint that.",
        ),
    },
    Snippet {
        id: "bq-committed-offsets-java",
        title: "Java: JsonStreamWriter.append(rows, offset) on a COMMITTED stream",
        language: "java",
        code: r#"// Created once; the stream name is stored durably and reused after restarts.
WriteStream stream = client.createWriteStream(CreateWriteStreamRequest.newBuilder()
    .setParent(TableName.of("my-project", "shop", "orders").toString())
    .setWriteStream(WriteStream.newBuilder().setType(WriteStream.Type.COMMITTED).build())
    .build());
JsonStreamWriter writer = JsonStreamWriter.newBuilder(stream.getName(), stream.getTableSchema()).build();

void writeBatch(List<Order> batch, long firstPosition) throws Exception {
    JSONArray rows = new JSONArray();
    for (Order o : batch) rows.put(new JSONObject().put("order_id", o.id()).put("amount", o.amount()));
    try {
        // firstPosition comes from durable progress, so a re-run sends the same offset
        writer.append(rows, firstPosition).get();
    } catch (ExecutionException e) {
        if (e.getCause() instanceof Exceptions.OffsetAlreadyExists) return; // written by an earlier attempt
        throw e; // OffsetOutOfRange: a gap in the offsets, never skip it silently
    }
}
"#,
        note: Some(
            "Exactly-once within this one stream. OffsetAlreadyExists carries the expected and actual offsets; \
             treat it as success only because the offset was derived from durable progress.",
        ),
    },
    Snippet {
        id: "bq-committed-no-offsets-py",
        title: "Python: COMMITTED stream without offsets",
        language: "python",
        code: r#"ws = client.create_write_stream(
    parent=parent,
    write_stream=types.WriteStream(type_=types.WriteStream.Type.COMMITTED))
template = types.AppendRowsRequest(
    write_stream=ws.name,
    proto_rows=types.AppendRowsRequest.ProtoData(writer_schema=SCHEMA))
stream = writer.AppendRowsStream(client, template)

def write_batch(rows):
    # No offset in the request: the server appends at the end of the stream,
    # so a retry or a re-run batch is appended again.
    request = types.AppendRowsRequest(
        proto_rows=types.AppendRowsRequest.ProtoData(rows=to_proto_rows(rows)))
    stream.send(request).result()
"#,
        note: Some(
            "At-least-once, like the _default stream: the stream type gives nothing without offsets derived from \
             durable progress.",
        ),
    },
    Snippet {
        id: "bq-writer-counter-py",
        title: "What not to do: in-memory offset counter and \"ALREADY_EXISTS means success\"",
        language: "python",
        code: r#"# WHAT NOT TO DO
next_offset = 0  # resets to 0 whenever the process restarts

def write_batch(rows):
    global next_offset
    for row in rows:
        request = types.AppendRowsRequest(
            offset=next_offset,
            proto_rows=types.AppendRowsRequest.ProtoData(rows=to_proto_rows([row])))
        try:
            stream.send(request).result()
        except exceptions.AlreadyExists:
            pass  # after a restart these are NEW rows hitting old offsets: silently dropped
        next_offset += 1

# FIX: derive the offset from durable progress (the source position, or a row count
# checkpointed together with the source position), never from process memory.
"#,
        note: Some(
            "At-most-once on a shared stream: after a restart every new row lands on an occupied offset, gets \
             ALREADY_EXISTS and is dropped while the writer reports success. GetWriteStream returns no row count \
             to resynchronise from.",
        ),
    },
    Snippet {
        id: "bq-committed-per-batch-py",
        title: "What not to do: a new COMMITTED stream per batch, then BatchCommit",
        language: "python",
        code: r#"# WHAT NOT TO DO: a new COMMITTED stream for every batch attempt
def write_batch(rows):
    ws = client.create_write_stream(
        parent=parent, write_stream=types.WriteStream(type_=types.WriteStream.Type.COMMITTED))
    stream = writer.AppendRowsStream(client, types.AppendRowsRequest(
        write_stream=ws.name, proto_rows=types.AppendRowsRequest.ProtoData(writer_schema=SCHEMA)))
    stream.send(types.AppendRowsRequest(
        offset=0,  # offsets start at 0 in every new stream: a re-run batch is never recognised
        proto_rows=types.AppendRowsRequest.ProtoData(rows=to_proto_rows(rows)))).result()
    stream.close()  # the rows are committed and visible already
    client.finalize_write_stream(name=ws.name)
    # Do not call batch_commit_write_streams here: it accepts only PENDING streams and
    # reports INVALID_STREAM_TYPE for this one in stream_errors.
"#,
        note: Some(
            "At-least-once: offsets dedupe within one stream only. For atomic batches use a PENDING stream; for \
             exactly-once use one long-lived stream with offsets derived from durable progress.",
        ),
    },
    Snippet {
        id: "bq-pending-stream-py",
        title: "Python: PENDING stream per batch, FinalizeWriteStream + BatchCommitWriteStreams",
        language: "python",
        code: r#"def write_batch(rows):
    ws = client.create_write_stream(
        parent=parent, write_stream=types.WriteStream(type_=types.WriteStream.Type.PENDING))
    stream = writer.AppendRowsStream(client, types.AppendRowsRequest(
        write_stream=ws.name, proto_rows=types.AppendRowsRequest.ProtoData(writer_schema=SCHEMA)))
    stream.send(types.AppendRowsRequest(
        offset=0, proto_rows=types.AppendRowsRequest.ProtoData(rows=to_proto_rows(rows)))).result()
    stream.close()
    client.finalize_write_stream(name=ws.name)  # no more appends to this stream
    response = client.batch_commit_write_streams(
        types.BatchCommitWriteStreamsRequest(parent=parent, write_streams=[ws.name]))
    if response.stream_errors:  # commit_time is unset when the commit failed
        raise RuntimeError(response.stream_errors)
    # All rows became visible at once. A crash before the commit leaves nothing visible.
"#,
        note: Some(
            "Atomic per batch, not exactly-once: a crash after BatchCommit and before the engine records the batch \
             as done makes the re-run commit a second stream.",
        ),
    },
    Snippet {
        id: "bq-buffered-stream-py",
        title: "Python: BUFFERED stream with FlushRows",
        language: "python",
        code: r#"# One long-lived BUFFERED stream, created once; its name is stored durably.
stream_name = load_or_create_stream(client, parent, types.WriteStream.Type.BUFFERED)
stream = writer.AppendRowsStream(client, types.AppendRowsRequest(
    write_stream=stream_name, proto_rows=types.AppendRowsRequest.ProtoData(writer_schema=SCHEMA)))

def write_batch(rows, first_position):
    request = types.AppendRowsRequest(
        offset=first_position,  # durable position: a re-run sends the same offsets
        proto_rows=types.AppendRowsRequest.ProtoData(rows=to_proto_rows(rows)))
    try:
        stream.send(request).result()
    except exceptions.AlreadyExists:
        pass  # appended by an earlier attempt, maybe not flushed yet
    # Rows up to and including this offset become visible (also those of a crashed attempt).
    client.flush_rows(types.FlushRowsRequest(
        write_stream=stream_name, offset=first_position + len(rows) - 1))
"#,
        note: Some(
            "Exactly-once with offsets derived from durable progress; FlushRows only moves the visible prefix and \
             dedupes nothing by itself.",
        ),
    },
    // ------------------------------------------------------------------ Beam / Pub/Sub
    Snippet {
        id: "beam-pubsub-read-py",
        title: "Beam Python: ReadFromPubSub (Dataflow dedups by message id)",
        language: "python",
        code: r#"import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

options = PipelineOptions(streaming=True, runner="DataflowRunner",
                          project="my-project", region="europe-west1",
                          temp_location="gs://my-bucket/tmp")

with beam.Pipeline(options=options) as p:
    (p
     | beam.io.ReadFromPubSub(subscription="projects/my-project/subscriptions/orders-sub")
     | beam.Map(parse_order)
     | beam.ParDo(UpsertOrder()))  # side effects may run again when a bundle is retried
"#,
        note: Some(
            "Dataflow drops redeliveries of a message id it already committed, but a message the publisher sent \
             twice has two ids and passes. Make side effects idempotent.",
        ),
    },
    Snippet {
        id: "beam-pubsub-id-attribute-py",
        title: "Beam Python: ReadFromPubSub(id_label=...) dedups on the publisher's id",
        language: "python",
        code: r#"import apache_beam as beam

with beam.Pipeline(options=options) as p:
    (p
     | beam.io.ReadFromPubSub(
           subscription="projects/my-project/subscriptions/orders-sub",
           id_label="order_id",  # attribute set by the publisher, identical on every retry
           with_attributes=True)
     | beam.Map(lambda msg: parse_order(msg.data))
     | beam.ParDo(UpsertOrder()))

# Publisher side: put the id in an attribute.
# publisher.publish(topic_path, data, order_id=order["order_id"])
"#,
        note: Some(
            "Honoured by the Dataflow runner: a republished copy with the same attribute is dropped (within \
             Dataflow's dedup window). Side effects of a retried bundle still run again.",
        ),
    },
    Snippet {
        id: "beam-pubsub-id-attribute-java",
        title: "Beam Java: PubsubIO.readStrings().withIdAttribute(...)",
        language: "java",
        code: r#"Pipeline pipeline = Pipeline.create(options);

PCollection<String> orders = pipeline.apply("ReadOrders",
    PubsubIO.readStrings()
        .fromSubscription("projects/my-project/subscriptions/orders-sub")
        .withIdAttribute("order_id")); // dedup on the publisher's id, not the message id

orders
    .apply("Parse", MapElements.into(TypeDescriptor.of(Order.class)).via(Order::parse))
    .apply("Upsert", ParDo.of(new UpsertOrderFn()));

pipeline.run();
"#,
        note: Some(
            "The publisher must set the order_id attribute on every message, retries included.",
        ),
    },
    Snippet {
        id: "beam-kafka-read-java",
        title: "Beam Java: KafkaIO read (progress in the runner's checkpoint)",
        language: "java",
        code: r#"PCollection<KV<String, String>> orders = pipeline.apply(KafkaIO.<String, String>read()
    .withBootstrapServers("broker:9092")
    .withTopic("orders")
    .withKeyDeserializer(StringDeserializer.class)
    .withValueDeserializer(StringDeserializer.class)
    .withConsumerConfigUpdates(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "orders-pipeline"))
    .commitOffsetsInFinalize() // reports progress to Kafka; the runner's checkpoint is authoritative
    .withoutMetadata());

orders.apply("Upsert", ParDo.of(new UpsertOrderFn())); // retried bundles run the DoFn again
"#,
        note: Some(
            "The runner replays uncommitted bundles from its own checkpoint: side effects need an idempotent key.",
        ),
    },
    Snippet {
        id: "beam-upsert-stable-key-py",
        title: "Beam Python: DoFn upserting on a stable key",
        language: "python",
        code: r#"import apache_beam as beam
import psycopg

class UpsertOrder(beam.DoFn):
    def setup(self):
        self.conn = psycopg.connect(DSN, autocommit=True)

    def process(self, order):
        # The key comes from the data: a retried bundle overwrites the same row.
        self.conn.execute(
            "INSERT INTO orders (order_id, amount, status) VALUES (%s, %s, %s) "
            "ON CONFLICT (order_id) DO UPDATE "
            "SET amount = EXCLUDED.amount, status = EXCLUDED.status",
            (order["order_id"], order["amount"], order["status"]))

    def teardown(self):
        self.conn.close()
"#,
        note: Some(
            "Exactly-once results: Dataflow may run the DoFn more than once for an element, and the upsert makes \
             that harmless.",
        ),
    },
    Snippet {
        id: "beam-upsert-uuid4-py",
        title: "What not to do: Beam DoFn keyed on uuid4() generated per attempt",
        language: "python",
        code: r#"import uuid
import apache_beam as beam

class UpsertOrder(beam.DoFn):
    def process(self, order):
        row_id = str(uuid.uuid4())  # WRONG: a new id on every attempt of the bundle
        self.conn.execute(
            "INSERT INTO orders (row_id, order_id, amount) VALUES (%s, %s, %s) "
            "ON CONFLICT (row_id) DO NOTHING",
            (row_id, order["order_id"], order["amount"]))

# RIGHT: row_id = order["order_id"]
#   or   row_id = str(uuid.uuid5(ORDERS_NAMESPACE, order["order_id"]))  # deterministic
"#,
        note: Some(
            "At-least-once: a retried bundle generates new ids, so nothing dedupes. A random id is safe only if it \
             was generated once and checkpointed before the side effect (e.g. before a Reshuffle on Dataflow).",
        ),
    },
    Snippet {
        id: "beam-bigquery-storage-write-java",
        title: "Beam Java: BigQueryIO with the Storage Write API",
        language: "java",
        code: r#"rows.apply("WriteOrders", BigQueryIO.writeTableRows()
    .to("my-project:shop.orders")
    // Exactly-once: the sink keeps stream names and next offsets in runner state,
    // so a retried bundle resends at the same offsets.
    .withMethod(BigQueryIO.Write.Method.STORAGE_WRITE_API)
    .withTriggeringFrequency(Duration.standardSeconds(5))
    .withNumStorageWriteApiStreams(3)
    .withCreateDisposition(BigQueryIO.Write.CreateDisposition.CREATE_NEVER)
    .withWriteDisposition(BigQueryIO.Write.WriteDisposition.WRITE_APPEND));

// Method.STORAGE_API_AT_LEAST_ONCE writes to the _default stream instead:
// cheaper and lower latency, but a retried bundle can append rows twice.
"#,
        note: Some(
            "STORAGE_WRITE_API is exactly-once; STORAGE_API_AT_LEAST_ONCE (the _default stream) is at-least-once.",
        ),
    },
    Snippet {
        id: "pubsub-subscriber-py",
        title: "Python Pub/Sub subscriber: write, then ack",
        language: "python",
        code: r#"from google.cloud import pubsub_v1

subscriber = pubsub_v1.SubscriberClient()
path = subscriber.subscription_path("my-project", "orders-sub")
# The client extends leases while messages are in flight, up to max_lease_duration seconds.
flow = pubsub_v1.types.FlowControl(max_messages=100, max_lease_duration=600)

def callback(message):
    upsert_order(message.data)  # 1. write, idempotent on a business key
    message.ack()               # 2. then ack: a crash in between redelivers

future = subscriber.subscribe(path, callback=callback, flow_control=flow)
with subscriber:
    future.result()
"#,
        note: Some(
            "At-least-once: processing that outlives the lease is redelivered while it still runs, and without \
             exactly-once delivery a late ack may or may not stick.",
        ),
    },
    Snippet {
        id: "pubsub-exactly-once-subscriber-py",
        title: "Python Pub/Sub subscriber with exactly-once delivery (ack_with_response)",
        language: "python",
        code: r#"from google.api_core.exceptions import AlreadyExists
from google.cloud import pubsub_v1
from google.cloud.pubsub_v1.subscriber import exceptions as sub_exceptions

subscriber = pubsub_v1.SubscriberClient()
path = subscriber.subscription_path("my-project", "orders-sub")
try:  # better: create the subscription once, outside the subscriber (gcloud, Terraform)
    subscriber.create_subscription(request={
        "name": path,
        "topic": "projects/my-project/topics/orders",
        "ack_deadline_seconds": 60,
        "enable_exactly_once_delivery": True,
    })
except AlreadyExists:
    pass  # a restart finds the subscription from the first run

def callback(message):
    upsert_order(message.data)  # still idempotent: a late ack means the message comes back
    try:
        message.ack_with_response().result()  # with exactly-once delivery an ack can fail
    except sub_exceptions.AcknowledgeError as e:
        log.warning("ack of %s failed: %s", message.message_id, e.error_code)  # e.g. INVALID_ACK_ID

future = subscriber.subscribe(path, callback=callback,
                              flow_control=pubsub_v1.types.FlowControl(max_lease_duration=600))
"#,
        note: Some(
            "Exactly-once delivery means no redelivery after a successful ack. An ack on an expired lease fails \
             (INVALID_ACK_ID) and the message is delivered again; a republished message has a new id and is \
             delivered too.",
        ),
    },
    Snippet {
        id: "pubsub-ack-before-write-py",
        title: "What not to do: Pub/Sub subscriber acks before writing",
        language: "python",
        code: r#"from google.cloud import pubsub_v1

subscriber = pubsub_v1.SubscriberClient()
path = subscriber.subscription_path("my-project", "orders-sub")

# WHAT NOT TO DO
def callback(message):
    message.ack()                # acked first ...
    insert_order(message.data)   # ... a crash here loses the message for good

# And if the ack arrives after the lease expired, it has no effect: the message is
# delivered again and inserted a second time. This loop can lose AND duplicate.
future = subscriber.subscribe(path, callback=callback)
"#,
        note: Some(
            "No guarantee: loss when the process dies after a successful ack, duplicates when the ack comes too late.",
        ),
    },
];
