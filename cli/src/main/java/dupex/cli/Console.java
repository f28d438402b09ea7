package dupex.cli;

import dupex.dedupe.PlanTotals;
import dupex.dedupe.RunListener;
import dupex.scanner.ScanCounters;
import dupex.scanner.SkipReason;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import dupex.linux.BytePath;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Where a command's words go: results to stdout; warnings, -v details and progress to stderr. Failures are always
 * shown; other skips only with -v; progress bars only when stderr is a terminal (or --progress=always).
 */
final class Console {
  enum Progress { AUTO, ALWAYS, NEVER }

  private final PrintWriter out;
  private final PrintWriter err;
  private final int verbosity;
  private final boolean quiet;
  private final boolean bars;
  final AtomicLong warnings = new AtomicLong();

  Console(PrintWriter out, PrintWriter err, int verbosity, boolean quiet, Progress progress, boolean stderrIsTerminal) {
    this.out = out;
    this.err = err;
    this.verbosity = verbosity;
    this.quiet = quiet;
    this.bars = progress == Progress.ALWAYS || (progress == Progress.AUTO && stderrIsTerminal && !quiet);
  }

  PrintWriter out() {
    return out;
  }

  boolean quiet() {
    return quiet;
  }

  int verbosity() {
    return verbosity;
  }

  /** A result line on stdout (not with -q). */
  void result(String line) {
    if (!quiet) out.println(line);
    out.flush();
  }

  void warn(String message) {
    warnings.incrementAndGet();
    err.println("dupex: " + message);
    err.flush();
  }

  void info(String message) {
    if (verbosity >= 1) {
      err.println("dupex: " + message);
      err.flush();
    }
  }

  /** A phase line where there is no progress bar (-v), so a log shows where the run is. */
  void phase(String message) {
    if (!bars) info(message);
  }

  synchronized void skipped(BytePath path, SkipReason reason, String detail) {
    String line = "skip " + path + ": " + reason.text() + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")");
    if (reason.failure()) warn(line);
    else if (verbosity >= 1) info(line);
  }

  /** Hears a run: phase lines (-v) or progress bars (a terminal), and skipped files. */
  RunListener listener() {
    return new RunListener() {
      private Bar bar = () -> {};
      private volatile long dedupeDone;

      @Override
      public void skipped(BytePath path, SkipReason reason, String detail) {
        Console.this.skipped(path, reason, detail);
      }

      @Override
      public void warning(String message) {
        warn(message);
      }

      @Override
      public void scanning(List<BytePath> roots, ScanCounters live) {
        phase("scanning " + roots);
        bar = bar("scan", " files", 1, live.filesSeen::get, () -> -1, live.bytesRead::get);
      }

      @Override
      public void planning() {
        phase("planning");
      }

      @Override
      public void deduping(PlanTotals plan) {
        phase("deduping " + Units.bytes(plan.duplicateBytes()) + " in " + plan.ranges() + " ranges");
        dedupeDone = 0;
        bar = bar("dedupe", " MiB", 1 << 20, () -> dedupeDone, plan::duplicateBytes, null);
      }

      @Override
      public void progress(long bytesDone, long bytesTotal) {
        dedupeDone = bytesDone;
      }

      @Override
      public void phaseEnded() {
        bar.close();
        bar = () -> {};
      }
    };
  }

  /**
   * A progress bar for a phase, redrawn on stderr from {@code current} every 200 ms; a no-op without a terminal.
   * Close it when the phase ends.
   */
  Bar bar(String task, String unit, long unitSize, LongSupplier current, LongSupplier max, LongSupplier extraBytes) {
    if (!bars) return () -> {};
    PrintStream stream = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) {
        err.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        err.write(new String(b, off, len, StandardCharsets.UTF_8));
      }

      @Override
      public void flush() {
        err.flush();
      }
    }, true, StandardCharsets.UTF_8);
    ProgressBar pb = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(-1, max.getAsLong()))
        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(unit, unitSize).showSpeed()
        .setUpdateIntervalMillis(200)
        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(stream)).build();
    Thread poller = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        long m = max.getAsLong();
        if (m > 0) pb.maxHint(m);
        pb.stepTo(current.getAsLong());
        if (extraBytes != null) pb.setExtraMessage(" " + Units.bytes(extraBytes.getAsLong()) + " read");
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "dupex-progress");
    poller.setDaemon(true);
    poller.start();
    return () -> {
      poller.interrupt();
      try {
        poller.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long m = max.getAsLong();
      if (m > 0) pb.maxHint(m);
      pb.stepTo(current.getAsLong());
      pb.close();
    };
  }

  interface Bar extends AutoCloseable {
    @Override
    void close();
  }
}
