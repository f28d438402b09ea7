package dupex.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.dedupe.DedupeListener;
import dupex.dedupe.PlanTotals;
import dupex.dedupe.RunListener;
import dupex.linux.BytePath;
import dupex.scanner.ScanCounters;
import dupex.scanner.SkipReason;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a dedupe changed, file by file: every range whose extents the kernel changed, with its source. Kept for the
 * JSON summary ("changes", consecutive ranges of one file and source merged) and appended to --log FILE as JSON
 * lines the moment they happen, so a killed run's log is true up to its last line.
 */
final class AuditTrail {
  /** One changed range: {@code length} bytes at {@code offset} of {@code path}, now sharing {@code source}'s. */
  record Entry(String action, BytePath path, long offset, long length, BytePath source, long sourceOffset) {}

  private final PrintWriter log;
  private final boolean keep;
  private List<Entry> entries = new ArrayList<>();

  /** A trail that appends to {@code log} (null: none) and keeps the entries when {@code keep}. */
  AuditTrail(PrintWriter log, boolean keep) {
    this.log = log;
    this.keep = keep;
  }

  /** The entries of the run so far, and a fresh list for the next filesystem's run (null when not kept). */
  List<Entry> take() {
    if (!keep) return null;
    List<Entry> out = entries;
    entries = new ArrayList<>();
    return out;
  }

  void add(String filesystem, DedupeListener.Change c) {
    if (log != null) {
      ObjectNode line = Json.MAPPER.createObjectNode();
      line.put("time", Instant.now().toString());
      line.put("filesystem", filesystem);
      line.put("action", c.action());
      line.put("path", c.path().toJsonString());
      line.put("offset", c.offset());
      line.put("length", c.length());
      if (c.source() != null) {
        line.put("source", c.source().toJsonString());
        line.put("sourceOffset", c.sourceOffset());
      }
      try {
        log.println(Json.line(line));
        log.flush();
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("an audit line that Jackson cannot write", e);
      }
    }
    if (!keep) return;
    Entry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
    boolean follows = last != null && last.action().equals(c.action()) && last.path().equals(c.path())
        && java.util.Objects.equals(last.source(), c.source()) && last.offset() + last.length() == c.offset()
        && (c.source() == null || last.sourceOffset() + last.length() == c.sourceOffset());
    if (follows) {
      entries.set(entries.size() - 1, new Entry(last.action(), last.path(), last.offset(), last.length() + c.length(), last.source(), last.sourceOffset()));
    } else {
      entries.add(new Entry(c.action(), c.path(), c.offset(), c.length(), c.source(), c.sourceOffset()));
    }
  }

  /** {@code listener}, also recording into this trail what it hears changed on {@code filesystem}. */
  RunListener wrap(RunListener listener, String filesystem) {
    return new RunListener() {
      @Override
      public void changed(DedupeListener.Change change) {
        add(filesystem, change);
        listener.changed(change);
      }

      @Override
      public void skipped(BytePath path, SkipReason reason, String detail) {
        listener.skipped(path, reason, detail);
      }

      @Override
      public void warning(String message) {
        listener.warning(message);
      }

      @Override
      public void progress(long bytesDone, long bytesTotal) {
        listener.progress(bytesDone, bytesTotal);
      }

      @Override
      public void scanning(List<BytePath> roots, ScanCounters live) {
        listener.scanning(roots, live);
      }

      @Override
      public void planning() {
        listener.planning();
      }

      @Override
      public void deduping(PlanTotals plan) {
        listener.deduping(plan);
      }

      @Override
      public void phaseEnded() {
        listener.phaseEnded();
      }
    };
  }
}
