package dupex.cli;

import dupex.scanner.ScanOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The paths to work on and how to scan them, shared by scan, report and dedupe. */
final class ScanArgs {
  @Parameters(paramLabel = "PATH", arity = "1..*", description = "Directories or files to work on (each stays on its own filesystem).")
  List<String> paths = new ArrayList<>();

  @Option(names = "--index", paramLabel = "DIR",
      description = "Where indexes live (one per filesystem). Default: /var/lib/dupex as root, else $XDG_STATE_HOME/dupex or ~/.local/state/dupex.")
  Path index;

  @Option(names = "--block-size", paramLabel = "SIZE", defaultValue = "128K", converter = Units.SizeConverter.class,
      description = {"The index keeps one hash per block of this size (a power of two from 4K to 16M), which matches whole files",
          "and copies at the same offsets without reading them again; runs are found and shared at 4K granularity whatever",
          "it is. Default: ${DEFAULT-VALUE}."})
  long blockSize;

  @Option(names = "--min-size", paramLabel = "SIZE", defaultValue = "0", converter = Units.SizeConverter.class,
      description = "Skip files smaller than this. Default: one filesystem block.")
  long minSize;

  @Option(names = "--exclude", paramLabel = "GLOB", converter = Units.GlobConverter.class,
      description = "Skip files and directories whose name (or, with a /, whose path below PATH) matches. Repeatable.")
  List<String> excludes = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N", defaultValue = "4", description = "Files read at once, and directories listed ahead of the walk. Default: ${DEFAULT-VALUE}.")
  int threads;

  /** Tests of a killed run: how much is hashed between two checkpoints (default 1 GiB, or 30 s). */
  @Option(names = "--checkpoint-every", paramLabel = "SIZE", hidden = true, converter = Units.SizeConverter.class)
  Long checkpointEvery;

  @Option(names = "--max-runtime", paramLabel = "DURATION", converter = Units.DurationConverter.class,
      description = {"Stop after this long (e.g. 30min, 1h30m, 1d), all filesystems together: no new file is read, planned or",
          "deduped after it (the largest ranges go first); the next run carries on where this one stopped."})
  java.time.Duration maxRuntime;

  @Option(names = "--metrics-file", paramLabel = "FILE",
      description = {"At the end of every run, failed ones included, write its figures for Prometheus there (node_exporter's",
          "textfile collector; replaced atomically)."})
  java.nio.file.Path metricsFile;

  @Option(names = "--wait", description = "Wait for another dupex run holding the index instead of exiting with 75.")
  boolean wait;

  ScanOptions scanOptions() throws CliException {
    if (blockSize > Integer.MAX_VALUE) throw new CliException(ExitCode.USAGE, "--block-size is too large");
    try {
      return new ScanOptions((int) blockSize, minSize, excludes, threads);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
  }
}
