package dupex.cli;

import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Report what dedupe would reclaim under PATH, and where, without touching anything.",
        "Works on any filesystem that can be read, so it also tells what moving to btrfs or XFS would save."},
    footer = {"", ExitCode.TABLE})
final class ReportCommand extends WorkCommand {
  @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "How many ranges and directories to list. Default: ${DEFAULT-VALUE}.")
  int top;

  ReportCommand(Session session) {
    super(session);
  }

  @Override
  Pipeline.Mode mode() {
    return Pipeline.Mode.REPORT;
  }

  @Override
  int top() {
    return Math.max(0, top);
  }

  @Override
  void print(Console console, FsRun run) {
    printReport(console, run);
  }

  static void printReport(Console console, FsRun run) {
    if (console.quiet()) return;
    var out = console.out();
    out.println("Duplicate data under " + String.join(", ", run.group.roots().stream().map(Object::toString).toList())
        + " (" + run.group.fsStat().typeName() + ")");
    row(out, "files scanned", run.scan.filesSeen.get() + " (" + Units.bytes(run.scan.bytesSeen.get()) + ")");
    row(out, "read this run", Units.bytes(run.scan.bytesRead.get()));
    if (run.plan != null) {
      row(out, "duplicate", Units.bytes(run.plan.dupeBytes()) + " in " + run.plan.ranges() + " ranges");
      row(out, "could be freed", "about " + Units.bytes(run.plan.estimatedFreedBytes()));
      row(out, "already shared", Units.bytes(run.plan.alreadySharedBytes()));
    }
    if (run.failures() > 0) row(out, "failures", run.failures() + " (see stderr)");
    if (!run.largest.isEmpty()) {
      out.println();
      out.println("Largest duplicate ranges (length, source -> copies):");
      for (FsRun.Range r : run.largest) {
        out.printf(Locale.ROOT, "  %10s  %s%s%n", Units.bytes(r.length()), r.source().path(), at(r.source().offset()));
        for (FsRun.Place d : r.destinations()) out.printf(Locale.ROOT, "  %10s    -> %s%s%n", "", d.path(), at(d.offset()));
      }
    }
    if (!run.directories.isEmpty()) {
      out.println();
      out.println("Duplicate bytes by directory:");
      for (FsRun.DirBytes d : run.directories) out.printf(Locale.ROOT, "  %10s  %s%n", Units.bytes(d.bytes()), d.dir());
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
