package dupex.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.dedupe.DedupeListener;
import dupex.dedupe.PlanTotals;
import dupex.dedupe.RunListener;
import dupex.linux.BytePath;
import dupex.scanner.ScanCounters;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * What a dedupe changed, file by file: every range whose extents the kernel changed, with its source. Kept for the
 * JSON summary ("changes", consecutive ranges of one file and source merged) and appended to --log FILE as JSON
 * lines the moment they happen, so a killed run's log is true up to its last line. The summary's entries wait in
 * a temporary file, unlinked as soon as it is made (nothing is left behind, even by a kill -9), and are streamed
 * into the JSON: a run that changes millions of ranges holds one in memory (30,000 held as a list and a JSON string
 * were 28 MiB of a run's peak memory).
 */
final class AuditTrail {
  /** One changed range: {@code length} bytes at {@code offset} of {@code path}, now sharing {@code source}'s. */
  record Entry(String action, BytePath path, long offset, long length, BytePath source, long sourceOffset) {}

  private final PrintWriter log;
  private final boolean keep;
  private Changes changes;
  /** The last entry, held back while the next one may extend it. */
  private Entry last;

  /**
   * A trail that appends to {@code log} (null: none) and keeps the entries when {@code keep}, in a temporary file
   * made now: a directory where none can be made fails the command before it starts, not at its first change.
   */
  AuditTrail(PrintWriter log, boolean keep) throws IOException {
    this.log = log;
    this.keep = keep;
    if (keep) changes = new Changes();
  }

  /** The entries of the run so far (null when not kept); the next filesystem's run starts a new set. */
  synchronized Changes take() {
    if (!keep) return null;
    try {
      if (last != null) changes.write(last);
      last = null;
      Changes out = changes.done();
      changes = new Changes();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("the run's list of changes (temporary file): " + e.getMessage(), e);
    }
  }

  synchronized void add(String filesystem, DedupeListener.Change c) {
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
    boolean follows = last != null && last.action().equals(c.action()) && last.path().equals(c.path())
        && java.util.Objects.equals(last.source(), c.source()) && last.offset() + last.length() == c.offset()
        && (c.source() == null || last.sourceOffset() + last.length() == c.sourceOffset());
    if (follows) {
      last = new Entry(last.action(), last.path(), last.offset(), last.length() + c.length(), last.source(), last.sourceOffset());
      return;
    }
    try {
      if (last != null) changes.write(last);
    } catch (IOException e) {
      throw new UncheckedIOException("the run's list of changes (temporary file): " + e.getMessage(), e);
    }
    last = new Entry(c.action(), c.path(), c.offset(), c.length(), c.source(), c.sourceOffset());
  }

  /**
   * A run's changes, in a temporary file: written once, then read as often as the JSON is written (Jackson streams
   * them, {@link Changes.Writer}). Close it once printed.
   */
  @com.fasterxml.jackson.databind.annotation.JsonSerialize(using = Changes.Writer.class)
  static final class Changes implements AutoCloseable {
    private final java.nio.channels.FileChannel file;
    private final java.io.DataOutputStream out;
    private long count;

    private Changes() throws IOException {
      java.nio.file.Path p = java.nio.file.Files.createTempFile("dupex-changes", ".bin");
      try {
        file = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
      } finally {
        java.nio.file.Files.delete(p);
      }
      out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(file), 1 << 16));
    }

    long size() {
      return count;
    }

    private void write(Entry e) throws IOException {
      out.writeUTF(e.action());
      bytes(e.path());
      out.writeLong(e.offset());
      out.writeLong(e.length());
      out.writeBoolean(e.source() != null);
      if (e.source() != null) {
        bytes(e.source());
        out.writeLong(e.sourceOffset());
      }
      count++;
    }

    private void bytes(BytePath p) throws IOException {
      byte[] b = p.bytes();
      out.writeInt(b.length);
      out.write(b);
    }

    private Changes done() throws IOException {
      out.flush();
      return this;
    }

    @Override
    public void close() throws IOException {
      file.close();
    }

    /** Visits every entry in order. */
    void forEach(java.util.function.Consumer<Entry> action) throws IOException {
      java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
          java.nio.channels.Channels.newInputStream(file.position(0)), 1 << 16));
      for (long i = 0; i < count; i++) {
        String act = in.readUTF();
        BytePath path = BytePath.of(in.readNBytes(in.readInt()));
        long offset = in.readLong(), length = in.readLong();
        boolean hasSource = in.readBoolean();
        BytePath source = hasSource ? BytePath.of(in.readNBytes(in.readInt())) : null;
        action.accept(new Entry(act, path, offset, length, source, hasSource ? in.readLong() : 0));
      }
    }

    /** Writes the changes as a JSON array, one entry at a time. */
    static final class Writer extends com.fasterxml.jackson.databind.JsonSerializer<Changes> {
      @Override
      public void serialize(Changes c, com.fasterxml.jackson.core.JsonGenerator g,
                            com.fasterxml.jackson.databind.SerializerProvider provider) throws IOException {
        g.writeStartArray();
        try {
          c.forEach(e -> {
            try {
              provider.defaultSerializeValue(e, g);
            } catch (IOException x) {
              throw new UncheckedIOException(x);
            }
          });
        } catch (UncheckedIOException x) {
          throw x.getCause();
        }
        g.writeEndArray();
      }
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
