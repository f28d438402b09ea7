package dupex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dupex.dedupe.DedupeTotals;
import dupex.dedupe.PlanTotals;
import dupex.index.BlockIndex;
import dupex.index.IndexException;
import java.io.IOException;
import java.io.PrintWriter;
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
    description = {"Show what the index knows: files, bytes, the paths it was run on and when, the last run and its",
        "settings. With PATH, only that filesystem's index."},
    footer = {"", ExitCode.TABLE})
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin OutputOptions output;

  @Parameters(paramLabel = "PATH", arity = "0..*", description = "Show the index of the filesystem holding PATH.")
  List<String> paths = new ArrayList<>();

  @Option(names = "--index", paramLabel = "DIR", description = "Where indexes live (see dupex dedupe --help).")
  Path index;

  private final Session session;

  StatusCommand(Session session) {
    this.session = session;
  }

  /** What one index holds; {@code lastRun} is the last run's summary as it was written (see WorkCommand). */
  record IndexStatus(Path index, boolean exists, boolean inUse, String settings, long files, long bytes, long blocks, long indexBytes,
                     JsonNode roots, JsonNode lastRun) {}

  /** The parts of a last run's summary that the text form shows. */
  record LastRun(String command, List<String> roots, String finishedAt, PlanTotals plan, DedupeTotals dedupe) {}

  record Status(String schema, String command, Path indexRoot, List<IndexStatus> indexes) {}

  @Override
  public Integer call() throws CliException {
    Path root = IndexLocation.root(index, session.env());
    List<Path> dirs = new ArrayList<>();
    if (!paths.isEmpty()) {
      for (Filesystems.Group g : Filesystems.group(paths, session.arguments())) {
        dirs.add(IndexLocation.forFilesystem(root, g.key()));
        g.close();
      }
    } else if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        s.filter(p -> Files.exists(p.resolve("CURRENT"))).sorted().forEach(dirs::add);
      } catch (IOException e) {
        throw new CliException(ExitCode.IO_ERROR, root + ": " + e.getMessage(), e);
      }
    }
    List<IndexStatus> all = new ArrayList<>();
    for (Path dir : dirs) {
      all.add(Files.exists(dir.resolve("CURRENT")) ? describe(dir) : new IndexStatus(dir, false, false, null, 0, 0, 0, 0, null, null));
    }
    var out = spec.commandLine().getOut();
    try {
      if (output.json) out.println(Json.MAPPER.writeValueAsString(new Status(Json.SCHEMA, "status", root, all)));
      else if (!output.quiet) print(out, root, all);
    } catch (IOException e) {
      throw new CliException(ExitCode.SOFTWARE, "cannot write the status: " + e.getMessage(), e);
    }
    out.flush();
    return ExitCode.OK;
  }

  /** Roots as the JSON summary wrote them, shown escaped like every path dupex prints. */
  private static List<String> shown(List<String> roots) {
    if (roots == null) return List.of();
    return roots.stream().map(r -> {
      try {
        return dupex.linux.BytePath.fromJsonString(r).toString();
      } catch (IllegalArgumentException e) {
        return r;
      }
    }).toList();
  }

  private static void print(PrintWriter out, Path root, List<IndexStatus> all) throws IOException {
    if (all.isEmpty()) out.println("no index under " + root + " yet: run 'dupex scan PATH' or 'dupex dedupe PATH'");
    for (IndexStatus n : all) {
      out.println("index " + n.index());
      if (!n.exists()) {
        out.println("  (none yet for this filesystem)");
        continue;
      }
      if (n.inUse()) out.printf(Locale.ROOT, "  %-14s %s%n", "in use", "by a running dupex: figures as of its last checkpoint");
      out.printf(Locale.ROOT, "  %-14s %s%n", "settings", n.settings());
      out.printf(Locale.ROOT, "  %-14s %d (%s), %d blocks hashed%n", "files", n.files(), Units.bytes(n.bytes()), n.blocks());
      out.printf(Locale.ROOT, "  %-14s %s%n", "index size", Units.bytes(n.indexBytes()));
      if (n.roots() != null) {
        for (var it = n.roots().fields(); it.hasNext(); ) {
          var e = it.next();
          JsonNode r = e.getValue();
          out.printf(Locale.ROOT, "  %-14s %s: last %s at %s%s%n", "path", shown(List.of(e.getKey())).get(0), r.path("command").asText(),
              r.path("lastRun").asText(), r.path("complete").asBoolean(true) ? "" : " (stopped before the end of the scan)");
        }
      }
      if (n.lastRun() == null) continue;
      LastRun last = Json.MAPPER.treeToValue(n.lastRun(), LastRun.class);
      out.printf(Locale.ROOT, "  %-14s %s %s at %s%n", "last run", last.command(), shown(last.roots()), last.finishedAt());
      if (last.plan() != null) {
        out.printf(Locale.ROOT, "  %-14s %s in %d ranges (about %s could be freed)%n", "duplicate",
            Units.bytes(last.plan().duplicateBytes()), last.plan().ranges(), Units.bytes(last.plan().estimatedFreedBytes()));
      }
      if (last.dedupe() != null) {
        out.printf(Locale.ROOT, "  %-14s %s deduped, %s freed%n", "deduped", Units.bytes(last.dedupe().bytesDeduped()),
            Units.bytes(last.dedupe().bytesFreed()));
      }
    }
  }

  /**
   * Reads an index read-only, without its lock, so status never makes a run starting meanwhile find the index
   * locked; while a run holds it, what its last checkpoint wrote.
   */
  private IndexStatus describe(Path dir) throws CliException {
    boolean inUse = false;
    try {
      inUse = BlockIndex.inUse(dir);
      return describe(dir, BlockIndex.openReadOnly(dir), inUse); // with the settings it was built with
    } catch (IndexException e) {
      if (!inUse) throw Failures.of(e);
      throw Failures.of(new IndexException.Locked("index " + dir + " is in use by a running dupex and could not be read"
          + " meanwhile (" + e.getMessage() + "); try again", e));
    }
  }

  private IndexStatus describe(Path dir, BlockIndex opened, boolean inUse) throws CliException, IndexException {
    try (BlockIndex idx = opened) {
      long[] totals = new long[2];
      idx.forEachFile(r -> {
        totals[0]++;
        totals[1] += r.size();
      });
      var stored = idx.meta("lastRun");
      JsonNode last = stored.isPresent() ? Json.MAPPER.readTree(stored.get()) : null;
      return new IndexStatus(dir, true, inUse, idx.settings().describe(), totals[0], totals[1], idx.hashedBlocks(),
          idx.diskBytes(), RootsSeen.read(idx), last);
    } catch (IndexException e) {
      throw e;
    } catch (IOException e) {
      throw new CliException(ExitCode.IO_ERROR, dir + ": " + e.getMessage(), e);
    }
  }
}
