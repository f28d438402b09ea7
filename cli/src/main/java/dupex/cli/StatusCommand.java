package dupex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.index.BlockIndex;
import dupex.index.IndexException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Show what the index knows: files, bytes, the last run and its settings. With PATH, only that filesystem's index.",
    footer = {"", ExitCode.TABLE})
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin OutputOptions output;

  @Parameters(paramLabel = "PATH", arity = "0..*", description = "Show the index of the filesystem holding PATH.")
  List<Path> paths = new ArrayList<>();

  @Option(names = "--index", paramLabel = "DIR", description = "Where indexes live (see dupex dedupe --help).")
  Path index;

  private final Session session;

  StatusCommand(Session session) {
    this.session = session;
  }

  @Override
  public Integer call() throws CliException {
    Path root = IndexLocation.root(index, session.env());
    List<Path> dirs = new ArrayList<>();
    if (!paths.isEmpty()) {
      for (Filesystems.Group g : Filesystems.group(paths)) dirs.add(IndexLocation.forFilesystem(root, g.key()));
    } else if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        s.filter(p -> Files.exists(p.resolve("CURRENT"))).sorted().forEach(dirs::add);
      } catch (IOException e) {
        throw new CliException(ExitCode.IO_ERROR, root + ": " + e.getMessage());
      }
    }
    ObjectMapper json = new ObjectMapper();
    ArrayNode all = json.createArrayNode();
    for (Path dir : dirs) {
      if (!Files.exists(dir.resolve("CURRENT"))) {
        ObjectNode n = all.addObject().put("index", dir.toString()).put("exists", false);
        n.put("files", 0);
        continue;
      }
      all.add(describe(json, dir));
    }
    var out = spec.commandLine().getOut();
    if (output.json) {
      ObjectNode top = json.createObjectNode().put("schema", "dupex/1").put("command", "status").put("indexRoot", root.toString());
      top.set("indexes", all);
      out.println(top.toPrettyString());
    } else if (!output.quiet) {
      if (all.isEmpty()) out.println("no index under " + root + " yet: run 'dupex scan PATH' or 'dupex dedupe PATH'");
      for (JsonNode n : all) {
        out.println("index " + n.get("index").asText());
        if (!n.path("exists").asBoolean(true)) {
          out.println("  (none yet for this filesystem)");
          continue;
        }
        out.printf(Locale.ROOT, "  %-14s %s%n", "settings", n.get("settings").asText());
        out.printf(Locale.ROOT, "  %-14s %d (%s), %d blocks hashed%n", "files", n.get("files").asLong(),
            Units.bytes(n.get("bytes").asLong()), n.get("blocks").asLong());
        out.printf(Locale.ROOT, "  %-14s %s%n", "index size", Units.bytes(n.get("indexBytes").asLong()));
        JsonNode last = n.get("lastRun");
        if (last != null) {
          out.printf(Locale.ROOT, "  %-14s %s %s at %s%n", "last run", last.path("command").asText(),
              last.path("roots").toString(), last.path("finishedAt").asText());
          JsonNode plan = last.path("plan");
          if (!plan.isMissingNode()) {
            out.printf(Locale.ROOT, "  %-14s %s in %d ranges (about %s could be freed)%n", "duplicate",
                Units.bytes(plan.path("duplicateBytes").asLong()), plan.path("ranges").asLong(),
                Units.bytes(plan.path("estimatedFreedBytes").asLong()));
          }
          JsonNode d = last.path("dedupe");
          if (!d.isMissingNode()) {
            out.printf(Locale.ROOT, "  %-14s %s deduped, %s freed%n", "deduped", Units.bytes(d.path("bytesDeduped").asLong()),
                Units.bytes(d.path("bytesFreed").asLong()));
          }
        }
      }
    }
    out.flush();
    return ExitCode.OK;
  }

  private ObjectNode describe(ObjectMapper json, Path dir) throws CliException {
    try {
      try (BlockIndex idx = BlockIndex.open(dir, null)) { // with the settings it was built with
        String format = idx.settings().describe();
        long[] totals = new long[3];
        idx.forEachFile(r -> {
          totals[0]++;
          totals[1] += r.size();
        });
        totals[2] = idx.hashedBlocks();
        ObjectNode n = json.createObjectNode().put("index", dir.toString()).put("settings", format)
            .put("files", totals[0]).put("bytes", totals[1]).put("blocks", totals[2]).put("indexBytes", idx.diskBytes());
        var last = idx.meta("lastRun");
        if (last.isPresent()) n.set("lastRun", json.readTree(last.get()));
        return n;
      }
    } catch (IndexException.Locked e) {
      throw new CliException(ExitCode.LOCKED, e.getMessage(), e);
    } catch (IndexException.Corrupt e) {
      throw new CliException(ExitCode.IO_ERROR, e.getMessage(), e);
    } catch (IndexException.SettingsMismatch e) {
      throw new CliException(ExitCode.CONFIG, e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(ExitCode.IO_ERROR, dir + ": " + e.getMessage(), e);
    }
  }

}
