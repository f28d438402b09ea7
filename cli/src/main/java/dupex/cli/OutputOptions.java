package dupex.cli;

import picocli.CommandLine.Option;

/** -q, -v, --json and --progress, on every subcommand. */
final class OutputOptions {
  @Option(names = {"-q", "--quiet"}, description = "Print nothing but warnings and errors (for cron).")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, description = "Say more: lists skipped files and phases, and stack traces of internal errors.")
  boolean[] verbose = new boolean[0];

  @Option(names = "--json", description = "Write the summary (or report) as JSON on stdout.")
  boolean json;

  @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
      description = "Progress bars on stderr: auto (when stderr is a terminal), always, never. Default: auto.")
  Console.Progress progress;

  Console console(java.io.PrintWriter out, java.io.PrintWriter err, Session session) {
    return new Console(out, err, verbose.length, quiet || json, progress, session.stderrIsTerminal().getAsBoolean());
  }
}
