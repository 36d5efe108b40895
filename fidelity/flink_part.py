"""The Flink part of crashcourse's fidelity suite: real Apache Flink 2.3 (a MiniCluster in one JVM
per process run, fidelity/flink/java/FlinkFidelity.java) against the engine's flink answers.

For every Flink scenario (fidelity/flink/scenarios/*.json, plus the flink cases of the shared spec
that are not already there): lay out the source, decide how each fault is injected (or report the
scenario as not reachable, with the reason), run the job until it drains, restarting it from the
newest retained checkpoint after every real process death, measure what each reader sees, and
compare with `crashcourse run`.

Stand-ins, said in the report:
* source `log`: a replayable FLIP-27 source over the scenario's entries (republished copies and
  arrival ticks included) whose position is checkpointed reader state, like a Kafka split;
* sink `kafka` with transactions: a Sink V2 with a committer doing two-phase commit in
  PostgreSQL (PREPARE TRANSACTION at the barrier, COMMIT PREPARED on notifyCheckpointComplete or
  at recovery); `read_committed` is the table, `read_uncommitted` adds the rows the job wrote in
  transactions that never committed (recorded in its own log);
* sink `kafka` without transactions: a plain autocommitted INSERT (every reader sees each row);
* transaction timeout: before a restart the suite rolls back the prepared transactions older than
  the scenario's timeout on the scenario's clock (ticks: downtime and arrivals), as the broker does.
"""

import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

FID = Path(__file__).resolve().parent
REPO = FID.parent
WORK = FID / "work" / "flink"
BUILD = FID / ".build"
FLINK_JAR = BUILD / "flink-fidelity.jar"
PG_JDBC = "/usr/share/java/postgresql.jar"
RUN_TIMEOUT = 180
MAX_RUNS = 8
STEPS = ("read", "sink_write", "checkpoint", "sink_commit")
# A full run must run at least this many Flink scenarios (passed + failed).
MIN_FLINK_SCENARIOS = 25

SPEC_RULES = {
    "twopc": "§3.3 (checkpoint, pre-commit, commit on notifyCheckpointComplete, recovery commit), "
             "§7.2 (transactional sink, read_committed / read_uncommitted, initTransactions aborts and fences)",
    "timeout": "§7.3 (a transaction that outlives its timeout before its commit is lost)",
}


class Unreachable(Exception):
    pass


def flink_lib():
    libs = sorted(FID.glob(".venv/lib/python*/site-packages/pyflink/lib"))
    if not libs:
        raise RuntimeError("apache-flink-libraries is not installed in fidelity/.venv (pyflink/lib missing)")
    return libs[-1]


def flink_version():
    try:
        jar = next(flink_lib().glob("flink-dist-*.jar"))
        return jar.stem.split("flink-dist-")[1]
    except Exception:
        return "?"


def classpath():
    return "%s:%s/*:%s" % (FLINK_JAR, flink_lib(), PG_JDBC)


def normalize(s, base_normalize):
    s = base_normalize(s)
    sink = s["sink"]
    if sink["kind"] == "kafka":
        sink.setdefault("idempotence", True)
        sink.setdefault("transactions", False)
        sink.setdefault("isolation", "read_uncommitted")
        if sink["transactions"]:
            sink.setdefault("transaction_timeout", 60)
    for f in s["faults"]:
        if f["kind"] in ("crash", "crash_mid_write", "zombie"):
            f.setdefault("downtime", 1)
    return s


def readers_of(sink):
    if sink["kind"] == "kafka":
        return ["read_committed", "read_uncommitted"] if sink["isolation"] == "read_committed" else \
            ["read_uncommitted", "read_committed"]
    return {"append": ["table"], "upsert": ["table"], "console": ["console_output"]}[sink["kind"]]


def translate(s, entries_of):
    """How real Flink runs the scenario; raises Unreachable with the reason otherwise."""
    if s["engine"]["kind"] != "flink":
        raise Unreachable("engine %s: the Flink part runs engine flink only" % s["engine"]["kind"])
    src, sink, w = s["source"], s["sink"], s["workload"]
    notes = []
    if src["kind"] == "log":
        if w["partitions"] > 1:
            raise Unreachable("partitions > 1: the replayable stand-in source has one partition")
        notes.append("log: the replayable FLIP-27 stand-in")
    elif src["kind"] == "socket":
        notes.append("socket: Flink's socketTextStream fed by a server that hands out each entry once ever, one "
                     "epoch at a time (the next chunk after notifyCheckpointComplete); a restored epoch with no "
                     "line left still gets its checkpoint, as a periodic one would (§2.3 v1.1)")
    else:
        raise Unreachable("source %s: not a Flink source" % src["kind"])
    kind = sink["kind"]
    if kind == "kafka" and sink["transactions"]:
        jkind = "twopc"
        notes.append("Kafka transactions: the PostgreSQL two-phase-commit stand-in (Sink V2 + committer); checks "
                     + SPEC_RULES["twopc"])
    elif kind == "kafka":
        jkind = "append"
        notes.append("Kafka without transactions: the autocommitted-INSERT stand-in, both readers see every row")
    elif kind in ("append", "upsert"):
        jkind = kind
        notes.append("PostgreSQL via JDBC: " + ("autocommitted INSERT per row" if kind == "append" else
                                                "INSERT ... ON CONFLICT (key %s) per row" % sink.get("key", "record_id")))
    elif kind == "console":
        jkind = "console"
        notes.append("console: Flink's PrintSink writer on stdout, every run's output counted")
    else:
        raise Unreachable("sink %s: not a Flink sink" % kind)
    if src["kind"] == "socket" and jkind == "twopc":
        raise Unreachable("socket source with a transactional sink: Flink cannot chain the legacy socket source with "
                          "the Sink V2 writer (it needs the mailbox), so the committer runs in another task than the "
                          "source's notifyCheckpointComplete and the next epoch's lines could reach the writer before "
                          "the commit; the model's epoch order is not reproducible deterministically")
    injections = []
    timeout = None
    for f in s["faults"]:
        k = f["kind"]
        if k == "republish":
            injections.append({"kind": "republish"})
        elif k == "delete_checkpoint":
            injections.append({"kind": "delete_checkpoint", "before_restart": f["before_restart"]})
        elif k == "crash":
            injections.append({"kind": "crash", "step": f["after"], "epoch": f["batch"], "attempt": f["attempt"],
                               "downtime": f["downtime"]})
        elif k == "crash_mid_write":
            injections.append({"kind": "crash", "step": "mid_write", "epoch": f["batch"], "attempt": f["attempt"],
                               "downtime": f["downtime"], "after_records": f["after_records"]})
        elif k == "zombie":
            if jkind != "twopc":
                raise Unreachable("zombie with sink %s: two MiniClusters share no JobManager, so nothing rejects the "
                                  "zombie's checkpoint (Flink fences a cut-off TaskManager through its JobManager); "
                                  "only a transactional identity makes the zombie real" % kind)
            injections.append({"kind": "zombie", "step": f["after"], "epoch": f["batch"], "attempt": f["attempt"],
                               "downtime": f["downtime"]})
        elif k == "pause":
            raise Unreachable("fault pause: a real job cannot be stalled on the scenario's clock (and PostgreSQL "
                              "cannot abort an open transaction behind the writer's back the way a broker does)")
        elif k == "lost_ack":
            raise Unreachable("fault lost_ack: no lost acknowledgement is injected by this suite")
        else:
            raise Unreachable("fault %s: not translated" % k)
    if jkind == "twopc":
        timeout = sink["transaction_timeout"]
        if any(i.get("downtime", 1) >= timeout for i in injections) or any(
                t != 0 for t in w["arrival_ticks"]):
            notes.append("transaction timeout %d ticks enforced by the suite: before each restart it rolls back "
                         "(ROLLBACK PREPARED) the prepared transactions begun ≥ %d ticks earlier on the scenario's "
                         "clock, as the broker aborts them; checks %s" % (timeout, timeout, SPEC_RULES["timeout"]))
    if any(t != 0 for t in w["arrival_ticks"]):
        notes.append("arrival ticks: the source makes an entry available once the scenario's clock reaches it "
                     "and jumps the clock to the next arrival when idle (§1.1)")
    return {"injections": injections, "notes": notes, "jkind": jkind, "timeout": timeout,
            "socket": src["kind"] == "socket", "readers": readers_of(sink)}


def load_scenarios():
    catalog = json.load(open(FID / "flink" / "catalog.json"))
    out = []
    for p in sorted((FID / "flink" / "scenarios").glob("*.json")):
        meta = catalog.get(p.name, {})
        out.append({"file": "fidelity/flink/scenarios/" + p.name, "name": "flink-" + p.stem,
                    "scenario": json.load(open(p)), "title": meta.get("title", p.stem), "why": meta.get("why", ""),
                    "case": meta.get("case"), "backs": list(meta.get("backs", [])), "expect": meta.get("expect")})
    cases_dir = os.environ.get("FIDELITY_CASES_DIR", str(REPO.parent / "shared" / "spec" / "cases"))
    if cases_dir != "none" and os.path.isdir(cases_dir):
        have = [json.dumps(x["scenario"], sort_keys=True) for x in out]
        for p in sorted(Path(cases_dir).glob("*.json")):
            case = json.load(open(p))
            sc = case.get("scenario", {})
            if sc.get("engine", {}).get("kind") != "flink":
                continue
            if json.dumps(sc, sort_keys=True) in have:
                for x in out:  # the scenario is one of ours: it backs the case too
                    if json.dumps(x["scenario"], sort_keys=True) == json.dumps(sc, sort_keys=True):
                        x["case"] = x.get("case") or p.stem
                        x["expect"] = x.get("expect") or case.get("expect")
                continue
            out.append({"file": os.path.relpath(p, REPO), "name": "flink-case-" + p.stem, "scenario": sc,
                        "title": case.get("title", p.stem), "why": case.get("why", ""), "case": p.stem,
                        "backs": [], "expect": case.get("expect"), "from_cases": True})
    return out


# ---------------------------------------------------------------------------------------------
# One scenario through its runs
# ---------------------------------------------------------------------------------------------

def chk_dirs(root):
    """Completed checkpoints under the checkpoint root: [(n, path, job_id)] (a _metadata file)."""
    out = []
    if not os.path.isdir(root):
        return out
    for job in os.listdir(root):
        jd = os.path.join(root, job)
        if not os.path.isdir(jd):
            continue
        for c in os.listdir(jd):
            m = re.fullmatch(r"chk-(\d+)", c)
            if m and os.path.exists(os.path.join(jd, c, "_metadata")):
                p = os.path.join(jd, c)
                out.append((int(m.group(1)), p, job, os.path.getmtime(os.path.join(p, "_metadata"))))
    return sorted(out, key=lambda x: (x[0], x[3]))


class FlinkScenarioRun:
    def __init__(self, idx, item, plan, pg, entries_of):
        self.idx, self.item, self.plan, self.pg = idx, item, plan, pg
        self.s = item["norm"]
        self.dir = WORK / item["name"]
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.entries = entries_of(self.s)
        arrivals = self.s["workload"]["arrival_ticks"]
        for e in self.entries:  # a copy arrives with its `after` record (§1.2)
            e["arrival"] = arrivals[int(e["id"][1:])] if not e.get("copy") else None
        for i, e in enumerate(self.entries):
            if e["arrival"] is None:
                e["arrival"] = self.entries[i - 1]["arrival"]
        self.ck_root = self.dir / "checkpoints"
        self.table = "f%02d_data" % idx
        self.identity = "crashcourse-f%02d" % idx
        self.restarts = 0
        self.tick = 0
        self.fired = set()
        self.attempts = Counter()
        self.begun_max = None
        self.runs = []
        self.error = None
        self.notes = []
        self.stdout_sections = []
        self.ended_by = None  # the injection that ended the previous run
        self.zombie = None  # (Popen, spec) of a cut-off process
        self._setup()

    def _setup(self):
        key = "k text PRIMARY KEY" if self.plan["jkind"] == "upsert" else "k text"
        self.pg.execute("DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s_txn" % (self.table, self.table))
        self.pg.execute("CREATE TABLE %s (%s, id text, pos bigint, epoch bigint, run int, gid text, "
                        "writes int NOT NULL DEFAULT 1, at timestamptz DEFAULT clock_timestamp())" % (self.table, key))
        self.pg.execute("CREATE TABLE %s_txn (gid text PRIMARY KEY, epoch bigint)" % self.table)
        for (g,) in self.pg.execute("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE %s", (self.identity + "-%",),
                                    fetch=True):
            self.pg.execute("ROLLBACK PREPARED '%s'" % g)

    def traces(self):
        out = []
        for r in self.runs:
            p = self.dir / ("run%d.trace" % r["run"])
            if p.exists():
                out.append((r["run"], open(p).read().splitlines()))
        return out

    def prepare_run(self):
        run_no = len(self.runs)
        inj = self.plan["injections"]
        if run_no > 0:
            self.restarts += 1
            self.tick += (self.ended_by or {}).get("downtime", 1)
            for i, x in enumerate(inj):
                if x["kind"] == "delete_checkpoint" and x["before_restart"] == self.restarts:
                    shutil.rmtree(self.ck_root, ignore_errors=True)
                    self.fired.add(i)
                    self.notes.append("restart %d: every retained checkpoint deleted" % self.restarts)
            if self.plan["timeout"] is not None:
                self.enforce_timeout()
        cks = chk_dirs(self.ck_root)
        restore = cks[-1] if cks else None
        start_epoch = restore[0] if restore else 0  # checkpoint n seals epoch n - 1
        armed = []
        faults = []
        for i, x in enumerate(inj):
            if x["kind"] in ("crash", "zombie") and i not in self.fired and \
                    self.attempts[x["epoch"]] + 1 == x["attempt"]:
                armed.append(i)
                f = {"kind": x["kind"], "step": x["step"], "epoch": x["epoch"],
                     "marker": str(self.dir / ("fault%d.fired" % i)), "release": str(self.dir / ("fault%d.release" % i))}
                if "after_records" in x:
                    f["after_records"] = x["after_records"]
                faults.append(f)
        sink = {"kind": self.plan["jkind"], "table": self.table, "identity": self.identity,
                "key": self.s["sink"].get("key", "record_id"), "jdbc_url": self.pg.jdbc_url}
        job = {"name": self.item["name"], "run_no": run_no, "start_tick": self.tick,
               "trace": str(self.dir / ("run%d.trace" % run_no)), "result": str(self.dir / ("run%d.result.json" % run_no)),
               "checkpoint_root": str(self.ck_root), "restore": restore[1] if restore else "", "sink": sink,
               "faults": faults}
        if self.plan["socket"]:
            job["source"] = {"kind": "socket", "batch_size": self.s["workload"]["batch_size"],
                             "state_file": str(self.dir / "socket.delivered"), "start_epoch": start_epoch,
                             "restored_epoch_runs": bool(restore) and self.begun_max is not None
                             and self.begun_max > restore[0] - 1,
                             "lines": ["%s,%d,%d" % (e["id"], e["pos"], e["et"]) for e in self.entries]}
        else:
            job["source"] = {"kind": "log", "batch_size": self.s["workload"]["batch_size"],
                             "entries": [{"id": e["id"], "et": e["et"], "arrival": e["arrival"]} for e in self.entries]}
        return {"run_no": run_no, "job": job, "armed": armed,
                "restore": "checkpoint %d (epoch %d)" % (restore[0], restore[0] - 1) if restore else "fresh start"}

    def enforce_timeout(self):
        """The broker's transaction timeout on the scenario's clock: roll back every prepared
        transaction of this sink begun at least `transaction_timeout` ticks ago."""
        begun = {}
        for _, lines in self.traces():
            for line in lines:
                m = re.search(r"txn begin (\S+) epoch \d+ tick (\d+)", line)
                if m:
                    begun[m.group(1)] = int(m.group(2))
        for (g,) in self.pg.execute("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE %s", (self.identity + "-%",),
                                    fetch=True):
            if g in begun and self.tick - begun[g] >= self.plan["timeout"]:
                self.pg.execute("ROLLBACK PREPARED '%s'" % g)
                self.notes.append("tick %d: the suite rolls back prepared %s (begun at tick %d, timeout %d): the "
                                  "broker's transaction timeout" % (self.tick, g, begun[g], self.plan["timeout"]))

    def finish_run(self, spec, rc, seconds, out_path, section=None, zombie=False):
        run_no = spec["run_no"]
        tp = Path(spec["job"]["trace"])
        lines = tp.read_text().splitlines() if tp.exists() else []
        started = set()
        for line in lines:
            m = re.search(r" read epoch (\d+) \[", line)
            if m:
                started.add(int(m.group(1)))
            for t in re.findall(r"tick (\d+)", line):
                self.tick = max(self.tick, int(t))
        if not zombie:
            for e in started:
                self.attempts[e] += 1
                self.begun_max = e if self.begun_max is None else max(self.begun_max, e)
        fired_now = [i for i in spec["armed"] if os.path.exists(self.dir / ("fault%d.fired" % i))]
        self.fired.update(fired_now)
        res_path = Path(spec["job"]["result"])
        res = json.loads(res_path.read_text()) if res_path.exists() else {}
        drained = bool(res.get("drained"))
        entry = {"run": run_no, "rc": rc, "seconds": round(seconds, 1), "armed": spec["armed"], "fired": fired_now,
                 "drained": drained, "epochs_started": sorted(started), "restore": spec["restore"],
                 "log": os.path.relpath(out_path, REPO)}
        if res.get("error"):
            entry["job_error"] = res["error"]
        if zombie:
            entry["zombie"] = True
        self.runs.append(entry)
        if section is not None:
            self.stdout_sections.append(section)
        elif os.path.exists(out_path):
            self.stdout_sections.append(open(out_path, errors="replace").read())
        if fired_now:
            self.ended_by = self.plan["injections"][fired_now[-1]]
        if zombie:
            return "zombie"
        if drained:
            return "drained"
        if fired_now:
            return "crashed"
        self.error = "run %d ended (rc %s) with no injected fault and no result; see %s%s" % (
            run_no, rc, os.path.relpath(out_path, REPO), (": " + res["error"]) if res.get("error") else "")
        return "error"

    # -- measurement --------------------------------------------------------------------------
    def measure(self, reader_view):
        ids = ["r%d" % i for i in range(self.s["workload"]["records"])]
        rows = {}
        jk = self.plan["jkind"]
        table = [r[0] for r in self.pg.execute("SELECT id FROM %s ORDER BY at" % self.table, fetch=True)]
        traces = self.traces()
        all_lines = [l for _, ls in traces for l in ls]
        if jk == "twopc":
            rows["read_committed"] = table
            rows["read_uncommitted"] = [m.group(1) for l in all_lines
                                        for m in [re.search(r" txn write \S+ epoch \d+ (\S+)$", l)] if m]
        elif self.s["sink"]["kind"] == "kafka":
            rows["read_committed"] = rows["read_uncommitted"] = table
        elif jk == "console":
            rows["console_output"] = [m.group(1) for sec in self.stdout_sections for l in sec.splitlines()
                                      for m in [re.match(r"^cc> (r\d+)$", l)] if m]
        else:
            rows["table"] = table
        readers = {n: reader_view(v, ids) for n, v in rows.items()}
        primary = self.plan["readers"][0]
        cks = chk_dirs(self.ck_root)
        fs = {"checkpoints": sorted({n - 1 for n, _, _, _ in cks})}
        # The newest completed checkpoint's source position, from the run that took it.
        if cks and not self.plan["socket"]:
            n, _, job, _ = cks[-1]
            pos = None
            for _, ls in traces:
                if any(("job %s submitted" % job) in l for l in ls):
                    for l in ls:
                        m = re.search(r"snapshot checkpoint %d source position (\d+)$" % n, l)
                        if m:
                            pos = int(m.group(1))
            fs["committed_offsets"] = [pos]
        elif not self.plan["socket"]:
            fs["committed_offsets"] = None
        restored = []
        for run_no, ls in traces:
            if run_no == 0 or any(r["run"] == run_no and r.get("zombie") for r in self.runs):
                continue
            for l in ls:
                m = re.search(r"source position (\d+) next epoch (\d+)$", l)
                if m:
                    restored.append(int(m.group(1)))
                    break
        errors = []
        if jk == "twopc":
            committed = self.pg.execute("SELECT count(*) FROM %s_txn" % self.table, fetch=True)[0][0]
            begun = len({m.group(1) for l in all_lines for m in [re.search(r" txn begin (\S+) ", l)] if m})
            left = [g for (g,) in self.pg.execute("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE %s",
                                                  (self.identity + "-%",), fetch=True)]
            fs["sink"] = {"committed_transactions": committed, "aborted_transactions": begun - committed - len(left)}
            if left:
                self.notes.append("still prepared at the end: %s" % ", ".join(left))
            if any("txn commit failed" in l or "failed (PRODUCER_FENCED" in l for l in all_lines):
                errors.append("PRODUCER_FENCED")
        else:
            fs["sink"] = {}
        unfired = [i for i, x in enumerate(self.plan["injections"]) if x["kind"] != "republish" and i not in self.fired]
        excerpt = []
        for run_no, ls in traces:
            for l in ls:
                if re.search(r"halt after|zombie|initTransactions|at recovery|already committed|commit failed|"
                             r"prepare failed|write failed|job .* submitted|drained at|job ended|halt in", l):
                    text = l.split(" ", 1)[1].replace(str(REPO) + "/", "")
                    excerpt.append("run %d: %s" % (run_no, re.sub(r"older session \d+", "older session", text)))
        real = {"primary_reader": primary}
        real.update(readers[primary])
        real.update({"readers": readers, "restarts": self.restarts, "unfired_faults": unfired, "final_state": fs,
                     "restored_positions": restored, "errors": sorted(set(errors)), "runs": self.runs,
                     "notes": list(self.notes), "log_excerpt": excerpt[:40]})
        return real


def engine_restored_positions(engine, item):
    """Where each restarted (non-zombie) instance of the engine's trace resumes."""
    p = WORK / item["name"] / "engine-scenario.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(item["scenario"], indent=1))
    r = subprocess.run([engine.bin, "run", "--trace", str(p)], capture_output=True, text=True, timeout=120)
    out = []
    for line in r.stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("kind") == "start" and ev.get("instance", 1) > 1 and not ev.get("zombie"):
            for c in ev.get("changes", []):
                if c.get("type") == "position":
                    out.append(c["position"])
    return out


def compare(pred, real, plan, ids, reader_diffs, run_diffs, partial=False):
    diffs = []
    preaders = dict(pred.get("readers") or {})
    primary = pred.get("primary_reader") or real["primary_reader"]
    if primary not in preaders and any(k in pred for k in ("missing", "duplicated")):
        preaders[primary] = {k: pred[k] for k in ("visible", "missing", "duplicated") if k in pred}
    diffs += reader_diffs(preaders, real, ids)
    pfs = pred.get("final_state") or {}
    rfs = real["final_state"]
    if pfs.get("checkpoints") is not None and sorted(pfs["checkpoints"]) != rfs["checkpoints"]:
        diffs.append("checkpoints (epochs): predicted %s, real %s" % (pfs["checkpoints"], rfs["checkpoints"]))
    if "committed_offsets" in pfs and "committed_offsets" in rfs and pfs["committed_offsets"] != rfs["committed_offsets"]:
        diffs.append("committed position: predicted %s, real %s" % (pfs["committed_offsets"], rfs["committed_offsets"]))
    psink = pfs.get("sink") or {}
    for k in ("committed_transactions", "aborted_transactions"):
        if k in psink and k in rfs.get("sink", {}) and psink[k] != rfs["sink"][k]:
            diffs.append("%s: predicted %s, real %s" % (k, psink[k], rfs["sink"][k]))
    if "restored_positions" in pred and not plan["socket"] and pred["restored_positions"] != real["restored_positions"]:
        diffs.append("restored positions: predicted %s, real %s" % (pred["restored_positions"],
                                                                     real["restored_positions"]))
    return diffs + run_diffs(pred, real)


# ---------------------------------------------------------------------------------------------
# Process runs
# ---------------------------------------------------------------------------------------------

def java_cmd(cfg_path):
    return ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m", "-Xss4m", "-XX:-UsePerfData",
            "-Dlog4j2.level=ERROR", "-cp", classpath(), "crashcourse.flink.FlinkFidelity", str(cfg_path)]


def start_jvm(cfg, cfg_path, out_path, children, lock):
    cfg_path.write_text(json.dumps(cfg, indent=1))
    out = open(out_path, "w")
    p = subprocess.Popen(java_cmd(cfg_path), stdout=out, stderr=subprocess.STDOUT, cwd=str(FID),
                         start_new_session=True)
    out.close()
    with lock:
        children.add(p.pid)
    return p


def end_jvm(p, children, lock, timeout=RUN_TIMEOUT):
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        rc = p.wait()
    try:
        os.killpg(p.pid, 9)
    except ProcessLookupError:
        pass
    with lock:
        children.discard(p.pid)
    return rc


def run_single(sr, spec, children, lock, stop):
    """One process run with its faults armed. A zombie fault leaves the process running (cut off)."""
    d = sr.dir
    n = spec["run_no"]
    t = time.time()
    p = start_jvm({"jobs": [spec["job"]]}, d / ("run%d.cfg.json" % n), d / ("run%d.log" % n), children, lock)
    zombie_marks = [d / ("fault%d.fired" % i) for i in spec["armed"]
                    if sr.plan["injections"][i]["kind"] == "zombie"]
    if zombie_marks:
        deadline = time.time() + RUN_TIMEOUT
        while p.poll() is None and time.time() < deadline and not stop.is_set():
            if any(m.exists() for m in zombie_marks):
                sr.zombie = (p, spec, t)
                i = next(i for i in spec["armed"] if (d / ("fault%d.fired" % i)).exists())
                sr.fired.add(i)
                sr.ended_by = sr.plan["injections"][i]
                # its epochs count as started now: the new instance's run is the next attempt
                tp = Path(spec["job"]["trace"])
                for line in (tp.read_text().splitlines() if tp.exists() else []):
                    m = re.search(r" read epoch (\d+) \[", line)
                    if m:
                        e = int(m.group(1))
                        sr.attempts[e] += 1
                        sr.begun_max = e if sr.begun_max is None else max(sr.begun_max, e)
                sr.runs.append({"run": n, "rc": None, "seconds": None, "armed": spec["armed"], "fired": [i],
                                "drained": False, "epochs_started": [], "restore": spec["restore"],
                                "log": os.path.relpath(d / ("run%d.log" % n), REPO), "zombie": True})
                return "cut off (zombie)"
            time.sleep(0.02)
    rc = end_jvm(p, children, lock)
    return sr.finish_run(spec, rc, time.time() - t, d / ("run%d.log" % n))


def release_zombie(sr, children, lock):
    """The new instance drained: the cut-off process finishes its epoch with its own memory."""
    p, spec, t = sr.zombie
    for i in spec["armed"]:
        (sr.dir / ("fault%d.release" % i)).write_text("go\n")
    rc = end_jvm(p, children, lock)
    n = spec["run_no"]
    run = next(r for r in sr.runs if r["run"] == n)
    res_path = Path(spec["job"]["result"])
    res = json.loads(res_path.read_text()) if res_path.exists() else {}
    run.update({"rc": rc, "seconds": round(time.time() - t, 1), "drained": bool(res.get("drained"))})
    if res.get("error"):
        run["job_error"] = res["error"]
        sr.notes.append("the zombie (run %d) stopped: %s" % (n, res["error"]))
    sr.zombie = None


def run_all(items, pg, engine, h, jobs, children, lock, stop):
    """Run every Flink item; returns (results, passed, failed, unreachable). `h` holds the suite's
    helpers: normalize, entries_of, reader_view, norm_counts, compact, log."""
    import concurrent.futures as cf

    log = h["log"]
    WORK.mkdir(parents=True, exist_ok=True)
    runnable = []
    for idx, it in enumerate(items):
        try:
            it["norm"] = normalize(it["scenario"], h["normalize"])
            it["plan"] = translate(it["norm"], h["entries_of"])
            runnable.append((idx, it))
        except Unreachable as e:
            it["plan"] = None
            it["unreachable"] = str(e)
        except Exception as e:
            it["plan"] = None
            it["translate_error"] = "cannot translate: %s: %s" % (type(e).__name__, e)
    sruns = {idx: FlinkScenarioRun(idx, it, it["plan"], pg, h["entries_of"]) for idx, it in runnable}
    finals = []

    def crash_phase(idx):
        sr = sruns[idx]
        while len(sr.runs) < MAX_RUNS:
            if stop.is_set():
                return None
            spec = sr.prepare_run()
            if not spec["armed"] and sr.zombie is None:
                return spec  # the final run, batched
            st = run_single(sr, spec, children, lock, stop)
            log("  %-52s run %d: %s (%s)" % (sr.item["name"][:52], spec["run_no"], st, spec["restore"]))
            if st in ("error", "drained"):
                if sr.zombie is not None:
                    release_zombie(sr, children, lock)
                    log("  %-52s zombie released" % sr.item["name"][:52])
                return None
        sr.error = "more than %d runs" % MAX_RUNS
        return None

    t_a = time.time()
    with cf.ThreadPoolExecutor(jobs) as ex:
        futs = {ex.submit(crash_phase, idx): idx for idx, _ in runnable}
        for f in cf.as_completed(futs):
            idx = futs[f]
            try:
                spec = f.result()
            except Exception as e:
                sruns[idx].error = "harness error: %s: %s" % (type(e).__name__, e)
                spec = None
            if spec is not None:
                finals.append((idx, spec))
    log("fidelity: flink crash runs done in %.0fs; %d final runs to batch" % (time.time() - t_a, len(finals)))

    t_b = time.time()
    groups = [[] for _ in range(max(1, min(jobs, len(finals))))]
    for k, fin in enumerate(sorted(finals, key=lambda x: x[0])):
        groups[k % len(groups)].append(fin)

    def final_group(g, members):
        d = WORK / ("_final%d" % g)
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        for i, (_, spec) in enumerate(members):
            spec["job"]["stdout_marker"] = "@@fidelity-job-%d" % i
        t = time.time()
        p = start_jvm({"jobs": [spec["job"] for _, spec in members]}, d / "cfg.json", d / "out.log", children, lock)
        rc = end_jvm(p, children, lock, timeout=RUN_TIMEOUT + 30 * len(members))
        text = open(d / "out.log", errors="replace").read()
        for i, (idx, spec) in enumerate(members):
            sec = h["section_of"](text, i)
            st = sruns[idx].finish_run(spec, rc, time.time() - t, d / "out.log", section=sec)
            log("  %-52s run %d: %s (shared JVM %d, %s)" % (sruns[idx].item["name"][:52], spec["run_no"], st, g,
                                                             spec["restore"]))

    if finals:
        with cf.ThreadPoolExecutor(len(groups)) as ex:
            list(ex.map(lambda a: final_group(*a), enumerate(groups)))
    log("fidelity: flink final runs done in %.0fs" % (time.time() - t_b))

    results = []
    passed = failed = unreachable = 0
    for idx, it in enumerate(items):
        ids = ["r%d" % i for i in range(it["norm"]["workload"]["records"])] if it.get("norm") else []
        pred, perr = engine.predict(it)
        if pred is not None and it.get("plan") and not it.get("unreachable"):
            pred["restored_positions"] = engine_restored_positions(engine, it)
        entry = {"system": "flink", "file": it["file"], "title": it["title"], "case": it.get("case"),
                 "backs": it.get("backs", []), "scenario": it["scenario"], "engine": pred, "real": None,
                 "match": None, "notes": list(it["plan"]["notes"]) if it.get("plan") else []}
        if it.get("unreachable"):
            entry["verdict"] = "not reachable"
            entry["notes"].insert(0, it["unreachable"])
            unreachable += 1
            results.append(entry)
            continue
        if it.get("translate_error"):
            entry.update(verdict="error", match=False)
            entry["notes"].insert(0, it["translate_error"])
            failed += 1
            results.append(entry)
            continue
        sr = sruns[idx]
        if sr.error:
            entry.update(verdict="error", match=False)
            entry["notes"].insert(0, sr.error)
            entry["real"] = {"runs": sr.runs}
            failed += 1
            results.append(entry)
            continue
        real = sr.measure(h["reader_view"])
        entry["real"] = real
        entry["notes"] += real["notes"]
        if real["errors"]:
            entry["notes"].append("errors seen by the job (Kafka terms): %s" % ", ".join(real["errors"]))
        if pred is not None:
            diffs = compare(pred, real, it["plan"], ids, h["reader_diffs"], h["run_diffs"])
        else:
            diffs = ["engine: " + (perr or "no prediction")]
        entry["compared_with"] = "engine"
        if it.get("expect") is not None:
            sd = compare(it["expect"], real, it["plan"], ids, h["reader_diffs"], h["run_diffs"], partial=True)
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
    return results, passed, failed, unreachable
