package dupex.cli;

import dupex.dedupe.Pipeline;
import dupex.dedupe.PlanTotals;
import dupex.dedupe.RunResult;
import dupex.index.GroupIterator;
import java.util.Locale;
import picocli.CommandLine.Command;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Mixin;

@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Report what dedupe would reclaim under PATH, and where, without touching anything.",
        "Works on any filesystem that can be read, so it also tells what moving to btrfs or XFS would save."},
    footer = {"", ExitCode.TABLE})
final class ReportCommand extends WorkCommand {
  @Mixin ReportArgs report;

  ReportCommand(Session session) {
    super(session);
  }

  @Override
  Pipeline.Mode mode() {
    return Pipeline.Mode.REPORT;
  }

  @Override
  Pipeline.ReportOptions reportOptions() {
    return report.options();
  }

  @Override
  dupex.dedupe.DedupeOptions dedupeOptions() throws CliException {
    return report.withMinMatch(super.dedupeOptions());
  }

  @Override
  void finish(List<FsRun> runs, Instant started) throws CliException {
    if (report.html != null) HtmlReport.write(report.html, runs, started);
  }

  @Override
  void print(Console console, FsRun run) {
    printReport(console, run);
  }

  static void printReport(Console console, FsRun run) {
    if (console.quiet()) return;
    var out = console.out();
    RunResult result = run.result();
    out.println("Duplicate data under " + String.join(", ", run.roots().stream().map(Object::toString).toList())
        + " (" + run.type() + ")");
    row(out, "files scanned", result.scan().filesSeen() + " (" + Units.bytes(result.scan().bytesSeen()) + ")");
    row(out, "read this run", Units.bytes(result.scan().bytesRead()));
    PlanTotals plan = result.plan();
    if (plan != null) {
      row(out, "duplicate", Units.bytes(plan.duplicateBytes()) + " in " + plan.ranges() + " ranges");
      RunResult.Breakdown b = result.breakdown();
      if (b != null) {
        row(out, "whole files", b.wholeFileCopies() + " copies in " + b.wholeFileSets() + " sets, " + Units.bytes(b.wholeFileBytes()));
        row(out, "partial", b.partialRanges() + " ranges, " + Units.bytes(b.partialBytes()));
        row(out, "files", b.duplicateFiles() + " files hold duplicate data (not counting the copies kept)");
      }
      row(out, "could be freed", "about " + Units.bytes(plan.estimatedFreedBytes()));
      row(out, "already shared", Units.bytes(plan.alreadySharedBytes()));
      if (plan.pinnedBytes() > 0) {
        row(out, "pinned", Units.bytes(plan.pinnedBytes()) + " in extents that files outside the run also use "
            + "(snapshots, reflinked copies, excluded paths; -v names them when deduping): not counted as freeable");
      }
      if (plan.truncatedGroups() > 0) {
        row(out, "not planned", plan.truncatedGroups() + " block contents found in over "
            + GroupIterator.MAX_MEMBERS + " places: only the first of each were planned");
      }
    }
    if (result.failures() > 0) row(out, "failures", result.failures() + " (see stderr)");
    if (result.largest() != null && !result.largest().isEmpty()) {
      out.println();
      out.println("Largest duplicate ranges (length, source -> copies):");
      for (RunResult.RangeReport r : result.largest()) {
        out.printf(Locale.ROOT, "  %10s  %s%s%n", Units.bytes(r.length()), r.source().path(), at(r.source().offset()));
        for (RunResult.Place d : r.destinations()) out.printf(Locale.ROOT, "  %10s    -> %s%s%n", "", d.path(), at(d.offset()));
      }
    }
    if (result.directories() != null && !result.directories().isEmpty()) {
      out.println();
      out.println("Duplicate bytes by directory (with subdirectories, as du counts; in the directory itself; files):");
      for (RunResult.DirBytes d : result.directories()) {
        out.printf(Locale.ROOT, "  %10s %10s %7d  %s%n", Units.bytes(d.duplicateBytes()), Units.bytes(d.ownBytes()), d.files(), d.path());
      }
    }
    out.flush();
  }

  private static String at(long offset) {
    return offset == 0 ? "" : " @" + offset;
  }

  private static void row(java.io.PrintWriter out, String name, String value) {
    out.printf(Locale.ROOT, "  %-16s %s%n", name, value);
  }
}
