"""One process run of the fidelity suite: a real PySpark driver and its JVM.

Started by suite.py with one argument, a JSON file {"spark_conf": {...}, "jobs": [...]}. Each job
is one scenario's query: the driver builds it, runs it on the scenario's checkpoint with
trigger(availableNow=True) (file source) or socket delivery with a handshake per batch (socket source) until it
drains, measures what only a live JVM can read, and goes on with the next job. Crash runs
carry exactly one job; a final (restart) run with no fault left to inject may carry several
jobs, so one JVM start serves many scenarios.

Faults armed for this run become real process deaths:
* inside foreachBatch (batch function start = after offsets/N, after the read, after the data
  write, after the marker/commit, before row k of the row-by-row write): SIGKILL the JVM,
  then os._exit -- open PostgreSQL transactions die with the connection;
* at checkpoint files (before/after sources/0/N, offsets/N, _spark_metadata/N, commits/N):
  the JVM halts itself in CrashingCheckpointFileManager (rules in the environment);
* mid-write of the file sink: a Python UDF inside the write task SIGKILLs the JVM when the
  (k+1)-th row of the batch reaches it (one row per task, tasks one at a time).
Every injector writes the fault's marker file first, so suite.py knows what fired.
"""

import json
import os
import signal
import sys
import time
import traceback

CFG = json.load(open(sys.argv[1]))
JVM_PID = None
T0 = time.time()


def tracer(path):
    def trace(line):
        with open(path, "a") as f:
            f.write("%.2f %s\n" % (time.time() - T0, line))
            f.flush()
            os.fsync(f.fileno())

    return trace


def die(marker, what, trace):
    """A real crash: the JVM gets SIGKILL, this process exits without any cleanup."""
    with open(marker, "w") as f:
        f.write(what + "\n")
        f.flush()
        os.fsync(f.fileno())
    trace("kill " + what)
    try:
        os.kill(JVM_PID, signal.SIGKILL)
    finally:
        os._exit(86)


def build_stream(spark, job, trace):
    from pyspark.sql import functions as F

    src = job["source"]
    feed = None
    if src["kind"] == "file":
        df = (
            spark.readStream.schema("id STRING, pos BIGINT, et BIGINT, pad STRING")
            .option("maxFilesPerTrigger", src["max_files"])
            .json(src["dir"])
            .drop("pad")
        )
    else:  # socket: one line per entry, "id,pos,et"
        from socket_feed import SocketFeed

        feed = SocketFeed(src["lines"], src["batch_size"], src["state_file"], trace, src.get("delivery", "paced"))
        raw = spark.readStream.format("socket").option("host", "127.0.0.1").option("port", feed.port).load()
        parts = F.split(raw["value"], ",")
        df = raw.select(
            parts.getItem(0).alias("id"),
            parts.getItem(1).cast("long").alias("pos"),
            parts.getItem(2).cast("long").alias("et"),
        )
    # Spark's first watermark is 0 ms, the spec's is undefined: event time t -> 10^6 + t seconds.
    df = df.withColumn("ts", F.timestamp_seconds(F.col("et") + F.lit(1000000)))
    dd = job.get("dedup")
    if dd:
        if dd.get("watermark_delay") is not None:
            df = df.withWatermark("ts", "%d seconds" % dd["watermark_delay"])
        if dd["mode"] == "within_watermark":
            df = df.dropDuplicatesWithinWatermark(["id"])
        else:
            df = df.dropDuplicates(["id", "ts"])
    return df, feed


def foreach_batch_function(job, trace):
    import psycopg

    sink = job["sink"]
    conn = psycopg.connect(job["pg_dsn"], autocommit=True)
    table, ctl = sink["table"], sink.get("control_table_name")
    faults = job.get("py_faults", [])

    def armed(batch_id, point):
        for f in faults:
            if f["batch"] == batch_id and f["point"] == point:
                return f
        return None

    def point(batch_id, name):
        f = armed(batch_id, name)
        if f:
            die(f["marker"], "crash batch %d after %s" % (batch_id, name), trace)

    def write_rows(batch_id, rows):
        """The data write, one statement per row; crash_mid_write fires before row k."""
        f = armed(batch_id, "mid_write")
        for i, r in enumerate(rows):
            if f and i == f["after_records"]:
                die(f["marker"], "crash_mid_write batch %d after %d rows" % (batch_id, i), trace)
            if sink["kind"] == "upsert":
                conn.execute(
                    "INSERT INTO %s AS t (id, pos, batch_id) VALUES (%%s, %%s, %%s) ON CONFLICT (id) DO UPDATE "
                    "SET pos = EXCLUDED.pos, batch_id = EXCLUDED.batch_id, writes = t.writes + 1" % table,
                    (r["id"], r["pos"], batch_id),
                )
            else:
                conn.execute(
                    "INSERT INTO %s (id, pos, batch_id) VALUES (%%s, %%s, %%s)" % table, (r["id"], r["pos"], batch_id)
                )

    def marker_present(batch_id):
        return conn.execute("SELECT 1 FROM %s WHERE batch_id = %%s" % ctl, (batch_id,)).fetchone() is not None

    def insert_marker(batch_id):
        conn.execute("INSERT INTO %s (batch_id) VALUES (%%s)" % ctl, (batch_id,))

    def fn(bdf, batch_id):
        trace("batch %d fn-start" % batch_id)
        point(batch_id, "offset_log")  # the batch function starts right after offsets/N
        rows = sorted((r.asDict() for r in bdf.collect()), key=lambda r: r["pos"])
        trace("batch %d read [%s]" % (batch_id, ",".join(r["id"] for r in rows)))
        point(batch_id, "read")
        if sink["kind"] in ("append", "upsert"):
            write_rows(batch_id, rows)  # autocommit: each row visible at once
            point(batch_id, "sink_write")
        elif not sink["control_table"]:
            conn.execute("BEGIN")
            write_rows(batch_id, rows)
            conn.execute("COMMIT")
            point(batch_id, "sink_write")
        elif sink["transaction"] == "same":
            conn.execute("BEGIN")
            if marker_present(batch_id):
                conn.execute("ROLLBACK")
                trace("batch %d skipped: marker present" % batch_id)
                return
            write_rows(batch_id, rows)
            insert_marker(batch_id)
            point(batch_id, "sink_write")  # transaction still open: a death rolls it back
            conn.execute("COMMIT")
            point(batch_id, "sink_commit")
        elif sink["order"] == "data_first":
            if marker_present(batch_id):
                trace("batch %d skipped: marker present" % batch_id)
                return
            conn.execute("BEGIN")
            write_rows(batch_id, rows)
            conn.execute("COMMIT")
            point(batch_id, "sink_write")
            conn.execute("BEGIN")
            insert_marker(batch_id)
            conn.execute("COMMIT")
            point(batch_id, "sink_commit")
        else:  # marker_first: the data write is the second transaction (sink_commit)
            if marker_present(batch_id):
                trace("batch %d skipped: marker present" % batch_id)
                return
            conn.execute("BEGIN")
            insert_marker(batch_id)
            conn.execute("COMMIT")
            point(batch_id, "sink_write")
            conn.execute("BEGIN")
            write_rows(batch_id, rows)
            conn.execute("COMMIT")
            point(batch_id, "sink_commit")
        trace("batch %d fn-end" % batch_id)

    return fn


def run_job(spark, job, index):
    """One job with its session settings (`sql_conf`: a value, or None for Spark's default),
    restored afterwards so that the next job of a shared JVM sees the suite's settings."""
    saved = {}
    for k, v in (job.get("sql_conf") or {}).items():
        saved[k] = spark.conf.get(k, None)
        if v is None:
            spark.conf.unset(k)
        else:
            spark.conf.set(k, v)
    try:
        run_query(spark, job, index)
    finally:
        for k, v in saved.items():
            if v is None:
                spark.conf.unset(k)
            else:
                spark.conf.set(k, v)


def run_query(spark, job, index):
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    trace = tracer(job["trace"])
    t_job = time.time()
    if job.get("stdout_marker"):
        print(job["stdout_marker"] + " start", flush=True)
    trace("job start (jvm pid %d)" % JVM_PID)
    df, feed = build_stream(spark, job, trace)
    sink = job["sink"]
    if sink["kind"] in ("append", "upsert", "foreach_batch"):
        w = df.writeStream.foreachBatch(foreach_batch_function(job, trace))
    elif sink["kind"] == "file":
        mw = job.get("udf_kill")
        if mw:
            batch_ids, k, marker, counter = set(mw["ids"]), mw["after_records"], mw["marker"], mw["counter"]
            jvm_pid = JVM_PID

            def killer(rid):
                if rid in batch_ids:
                    with open(counter, "a") as c:
                        c.write(rid + "\n")
                    if len(open(counter).read().split()) > k:
                        with open(marker, "w") as m:
                            m.write("crash_mid_write after %d rows (next row %s)\n" % (k, rid))
                        os.kill(jvm_pid, signal.SIGKILL)
                        os._exit(86)
                return rid

            df = df.withColumn("id", F.udf(killer, StringType())(F.col("id")))
        w = df.writeStream.format("parquet").option("path", sink["out_dir"])
    elif sink["kind"] == "memory":
        w = df.writeStream.format("memory").queryName("memtable%d" % index)
    elif sink["kind"] == "console":
        w = df.writeStream.format("console").option("numRows", 100000).option("truncate", False)
    else:
        raise SystemExit("unsupported sink " + sink["kind"])
    w = w.option("checkpointLocation", job["checkpoint"]).outputMode("append")
    result = {}
    q = None
    try:
        if feed is None:
            q = w.trigger(availableNow=True).start()
            q.awaitTermination()
        else:
            from socket_feed import drive

            q = w.start()
            drive(feed, q, trace)
    except Exception as e:  # a refused start or a failed query is a real outcome: measure what it left
        result["query_error"] = " ".join(str(e).split())[:300]
        result["query_started"] = q is not None
        trace("query failed: " + result["query_error"])
    if q is not None:
        q.stop()
    trace("drained in %.1fs" % (time.time() - t_job))

    if sink["kind"] == "memory":
        # A query that never started created no table: nothing was written in this process.
        result["memory_table"] = (
            [r["id"] for r in spark.sql("SELECT id FROM memtable%d" % index).collect()] if q is not None else []
        )
    if sink["kind"] == "file":
        out = sink["out_dir"]
        # Spark reader: a directory holding _spark_metadata is read through the metadata log.
        result["metadata_log"] = [r["id"] for r in spark.read.parquet(out).select("id").collect()]
        # Raw listing: every part file read on its own (a file path bypasses _spark_metadata).
        raw, unreadable, files = [], [], []
        for name in sorted(os.listdir(out)):
            if not name.startswith("part-"):
                continue
            p = os.path.join(out, name)
            try:
                ids = [r["id"] for r in spark.read.parquet(p).select("id").collect()]
                raw += ids
                files.append({"file": name, "rows": ids})
            except Exception as e:  # a part file whose writer was killed: no parquet footer
                unreadable.append({"file": name, "bytes": os.path.getsize(p), "error": str(e).splitlines()[0][:200]})
        result["raw_listing"] = raw
        result["raw_files"] = files
        result["raw_unreadable_files"] = unreadable
    result["job_seconds"] = round(time.time() - t_job, 2)
    with open(job["result"], "w") as f:
        json.dump(result, f)
    if job.get("stdout_marker"):
        print(job["stdout_marker"] + " end", flush=True)
    trace("job done")


def warmup(spark):
    """Touch the code paths of every job kind once (for the AppCDS class archive)."""
    from pyspark.sql import functions as F

    base = CFG["warmup"]
    for i in range(4):
        p = os.path.join(base, "src", "e%06d.json" % i)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(json.dumps({"id": "r%d" % i, "pos": i, "et": i, "pad": ""}) + "\n")
    src = {"kind": "file", "dir": os.path.join(base, "src"), "max_files": 2}
    jobs = [
        {"sink": {"kind": "file", "out_dir": os.path.join(base, "out")}, "dedup": {"mode": "drop_duplicates", "watermark_delay": 2}},
        {"sink": {"kind": "memory"}, "dedup": {"mode": "within_watermark", "watermark_delay": 2}},
        {"sink": {"kind": "console"}},
    ]
    for i, j in enumerate(jobs):
        j.update(source=src, checkpoint=os.path.join(base, "ck%d" % i), trace=os.path.join(base, "trace"),
                 result=os.path.join(base, "result%d.json" % i))
        run_job(spark, j, 100 + i)

    def fb(bdf, bid):
        bdf.collect()

    q = (spark.readStream.schema("id STRING, pos BIGINT, et BIGINT, pad STRING").option("maxFilesPerTrigger", 2)
         .json(src["dir"]).withColumn("x", F.udf(lambda s: s)(F.col("id")))
         .writeStream.foreachBatch(fb).option("checkpointLocation", os.path.join(base, "ckfb"))
         .trigger(availableNow=True).start())
    q.awaitTermination()


def main():
    global JVM_PID
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    b = SparkSession.builder.appName("crashcourse-fidelity").master("local[1]")
    for k, v in CFG["spark_conf"].items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    JVM_PID = int(spark._jvm.java.lang.ProcessHandle.current().pid())
    print("fidelity-driver: jvm pid %d up in %.1fs, spark %s" % (JVM_PID, time.time() - T0, spark.version), flush=True)
    with open(CFG["process_info"], "w") as f:
        json.dump({"jvm_pid": JVM_PID, "jvm_start_seconds": round(time.time() - T0, 2), "spark_version": spark.version}, f)
    if CFG.get("warmup"):
        warmup(spark)
    for i, job in enumerate(CFG["jobs"]):
        try:
            run_job(spark, job, i)
        except Exception:
            # One job's real error must not take the others down; suite.py sees no result file.
            with open(job["trace"], "a") as f:
                f.write("job error: " + traceback.format_exc().replace("\n", " | ")[-2000:] + "\n")
            # A dead JVM (halted by the checkpoint hook) fails every later job too: stop here.
            try:
                spark._jvm.java.lang.System.currentTimeMillis()
            except Exception:
                os._exit(3)
    spark.stop()
    # Let the JVM exit on its own (stdin EOF) and wait, so that nothing of this run outlives it
    # and a -XX:ArchiveClassesAtExit dump completes.
    proc = getattr(SparkContext._gateway, "proc", None)
    if proc is not None:
        try:
            proc.stdin.close()
            proc.wait(timeout=CFG.get("jvm_exit_timeout", 20))
        except Exception:
            pass


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        # The JVM died under us (a halt from the checkpoint hook) or a real error: report, exit
        # non-zero; suite.py decides from the marker files whether it was an injected crash.
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(3)
