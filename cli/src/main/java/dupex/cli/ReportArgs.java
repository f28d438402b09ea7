package dupex.cli;

import dupex.dedupe.Pipeline;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What a report lists and where else it goes (report, dedupe --dry-run). */
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

  Pipeline.ReportOptions options() {
    return new Pipeline.ReportOptions(Math.max(0, top), directories, html == null ? 0 : TREE_TOP);
  }
}
