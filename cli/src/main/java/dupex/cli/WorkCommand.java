package dupex.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.dedupe.DedupeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What scan, report and dedupe share: check the paths, run the pipeline per filesystem, print, choose the exit code. */
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

  int top() {
    return 10;
  }

  /** Prints one filesystem's result for people (the JSON form is printed by call()). */
  void print(Console console, FsRun run) {
    console.result(run.summaryLine());
  }

  @Override
  public Integer call() throws CliException {
    Console console = output.console(spec.commandLine().getOut(), spec.commandLine().getErr(), session);
    Instant started = Instant.now();
    var scanOptions = scanArgs.scanOptions();
    DedupeOptions dedupeOptions = dedupeOptions();
    List<Filesystems.Group> groups = Filesystems.group(scanArgs.paths);
    Path indexRoot = IndexLocation.root(scanArgs.index, session.env());
    Pipeline pipeline = new Pipeline(console, session, scanOptions, scanArgs.wait);
    List<FsRun> runs = new ArrayList<>();
    for (Filesystems.Group g : groups) {
      FsRun run = pipeline.run(g, indexRoot, mode(), dedupeOptions, top());
      runs.add(run);
      if (!output.json) print(console, run);
      if (session.cancelled().getAsBoolean()) break;
    }
    int code = session.cancelled().getAsBoolean() ? ExitCode.INTERRUPTED
        : runs.stream().anyMatch(r -> r.failures() > 0) ? ExitCode.SKIPPED : ExitCode.OK;
    if (output.json) printJson(runs, started, code);
    return code;
  }

  private void printJson(List<FsRun> runs, Instant started, int code) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("schema", "dupex/1");
    root.put("command", spec.name());
    root.put("dryRun", mode() != Pipeline.Mode.DEDUPE);
    root.put("version", Main.version());
    root.put("startedAt", started.toString());
    root.put("elapsedSeconds", Duration.between(started, Instant.now()).toMillis() / 1000.0);
    ArrayNode fs = root.putArray("filesystems");
    for (FsRun r : runs) fs.add(r.toJson(json));
    root.put("exitCode", code);
    spec.commandLine().getOut().println(root.toPrettyString());
    spec.commandLine().getOut().flush();
  }
}
