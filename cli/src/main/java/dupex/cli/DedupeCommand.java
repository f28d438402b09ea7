package dupex.cli;

import dupex.dedupe.DedupeOptions;
import dupex.dedupe.Pipeline;
import dupex.dedupe.RewritePolicy;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dedupe", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Scan PATH, then make identical block-aligned data share one copy on disk (btrfs, or XFS with reflink).",
        "The kernel compares the bytes before sharing them: no file's content, size, times or permissions change."},
    footer = {"", ExitCode.TABLE})
final class DedupeCommand extends WorkCommand {
  @Option(names = {"-n", "--dry-run"}, description = "Plan only and report what would be done; touch nothing.")
  boolean dryRun;

  @Mixin ReportArgs report;

  @Option(names = "--rewrite-threshold", paramLabel = "R", defaultValue = "1",
      description = {"btrfs frees an extent only when none of it is used: copy what is still used of a partly deduped",
          "extent (by the file, its reflinked clones, snapshots in the run) into a new one and share it there, when",
          "the bytes freed are at least R times the bytes copied. Default: ${DEFAULT-VALUE}."})
  double rewriteThreshold;

  @Option(names = "--log", paramLabel = "FILE",
      description = {"Append to FILE one JSON line per range whose extents the kernel changed (file, offset, length, source),",
          "as it happens: what the run touched."})
  java.nio.file.Path log;

  @Option(names = "--no-rewrite", description = "Never copy extent remainders (btrfs): fewer writes, less space freed.")
  boolean noRewrite;

  /** For measurements: whole-file copies wait for the plan instead of being shared as the scan finds them. */
  @Option(names = "--no-share-during-scan", hidden = true)
  boolean noShareDuringScan;

  DedupeCommand(Session session) {
    super(session);
  }

  @Override
  Pipeline.Mode mode() {
    return dryRun ? Pipeline.Mode.REPORT : Pipeline.Mode.DEDUPE;
  }

  private java.io.PrintWriter logWriter;

  @Override
  AuditTrail auditTrail() throws CliException {
    if (dryRun || (log == null && !output.json)) return null;
    if (log != null) {
      try {
        logWriter = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(log, java.nio.charset.StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.WRITE));
      } catch (java.io.IOException e) {
        throw new CliException(ExitCode.IO_ERROR, "cannot open the log " + log + ": " + e.getMessage(), e);
      }
    }
    try {
      return new AuditTrail(logWriter, output.json);
    } catch (java.io.IOException e) {
      throw new CliException(ExitCode.IO_ERROR, "cannot make a temporary file for the JSON summary's list of changes in "
          + System.getProperty("java.io.tmpdir") + " (set DUPEX_TMPDIR): " + e.getMessage(), e);
    }
  }

  @Override
  Pipeline.ReportOptions reportOptions() {
    return report.options();
  }

  @Override
  void finish(List<FsRun> runs, Instant started) throws CliException {
    if (logWriter != null) logWriter.close();
    if (report.html != null) HtmlReport.write(report.html, runs, started);
  }

  @Override
  DedupeOptions dedupeOptions() throws CliException {
    if (report.html != null && !dryRun) throw new CliException(ExitCode.USAGE, "--html goes with --dry-run (or use 'dupex report')");
    try {
      return report.withMinMatch(DedupeOptions.defaults()
          .withRewrites(noRewrite ? RewritePolicy.NEVER : RewritePolicy.atLeast(rewriteThreshold))
          .withShareDuringScan(!noShareDuringScan));
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
  }

  @Override
  void print(Console console, FsRun run) {
    if (dryRun) ReportCommand.printReport(console, run);
    else console.result(run.summaryLine());
  }
}
