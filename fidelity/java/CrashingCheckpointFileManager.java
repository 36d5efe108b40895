// Crash injector for the crashcourse fidelity suite.
//
// Spark writes every checkpoint file (sources/0/N, offsets/N, commits/N) and the file sink's
// _spark_metadata/N through CheckpointFileManager.createAtomic; the atomic rename happens on
// close(). Loaded via the internal conf spark.sql.streaming.checkpointFileManagerClass, this
// subclass appends every completed write to a trace file and, when a rule matches, halts the
// JVM (Runtime.halt: no shutdown hooks, no cleanup -- a real process death) either before the
// file is created or right after its atomic rename.
//
// Environment:
//   CC_HOOK_TRACE  file to append "done <dir>/<name>" lines to (optional)
//   CC_HOOK_RULES  ';'-separated rules "before|after:<path suffix>:<marker file>", e.g.
//                  "after:offsets/2:/tmp/m0" or "before:sources/0/3:/tmp/m1"; the marker file is
//                  written just before halting so the harness knows which fault fired.
package crashcourse.fidelity;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager;
import org.apache.spark.sql.execution.streaming.checkpointing.FileContextBasedCheckpointFileManager;

public class CrashingCheckpointFileManager extends FileContextBasedCheckpointFileManager {

  public CrashingCheckpointFileManager(Path path, Configuration conf) {
    super(path, conf);
  }

  /** The path as "/.../offsets/2" with a ".compact" suffix removed. */
  private static String key(Path p) {
    String s = p.toUri().getPath();
    if (s.endsWith(".compact")) {
      s = s.substring(0, s.length() - ".compact".length());
    }
    return s;
  }

  /** Last components of a path for the trace: "sources/0/2", "offsets/2". */
  private static String shortName(Path p) {
    Path parent = p.getParent();
    String s = parent.getName() + "/" + p.getName();
    Path gp = parent.getParent();
    if (gp != null && gp.getName().equals("sources")) s = "sources/" + s;
    return s;
  }

  private static void append(String file, String line) {
    if (file == null || file.isEmpty()) return;
    try (FileOutputStream out = new FileOutputStream(file, true)) {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.getFD().sync();
    } catch (IOException e) {
      // tracing must never change Spark's behaviour
    }
  }

  /** Halts the JVM if a rule for (when, path) exists. */
  static void maybeHalt(String when, Path p) {
    String rules = System.getenv("CC_HOOK_RULES");
    if (rules == null || rules.isEmpty()) return;
    String k = key(p);
    for (String rule : rules.split(";")) {
      String[] f = rule.split(":", 3);
      if (f.length != 3) continue;
      if (f[0].equals(when) && k.endsWith("/" + f[1])) {
        append(System.getenv("CC_HOOK_TRACE"), "halt " + when + " " + shortName(p));
        append(f[2], when + " " + p);
        Runtime.getRuntime().halt(137);
      }
    }
  }

  @Override
  public CheckpointFileManager.CancellableFSDataOutputStream createAtomic(Path path, boolean overwriteIfPossible) {
    maybeHalt("before", path);
    CheckpointFileManager.CancellableFSDataOutputStream inner = super.createAtomic(path, overwriteIfPossible);
    return new HaltAfterClose(inner, path);
  }

  static final class HaltAfterClose extends CheckpointFileManager.CancellableFSDataOutputStream {
    private final CheckpointFileManager.CancellableFSDataOutputStream inner;
    private final Path path;
    private boolean closed = false;

    HaltAfterClose(CheckpointFileManager.CancellableFSDataOutputStream inner, Path path) {
      super(inner);
      this.inner = inner;
      this.path = path;
    }

    @Override
    public synchronized void cancel() {
      closed = true;
      try {
        inner.cancel();
      } finally {
        append(System.getenv("CC_HOOK_TRACE"), "cancel " + shortName(path));
      }
    }

    @Override
    public synchronized void close() throws IOException {
      if (closed) return;
      closed = true;
      super.close(); // flushes and closes inner: the atomic rename happens here
      append(System.getenv("CC_HOOK_TRACE"), "done " + shortName(path));
      maybeHalt("after", path);
    }
  }
}
