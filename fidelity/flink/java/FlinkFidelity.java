package crashcourse.flink;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.PrintSink;
import org.apache.flink.streaming.api.graph.StreamGraph;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One process run of crashcourse's real-Flink fidelity suite: a MiniCluster in this JVM runs the
 * jobs of one config file (a crash run carries one job; a final run with no fault left may carry
 * several, one after the other). Each job is one source, one sink, parallelism 1.
 *
 * <p>Epochs: the source hands over one epoch (batch_size entries) and waits; once the sink has
 * written them, this driver triggers a checkpoint (MiniCluster.triggerCheckpoint; no periodic
 * checkpoints), and the source goes on with the next epoch when notifyCheckpointComplete reaches
 * it, i.e. after the committer ran. Checkpoint n (Flink numbers from 1) seals spec epoch n - 1.
 *
 * <p>Faults armed for the run are real process deaths: Runtime.halt(137) at the named step, in
 * the operator that performs it (source reader after read; sink writer after the epoch's last
 * row; committer before / after COMMIT PREPARED; the source's notifyCheckpointComplete for sinks
 * without a commit or an epoch without a transaction). A zombie stops at its step until the
 * suite releases it. Every fault writes its marker file first, so the suite knows what fired.
 */
public final class FlinkFidelity {
    static final ObjectMapper M = new ObjectMapper();
    static final long T0 = System.nanoTime();

    // ---- state shared by the driver thread and the task threads of this JVM ------------------
    static volatile JsonNode JOB;
    static volatile long TICK;
    static volatile boolean SOURCE_STARTED;
    static volatile long SOCKET_EPOCH;
    static volatile int SOCKET_EXPECT;
    static volatile int SOCKET_SEEN;
    static final LinkedBlockingQueue<String> EVENTS = new LinkedBlockingQueue<>();
    static final Set<Integer> FIRED = Collections.synchronizedSet(new HashSet<>());
    static OutputStream TRACE;

    static synchronized void trace(String line) {
        try {
            String s = String.format("%.3f %s%n", (System.nanoTime() - T0) / 1e9, line);
            TRACE.write(s.getBytes(StandardCharsets.UTF_8)); // unbuffered: survives a halt
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static void writeFile(String path, String text) {
        try {
            Files.writeString(Path.of(path), text);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** A fault armed at (step, epoch) in this run fires: halt, or (zombie) wait to be released. */
    static void crashPoint(String step, long epoch) {
        JsonNode faults = JOB.get("faults");
        for (int i = 0; i < faults.size(); i++) {
            JsonNode f = faults.get(i);
            if (!f.get("step").asText().equals(step) || f.get("epoch").asLong() != epoch || !FIRED.add(i)) {
                continue;
            }
            if (f.get("kind").asText().equals("zombie")) {
                trace("zombie cut off after " + step + " of epoch " + epoch);
                writeFile(f.get("marker").asText(), "zombie after " + step + " epoch " + epoch + "\n");
                File release = new File(f.get("release").asText());
                long deadline = System.currentTimeMillis() + 600_000;
                while (!release.exists()) { // released by the suite once the new instance drained
                    if (System.currentTimeMillis() > deadline) {
                        trace("zombie never released");
                        Runtime.getRuntime().halt(3);
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                trace("zombie released: it finishes epoch " + epoch + " with its own memory");
                return;
            }
            writeFile(f.get("marker").asText(), "crash after " + step + " epoch " + epoch + "\n");
            trace("halt after " + step + " of epoch " + epoch);
            Runtime.getRuntime().halt(137);
        }
    }

    /** crash_mid_write: dies after the first k rows of the epoch's data write, more rows to come. */
    static void midWrite(long epoch, int rows) {
        JsonNode faults = JOB.get("faults");
        for (int i = 0; i < faults.size(); i++) {
            JsonNode f = faults.get(i);
            if (f.get("step").asText().equals("mid_write") && f.get("epoch").asLong() == epoch
                    && f.get("after_records").asInt() == rows && FIRED.add(i)) {
                writeFile(f.get("marker").asText(), "crash_mid_write epoch " + epoch + " after " + rows + " rows\n");
                trace("halt in the data write of epoch " + epoch + " after " + rows + " rows");
                Runtime.getRuntime().halt(137);
            }
        }
    }

    static Connection pg(String appName) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("ApplicationName", appName);
        return DriverManager.getConnection(JOB.get("sink").get("jdbc_url").asText(), p);
    }

    // ---- records ----------------------------------------------------------------------------

    /** One source entry as it travels to the sink. */
    public static class Entry {
        public String id;
        public long pos;
        public long et;
        public long epoch;
        public boolean last;

        public Entry() {}

        @Override
        public String toString() {
            return id;
        }
    }

    // ---- the log source: a replayable stand-in for a Kafka partition -------------------------

    /** The single split: the reader's position and the next epoch, checkpointed as reader state. */
    public static final class LogSplit implements SourceSplit {
        final long pos;
        final long nextEpoch;

        LogSplit(long pos, long nextEpoch) {
            this.pos = pos;
            this.nextEpoch = nextEpoch;
        }

        @Override
        public String splitId() {
            return "log-0";
        }
    }

    static final class SplitSer implements SimpleVersionedSerializer<LogSplit> {
        public int getVersion() {
            return 1;
        }

        public byte[] serialize(LogSplit s) {
            return (s.pos + " " + s.nextEpoch).getBytes(StandardCharsets.UTF_8);
        }

        public LogSplit deserialize(int v, byte[] b) {
            String[] p = new String(b, StandardCharsets.UTF_8).split(" ");
            return new LogSplit(Long.parseLong(p[0]), Long.parseLong(p[1]));
        }
    }

    static final class IntSer implements SimpleVersionedSerializer<Integer> {
        public int getVersion() {
            return 1;
        }

        public byte[] serialize(Integer i) {
            return String.valueOf(i).getBytes(StandardCharsets.UTF_8);
        }

        public Integer deserialize(int v, byte[] b) {
            return Integer.parseInt(new String(b, StandardCharsets.UTF_8));
        }
    }

    public static final class LogSource implements Source<Entry, LogSplit, Integer> {
        public Boundedness getBoundedness() {
            return Boundedness.CONTINUOUS_UNBOUNDED;
        }

        public SplitEnumerator<LogSplit, Integer> createEnumerator(SplitEnumeratorContext<LogSplit> ctx) {
            return new LogEnumerator(ctx, false);
        }

        public SplitEnumerator<LogSplit, Integer> restoreEnumerator(SplitEnumeratorContext<LogSplit> ctx, Integer st) {
            return new LogEnumerator(ctx, st == 1);
        }

        public SimpleVersionedSerializer<LogSplit> getSplitSerializer() {
            return new SplitSer();
        }

        public SimpleVersionedSerializer<Integer> getEnumeratorCheckpointSerializer() {
            return new IntSer();
        }

        public SourceReader<Entry, LogSplit> createReader(SourceReaderContext ctx) {
            return new LogReader(ctx);
        }
    }

    static final class LogEnumerator implements SplitEnumerator<LogSplit, Integer> {
        final SplitEnumeratorContext<LogSplit> ctx;
        boolean assigned;

        LogEnumerator(SplitEnumeratorContext<LogSplit> ctx, boolean assigned) {
            this.ctx = ctx;
            this.assigned = assigned;
        }

        public void start() {}

        public void handleSplitRequest(int subtask, String host) {
            if (!assigned) { // a fresh start: position 0, epoch 0
                ctx.assignSplit(new LogSplit(0, 0), subtask);
                assigned = true;
            }
        }

        public void addSplitsBack(List<LogSplit> splits, int subtask) {
            assigned = false;
        }

        public void addReader(int subtask) {}

        public Integer snapshotState(long cp) {
            return assigned ? 1 : 0;
        }

        public void close() {}
    }

    static final class LogReader implements SourceReader<Entry, LogSplit> {
        final SourceReaderContext ctx;
        final JsonNode entries = JOB.get("source").get("entries");
        final int batchSize = JOB.get("source").get("batch_size").asInt();
        LogSplit split;
        long pos;
        long epoch;
        boolean gateOpen = true;
        boolean drained;
        CompletableFuture<Void> available = new CompletableFuture<>();

        LogReader(SourceReaderContext ctx) {
            this.ctx = ctx;
        }

        public void start() {
            SOURCE_STARTED = true;
            ctx.sendSplitRequest();
        }

        public void addSplits(List<LogSplit> splits) {
            split = splits.get(0);
            pos = split.pos;
            epoch = split.nextEpoch;
            trace("source position " + pos + " next epoch " + epoch);
            available.complete(null);
        }

        public InputStatus pollNext(ReaderOutput<Entry> out) {
            if (split == null || !gateOpen) {
                return InputStatus.NOTHING_AVAILABLE;
            }
            if (pos >= entries.size()) {
                if (!drained) {
                    drained = true;
                    trace("drained at tick " + TICK);
                    EVENTS.add("drained");
                }
                available = new CompletableFuture<>();
                return InputStatus.NOTHING_AVAILABLE;
            }
            long arrival = entries.get((int) pos).get("arrival").asLong();
            if (arrival > TICK) { // idle: nothing available, the clock jumps to the next arrival
                TICK = arrival;
                trace("tick " + TICK + " (idle until the next arrival)");
            }
            List<Entry> batch = new ArrayList<>();
            StringBuilder ids = new StringBuilder();
            for (long p = pos; p < entries.size() && batch.size() < batchSize; p++) {
                JsonNode j = entries.get((int) p);
                if (j.get("arrival").asLong() > TICK) {
                    break;
                }
                Entry e = new Entry();
                e.id = j.get("id").asText();
                e.pos = p;
                e.et = j.get("et").asLong();
                e.epoch = epoch;
                batch.add(e);
                ids.append(ids.length() == 0 ? "" : ",").append(e.id);
            }
            batch.get(batch.size() - 1).last = true;
            trace("read epoch " + epoch + " [" + ids + "] positions " + pos + ".." + (pos + batch.size() - 1)
                    + " tick " + TICK);
            crashPoint("read", epoch);
            for (Entry e : batch) {
                out.collect(e);
            }
            pos += batch.size();
            gateOpen = false;
            available = new CompletableFuture<>();
            return InputStatus.NOTHING_AVAILABLE;
        }

        public List<LogSplit> snapshotState(long cp) {
            trace("snapshot checkpoint " + cp + " source position " + pos);
            if (cp != epoch + 1) {
                trace("error: checkpoint " + cp + " does not seal epoch " + epoch);
            }
            return Collections.singletonList(new LogSplit(pos, cp));
        }

        public CompletableFuture<Void> isAvailable() {
            return available;
        }

        public void notifyNoMoreSplits() {}

        public void notifyCheckpointComplete(long cp) {
            trace("source notified: checkpoint " + cp + " complete");
            crashPoint("checkpoint", cp - 1);
            crashPoint("sink_commit", cp - 1);
            epoch = cp;
            gateOpen = true;
            available.complete(null);
        }

        public void close() {}
    }

    // ---- the socket source: Flink's socketTextStream, epochs paced by this driver -------------

    /** Parses "id,pos,et" lines; crash point after read; completion of checkpoints. */
    public static final class SocketSteps extends RichMapFunction<String, Entry> implements CheckpointListener {
        @Override
        public void open(OpenContext ctx) {
            SOURCE_STARTED = true;
        }

        @Override
        public Entry map(String line) {
            String[] p = line.trim().split(",");
            Entry e = new Entry();
            e.id = p[0];
            e.pos = Long.parseLong(p[1]);
            e.et = Long.parseLong(p[2]);
            e.epoch = SOCKET_EPOCH;
            if (SOCKET_SEEN == 0) {
                crashPoint("read", e.epoch); // the source holds this epoch's lines
            }
            SOCKET_SEEN++;
            e.last = SOCKET_SEEN == SOCKET_EXPECT;
            return e;
        }

        @Override
        public void notifyCheckpointComplete(long cp) {
            trace("source notified: checkpoint " + cp + " complete");
            crashPoint("checkpoint", cp - 1);
            crashPoint("sink_commit", cp - 1);
            EVENTS.add("notified " + (cp - 1));
        }
    }

    /** Hands out each entry at most once ever (the delivered count is persisted before each send). */
    static final class SocketFeed {
        final ServerSocket server;
        final JsonNode lines;
        final File state;
        volatile Socket conn;
        int next;

        SocketFeed(JsonNode lines, String stateFile) throws IOException {
            this.lines = lines;
            this.state = new File(stateFile);
            this.next = state.exists() ? Integer.parseInt(Files.readString(state.toPath()).trim()) : 0;
            this.server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try {
                    conn = server.accept();
                    trace("socket connected (next undelivered entry " + next + ")");
                    EVENTS.add("connected");
                } catch (IOException e) {
                    // closed at the end of the job
                }
            }, "socket-feed");
            t.setDaemon(true);
            t.start();
        }

        List<String> chunk(int n) {
            List<String> out = new ArrayList<>();
            for (int i = next; i < lines.size() && out.size() < n; i++) {
                out.add(lines.get(i).asText());
            }
            return out;
        }

        void send(List<String> chunk) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (String l : chunk) {
                sb.append(l).append('\n');
            }
            // Persisted first (atomically): a death while or after sending never sends these again.
            next += chunk.size();
            Path tmp = Path.of(state.getPath() + ".tmp");
            Files.writeString(tmp, String.valueOf(next));
            Files.move(tmp, state.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            conn.getOutputStream().write(sb.toString().getBytes(StandardCharsets.UTF_8));
            conn.getOutputStream().flush();
        }

        void close() {
            try {
                server.close();
                if (conn != null) {
                    conn.close();
                }
            } catch (IOException e) {
                // ignore
            }
        }
    }

    // ---- sinks ------------------------------------------------------------------------------

    /** Writes rows; after the last row of an epoch: the sink_write crash point, then tells the driver. */
    abstract static class StepWriter implements SinkWriter<Entry> {
        long epoch = -1;
        int rows;

        abstract void writeRow(Entry e) throws IOException;

        @Override
        public void write(Entry e, Context ctx) throws IOException {
            writeRow(e);
            if (e.epoch != epoch) {
                epoch = e.epoch;
                rows = 0;
            }
            rows++;
            if (!e.last) {
                midWrite(e.epoch, rows);
            }
            if (e.last) {
                crashPoint("sink_write", e.epoch);
                EVENTS.add("written " + e.epoch);
            }
        }

        @Override
        public void flush(boolean endOfInput) {}
    }

    /** append (plain autocommitted INSERT) and upsert (INSERT ... ON CONFLICT) into PostgreSQL. */
    public static final class JdbcSink implements Sink<Entry> {
        public SinkWriter<Entry> createWriter(WriterInitContext ctx) throws IOException {
            return new JdbcWriter();
        }
    }

    static final class JdbcWriter extends StepWriter {
        final Connection conn;
        final String table = JOB.get("sink").get("table").asText();
        final String kind = JOB.get("sink").get("kind").asText();
        final String key = JOB.get("sink").path("key").asText("record_id");
        final int run = JOB.get("run_no").asInt();

        JdbcWriter() throws IOException {
            try {
                conn = pg("crashcourse-" + table);
                conn.setAutoCommit(true);
            } catch (SQLException e) {
                throw new IOException(e);
            }
        }

        void writeRow(Entry e) throws IOException {
            String k = key.equals("source_position") ? "pos" + e.pos
                    : key.equals("uuid_per_attempt") ? UUID.randomUUID().toString() : e.id;
            String sql = kind.equals("upsert")
                    ? "INSERT INTO " + table + " AS t (k, id, pos, epoch, run) VALUES (?, ?, ?, ?, ?) ON CONFLICT (k) "
                            + "DO UPDATE SET pos = EXCLUDED.pos, epoch = EXCLUDED.epoch, run = EXCLUDED.run, writes = t.writes + 1"
                    : "INSERT INTO " + table + " (k, id, pos, epoch, run) VALUES (?, ?, ?, ?, ?)";
            try (PreparedStatement ps = conn.prepareStatement(sql)) {
                ps.setString(1, k);
                ps.setString(2, e.id);
                ps.setLong(3, e.pos);
                ps.setLong(4, e.epoch);
                ps.setInt(5, run);
                ps.executeUpdate();
            } catch (SQLException ex) {
                throw new IOException(ex);
            }
            trace("write epoch " + e.epoch + " " + e.id + " (" + kind + ", visible at once)");
        }

        public void close() throws Exception {
            conn.close();
        }
    }

    /** console: Flink's own PrintSink writer, with the sink_write crash point after the epoch's last line. */
    public static final class ConsoleSink implements Sink<Entry> {
        public SinkWriter<Entry> createWriter(WriterInitContext ctx) throws IOException {
            SinkWriter<Entry> inner = new PrintSink<Entry>("cc").createWriter(ctx);
            return new StepWriter() {
                void writeRow(Entry e) throws IOException {
                    try {
                        inner.write(e, null);
                    } catch (InterruptedException ex) {
                        throw new IOException(ex);
                    }
                    System.out.flush();
                    trace("print epoch " + e.epoch + " " + e.id);
                }

                public void close() throws Exception {
                    inner.close();
                }
            };
        }
    }

    /** The committable of one epoch: a prepared PostgreSQL transaction. */
    public static final class Txn {
        final String gid;
        final long epoch;

        Txn(String gid, long epoch) {
            this.gid = gid;
            this.epoch = epoch;
        }
    }

    static final class TxnSer implements SimpleVersionedSerializer<Txn> {
        public int getVersion() {
            return 1;
        }

        public byte[] serialize(Txn t) {
            return (t.gid + " " + t.epoch).getBytes(StandardCharsets.UTF_8);
        }

        public Txn deserialize(int v, byte[] b) {
            String[] p = new String(b, StandardCharsets.UTF_8).split(" ");
            return new Txn(p[0], Long.parseLong(p[1]));
        }
    }

    /**
     * Two-phase commit into PostgreSQL, standing in for Flink's KafkaSink with
     * DeliveryGuarantee.EXACTLY_ONCE: each epoch's rows go into one transaction (begun at its first
     * row), PREPARE TRANSACTION at the checkpoint barrier (prepareCommit), COMMIT PREPARED by the
     * committer on notifyCheckpointComplete or at recovery. On start the writer does what
     * initTransactions does for Kafka: it fences older instances of the same transactional identity
     * (their sessions are terminated, so their open transactions are rolled back and their later
     * statements fail) and aborts the prepared transactions of checkpoints after the restored one.
     */
    public static final class TxnSink implements Sink<Entry>, SupportsCommitter<Txn> {
        public SinkWriter<Entry> createWriter(WriterInitContext ctx) throws IOException {
            return new TxnWriter(ctx.getRestoredCheckpointId().orElse(0));
        }

        public Committer<Txn> createCommitter(CommitterInitContext ctx) {
            return new TxnCommitter();
        }

        public SimpleVersionedSerializer<Txn> getCommittableSerializer() {
            return new TxnSer();
        }
    }

    static final class TxnWriter extends StepWriter implements CommittingSinkWriter<Entry, Txn> {
        final String table = JOB.get("sink").get("table").asText();
        final String identity = JOB.get("sink").get("identity").asText();
        final int run = JOB.get("run_no").asInt();
        final Connection conn;
        String gid;
        long txnEpoch;

        TxnWriter(long restoredCheckpoint) throws IOException {
            try {
                conn = pg(identity);
                conn.setAutoCommit(true);
                try (Statement s = conn.createStatement();
                        ResultSet rs = s.executeQuery("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
                                + "WHERE application_name = '" + identity + "' AND pid <> pg_backend_pid()")) {
                    while (rs.next()) {
                        trace("initTransactions: fences the older session " + rs.getInt(1)
                                + " of this transactional identity (its open transaction is rolled back)");
                    }
                }
                List<String> prepared = new ArrayList<>();
                try (Statement s = conn.createStatement();
                        ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE '" + identity
                                + "-%' ORDER BY gid")) {
                    while (rs.next()) {
                        prepared.add(rs.getString(1));
                    }
                }
                for (String g : prepared) {
                    long cp = Long.parseLong(g.substring(identity.length() + 3).split("-")[0]);
                    if (cp > restoredCheckpoint) {
                        try (Statement s = conn.createStatement()) {
                            s.execute("ROLLBACK PREPARED '" + g + "'");
                        }
                        trace("initTransactions: aborts prepared " + g + " (checkpoint " + cp + " is not restored)");
                    }
                }
            } catch (SQLException e) {
                throw new IOException(e);
            }
        }

        void writeRow(Entry e) throws IOException {
            try {
                if (gid == null) {
                    gid = identity + "-cp" + (e.epoch + 1) + "-r" + run;
                    txnEpoch = e.epoch;
                    conn.setAutoCommit(false);
                    trace("txn begin " + gid + " epoch " + e.epoch + " tick " + TICK);
                }
                try (PreparedStatement ps = conn.prepareStatement(
                        "INSERT INTO " + table + " (k, id, pos, epoch, run, gid) VALUES (?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, e.id);
                    ps.setString(2, e.id);
                    ps.setLong(3, e.pos);
                    ps.setLong(4, e.epoch);
                    ps.setInt(5, run);
                    ps.setString(6, gid);
                    ps.executeUpdate();
                }
            } catch (SQLException ex) {
                trace("write failed (PRODUCER_FENCED in Kafka terms): " + ex.getMessage().split("\n")[0]);
                throw new IOException(ex);
            }
            trace("txn write " + gid + " epoch " + e.epoch + " " + e.id);
        }

        public Collection<Txn> prepareCommit() throws IOException {
            if (gid == null) {
                trace("prepareCommit: no rows, no transaction");
                return Collections.emptyList();
            }
            try (Statement s = conn.createStatement()) {
                s.execute("INSERT INTO " + table + "_txn (gid, epoch) VALUES ('" + gid + "', " + txnEpoch + ")");
                s.execute("PREPARE TRANSACTION '" + gid + "'");
                conn.setAutoCommit(true);
            } catch (SQLException ex) {
                trace("prepare failed (PRODUCER_FENCED in Kafka terms): " + ex.getMessage().split("\n")[0]);
                throw new IOException(ex);
            }
            trace("txn prepared " + gid + " epoch " + txnEpoch + " (pre-commit at the barrier)");
            Txn t = new Txn(gid, txnEpoch);
            gid = null;
            return Collections.singletonList(t);
        }

        public void close() throws Exception {
            conn.close();
        }
    }

    static final class TxnCommitter implements Committer<Txn> {
        final String table = JOB.get("sink").get("table").asText();
        final String identity = JOB.get("sink").get("identity").asText();

        public void commit(Collection<CommitRequest<Txn>> requests) throws IOException {
            for (CommitRequest<Txn> r : requests) {
                Txn t = r.getCommittable();
                boolean recovery = !SOURCE_STARTED;
                if (!recovery) {
                    crashPoint("checkpoint", t.epoch); // checkpoint complete, its commit not yet done
                }
                try (Connection c = pg(identity + "/committer"); Statement s = c.createStatement()) {
                    c.setAutoCommit(true);
                    try {
                        s.execute("COMMIT PREPARED '" + t.gid + "'");
                        trace("txn committed " + t.gid + " epoch " + t.epoch + (recovery ? " at recovery" : ""));
                    } catch (SQLException ex) {
                        if (!"42704".equals(ex.getSQLState())) {
                            throw ex;
                        }
                        boolean done;
                        try (ResultSet rs = s.executeQuery(
                                "SELECT 1 FROM " + table + "_txn WHERE gid = '" + t.gid + "'")) {
                            done = rs.next();
                        }
                        if (done) {
                            trace("txn " + t.gid + " already committed" + (recovery ? " (recovery)" : ""));
                            r.signalAlreadyCommitted();
                        } else {
                            trace("txn commit failed " + t.gid + " epoch " + t.epoch + (recovery ? " at recovery" : "")
                                    + ": the transaction was rolled back (PRODUCER_FENCED in Kafka terms); "
                                    + "Flink logs it and goes on");
                            r.signalFailedWithKnownReason(ex);
                        }
                    }
                } catch (SQLException ex) {
                    throw new IOException(ex);
                }
                if (!recovery) {
                    crashPoint("sink_commit", t.epoch);
                }
            }
        }

        public void close() {}
    }

    // ---- the driver -------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        JsonNode cfg = M.readTree(new File(args[0]));
        Configuration conf = new Configuration();
        conf.setString("taskmanager.numberOfTaskSlots", "1");
        conf.setString("rest.bind-port", "0");
        conf.setString("execution.checkpointing.num-retained", "1000"); // every completed checkpoint stays
        conf.setString("taskmanager.memory.managed.size", "16m");
        conf.setString("taskmanager.memory.network.min", "16m");
        conf.setString("taskmanager.memory.network.max", "16m");
        MiniCluster mini = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(1)
                .withRandomPorts()
                .build());
        mini.start();
        System.out.println("flink-driver: MiniCluster up in " + String.format("%.1f", (System.nanoTime() - T0) / 1e9) + "s");
        int rc = 0;
        for (JsonNode job : cfg.get("jobs")) {
            try {
                runJob(mini, job);
            } catch (Throwable t) { // this job has no result; the next jobs of this JVM still run
                rc = 3;
                trace("job error: " + t);
                t.printStackTrace();
            }
        }
        System.out.flush();
        Runtime.getRuntime().halt(rc); // the MiniCluster's shutdown adds seconds and nothing we measure
    }

    static void runJob(MiniCluster mini, JsonNode job) throws Exception {
        JOB = job;
        TRACE = new FileOutputStream(job.get("trace").asText(), true);
        TICK = job.get("start_tick").asLong();
        SOURCE_STARTED = false;
        EVENTS.clear();
        FIRED.clear();
        long t0 = System.nanoTime();
        String marker = job.path("stdout_marker").asText("");
        if (!marker.isEmpty()) {
            System.out.println(marker + " start");
        }
        trace("job start, tick " + TICK);

        Configuration conf = new Configuration();
        conf.setString("execution.checkpointing.dir", new File(job.get("checkpoint_root").asText()).toURI().toString());
        conf.setString("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.setString("execution.checkpointing.num-retained", "1000");
        conf.setString("state.backend.type", "hashmap");
        conf.setString("restart-strategy.type", "none");
        String restore = job.path("restore").asText("");
        if (!restore.isEmpty()) {
            conf.setString("execution.state-recovery.path", restore);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.enableCheckpointing(Long.MAX_VALUE); // checkpoints only when this driver triggers them

        JsonNode src = job.get("source");
        SocketFeed feed = null;
        DataStream<Entry> stream;
        if (src.get("kind").asText().equals("socket")) {
            feed = new SocketFeed(src.get("lines"), src.get("state_file").asText());
            stream = env.socketTextStream("127.0.0.1", feed.server.getLocalPort()).map(new SocketSteps()).name("steps");
        } else {
            stream = env.fromSource(new LogSource(), WatermarkStrategy.noWatermarks(), "log");
        }
        String kind = job.get("sink").get("kind").asText();
        Sink<Entry> sink = kind.equals("twopc") ? new TxnSink() : kind.equals("console") ? new ConsoleSink() : new JdbcSink();
        stream.sinkTo(sink).name("sink");

        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("crashcourse-" + job.get("name").asText());
        if (!restore.isEmpty()) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restore, false));
        }
        graph.setJobId(new JobID());
        JobID id = mini.submitJob(graph).get().getJobID();
        CompletableFuture<JobResult> result = mini.requestJobResult(id);
        trace("job " + id + " submitted" + (restore.isEmpty() ? " (fresh start)" : " restoring " + restore));

        ObjectNode res = M.createObjectNode();
        res.put("job_id", id.toString());
        String error = null;
        try {
            if (feed == null) {
                while (true) {
                    String ev = next(result);
                    if (ev.equals("drained")) {
                        break;
                    }
                    long epoch = Long.parseLong(ev.split(" ")[1]);
                    checkpoint(mini, id, epoch);
                }
            } else {
                driveSocket(mini, id, job, feed, result);
            }
        } catch (JobEnded e) {
            error = e.getMessage();
        }
        if (error == null) {
        StringBuilder tasks = new StringBuilder();
        for (var v : mini.getExecutionGraph(id).get().getAllVertices().values()) {
            tasks.append(tasks.length() == 0 ? "" : " | ").append(v.getName());
        }
        trace("tasks: " + tasks);
            mini.cancelJob(id).get(60, TimeUnit.SECONDS);
            JobResult jr = result.get(60, TimeUnit.SECONDS);
            res.put("status", jr.getJobStatus().map(Object::toString).orElse("?"));
            res.put("drained", true);
            trace("drained; job cancelled (retained checkpoints stay)");
        } else {
            res.put("drained", false);
            res.put("error", error);
            trace("job ended: " + error);
            if (!result.isDone()) { // free the slot for the next job of this JVM
                try {
                    mini.cancelJob(id).get(60, TimeUnit.SECONDS);
                    result.get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    trace("cancel failed: " + rootMessage(e));
                }
            }
        }
        if (feed != null) {
            feed.close();
        }
        res.put("end_tick", TICK);
        res.put("seconds", (System.nanoTime() - t0) / 1e9);
        Files.writeString(Path.of(job.get("result").asText()), M.writeValueAsString(res));
        if (!marker.isEmpty()) {
            System.out.println(marker + " end");
        }
        TRACE.close();
    }

    static final class JobEnded extends Exception {
        JobEnded(String m) {
            super(m);
        }
    }

    /** The next event from the tasks, or JobEnded if the job stopped (a failed job: its error). */
    static String next(CompletableFuture<JobResult> result) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            String ev = EVENTS.poll(50, TimeUnit.MILLISECONDS);
            if (ev != null) {
                return ev;
            }
            if (result.isDone()) {
                JobResult jr = result.get();
                String why = jr.getSerializedThrowable()
                        .map(t -> rootMessage(t.deserializeError(FlinkFidelity.class.getClassLoader())))
                        .orElse("no error");
                throw new JobEnded("job " + jr.getJobStatus().map(Object::toString).orElse("?") + ": " + why);
            }
        }
        throw new JobEnded("no progress for 120 s");
    }

    static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return (r.getClass().getSimpleName() + ": " + r.getMessage()).split("\n")[0];
    }

    static void checkpoint(MiniCluster mini, JobID id, long epoch) throws Exception {
        trace("trigger checkpoint for epoch " + epoch);
        long cp = -1;
        long deadline = System.currentTimeMillis() + 60_000;
        while (cp < 0) {
            try {
                cp = mini.triggerCheckpoint(id, CheckpointType.FULL).get(120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                // A task still being deployed declines the trigger: try again until every task runs.
                if (!rootMessage(e).contains("Not all required tasks are currently running")
                        || System.currentTimeMillis() > deadline) {
                    throw new JobEnded("checkpoint for epoch " + epoch + " failed: " + rootMessage(e));
                }
                Thread.sleep(10);
            }
        }
        trace("checkpoint " + cp + " completed (epoch " + epoch + ")");
        if (cp != epoch + 1) {
            throw new JobEnded("checkpoint " + cp + " completed for epoch " + epoch + ": numbering assumption broken");
        }
    }

    static void driveSocket(MiniCluster mini, JobID id, JsonNode job, SocketFeed feed, CompletableFuture<JobResult> result)
            throws Exception {
        String ev = next(result);
        if (!ev.equals("connected")) {
            throw new JobEnded("unexpected event " + ev);
        }
        JsonNode src = job.get("source");
        int bs = src.get("batch_size").asInt();
        long epoch = src.get("start_epoch").asLong();
        boolean restoredMustRun = src.get("restored_epoch_runs").asBoolean();
        while (true) {
            List<String> chunk = feed.chunk(bs);
            if (chunk.isEmpty() && !restoredMustRun) {
                trace("drained at tick " + TICK + ": the socket has nothing left to send");
                break;
            }
            restoredMustRun = false;
            SOCKET_EPOCH = epoch;
            SOCKET_SEEN = 0;
            SOCKET_EXPECT = chunk.size();
            StringBuilder ids = new StringBuilder();
            for (String l : chunk) {
                ids.append(ids.length() == 0 ? "" : ",").append(l.split(",")[0]);
            }
            trace("read epoch " + epoch + " [" + ids + "] tick " + TICK + " (socket)");
            if (chunk.isEmpty()) { // the restored epoch runs all its steps with nothing to read
                crashPoint("read", epoch);
                crashPoint("sink_write", epoch);
            } else {
                feed.send(chunk);
                String w = next(result);
                if (!w.equals("written " + epoch)) {
                    throw new JobEnded("unexpected event " + w);
                }
            }
            checkpoint(mini, id, epoch);
            String n = next(result);
            if (!n.equals("notified " + epoch)) {
                throw new JobEnded("unexpected event " + n);
            }
            epoch++;
        }
    }
}
