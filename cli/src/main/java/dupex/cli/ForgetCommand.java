package dupex.cli;

import dupex.index.BlockIndex;
import dupex.index.IndexException;
import dupex.linux.BytePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Removes what an index knows of the files under a path: for a directory that is no longer to be scanned. */
@Command(name = "forget", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {"Remove from the index what it knows of the files under PATH: their paths, hashes and layout. For a",
        "directory that is no longer to be scanned (a run already forgets files deleted from disk). Changes no file;",
        "a later run over PATH hashes it again."},
    footer = {"", ExitCode.TABLE})
final class ForgetCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin OutputOptions output;

  @Parameters(paramLabel = "PATH", arity = "1..*", description = "A directory or file, which need not exist any more.")
  List<String> paths = new ArrayList<>();

  @Option(names = "--index", paramLabel = "DIR", description = "Where indexes live (see dupex dedupe --help).")
  Path index;

  @Option(names = "--wait", description = "Wait for another dupex run holding the index instead of exiting with 75.")
  boolean wait;

  private final Session session;

  ForgetCommand(Session session) {
    this.session = session;
  }

  /** What was forgotten under one path. */
  record Forgotten(BytePath path, Path index, long files, long bytes) {}

  record Result(String schema, String command, List<Forgotten> forgotten) {}

  @Override
  public Integer call() throws CliException {
    Console console = output.console(spec.commandLine().getOut(), spec.commandLine().getErr(), session);
    Path root = IndexLocation.root(index, session.env());
    List<Forgotten> all = new ArrayList<>();
    for (String arg : paths) {
      Filesystems.Located at = Filesystems.locate(session.arguments().bytes(arg));
      Path dir = IndexLocation.forFilesystem(root, at.key());
      if (!Files.exists(dir.resolve("CURRENT"))) {
        all.add(new Forgotten(at.path(), dir, 0, 0));
        continue;
      }
      try (BlockIndex idx = IndexOpener.open(dir, settingsOf(dir), wait, console, session)) {
        long[] n = idx.forgetUnder(at.path());
        RootsSeen.forget(idx, at.path());
        all.add(new Forgotten(at.path(), dir, n[0], n[1]));
      } catch (IndexException e) {
        throw Failures.of(e);
      }
    }
    var out = spec.commandLine().getOut();
    try {
      if (output.json) {
        out.println(Json.MAPPER.writeValueAsString(new Result(Json.SCHEMA, "forget", all)));
      } else if (!output.quiet) {
        for (Forgotten f : all) {
          out.printf(Locale.ROOT, "%s: forgot %d files (%s) from %s%n", f.path(), f.files(), Units.bytes(f.bytes()), f.index());
        }
      }
    } catch (IOException e) {
      throw new CliException(ExitCode.SOFTWARE, "cannot write the result: " + e.getMessage(), e);
    }
    out.flush();
    return ExitCode.OK;
  }

  /** The settings the index was built with (forgetting does not hash, so any index will do). */
  private static dupex.index.IndexSettings settingsOf(Path dir) throws CliException {
    try (BlockIndex ro = BlockIndex.openReadOnly(dir)) {
      return ro.settings();
    } catch (IndexException e) {
      throw Failures.of(e);
    }
  }
}
