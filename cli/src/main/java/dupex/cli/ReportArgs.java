package dupex.cli;

import dupex.dedupe.Pipeline;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What a plan takes in, what a report lists and where else it goes (report, dedupe). */
final class ReportArgs {
  /** Directories in the HTML treemap at most: small ones are shown summed up in their parent. */
  static final int TREE_TOP = 2000;

  @Option(names = "--top", paramLabel = "N", defaultValue = "10",
      description = "How many ranges and directories to list (with dedupe: only with --dry-run). Default: ${DEFAULT-VALUE}.")
  int top;

  @Option(names = "--directories", paramLabel = "HOW", defaultValue = "subtree",
      description = {"Which directories to list: subtree (duplicate bytes with their subdirectories, as du counts) or own",
          "(bytes of the copies directly in each directory). Default: ${DEFAULT-VALUE}."})
  Pipeline.DirectoryOrder directories;

  @Option(names = "--html", paramLabel = "FILE",
      description = "Also write the report as one self-contained HTML page (a treemap of reclaimable bytes by directory).")
  Path html;

  @Option(names = "--min-match", paramLabel = "SIZE", defaultValue = "8K", converter = Units.SizeConverter.class,
      description = {"Share runs of equal 4K blocks only from this length on (a multiple of 4K); whole files always. 4K also",
          "shares lone duplicate blocks (a database's repeated pages), at the cost of an extent each. Default: ${DEFAULT-VALUE}."})
  long minMatch;

  /** The run's dedupe options with this minimum match. */
  dupex.dedupe.DedupeOptions withMinMatch(dupex.dedupe.DedupeOptions options) throws CliException {
    try {
      return options.withMinMatch(minMatch);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, "--min-match: " + e.getMessage());
    }
  }

  Pipeline.ReportOptions options() {
    return new Pipeline.ReportOptions(Math.max(0, top), directories, html == null ? 0 : TREE_TOP);
  }
}
