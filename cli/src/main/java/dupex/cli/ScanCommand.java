package dupex.cli;

import dupex.dedupe.Pipeline;
import picocli.CommandLine.Command;

@Command(name = "scan", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Bring the index up to date with PATH: hash new and changed files, forget deleted ones. Changes no file.",
    footer = {"", ExitCode.TABLE})
final class ScanCommand extends WorkCommand {
  ScanCommand(Session session) {
    super(session);
  }

  @Override
  Pipeline.Mode mode() {
    return Pipeline.Mode.SCAN;
  }
}
