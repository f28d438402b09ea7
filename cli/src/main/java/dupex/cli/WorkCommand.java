package dupex.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.dedupe.Deadline;
import dupex.dedupe.DedupeOptions;
import dupex.dedupe.Pipeline;
import dupex.dedupe.RunListener;
import dupex.dedupe.RunResult;
import dupex.index.BlockIndex;
import dupex.index.IndexException;
import dupex.index.IndexSettings;
import dupex.linux.BytePath;
import dupex.scanner.ScanOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What scan, report and dedupe share: check the paths, run each filesystem, print, choose the exit code. */
abstract class WorkCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ScanArgs scanArgs;
  @Mixin OutputOptions output;
  final Session session;

  WorkCommand(Session session) {
    this.session = session;
  }

  abstract Pipeline.Mode mode();

  DedupeOptions dedupeOptions() throws CliException {
    return DedupeOptions.defaults();
  }

  /** What a report lists (report, dedupe --dry-run). */
  Pipeline.ReportOptions reportOptions() {
    return new Pipeline.ReportOptions(10, Pipeline.DirectoryOrder.SUBTREE, 0);
  }

  /** What records the changes a run makes (dedupe: --json, --log), or null. */
  AuditTrail auditTrail() throws CliException {
    return null;
  }

  /** After every filesystem's run, before the JSON summary: writes what a command writes besides (an HTML report). */
  void finish(List<FsRun> runs, Instant started) throws CliException {}

  /** Prints one filesystem's result for people (the JSON form is printed by call()). */
  void print(Console console, FsRun run) {
    console.result(run.summaryLine());
  }

  @Override
  public Integer call() throws CliException {
    Console console = output.console(spec.commandLine().getOut(), spec.commandLine().getErr(), session);
    Instant started = Instant.now();
    List<FsRun> runs = new ArrayList<>();
    int code = ExitCode.SOFTWARE;
    try {
      code = call(console, started, runs);
      return code;
    } catch (CliException e) {
      code = e.exitCode();
      throw e;
    } finally {
      if (scanArgs.metricsFile != null) {
        try {
          MetricsFile.write(scanArgs.metricsFile, MetricsFile.text(spec.name(), code, started, Instant.now(), runs));
        } catch (CliException e) {
          console.warn(e.getMessage());
        }
      }
    }
  }

  private int call(Console console, Instant started, List<FsRun> runs) throws CliException {
    ScanOptions scanOptions = scanArgs.scanOptions();
    DedupeOptions dedupeOptions;
    try {
      dedupeOptions = dedupeOptions().withDeadline(Deadline.after(scanArgs.maxRuntime));
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
    AuditTrail audit = auditTrail();
    List<Filesystems.Group> groups = Filesystems.group(scanArgs.paths, session.arguments());
    CliException firstFailure = null;
    try {
      Path indexRoot = IndexLocation.root(scanArgs.index, session.env());
      for (Filesystems.Group g : groups) {
        FsRun run;
        try {
          run = run(g, indexRoot, scanOptions, dedupeOptions, console, audit);
        } catch (CliException e) {
          // One filesystem's failure does not stop the others; the command ends with the first failure's code.
          if (firstFailure == null) firstFailure = e;
          console.warn(e.getMessage());
          runs.add(new FsRun(g.key(), g.fsStat().typeName(), g.paths(), IndexLocation.forFilesystem(indexRoot, g.key()), null,
              new FsRun.Failure(e.exitCode(), e.getMessage())));
          if (session.cancelled().getAsBoolean()) break;
          continue;
        }
        runs.add(run);
        if (!output.json) print(console, run);
        if (session.cancelled().getAsBoolean()) break;
      }
    } finally {
      groups.forEach(Filesystems.Group::close);
    }
    int code = firstFailure != null ? firstFailure.exitCode()
        : session.cancelled().getAsBoolean() ? ExitCode.INTERRUPTED
        : runs.stream().anyMatch(r -> r.failures() > 0) ? ExitCode.SKIPPED : ExitCode.OK;
    try {
      finish(runs, started);
      if (output.json) printJson(runs, started, code);
    } finally {
      for (FsRun r : runs) {
        if (r.changes() != null) {
          try {
            r.changes().close();
          } catch (IOException e) {
            // an unlinked temporary file: nothing is left behind
          }
        }
      }
    }
    return code;
  }

  private FsRun run(Filesystems.Group group, Path indexRoot, ScanOptions scanOptions, DedupeOptions dedupeOptions,
                    Console console, AuditTrail audit) throws CliException {
    BytePath root = group.paths().get(0);
    String type = group.fsStat().typeName();
    if (mode() == Pipeline.Mode.DEDUPE && !group.canDedupe()) {
      throw new CliException(ExitCode.UNAVAILABLE, root + " is on " + type + (group.fsStat().mayDedupe() ? " without reflink" : "")
          + ", which cannot dedupe: btrfs, or XFS made with reflink=1, can ('dupex report' works on any filesystem)");
    }
    Path dir = IndexLocation.forFilesystem(indexRoot, group.key());
    var request = new Pipeline.Request(group.roots(), group.fsStat(), mode(), scanOptions, dedupeOptions, reportOptions());
    try (BlockIndex index = IndexOpener.open(dir, new IndexSettings(scanOptions.blockSize()), scanArgs.wait, console, session)) {
      if (scanArgs.checkpointEvery != null) index.checkpointEvery(java.util.concurrent.TimeUnit.SECONDS.toNanos(30), scanArgs.checkpointEvery);
      RunListener listener = audit == null ? console.listener() : audit.wrap(console.listener(), group.key());
      RunResult result = Pipeline.run(index, request, listener, session.cancelled());
      FsRun run = new FsRun(group.key(), type, group.paths(), dir, result, null, audit == null ? null : audit.take());
      remember(index, run);
      return run;
    } catch (IOException e) {
      throw Failures.of(e, root, type);
    }
  }

  /** Keeps the run's summary (without the report's details) in the index, for status. */
  private void remember(BlockIndex index, FsRun run) throws IndexException {
    ObjectNode last = Json.MAPPER.valueToTree(run.withoutChanges());
    last.remove("largest");
    last.remove("directories");
    last.remove("tree");
    last.remove("changes");
    last.put("command", mode().name().toLowerCase(Locale.ROOT));
    Instant now = Instant.now();
    last.put("finishedAt", now.toString());
    RootsSeen.record(index, run.roots(), mode().name().toLowerCase(Locale.ROOT), run.scan().complete(), now);
    try {
      index.putMeta("lastRun", Json.line(last));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a run summary that Jackson cannot write", e);
    }
  }

  /** The whole command's result: what every filesystem's run did. */
  record Summary(String schema, String command, boolean dryRun, String version, String startedAt,
                 double elapsedSeconds, long peakRssBytes, List<FsRun> filesystems, int exitCode) {}

  /** The process's peak resident memory so far (VmHWM: Java heap, RocksDB's caches, native buffers), or -1. */
  static long peakRssBytes() {
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux's /proc: unknown
    }
    return -1;
  }

  private void printJson(List<FsRun> runs, Instant started, int code) throws CliException {
    double elapsed = Duration.between(started, Instant.now()).toMillis() / 1000.0;
    var summary = new Summary(Json.SCHEMA, spec.name(), mode() != Pipeline.Mode.DEDUPE, Main.version(), started.toString(),
        elapsed, peakRssBytes(), runs, code);
    java.io.PrintWriter out = spec.commandLine().getOut();
    try {
      // streamed: a dedupe's list of changes can be long (AuditTrail.Changes)
      Json.MAPPER.writer().without(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, summary);
    } catch (IOException e) {
      throw new CliException(ExitCode.SOFTWARE, "cannot write the JSON summary: " + e.getMessage(), e);
    }
    out.println();
    out.flush();
  }
}
