"""crashcourse real-Spark fidelity suite.

For every scenario (fidelity/scenarios/*.json, plus the micro_batch cases of the shared spec
that are not already there): translate it to a real PySpark query on a checkpoint, inject its
faults as real process deaths at the named steps, restart on the same checkpoint until the
query drains, measure what each reader really sees, and compare with the engine's prediction
(`crashcourse run FILE`). Writes fidelity/REPORT.md and assets/fidelity.json; the last line
printed is `fidelity: N passed, N failed`.

Run through fidelity/run (it installs the venv, PostgreSQL and the crash injector first).
The engine is always built first (`cargo build --bin crashcourse`, honouring CARGO_TARGET_DIR)
and every prediction comes from that binary: if the build fails, nothing runs and the suite
fails. A full run fails too when fewer than MIN_SCENARIOS scenarios ran in real Spark.
Environment: FIDELITY_ONLY (substring filter on file names; each term must select a scenario),
FIDELITY_JOBS (parallel JVMs, default 2), FIDELITY_CASES_DIR (shared cases; "none" to skip).
"""

import concurrent.futures as cf
import copy
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import flink_part

FID = Path(__file__).resolve().parent
REPO = FID.parent
WORK = FID / "work"
BUILD = FID / ".build"
VENV_PY = FID / ".venv" / "bin" / "python"
INJECTOR_JAR = BUILD / "crash-injector.jar"
CDS_ARCHIVE = BUILD / "spark.jsa"
JOBS = int(os.environ.get("FIDELITY_JOBS", "2"))
RUN_TIMEOUT = 300
MAX_RUNS = 8
# A full run must run at least this many scenarios in real Spark (passed + failed): a glob that
# finds nothing, a catalog that lost entries or a translation that turns everything into "not
# reachable" fails the suite instead of passing with nothing checked.
MIN_SCENARIOS = 38
LOCK = threading.Lock()
CHILDREN = set()  # process groups of running drivers (each with its JVM)
STOP = threading.Event()  # set on SIGTERM/SIGINT: no new Spark runs


def log(msg):
    with LOCK:
        print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------

FB_SINKS = ("append", "upsert", "foreach_batch")
READERS = {
    "append": ["table"], "upsert": ["table"], "foreach_batch": ["table"], "file": ["metadata_log", "raw_listing"],
    "memory": ["memory_table"], "console": ["console_output"],
}


class Unreachable(Exception):
    pass


def normalize(sc):
    """The scenario with the spec's defaults filled in (scenario-format.md)."""
    s = copy.deepcopy(sc)
    w = s.setdefault("workload", {})
    n = w.setdefault("records", 10)
    w.setdefault("batch_size", 2)
    w.setdefault("partitions", 1)
    if w.get("event_times") is None:
        w["event_times"] = list(range(n))
    if w.get("arrival_ticks") is None:
        w["arrival_ticks"] = [0] * n
    src = s["source"]
    if src["kind"] == "log":
        src.setdefault("starting_position", "earliest")
    sink = s["sink"]
    if sink["kind"] == "foreach_batch":
        sink.setdefault("control_table", True)
        if sink["control_table"]:
            sink.setdefault("transaction", "same")
            if sink["transaction"] == "separate":
                sink.setdefault("order", "data_first")
    if sink["kind"] == "upsert":
        sink.setdefault("key", "record_id")
    if s.get("dedup"):
        s["dedup"].setdefault("mode", "drop_duplicates")
        s["dedup"].setdefault("watermark_delay", None)
    s["faults"] = [dict(f) for f in s.get("faults", [])]
    for f in s["faults"]:
        if f["kind"] in ("crash", "crash_mid_write", "zombie", "pause", "lost_ack"):
            f.setdefault("attempt", 1)
        if f["kind"] == "delete_checkpoint":
            f.setdefault("before_restart", 1)
    return s


def entries_of(s):
    """Source order: records in id order, republished copies right after their `after` record."""
    w = s["workload"]
    ents = [{"id": "r%d" % i, "et": w["event_times"][i]} for i in range(w["records"])]
    inserted = Counter()
    for f in s["faults"]:
        if f["kind"] != "republish":
            continue
        after = f.get("after", f["record"])
        at = next(i for i, e in enumerate(ents) if e["id"] == after and not e.get("copy"))
        et = f.get("event_time")
        orig = next(e for e in ents if e["id"] == f["record"] and not e.get("copy"))
        ents.insert(at + 1 + inserted[after], {"id": f["record"], "et": orig["et"] if et is None else et, "copy": True})
        inserted[after] += 1
    for i, e in enumerate(ents):
        e["pos"] = i
    return ents


def translate(s):
    """Check that real Spark can run the scenario and say how each fault is injected.

    Returns a plan dict; raises Unreachable with the reason otherwise."""
    notes = []
    if s["engine"]["kind"] != "micro_batch":
        raise Unreachable("engine %s: the suite runs Spark Structured Streaming only" % s["engine"]["kind"])
    src, sink, w = s["source"], s["sink"], s["workload"]
    if src["kind"] == "queue":
        raise Unreachable("source queue: Spark has no ack-based queue source")
    if src["kind"] == "log":
        if src.get("starting_position") == "latest":
            raise Unreachable("starting_position latest: the file source (Kafka stand-in) has no 'latest' start")
        notes.append("file-source stand-in for the log (one JSON file per entry, maxFilesPerTrigger=%d)" % w["batch_size"])
        if w["partitions"] > 1:
            notes.append("partitions are not modelled by the file stand-in (batch contents are the same)")
    else:
        notes.append("real socket source fed by a server that hands out each entry once, one batch at a time "
                     "(handshake: the next chunk is triggered once Spark's source holds the last); "
                     "Spark batch ids are the spec's + 1 (Spark runs an empty batch 0 to open the socket)")
    if any(t != 0 for t in w["arrival_ticks"]):
        raise Unreachable("arrival_ticks: entries arriving during the run are not modelled by the stand-in")
    if sink["kind"] == "kafka":
        raise Unreachable("sink kafka: the Kafka connector is not bundled with pyspark (it needs Maven)")
    if sink["kind"] == "delta":
        raise Unreachable("sink delta: Delta Lake is not bundled with pyspark (it needs Maven)")
    if sink["kind"] == "bigquery":
        raise Unreachable("sink bigquery: the Spark BigQuery connector is not bundled with pyspark and BigQuery "
                          "is not reachable from here")
    if sink["kind"] not in READERS:
        raise Unreachable("sink %s: not translated" % sink["kind"])
    if sink["kind"] == "upsert" and sink["key"] != "record_id":
        raise Unreachable("upsert key %s: only record_id is translated" % sink["key"])
    fb = sink["kind"] in FB_SINKS
    shift = 1 if src["kind"] == "socket" else 0
    injections = []  # per fault index: how it is injected
    for i, f in enumerate(s["faults"]):
        k = f["kind"]
        if k == "republish":
            injections.append({"kind": "republish"})
            continue
        if k == "delete_checkpoint":
            injections.append({"kind": "delete_checkpoint", "before_restart": f["before_restart"]})
            continue
        if k in ("lost_ack", "zombie", "pause"):
            raise Unreachable("fault %s: not injected by this suite (no lost acknowledgement, zombie driver or "
                              "clock in the Spark translation)" % k)
        real_batch = f["batch"] + shift
        inj = {"kind": k, "batch": f["batch"], "real_batch": real_batch, "attempt": f["attempt"]}
        if k == "crash_mid_write":
            inj["after_records"] = f["after_records"]
            if fb:
                inj["how"] = "py:mid_write"
            elif sink["kind"] == "file" and not s.get("dedup") and src["kind"] == "log":
                ents = entries_of(s)
                bs = w["batch_size"]
                inj["how"] = "udf"
                inj["ids"] = [e["id"] for e in ents[f["batch"] * bs:(f["batch"] + 1) * bs]]
            else:
                raise Unreachable("crash_mid_write on sink %s: the rows are handed over in one call, there is "
                                  "no point between them to kill" % sink["kind"])
            injections.append(inj)
            continue
        step = f["after"]
        if step == "plan":
            inj["how"] = "hook:before:" + ("sources/0/%d" % real_batch if src["kind"] == "log" else "offsets/%d" % real_batch)
        elif step == "offset_log":
            if fb:
                inj["how"] = "py:offset_log"
            elif f["attempt"] == 1:
                inj["how"] = "hook:after:offsets/%d" % real_batch
            else:
                raise Unreachable("crash after offset_log on attempt %d: a re-run does not rewrite offsets/N and "
                                  "sink %s runs no driver code at batch start" % (f["attempt"], sink["kind"]))
        elif step == "read":
            if fb:
                inj["how"] = "py:read"
            else:
                raise Unreachable("crash after read with sink %s: Spark reads and writes inside the same tasks; "
                                  "no point between them is reachable" % sink["kind"])
        elif step == "sink_write":
            if fb:
                inj["how"] = "py:sink_write"
            elif sink["kind"] == "file":
                inj["how"] = "hook:before:_spark_metadata/%d" % real_batch
            else:
                inj["how"] = "hook:before:commits/%d" % real_batch
        elif step == "sink_commit":
            if fb:
                inj["how"] = "py:sink_commit"
            elif sink["kind"] == "file":
                inj["how"] = "hook:after:_spark_metadata/%d" % real_batch
            else:
                raise Unreachable("sink_commit does not exist for sink %s" % sink["kind"])
        elif step == "commit_log":
            inj["how"] = "hook:after:commits/%d" % real_batch
        else:
            raise Unreachable("step %s does not exist for micro_batch" % step)
        injections.append(inj)
    if sink["kind"] == "file":
        notes.append("parquet file sink; raw_listing reads each part-* file on its own")
    if sink["kind"] == "append":
        notes.append("foreachBatch: one autocommitted INSERT per row into PostgreSQL")
    elif sink["kind"] == "upsert":
        notes.append("foreachBatch: INSERT ... ON CONFLICT (id) DO UPDATE per row into PostgreSQL")
    elif sink["kind"] == "foreach_batch":
        notes.append("foreachBatch into PostgreSQL: " + (
            "no control table, data in one transaction" if not sink["control_table"] else
            "data + batchId marker in one transaction" if sink["transaction"] == "same" else
            "data and marker in separate transactions, %s" % sink["order"]))
    if sink["kind"] == "memory":
        notes.append("memory sink: no checkpointLocation of its own, so every start is a new query on a fresh "
                     "checkpoint (semantics §5, §10 (34))")
    return {"injections": injections, "notes": notes, "fb": fb, "shift": shift,
            "compare_logs": src["kind"] == "log"}


def load_scenarios():
    catalog = json.load(open(FID / "catalog.json"))
    out = []
    for p in sorted((FID / "scenarios").glob("*.json")):
        meta = catalog.get(p.name, {})
        out.append({"file": "fidelity/scenarios/" + p.name, "name": p.stem, "scenario": json.load(open(p)),
                    "title": meta.get("title", p.stem), "expect": meta.get("expect"), "why": meta.get("why", ""),
                    "case": meta.get("case"), "backs": list(meta.get("backs", [])),
                    "note_check": meta.get("note_check")})
    cases_dir = os.environ.get("FIDELITY_CASES_DIR", str(REPO.parent / "shared" / "spec" / "cases"))
    if cases_dir != "none" and os.path.isdir(cases_dir):
        have = [json.dumps(x["scenario"], sort_keys=True) for x in out]
        for p in sorted(Path(cases_dir).glob("*.json")):
            case = json.load(open(p))
            sc = case.get("scenario", {})
            if sc.get("engine", {}).get("kind") != "micro_batch" or "-spark-" not in p.name:
                continue  # the Spark families only (BigQuery cases also use micro_batch)
            if json.dumps(sc, sort_keys=True) in have:
                continue
            out.append({"file": os.path.relpath(p, REPO), "name": "case-" + p.stem, "scenario": sc,
                        "title": case.get("title", p.stem), "expect": case.get("expect"), "why": case.get("why", ""),
                        "case": p.stem, "backs": [], "from_cases": True})
    return out


def select(spark_items, flink_items):
    """FIDELITY_ONLY: a comma-separated list of substrings of file names (either system); each
    term must select a scenario. FIDELITY_SYSTEMS: "spark", "flink" or both (the default)."""
    systems = os.environ.get("FIDELITY_SYSTEMS", "spark,flink").split(",")
    spark_items = spark_items if "spark" in systems else []
    flink_items = flink_items if "flink" in systems else []
    only = os.environ.get("FIDELITY_ONLY")
    if only:
        terms = [o for o in only.split(",") if o]
        unmatched = [o for o in terms if not any(o in x["file"] for x in spark_items + flink_items)]
        if unmatched:
            log("fidelity: FIDELITY_ONLY selects no scenario for: %s" % ", ".join(unmatched))
            print("fidelity: 0 passed, 1 failed", flush=True)
            raise SystemExit(1)
        spark_items = [x for x in spark_items if any(o in x["file"] for o in terms)]
        flink_items = [x for x in flink_items if any(o in x["file"] for o in terms)]
    return spark_items, flink_items


def subset():
    return bool(os.environ.get("FIDELITY_ONLY")) or os.environ.get("FIDELITY_SYSTEMS", "spark,flink") != "spark,flink"


def course_backs(engine, scenarios):
    """For each scenario, the presets, lessons and quiz questions that run exactly it, as the
    engine decides (`crashcourse backs`: defaults resolved by the engine itself). The app marks
    the same ones (src/fidelity.rs, tests/fidelity_marks.rs)."""
    r = subprocess.run([engine.bin, "backs", "-"], input=json.dumps(scenarios), capture_output=True,
                       text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("crashcourse backs failed: %s" % r.stderr.strip()[:300])
    return json.loads(r.stdout)


# ---------------------------------------------------------------------------------------------
# PostgreSQL: a private cluster in a temp dir, loopback only
# ---------------------------------------------------------------------------------------------

class Postgres:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not bins:
            raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
        self.bin = bins[-1]
        self.dir = tempfile.mkdtemp(prefix="crashcourse-pg-")
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.started = False

    def _as_pg(self, args, **kw):
        cmd = (["runuser", "-u", "postgres", "--"] if self.root else []) + args
        return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)

    def start(self):
        data = os.path.join(self.dir, "data")
        self._as_pg([self.bin + "/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        self._as_pg([self.bin + "/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                     "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50 "
                     "-c max_prepared_transactions=64" % (self.port, self.dir),
                     "start"])
        self.started = True
        (WORK / "pg.dir").write_text(self.dir)
        self.dsn = "host=127.0.0.1 port=%d user=postgres dbname=postgres" % self.port
        self.jdbc_url = "jdbc:postgresql://127.0.0.1:%d/postgres" % self.port  # the Flink jobs

    def stop(self):
        if self.started:
            try:
                self._as_pg([self.bin + "/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "-w", "stop"])
            except Exception as e:
                log("warning: pg_ctl stop failed: %s" % e)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)
        try:
            (WORK / "pg.dir").unlink()
        except FileNotFoundError:
            pass

    def execute(self, sql, params=None, fetch=False):
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as c:
            cur = c.execute(sql, params)
            return cur.fetchall() if fetch else None


# ---------------------------------------------------------------------------------------------
# Spark process runs
# ---------------------------------------------------------------------------------------------

def java_opts(dump=False):
    opts = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss4m -XX:-UsePerfData"
    if dump:
        opts += " -XX:ArchiveClassesAtExit=%s" % CDS_ARCHIVE
    elif CDS_ARCHIVE.exists():
        opts += " -XX:SharedArchiveFile=%s -Xlog:cds=off -Xlog:cds+dynamic=off" % CDS_ARCHIVE
    return opts


def spark_conf(dump=False):
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": "512m",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.extraClassPath": str(INJECTOR_JAR),
        "spark.driver.extraJavaOptions": java_opts(dump),
        "spark.sql.streaming.checkpointFileManagerClass": "crashcourse.fidelity.CrashingCheckpointFileManager",
        "spark.sql.shuffle.partitions": "1",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.files.maxPartitionBytes": "4194304",
        "spark.sql.execution.pythonUDF.arrow.enabled": "false",
        "spark.sql.streaming.statefulOperator.allowMultiple": "false",
        "spark.sql.streaming.noDataMicroBatches.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "1000000",
    }


def run_driver(cfg_path, out_path, env_extra, timeout=RUN_TIMEOUT):
    if STOP.is_set():
        raise SystemExit("fidelity: interrupted")
    env = dict(os.environ)
    env.update({"PYSPARK_PYTHON": str(VENV_PY), "PYSPARK_DRIVER_PYTHON": str(VENV_PY), "SPARK_LOCAL_IP": "127.0.0.1",
                "CC_HOOK_RULES": "", "CC_HOOK_TRACE": ""})
    env.update(env_extra)
    env.pop("SPARK_HOME", None)
    t = time.time()
    with open(out_path, "w") as out:
        p = subprocess.Popen([str(VENV_PY), str(FID / "driver.py"), str(cfg_path)], stdout=out, stderr=subprocess.STDOUT,
                             env=env, cwd=str(FID), start_new_session=True)
        with LOCK:
            CHILDREN.add(p.pid)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            rc = p.wait()
            with open(out_path, "a") as o:
                o.write("\nfidelity: run timed out after %ds\n" % timeout)
    # A halted or killed driver can leave its JVM (same session) behind: end it.
    try:
        os.killpg(p.pid, 9)
    except ProcessLookupError:
        pass
    with LOCK:
        CHILDREN.discard(p.pid)
    return rc, time.time() - t


def cds_stamp():
    h = hashlib.sha256()
    jars = sorted(glob.glob(str(FID / ".venv/lib/python*/site-packages/pyspark/jars/*.jar")))
    for j in jars:
        st = os.stat(j)
        h.update(("%s %d %d\n" % (j, st.st_size, int(st.st_mtime))).encode())
    h.update(INJECTOR_JAR.read_bytes())
    h.update(subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.encode())
    h.update(java_opts(dump=True).encode())
    return h.hexdigest()


def ensure_cds():
    """AppCDS archive of the classes a suite run loads, built once per machine into .build."""
    stamp_file = BUILD / "spark.jsa.stamp"
    stamp = cds_stamp()
    if CDS_ARCHIVE.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return "reused"
    CDS_ARCHIVE.unlink(missing_ok=True)
    d = WORK / "_cds"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    cfg = {"spark_conf": spark_conf(dump=True), "jobs": [], "warmup": str(d), "process_info": str(d / "info.json"),
           "jvm_exit_timeout": 240}
    (d / "cfg.json").write_text(json.dumps(cfg))
    t = time.time()
    rc, _ = run_driver(d / "cfg.json", d / "out.log", {})
    if rc == 0 and CDS_ARCHIVE.exists():
        stamp_file.write_text(stamp)
        return "built in %.0fs" % (time.time() - t)
    CDS_ARCHIVE.unlink(missing_ok=True)
    return "not built (rc %d, see %s): runs use the JVM's default class sharing" % (rc, d / "out.log")


# ---------------------------------------------------------------------------------------------
# One scenario through its runs
# ---------------------------------------------------------------------------------------------

def list_ids(d):
    if not os.path.isdir(d):
        return []
    ids = set()
    for n in os.listdir(d):
        m = re.fullmatch(r"(\d+)(\.compact)?", n)
        if m:
            ids.add(int(m.group(1)))
    return sorted(ids)


class ScenarioRun:
    def __init__(self, idx, item, plan, pg):
        self.idx, self.item, self.plan, self.pg = idx, item, plan, pg
        self.s = item["norm"]
        self.dir = WORK / item["name"]
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.sink = self.s["sink"]
        self.entries = entries_of(self.s)
        self.restarts = 0
        self.fired = set()
        self.attempts = Counter()
        self.runs = []
        self.error = None
        self.stdout_sections = []
        self.table = "s%02d_data" % idx
        self.ctl = "s%02d_ctl" % idx
        self.out_dir = self.dir / "out"
        # A note check runs the scenario under a setting the scenario format cannot express.
        self.setting = (item.get("note_check") or {}).get("run", {})
        self._setup()

    # -- setup ------------------------------------------------------------------------------
    def _setup(self):
        if self.s["source"]["kind"] == "log":
            src = self.dir / "source"
            src.mkdir()
            base = time.time() - 10 * len(self.entries) - 60
            for e in self.entries:
                p = src / ("e%06d.json" % e["pos"])
                rec = {"id": e["id"], "pos": e["pos"], "et": e["et"]}
                body = json.dumps(rec)
                rec["pad"] = "x" * max(0, 120 - len(body))  # equal sizes keep Spark's file order
                p.write_text(json.dumps(rec) + "\n")
                os.utime(p, (base + 2 * e["pos"], base + 2 * e["pos"]))
        if self.sink["kind"] in FB_SINKS:
            key = "id text PRIMARY KEY" if self.sink["kind"] == "upsert" else "id text"
            self.pg.execute("DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s" % (self.table, self.ctl))
            self.pg.execute("CREATE TABLE %s (%s, pos bigint, batch_id bigint, writes int NOT NULL DEFAULT 1, "
                            "at timestamptz DEFAULT clock_timestamp())" % (self.table, key))
            if self.sink["kind"] == "foreach_batch" and self.sink["control_table"]:
                self.pg.execute("CREATE TABLE %s (batch_id bigint PRIMARY KEY)" % self.ctl)

    def checkpoint(self, run_no):
        if self.sink["kind"] == "memory" and self.setting.get("memory_checkpoint") != "fixed":
            # no checkpointLocation: every start is a new query on a fresh (temporary) checkpoint
            return self.dir / ("checkpoint-run%d" % run_no)
        return self.dir / "checkpoint"

    # -- runs -------------------------------------------------------------------------------
    def prepare_run(self):
        """Apply restart effects and decide which faults are armed for the next run."""
        run_no = len(self.runs)
        if run_no > 0:
            self.restarts += 1
            for i, inj in enumerate(self.plan["injections"]):
                if inj["kind"] == "delete_checkpoint" and inj["before_restart"] == self.restarts:
                    shutil.rmtree(self.checkpoint(run_no), ignore_errors=True)
                    self.fired.add(i)
        ck = self.checkpoint(run_no)
        offs, coms = list_ids(ck / "offsets"), list_ids(ck / "commits")
        rerun = offs[-1] if offs and offs[-1] not in coms else None
        armed = []
        for i, inj in enumerate(self.plan["injections"]):
            if inj["kind"] in ("crash", "crash_mid_write") and i not in self.fired:
                if self.attempts[inj["real_batch"]] + 1 == inj["attempt"]:
                    armed.append(i)
        job = {
            "name": self.item["name"],
            "trace": str(self.dir / ("run%d.trace" % run_no)),
            "result": str(self.dir / ("run%d.result.json" % run_no)),
            "checkpoint": str(ck),
            "dedup": self.s.get("dedup"),
            "pg_dsn": self.pg.dsn,
            "sink": dict(self.sink, table=self.table, control_table_name=self.ctl, out_dir=str(self.out_dir)),
            "py_faults": [],
            "sql_conf": self.setting.get("sql_conf"),
        }
        if self.s["source"]["kind"] == "log":
            job["source"] = {"kind": "file", "dir": str(self.dir / "source"), "max_files": self.s["workload"]["batch_size"]}
        else:
            job["source"] = {"kind": "socket", "batch_size": self.s["workload"]["batch_size"],
                             "state_file": str(self.dir / "socket.delivered"),
                             "delivery": self.setting.get("socket_delivery_after_restart", "paced") if run_no > 0
                             else "paced",
                             "lines": ["%s,%d,%d" % (e["id"], e["pos"], e["et"]) for e in self.entries]}
        rules = []
        for i in armed:
            inj = self.plan["injections"][i]
            marker = str(self.dir / ("fault%d.fired" % i))
            how = inj["how"]
            if how.startswith("hook:"):
                _, when, path = how.split(":", 2)
                rules.append("%s:%s:%s" % (when, path, marker))
            elif how.startswith("py:"):
                job["py_faults"].append({"batch": inj["real_batch"], "point": how[3:], "marker": marker,
                                         "after_records": inj.get("after_records")})
            elif how == "udf":
                job["udf_kill"] = {"ids": inj["ids"], "after_records": inj["after_records"], "marker": marker,
                                   "counter": str(self.dir / ("fault%d.rows" % i))}
        return {"run_no": run_no, "job": job, "armed": armed, "rules": ";".join(rules), "rerun": rerun}

    def finish_run(self, spec, rc, seconds, out_path, section=None):
        run_no = spec["run_no"]
        trace_lines = []
        for p in (spec["job"]["trace"], str(self.dir / ("run%d.hook" % run_no))):
            if os.path.exists(p):
                trace_lines += open(p).read().splitlines()
        started = set()
        if spec["rerun"] is not None:
            started.add(spec["rerun"])
        for line in trace_lines:
            m = re.search(r"(?:done|halt before|halt after) (?:sources/0|offsets)/(\d+)$", line)
            if m:
                started.add(int(m.group(1)))
            m = re.search(r"batch (\d+) fn-start", line)
            if m:
                started.add(int(m.group(1)))
        for b in started:
            self.attempts[b] += 1
        fired_now = [i for i in spec["armed"] if os.path.exists(self.dir / ("fault%d.fired" % i))]
        self.fired.update(fired_now)
        drained = os.path.exists(spec["job"]["result"])
        self.runs.append({"run": run_no, "rc": rc, "seconds": round(seconds, 1), "armed": spec["armed"],
                          "fired": fired_now, "drained": drained, "batches_started": sorted(started),
                          "log": os.path.relpath(out_path, REPO)})
        if section is not None:
            self.stdout_sections.append(section)
        elif os.path.exists(out_path):
            self.stdout_sections.append(open(out_path, errors="replace").read())
        if drained:
            return "drained"
        if fired_now:
            return "crashed"
        self.error = "run %d ended (rc %d) with no injected fault and no result; see %s" % (
            run_no, rc, os.path.relpath(out_path, REPO))
        return "error"

    def run_single(self, spec):
        cfg = {"spark_conf": spark_conf(), "jobs": [spec["job"]], "process_info": str(self.dir / ("run%d.info" % spec["run_no"]))}
        cfg_path = self.dir / ("run%d.cfg.json" % spec["run_no"])
        cfg_path.write_text(json.dumps(cfg, indent=1))
        out_path = self.dir / ("run%d.log" % spec["run_no"])
        rc, secs = run_driver(cfg_path, out_path, {"CC_HOOK_RULES": spec["rules"],
                                                   "CC_HOOK_TRACE": str(self.dir / ("run%d.hook" % spec["run_no"]))})
        return self.finish_run(spec, rc, secs, out_path)

    # -- measurement ------------------------------------------------------------------------
    def measure(self):
        n = self.s["workload"]["records"]
        ids = ["r%d" % i for i in range(n)]
        last = self.runs[-1]
        res_path = self.dir / ("run%d.result.json" % last["run"])
        res = json.load(open(res_path)) if res_path.exists() else {}
        if res.get("query_error"):  # paths relative to the repository: the report reads the same anywhere
            res["query_error"] = res["query_error"].replace(str(REPO) + "/", "")
        rows = {}
        notes = []
        kind = self.sink["kind"]
        if kind in FB_SINKS:
            rows["table"] = [r[0] for r in self.pg.execute("SELECT id FROM %s ORDER BY at" % self.table, fetch=True)]
        elif kind == "file":
            rows["metadata_log"] = res.get("metadata_log", [])
            rows["raw_listing"] = res.get("raw_listing", [])
            bad = res.get("raw_unreadable_files", [])
            if bad:
                notes.append("raw listing: %d part file(s) unreadable (writer killed before the parquet footer: %s); "
                             "counted as 0 rows" % (len(bad), ", ".join("%s %d B" % (b["file"][:14], b["bytes"]) for b in bad)))
        elif kind == "memory":
            rows["memory_table"] = res.get("memory_table", [])
        elif kind == "console":
            out = []
            for sec in self.stdout_sections:
                for line in sec.splitlines():
                    m = re.match(r"^\|(r\d+)\s*\|", line)
                    if m:
                        out.append(m.group(1))
            rows["console_output"] = out
        if res.get("query_error"):
            notes.append("the final query %s: %s" % ("failed" if res.get("query_started", True) else "was refused at start",
                                                     res["query_error"]))
        readers = {name: reader_view(vals, ids) for name, vals in rows.items()}
        primary = READERS[kind][0]
        ck = self.checkpoint(last["run"])
        fs = {"offset_log": list_ids(ck / "offsets"), "commit_log": list_ids(ck / "commits")}
        if kind == "file":
            fs["sink"] = {"metadata_log": list_ids(self.out_dir / "_spark_metadata")}
        elif kind == "foreach_batch" and self.sink["control_table"]:
            fs["sink"] = {"control_table": [r[0] for r in self.pg.execute(
                "SELECT batch_id FROM %s ORDER BY batch_id" % self.ctl, fetch=True)]}
        else:
            fs["sink"] = {}
        unfired = []
        for i, inj in enumerate(self.plan["injections"]):
            if inj["kind"] != "republish" and i not in self.fired:
                unfired.append(i)
        real = {"primary_reader": primary}
        real.update(readers.get(primary, reader_view([], ids)))
        real.update({"readers": readers, "restarts": self.restarts, "unfired_faults": unfired, "final_state": fs,
                     "query_error": res.get("query_error"), "runs": self.runs, "notes": notes,
                     # The app marks a differing final_state entry only where the suite compares it.
                     "final_state_compared": self.plan["compare_logs"]})
        return real


def reader_view(vals, ids):
    c = Counter(vals)
    return {"visible": {i: c[i] for i in ids if c[i] > 0} | {k: v for k, v in c.items() if k not in ids},
            "missing": [i for i in ids if c[i] == 0],
            "duplicated": {i: c[i] for i in ids if c[i] >= 2}}


# ---------------------------------------------------------------------------------------------
# Engine prediction and comparison
# ---------------------------------------------------------------------------------------------

class Engine:
    """The engine binary, built now from this tree: the suite never runs without it."""

    def __init__(self):
        self.bin = None
        self.available = False
        WORK.mkdir(parents=True, exist_ok=True)
        build_log = WORK / "cargo-build.log"
        cmd = ["cargo", "build", "--bin", "crashcourse", "--message-format=json-render-diagnostics"]
        t = time.time()
        try:
            r = subprocess.run(cmd, cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=1500)
            build_log.write_text(r.stderr + r.stdout)
            rc = r.returncode
        except Exception as e:
            build_log.write_text("%s\n" % e)
            rc, r = None, None
        if rc == 0:
            for line in r.stdout.splitlines():
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get("reason") == "compiler-artifact" and msg.get("executable") and \
                        msg.get("target", {}).get("name") == "crashcourse":
                    self.bin = msg["executable"]
        if self.bin and os.path.exists(self.bin):
            self.available = True
            shown = os.path.relpath(self.bin, REPO) if self.bin.startswith(str(REPO)) else self.bin
            self.status = "engine: %s, built by the suite from this tree" % shown
        else:
            tail = [l for l in build_log.read_text().splitlines() if l.strip()][-1:]
            self.status = "engine build failed (%s): %s" % (" ".join(cmd[:4]), tail[0][:200] if tail else "no output")

    def predict(self, item):
        p = WORK / item["name"] / "scenario.json"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(item["scenario"], indent=1))
        try:
            r = subprocess.run([self.bin, "run", str(p)], capture_output=True, text=True, timeout=120)
        except Exception as e:
            return None, "engine failed to run: %s" % e
        if r.returncode != 0:
            return None, "engine exit %d: %s" % (r.returncode, (r.stderr or r.stdout).strip()[:300])
        try:
            return json.loads(r.stdout), None
        except ValueError:
            return None, "engine printed no JSON: %s" % r.stdout[:200]


def norm_counts(visible, ids):
    out = {i: 0 for i in ids}
    for k, v in (visible or {}).items():
        out[k] = v
    return out


def compare(pred, real, plan, ids, partial=False):
    """Differences between a prediction (engine outcome, or a case's `expect` when partial) and
    the real outcome. Compares visible/missing/duplicated per reader, offset/commit logs, sink
    state, restarts and unfired faults, on the keys the prediction has."""
    diffs = []
    preaders = dict(pred.get("readers") or {})
    if not partial or any(k in pred for k in ("visible", "missing", "duplicated")):
        primary = pred.get("primary_reader") or real["primary_reader"]
        preaders.setdefault(primary, {k: pred[k] for k in ("visible", "missing", "duplicated") if k in pred})
    diffs += reader_diffs(preaders, real, ids)
    pfs = pred.get("final_state") or {}
    if plan["compare_logs"]:
        for k in ("offset_log", "commit_log"):
            if pfs.get(k) is not None and sorted(pfs[k]) != real["final_state"][k]:
                diffs.append("%s: predicted %s, real %s" % (k, pfs[k], real["final_state"][k]))
        for k in ("metadata_log", "control_table"):
            pv = (pfs.get("sink") or {}).get(k)
            rv = real["final_state"]["sink"].get(k)
            if pv is not None and rv is not None and sorted(pv) != rv:
                diffs.append("sink %s: predicted %s, real %s" % (k, pv, rv))
    return diffs + run_diffs(pred, real)


def reader_diffs(preaders, real, ids):
    """Each predicted reader against the measured one, on the keys the prediction has
    (Spark and Flink alike)."""
    diffs = []
    for name, pr in preaders.items():
        rr = real["readers"].get(name)
        if rr is None:
            diffs.append("reader %s: not measured" % name)
            continue
        if "visible" in pr and norm_counts(pr["visible"], ids) != norm_counts(rr["visible"], ids):
            diffs.append("%s visible: predicted %s, real %s" % (name, compact(pr["visible"]), compact(rr["visible"])))
        if "missing" in pr and sorted(pr["missing"]) != sorted(rr["missing"]):
            diffs.append("%s missing: predicted %s, real %s" % (name, pr["missing"], rr["missing"]))
        if "duplicated" in pr and pr["duplicated"] != rr["duplicated"]:
            diffs.append("%s duplicated: predicted %s, real %s" % (name, pr["duplicated"], rr["duplicated"]))
    return diffs


def run_diffs(pred, real):
    """Restarts and unfired faults, when the prediction has them (Spark and Flink alike)."""
    diffs = []
    if "restarts" in pred and pred["restarts"] != real["restarts"]:
        diffs.append("restarts: predicted %s, real %s" % (pred["restarts"], real["restarts"]))
    if "unfired_faults" in pred and sorted(pred["unfired_faults"]) != sorted(real["unfired_faults"]):
        diffs.append("unfired_faults: predicted %s, real %s" % (pred["unfired_faults"], real["unfired_faults"]))
    return diffs


def compact(visible):
    return "{%s}" % ", ".join("%s:%d" % (k, v) for k, v in sorted((visible or {}).items(), key=lambda kv: idkey(kv[0])) if v)


def idkey(i):
    return int(i[1:]) if re.fullmatch(r"r\d+", i) else 10**9


def summarize(out, readers_order, default_primary="primary"):
    """One short line per reader: 'table: dup r2×2' / 'missing r4,r5' / 'exact'."""
    if out is None:
        return "—"
    parts = []
    rd = dict(out.get("readers") or {})
    if not rd and any(k in out for k in ("missing", "duplicated")):
        rd[out.get("primary_reader", default_primary)] = out
    for name in sorted(rd, key=lambda n: readers_order.index(n) if n in readers_order else 99):
        r = rd[name]
        bits = []
        if r.get("missing"):
            bits.append("missing " + ",".join(r["missing"]))
        if r.get("duplicated"):
            bits.append("dup " + ",".join("%s×%d" % (k, v) for k, v in sorted(r["duplicated"].items(), key=lambda kv: idkey(kv[0]))))
        if "missing" not in r and "duplicated" not in r:
            continue
        parts.append("%s: %s" % (name, "; ".join(bits) if bits else "each once"))
    fs = out.get("final_state") or {}
    if fs.get("offset_log") is not None:
        parts.append("offsets %s / commits %s" % (rng(fs.get("offset_log")), rng(fs.get("commit_log"))))
    if fs.get("checkpoints") is not None:  # Flink: completed epochs and the position in the newest
        co = fs.get("committed_offsets")
        parts.append("checkpoints %s%s" % (rng(fs["checkpoints"]), " at position %s" % co[0] if co else ""))
        sk = fs.get("sink") or {}
        if "committed_transactions" in sk:
            parts.append("txns %d committed, %d aborted" % (sk["committed_transactions"], sk["aborted_transactions"]))
    if "restarts" in out:
        parts.append("restarts %d" % out["restarts"])
    return "<br>".join(parts) if parts else "—"


def rng(ids):
    if ids is None:
        return "?"
    if not ids:
        return "[]"
    if ids == list(range(ids[0], ids[-1] + 1)) and len(ids) > 2:
        return "%d..%d" % (ids[0], ids[-1])
    return ",".join(map(str, ids))


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def main():
    t_start = time.time()
    WORK.mkdir(parents=True, exist_ok=True)
    items, flink_items = select(load_scenarios(), flink_part.load_scenarios())
    import pyspark

    spark_version = pyspark.__version__
    engine = Engine()
    if not engine.available:
        log("fidelity: %s; see %s. Refusing to run without the engine." % (
            engine.status, os.path.relpath(WORK / "cargo-build.log", REPO)))
        print("fidelity: 0 passed, 1 failed", flush=True)
        return 1
    course = course_backs(engine, [it["scenario"] for it in flink_items + items])
    for it, found in zip(flink_items, course):
        it["backs"] = found + [b for b in it["backs"] if b not in found]
        if it.get("case"):
            it["backs"].append("case " + it["case"].split("-")[0])
    for it, found in zip(items, course[len(flink_items):]):
        # A note check runs under another setting than the course's scenario: only its catalog entry says what it backs.
        found = [] if it.get("note_check") else found
        it["backs"] = found + [b for b in it["backs"] if b not in found]
        nc = it.get("note_check")
        if nc and "note %s" % nc["note"] not in it["backs"]:
            it["backs"].insert(0, "note %s" % nc["note"])
        if it.get("case"):
            it["backs"].append("case " + it["case"].split("-")[0])
    log("fidelity: %d Spark scenarios (pyspark %s), %d Flink scenarios (Flink %s); %s" % (
        len(items), spark_version, len(flink_items), flink_part.flink_version(), engine.status))
    cds = ensure_cds() if items else "not needed (no Spark scenario selected)"
    log("fidelity: AppCDS archive %s" % cds)

    runnable, results = [], []
    for idx, it in enumerate(items):
        it["norm"] = normalize(it["scenario"])
        try:
            it["plan"] = translate(it["norm"])
            runnable.append((idx, it))
        except Unreachable as e:
            it["plan"] = None
            it["unreachable"] = str(e)
        except Exception as e:  # a harness bug or a scenario the engine would reject
            it["plan"] = None
            it["translate_error"] = "cannot translate: %s: %s" % (type(e).__name__, e)

    pg = Postgres()
    try:
        pg.start()
        log("fidelity: PostgreSQL %s on 127.0.0.1:%d" % (pg.bin.split("/")[-2], pg.port))
        sruns = {}
        for idx, it in runnable:
            sruns[idx] = ScenarioRun(idx, it, it["plan"], pg)

        # Phase A: runs with a fault armed, one JVM each, FIDELITY_JOBS at a time.
        finals = []

        def crash_phase(idx):
            sr = sruns[idx]
            while len(sr.runs) < MAX_RUNS:
                if STOP.is_set():
                    return None
                spec = sr.prepare_run()
                if not spec["armed"]:
                    return spec  # nothing can crash any more: the final run, batched in phase B
                st = sr.run_single(spec)
                log("  %-52s run %d: %s (%.0fs)" % (sr.item["name"][:52], spec["run_no"], st, sr.runs[-1]["seconds"]))
                if st == "error":
                    return None
                if st == "drained":
                    return None
            sr.error = "more than %d runs" % MAX_RUNS
            return None

        t_a = time.time()
        with cf.ThreadPoolExecutor(JOBS) as ex:
            futs = {ex.submit(crash_phase, idx): idx for idx, _ in runnable}
            for f in cf.as_completed(futs):
                idx = futs[f]
                try:
                    spec = f.result()
                except Exception as e:
                    sruns[idx].error = "harness error: %s" % e
                    spec = None
                if spec is not None:
                    finals.append((idx, spec))
        log("fidelity: crash runs done in %.0fs; %d final runs to batch" % (time.time() - t_a, len(finals)))

        # Phase B: the final runs (no fault left to inject) of many scenarios share a JVM.
        t_b = time.time()
        groups = [[] for _ in range(max(1, min(JOBS, len(finals))))]
        for k, fin in enumerate(sorted(finals)):
            groups[k % len(groups)].append(fin)

        def final_group(g, members):
            d = WORK / ("_final%d" % g)
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
            cfg = {"spark_conf": spark_conf(), "jobs": [spec["job"] for _, spec in members],
                   "process_info": str(d / "info.json")}
            for i, (_, spec) in enumerate(members):
                spec["job"]["stdout_marker"] = "@@fidelity-job-%d" % i
            (d / "cfg.json").write_text(json.dumps(cfg, indent=1))
            rc, secs = run_driver(d / "cfg.json", d / "out.log", {"CC_HOOK_TRACE": str(d / "hook")},
                                  timeout=RUN_TIMEOUT + 60 * len(members))
            text = open(d / "out.log", errors="replace").read()
            for i, (idx, spec) in enumerate(members):
                sec = section_of(text, i)
                st = sruns[idx].finish_run(spec, rc, secs, d / "out.log", section=sec)
                log("  %-52s run %d: %s (shared JVM %d)" % (sruns[idx].item["name"][:52], spec["run_no"], st, g))

        if finals:
            with cf.ThreadPoolExecutor(len(groups)) as ex:
                list(ex.map(lambda a: final_group(*a), enumerate(groups)))
        log("fidelity: final runs done in %.0fs" % (time.time() - t_b))

        # Measure and compare.
        passed = failed = unreachable = 0
        for idx, it in enumerate(items):
            ids = ["r%d" % i for i in range(it["norm"]["workload"]["records"])] if it.get("norm") else []
            pred, perr = engine.predict(it)
            entry = {"system": "spark", "file": it["file"], "title": it["title"], "case": it.get("case"),
                     "backs": it.get("backs", []), "scenario": it["scenario"], "engine": pred, "real": None,
                     "match": None, "notes": list(it["plan"]["notes"]) if it.get("plan") else []}
            if it.get("unreachable"):
                entry["verdict"] = "not reachable"
                entry["notes"].insert(0, it["unreachable"])
                unreachable += 1
                results.append(entry)
                continue
            if it.get("translate_error"):
                entry["verdict"] = "error"
                entry["match"] = False
                entry["notes"].insert(0, it["translate_error"])
                failed += 1
                results.append(entry)
                continue
            sr = sruns[idx]
            if sr.error:
                entry["verdict"] = "error"
                entry["match"] = False
                entry["notes"].insert(0, sr.error)
                entry["real"] = {"runs": sr.runs}
                failed += 1
                results.append(entry)
                continue
            real = sr.measure()
            entry["real"] = real
            entry["notes"] += real["notes"]
            nc = it.get("note_check")
            if nc:
                # Real Spark under a setting the scenario format cannot express (and the engine
                # does not model), checked against what the note tells the learner. The engine's
                # answer (the modelled setting) is shown, not compared.
                diffs = compare(nc["real"], real, it["plan"], ids, partial=True)
                want = nc["real"].get("query_error", "")
                got = real.get("query_error")
                if want is None and got:
                    diffs.append("query error: expected none, real %s" % got)
                elif want and want not in (got or ""):
                    diffs.append("query error: expected one containing %r, real %s" % (want, got or "none"))
                entry["compared_with"] = "note %s" % nc["note"]
                entry["note_check"] = nc
                if pred is not None:
                    entry["notes"].insert(0, "engine (models %s): %s" % (
                        nc["engine_models"], summarize(pred, ["table", "metadata_log", "raw_listing", "memory_table",
                                                               "console_output"]).replace("<br>", "; ")))
                elif perr:
                    diffs.append("engine: " + perr)
                entry["notes"].insert(0, "checks note (%s) under %s: %s" % (nc["note"], nc["setting"], nc["claim"]))
                entry["diffs"] = diffs
                entry["match"] = not diffs
                entry["verdict"] = "note check" if not diffs else "NOTE CHECK FAILED"
                if diffs:
                    failed += 1
                else:
                    passed += 1
                results.append(entry)
                continue
            if pred is not None:
                diffs = compare(pred, real, it["plan"], ids)
            else:
                diffs = ["engine: " + (perr or "no prediction")]
            entry["compared_with"] = "engine"
            if it.get("expect") is not None:
                # The hand-derived spec expectation, checked too: a disagreement is a note.
                sd = compare(it["expect"], real, it["plan"], ids, partial=True)
                entry["expect"] = it["expect"]
                entry["spec_diffs"] = sd
                entry["notes"].append("real vs spec expectation: " + ("agrees" if not sd else "differs: " + "; ".join(sd)))
            entry["diffs"] = diffs
            entry["match"] = not diffs
            entry["verdict"] = "match" if not diffs else "MISMATCH"
            if diffs:
                failed += 1
            else:
                passed += 1
            results.append(entry)
        spark_ran = passed + failed
        t_f = time.time()
        helpers = {"normalize": normalize, "entries_of": entries_of, "reader_view": reader_view,
                   "reader_diffs": reader_diffs, "run_diffs": run_diffs, "log": log, "section_of": section_of}
        fres, fp, ff, fu = flink_part.run_all(flink_items, pg, engine, helpers, JOBS, CHILDREN, LOCK, STOP) \
            if flink_items else ([], 0, 0, 0)
        log("fidelity: Flink part done in %.0fs: %d passed, %d failed, %d not reachable" % (
            time.time() - t_f, fp, ff, fu))
        results += fres
        passed, failed, unreachable = passed + fp, failed + ff, unreachable + fu
    finally:
        pg.stop()

    if not subset() and spark_ran < MIN_SCENARIOS:
        log("fidelity: only %d scenarios ran in real Spark, at least %d expected (MIN_SCENARIOS)" % (
            spark_ran, MIN_SCENARIOS))
        failed += 1
    if not subset() and fp + ff < flink_part.MIN_FLINK_SCENARIOS:
        log("fidelity: only %d scenarios ran in real Flink, at least %d expected (flink_part.MIN_FLINK_SCENARIOS)" % (
            fp + ff, flink_part.MIN_FLINK_SCENARIOS))
        failed += 1
    total = time.time() - t_start
    # Every run (a subset too) leaves its verdicts in work/ for a look.
    (WORK / "results.json").write_text(json.dumps(
        [{k: v for k, v in r.items() if k != "real"} | {"real": {k: v for k, v in (r.get("real") or {}).items()
                                                                 if k != "runs"}} for r in results], indent=1))
    if subset():
        log("fidelity: a subset (FIDELITY_ONLY / FIDELITY_SYSTEMS): REPORT.md and assets/fidelity.json left as they "
            "are (%.0fs)" % total)
    elif write_report(results, spark_version, engine, cds, total, passed, failed, unreachable):
        log("fidelity: REPORT.md and assets/fidelity.json written (%.0fs)" % total)
    else:
        log("fidelity: same results as REPORT.md and assets/fidelity.json, left as they are (%.0fs)" % total)
    # Scenarios real Spark cannot reach are neither passed nor failed: counted as skipped.
    print("fidelity: %d passed, %d failed, %d skipped (not reachable in real Spark or Flink)"
          % (passed, failed, unreachable), flush=True)
    return 1 if failed else 0


def section_of(text, i):
    """The part of a shared JVM's stdout that belongs to job i (console sink output)."""
    start = "@@fidelity-job-%d start" % i
    end = "@@fidelity-job-%d end" % i
    a = text.find(start)
    if a < 0:
        return ""
    b = text.find(end, a)
    return text[a:b if b >= 0 else len(text)]


def md(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def write_report(results, spark_version, engine, cds, total, passed, failed, unreachable):
    install = os.environ.get("FIDELITY_INSTALL_SECONDS")
    spark = [r for r in results if r.get("system") == "spark"]
    flink = [r for r in results if r.get("system") == "flink"]

    def counts(rs):
        return (sum(r["verdict"] in ("match", "note check") for r in rs),
                sum(r["verdict"] in ("MISMATCH", "error", "NOTE CHECK FAILED") for r in rs),
                sum(r["verdict"] == "not reachable" for r in rs))

    sp, sf, su = counts(spark)
    fp, ff, fu = counts(flink)
    lines = ["# crashcourse real-Spark and real-Flink fidelity report", "",
             "Generated by `fidelity/run` on %s." % time.strftime("%Y-%m-%d %H:%M:%S %Z"), "",
             "- Apache Spark (pyspark) **%s**, local[1]; Apache Flink **%s** (jars of the PyPI package "
             "apache-flink-libraries), MiniCluster, parallelism 1; Java %s, PostgreSQL %s" % (
                 spark_version, flink_part.flink_version(), java_version(), pg_version()),
             "- Prediction source: %s" % engine.status,
             "- Total duration: **%.0f s**%s; AppCDS archive (Spark) %s" % (
                 total, " (plus %s s install/check)" % install if install else "", cds),
             "- Result: **%d passed, %d failed**, %d not reachable (not counted): Spark %d passed (%d match the "
             "engine, %d note checks), %d failed, %d not reachable; Flink %d passed, %d failed, %d not reachable" % (
                 passed, failed, unreachable, sp, sum(r["verdict"] == "match" for r in spark),
                 sum(r["verdict"] == "note check" for r in spark), sf, su, fp, ff, fu),
             "", "## Spark", "",
             "Each scenario runs as a real Structured Streaming query with a checkpoint; faults are real process "
             "deaths (SIGKILL of the JVM from foreachBatch, `Runtime.halt` around a checkpoint-file write, SIGKILL "
             "from a UDF inside a write task); the query is restarted on the same checkpoint until it drains. "
             "`readers` are measured in PostgreSQL, through Spark's reader (`_spark_metadata`), by reading every "
             "`part-*` file on its own, from the memory table, or from the console output. See README.md.", "",
             "A **note check** runs a scenario under a Spark setting that the scenario format cannot express and the "
             "engine does not model (it models the setting §10 of the semantics states); its prediction column is "
             "the note's claim, and the engine's own answer for the modelled setting is in the notes. `backs`: the "
             "modelling note (semantics §10), lessons, quiz questions, presets and shared cases whose claim the "
             "scenario checks in real Spark (lessons and quiz questions found by running exactly this scenario).", "",
             "| # | scenario | backs | prediction | real Spark | verdict | notes |", "|---|---|---|---|---|---|---|"]
    order = ["table", "read_committed", "read_uncommitted", "metadata_log", "raw_listing", "memory_table",
             "console_output"]

    def row(k, r):
        rp = (r.get("real") or {}).get("primary_reader", "primary")
        nc = r.get("note_check")
        if nc:
            pred_s = "note (%s): %s" % (nc["note"], summarize(nc["real"], order, rp) or "—")
            if nc["real"].get("query_error"):
                pred_s += "<br>query error: %s" % nc["real"]["query_error"]
            elif "query_error" in nc["real"]:
                pred_s += "<br>no query error"
        else:
            pred_s = summarize(r["engine"], order, rp) if r.get("engine") else "— (engine error)"
        real_s = summarize(r["real"], order) if r.get("real") and "readers" in r["real"] else "—"
        if nc and r.get("real") and r["real"].get("query_error"):
            real_s += "<br>query error: %s" % r["real"]["query_error"][:120]
        notes = list(r.get("notes", []))
        if r.get("diffs"):
            notes = ["**" + "; ".join(r["diffs"]) + "**"] + notes
        return "| %d | `%s`<br>%s | %s | %s | %s | %s | %s |" % (
            k, md(os.path.basename(r["file"])), md(r["title"]), md("<br>".join(r.get("backs") or []) or "—"),
            md(pred_s), md(real_s), r["verdict"], md("; ".join(notes)))

    for k, r in enumerate(spark, 1):
        lines.append(row(k, r))
    checks = [r for r in spark if r["verdict"] == "note check"]
    if checks:
        lines += ["", "### Note checks: what real Spark does under a setting the engine does not model", ""]
        for r in checks:
            nc = r["note_check"]
            lines.append("- `%s` backs note (%s): under %s, %s" % (
                os.path.basename(r["file"]), nc["note"], nc["setting"], nc["claim"]))
            lines.append("  - real Spark: %s%s" % (
                summarize(r["real"], ["table", "metadata_log", "raw_listing", "memory_table", "console_output"]).replace(
                    "<br>", "; "), "; query error: %s" % r["real"]["query_error"] if r["real"].get("query_error") else ""))
    lines += ["", "## Flink", "",
              "Each scenario runs as a small Java DataStream job (one source, one sink, parallelism 1; "
              "`fidelity/flink/java/FlinkFidelity.java`) in a MiniCluster, one JVM per process run. An epoch is "
              "the data between two barriers: the source hands over `batch_size` entries, the suite triggers a "
              "checkpoint once the sink has written them, and the next epoch starts when notifyCheckpointComplete "
              "reaches the source (after the committer). Faults are real process deaths: `Runtime.halt` inside the "
              "operator at the named step (the source after `read`, the sink writer after the epoch's last row, the "
              "committer before or after `COMMIT PREPARED`, the source's notifyCheckpointComplete after "
              "`checkpoint` when no commit runs). Every restart restores the newest retained checkpoint "
              "(`RETAIN_ON_CANCELLATION`, `execution.state-recovery.path`), or starts fresh when there is none; "
              "`delete_checkpoint` deletes the retained checkpoints. A zombie is a second job instance on the same "
              "transactional identity while the first one waits at its step.", "",
              "**Stand-ins** (the Kafka connector is not in the package, as the Spark part uses the file source for "
              "Kafka): the log source is a replayable FLIP-27 source whose position is checkpointed reader state, "
              "like a Kafka split; a Kafka sink with transactions is a Sink V2 with a committer that writes each "
              "epoch in one PostgreSQL transaction, `PREPARE TRANSACTION` at the barrier, `COMMIT PREPARED` on "
              "checkpoint completion or at recovery, and on start fences older sessions of its transactional "
              "identity and rolls back prepared transactions of unrestored checkpoints (initTransactions). "
              "PostgreSQL's prepared transactions stand in for Kafka transactions; such a scenario checks semantics "
              "%s. `read_committed` is the table; `read_uncommitted` adds the rows the job wrote in transactions that "
              "never committed (prepared or aborted), recorded from the job's own log. A Kafka sink without "
              "transactions is an autocommitted INSERT. A transaction timeout is enforced by the suite: before a "
              "restart it rolls back the prepared transactions begun at least `transaction_timeout` ticks earlier "
              "on the scenario's clock, as the broker does (§7.3)." % (
                  "; ".join(flink_part.SPEC_RULES.values())), "",
              "Compared with the engine: every reader, the completed checkpoints (checkpoint n seals epoch n − 1), "
              "the position in the newest one, the position each restart resumes from, the transactions committed "
              "and aborted, restarts and unfired faults.", "",
              "| # | scenario | backs | prediction | real Flink | verdict | notes |", "|---|---|---|---|---|---|---|"]
    for k, r in enumerate(flink, 1):
        lines.append(row(k, r))
    bad = [r for r in results if r["verdict"] in ("MISMATCH", "error", "NOTE CHECK FAILED")]
    if bad:
        lines += ["", "## Where the real system and the prediction disagree", ""]
        for r in bad:
            lines.append("- %s `%s` (%s): %s" % (r.get("system"), os.path.basename(r["file"]), r["verdict"],
                                                 "; ".join(r.get("diffs") or [])))
            for n in r.get("notes", []):
                if n.startswith("the final query failed") or n.startswith("run ") or n.startswith("raw listing"):
                    lines.append("  - %s" % n)
            for run in (r.get("real") or {}).get("runs", []):
                lines.append("  - run %d: %s, armed faults %s, fired %s, log `%s`" % (
                    run["run"], "ran to the end" if run["drained"] else "died (rc %s)" % run["rc"], run["armed"],
                    run["fired"], run["log"]))
    lines += ["", "Run logs, traces and checkpoints of the last run are under `fidelity/work/` (not committed).", ""]
    changed = write_if_changed(FID / "REPORT.md", "\n".join(lines))
    assets = REPO / "assets"
    assets.mkdir(exist_ok=True)
    doc = {"spark_version": spark_version, "flink_version": flink_part.flink_version(),
           "generated_by": "fidelity/run", "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "prediction_source": engine.status, "duration_seconds": round(total, 1),
           "summary": {"passed": passed, "failed": failed, "not_reachable": unreachable,
                       "spark": {"passed": sp, "failed": sf, "not_reachable": su},
                       "flink": {"passed": fp, "failed": ff, "not_reachable": fu}},
           "scenarios": []}
    for r in results:
        real = r.get("real")
        if real and "readers" in real:
            real = {k: v for k, v in real.items() if k != "runs"} | {
                "runs": [{k: v for k, v in x.items() if k != "log"} for x in real["runs"]]}
        doc["scenarios"].append({"system": r.get("system"), "file": r["file"], "title": r["title"],
                                 "scenario": r.get("scenario"), "backs": r.get("backs", []),
                                 "match": r["match"], "verdict": r["verdict"], "note_check": r.get("note_check"),
                                 "compared_with": r.get("compared_with"), "engine": r.get("engine"),
                                 "expect": r.get("expect"), "real": real, "differences": r.get("diffs", []),
                                 "differences_from_spec_expectation": r.get("spec_diffs"),
                                 "notes": r.get("notes", [])})
    changed = write_if_changed(assets / "fidelity.json", json.dumps(doc, indent=1) + "\n") or changed
    return changed


# What differs between two runs with the same results: times, durations, query ids.
_VOLATILE = [
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    re.compile(r"\b[0-9a-f]{32}\b"),  # Flink job ids
    re.compile(r"(?<=[iI]d = )[0-9a-f-]+"),  # a query id cut short by the 300-character error excerpt
    re.compile(r'"(generated_at|duration_seconds|seconds)": [^,\n]*'),
    re.compile(r"^Generated by `fidelity/run` on .*$", re.M),
    re.compile(r"^- Total duration: .*$", re.M),
]


def _stable(text):
    for p in _VOLATILE:
        text = p.sub("~", text)
    return text


def write_if_changed(path, text):
    """Write `text` unless the file already says the same apart from times and query ids,
    so that a run with the same results leaves the committed report untouched."""
    if path.exists() and _stable(path.read_text()) == _stable(text):
        return False
    path.write_text(text)
    return True


def java_version():
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
        m = re.search(r'version "([^"]+)"', out)
        return m.group(1) if m else "?"
    except Exception:
        return "?"


def pg_version():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not bins:
        return "?"
    try:
        out = subprocess.run([bins[-1], "--version"], capture_output=True, text=True).stdout
        m = re.search(r"\(PostgreSQL\) (\S+)", out)
        return m.group(1) if m else out.strip()
    except Exception:
        return "?"


def on_signal(signum, frame):
    # No new runs; end our own driver process groups; unwind so that PostgreSQL is stopped.
    STOP.set()
    with LOCK:
        for pid in list(CHILDREN):
            try:
                os.killpg(pid, 9)
            except ProcessLookupError:
                pass
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sys.exit(main())
