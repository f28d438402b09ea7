package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dupex.index.BlockIndex;
import dupex.index.IndexSettings;
import dupex.linux.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process on the temp directory's filesystem: parsing, reports, JSON and exit codes. */
class CliTest {
  @TempDir Path tmp;
  Path data, index;

  @BeforeEach
  void tree() throws Exception {
    data = Files.createDirectory(tmp.resolve("data"));
    index = tmp.resolve("index");
    Fixtures.writeRandom(data.resolve("a/copy.bin"), 1, 3 << 20);
    Fixtures.writeRandom(data.resolve("b/copy.bin"), 1, 3 << 20);
    Fixtures.writeRandom(data.resolve("c/unique.bin"), 2, 1 << 20);
  }

  Path indexDirOf(Path root) throws Exception {
    return IndexLocation.forFilesystem(index, Filesystems.keyOf(root));
  }

  @Test
  void helpListsCommandsAndExitCodes() {
    CliRunner r = CliRunner.run("--help");
    assertEquals(0, r.code());
    for (String s : List.of("dedupe", "report", "scan", "status", "forget", "Exit codes:", "75   index locked")) assertTrue(r.out().contains(s), s);
    CliRunner sub = CliRunner.run("dedupe", "--help");
    assertTrue(sub.out().contains("--max-runtime") && sub.out().contains("--dry-run") && sub.out().contains("Exit codes:"));
  }

  @Test
  void statusShowsThePathsRunOnAndForgetDropsAPathsFiles() throws Exception {
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
    JsonNode st = CliRunner.run("status", "--json", "--index", index.toString(), data.toString()).json();
    JsonNode seen = st.at("/indexes/0/roots/" + data.toString().replace("~", "~0").replace("/", "~1"));
    assertEquals("scan", seen.path("command").asText(), st.toString());
    assertTrue(seen.path("complete").asBoolean() && !seen.path("lastRun").asText().isEmpty(), st.toString());
    assertTrue(CliRunner.run("status", "--index", index.toString()).out().contains("path           " + data + ": last scan at "));

    CliRunner forget = CliRunner.run("forget", "--json", "--index", index.toString(), data.resolve("a").toString());
    assertEquals(0, forget.code(), forget.toString());
    assertEquals(1, forget.json().at("/forgotten/0/files").asLong(), forget.out());
    assertEquals(3 << 20, forget.json().at("/forgotten/0/bytes").asLong());
    assertEquals(2, CliRunner.run("status", "--json", "--index", index.toString(), data.toString()).json().at("/indexes/0/files").asLong());
    // A path that is gone: what was under it is forgotten all the same.
    Files.delete(data.resolve("b/copy.bin"));
    Files.delete(data.resolve("b"));
    CliRunner gone = CliRunner.run("forget", "--index", index.toString(), data.resolve("b").toString());
    assertEquals(0, gone.code(), gone.toString());
    assertTrue(gone.out().startsWith(data.resolve("b") + ": forgot 1 files (3.00 MiB)"), gone.out());
    CliRunner whole = CliRunner.run("forget", "--index", index.toString(), data + "/");
    assertTrue(whole.out().contains("forgot 1 files"), whole.out());
    JsonNode after = CliRunner.run("status", "--json", "--index", index.toString(), data.toString()).json();
    assertEquals(0, after.at("/indexes/0/files").asLong());
    assertEquals(0, after.at("/indexes/0/roots").size(), "the path run on is forgotten too");
  }

  @Test
  void everyRunWritesAMetricsFileThatPromtoolAccepts() throws Exception {
    dupex.linux.LoopFs.requireTool("promtool");
    Path metrics = tmp.resolve("dupex.prom");
    CliRunner r = CliRunner.run("report", "-q", "--metrics-file", metrics.toString(), "--index", index.toString(), data.toString());
    assertEquals(0, r.code(), r.toString());
    String text = Files.readString(metrics);
    assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(metrics)), "node_exporter can read it");
    assertTrue(text.contains("dupex_last_run_exit_code{command=\"report\"} 0"), text);
    assertTrue(text.contains("dupex_duplicate_bytes{command=\"report\",filesystem=\"" + Filesystems.keyOf(data) + "\",mountpoint=\""), text);
    assertTrue(text.lines().anyMatch(l -> l.startsWith("dupex_duplicate_bytes{") && l.endsWith(" " + (3 << 20))), text);
    assertTrue(text.contains("dupex_skipped_files{") && text.contains("reason=\"unreadable\"} 0"), text);
    Launcher.Result check = PackageIT.sh("sh", "-c", "promtool check metrics < " + metrics);
    assertEquals(0, check.code(), check.toString());
    assertEquals("", check.out() + check.err(), "promtool finds nothing to say");

    // A failed run writes its exit code too.
    CliRunner failed = CliRunner.run("report", "-q", "--metrics-file", metrics.toString(), "--index", index.toString(), tmp.resolve("gone").toString());
    assertEquals(ExitCode.NO_INPUT, failed.code());
    assertTrue(Files.readString(metrics).contains("dupex_last_run_exit_code{command=\"report\"} 66"), Files.readString(metrics));
    try (var left = Files.list(tmp)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
    }
  }

  @Test
  void versionEverywhere() {
    assertTrue(CliRunner.run("--version").out().startsWith("dupex "));
    assertTrue(CliRunner.run("report", "--version").out().startsWith("dupex "));
  }

  @Test
  void unknownOptionIs64WithOneLineAndAHint() {
    CliRunner r = CliRunner.run("report", "--bogus", data.toString());
    assertEquals(ExitCode.USAGE, r.code(), r.toString());
    assertEquals(List.of("dupex: Unknown option: '--bogus'", "Try 'dupex report --help' for more information."), r.err().lines().toList());
  }

  @Test
  void anInvalidExcludeIs64AndOneThatMatchesNothingIsWarnedAbout() throws Exception {
    CliRunner bad = CliRunner.run("scan", "--exclude", "{a,b", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.USAGE, bad.code(), bad.toString());
    assertEquals(List.of("dupex: Invalid value for option '--exclude' (GLOB): not a valid glob: '{a,b' (a '{' is not closed)",
        "Try 'dupex scan --help' for more information."), bad.err().lines().toList());
    CliRunner none = CliRunner.run("scan", "-q", "--exclude", "*.nothing-has-this", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.OK, none.code(), none.toString());
    assertTrue(none.err().contains("--exclude '*.nothing-has-this' matched nothing under [" + data + "]"), none.err());
  }

  @Test
  void aRunBuildsOnlyItsCommandAndAnythingElseSeesThemAll() {
    assertEquals(java.util.Set.of("status"), Main.commandLine(Session.forTest(java.util.Map.of()), "status").getSubcommands().keySet());
    assertEquals(java.util.Set.of("dedupe", "report", "scan", "status", "forget"),
        Main.commandLine(Session.forTest(java.util.Map.of()), "--help").getSubcommands().keySet());
    CliRunner typo = CliRunner.run("dedup", data.toString());
    assertEquals(ExitCode.USAGE, typo.code(), typo.toString());
    assertTrue(typo.err().startsWith("dupex: Unmatched arguments from index 0: 'dedup'"), typo.err());
  }

  @Test
  void noCommandIs64() {
    assertEquals(ExitCode.USAGE, CliRunner.run().code());
  }

  @Test
  void badValuesAre64() {
    assertEquals(ExitCode.USAGE, CliRunner.run("report", "--block-size", "3000", "--index", index.toString(), data.toString()).code());
    assertEquals(ExitCode.USAGE, CliRunner.run("dedupe", "--max-runtime", "soon", data.toString()).code());
    assertEquals(ExitCode.USAGE, CliRunner.run("report", "--threads", "0", "--index", index.toString(), data.toString()).code());
  }

  @Test
  void virtualFilesystemsAre66AndGetNoIndex() throws Exception {
    for (String path : List.of("/proc/self", "/sys/kernel")) {
      CliRunner r = CliRunner.run("report", "--index", index.toString(), path);
      assertEquals(ExitCode.NO_INPUT, r.code(), r.toString());
      assertTrue(r.err().contains("a virtual filesystem the kernel makes up"), r.err());
    }
    assertFalse(Files.exists(index) && Files.list(index).findAny().isPresent(), "no index made");
  }

  @Test
  void missingPathIs66() {
    CliRunner r = CliRunner.run("report", "--index", index.toString(), tmp.resolve("nope").toString());
    assertEquals(ExitCode.NO_INPUT, r.code(), r.toString());
    assertEquals("dupex: " + tmp.resolve("nope") + ": No such file or directory\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void reportFindsTheCopiesAndTouchesNothing() throws Exception {
    var before = Fixtures.checksums(data);
    CliRunner r = CliRunner.run("report", "--index", index.toString(), data.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("duplicate        3.00 MiB in 1 ranges"), r.out());
    // Which copy is the source follows inode order: either way round is right.
    String a = data.resolve("a/copy.bin").toString(), b = data.resolve("b/copy.bin").toString();
    assertTrue(r.out().contains("-> " + b) && r.out().contains(a) || r.out().contains("-> " + a) && r.out().contains(b), r.out());
    assertTrue(r.out().contains("3.00 MiB  " + data.resolve("b")) || r.out().contains("3.00 MiB  " + data.resolve("a")),
        "per directory: " + r.out());
    assertEquals(before, Fixtures.checksums(data));
  }

  @Test
  void maxRuntimeBoundsTheScanTooAndSaysSo() throws Exception {
    CliRunner r = CliRunner.run("scan", "--max-runtime", "0s", "--index", index.toString(), data.toString());
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("; stopped at --max-runtime while scanning (the next run carries on)"), r.out());
    CliRunner j = CliRunner.run("report", "--json", "--max-runtime", "0s", "--index", index.toString(), data.toString());
    assertTrue(j.json().at("/filesystems/0/stoppedByDeadline").asBoolean(), j.out());
    assertEquals(0, j.json().at("/filesystems/0/scan/bytesRead").asLong());
    CliRunner full = CliRunner.run("report", "--json", "--index", index.toString(), data.toString());
    assertFalse(full.json().at("/filesystems/0/stoppedByDeadline").asBoolean(), full.out());
    assertTrue(full.json().at("/filesystems/0/plan/duplicateBytes").asLong() > 0);
  }

  @Test
  void reportJsonFollowsTheSchema() throws Exception {
    CliRunner r = CliRunner.run("report", "--json", "--index", index.toString(), data.toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode j = r.json();
    assertEquals("dupex/2", j.get("schema").asText());
    assertEquals("report", j.get("command").asText());
    assertTrue(j.get("dryRun").asBoolean());
    JsonNode fs = j.get("filesystems").get(0);
    assertEquals(3, fs.at("/scan/filesSeen").asLong());
    assertEquals(7 << 20, fs.at("/scan/bytesRead").asLong());
    assertEquals(3 << 20, fs.at("/plan/duplicateBytes").asLong());
    assertEquals(3 << 20, fs.at("/plan/estimatedFreedBytes").asLong());
    var pair = java.util.Set.of(fs.at("/largest/0/source/path").asText(), fs.at("/largest/0/destinations/0/path").asText());
    assertEquals(java.util.Set.of(data.resolve("a/copy.bin").toString(), data.resolve("b/copy.bin").toString()), pair);
    // Directories count their subdirectories (du): the root first, then the copy's directory.
    String copyDir = Path.of(fs.at("/largest/0/destinations/0/path").asText()).getParent().toString();
    assertEquals(data.toString(), fs.at("/directories/0/path").asText());
    assertEquals(3 << 20, fs.at("/directories/0/duplicateBytes").asLong());
    assertEquals(0, fs.at("/directories/0/ownBytes").asLong());
    assertEquals(1, fs.at("/directories/0/files").asLong());
    assertEquals(copyDir, fs.at("/directories/1/path").asText(), "the destination's directory holds the duplicate bytes");
    assertEquals(3 << 20, fs.at("/directories/1/ownBytes").asLong());
    assertEquals(1, fs.at("/breakdown/wholeFileSets").asLong());
    assertEquals(3 << 20, fs.at("/breakdown/wholeFileBytes").asLong());
    JsonNode own = CliRunner.run("report", "--json", "--directories", "own", "--index", index.toString(), data.toString()).json();
    assertEquals(copyDir, own.at("/filesystems/0/directories/0/path").asText(), "--directories own: where the copies are");
    assertEquals(1, own.at("/filesystems/0/directories").size());
    assertTrue(fs.get("dedupe") == null, "a report dedupes nothing");
    assertEquals(0, j.get("exitCode").asInt());
    assertEquals("", r.err());
  }

  @Test
  void aSecondRunReadsNothingAndStatusShowsTheIndex() throws Exception {
    CliRunner.run("scan", "-q", "--index", index.toString(), data.toString());
    CliRunner r = CliRunner.run("scan", "--json", "--index", index.toString(), data.toString());
    assertEquals(0, r.json().at("/filesystems/0/scan/bytesRead").asLong());
    assertEquals(3, r.json().at("/filesystems/0/scan/filesUnchanged").asLong());
    CliRunner s = CliRunner.run("status", "--index", index.toString());
    assertEquals(0, s.code(), s.toString());
    assertTrue(s.out().contains("files          3 (7.00 MiB)") && s.out().contains("last run       scan"), s.out());
    JsonNode js = CliRunner.run("status", "--json", "--index", index.toString(), data.toString()).json();
    assertEquals(3, js.at("/indexes/0/files").asLong());
  }

  @Test
  void quietPrintsNothing() {
    CliRunner r = CliRunner.run("scan", "-q", "--index", index.toString(), data.toString());
    assertEquals(0, r.code());
    assertEquals("", r.out() + r.err());
  }

  @Test
  void otherSettingsAre78() {
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
    CliRunner r = CliRunner.run("scan", "--block-size", "64K", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.CONFIG, r.code(), r.toString());
    assertTrue(r.err().contains("blockSize=131072") && r.err().contains("rm -rf"), r.err());
  }

  @Test
  void corruptIndexIs74WithTheResetCommand() throws Exception {
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
    Path dir = indexDirOf(data);
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) if (p.getFileName().toString().startsWith("MANIFEST")) Files.write(p, new byte[] {9, 9, 9});
    }
    CliRunner r = CliRunner.run("scan", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.IO_ERROR, r.code(), r.toString());
    assertTrue(r.err().startsWith("dupex: index " + dir + " is corrupt") && r.err().contains("rm -rf " + dir), r.err());
    assertEquals(1, r.err().lines().count(), "one line");
  }

  @Test
  void aCorruptTableFileIs74NotZeroDuplicates() throws Exception {
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
    Path dir = indexDirOf(data);
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".sst")).toList()) {
        try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
          ch.write(java.nio.ByteBuffer.wrap(new byte[200]), 0);
        }
      }
    }
    CliRunner r = CliRunner.run("report", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.IO_ERROR, r.code(), r.toString());
    assertTrue(r.err().startsWith("dupex: index " + dir + " is corrupt") && r.err().contains("rm -rf " + dir), r.err());
    assertEquals("", r.out(), "no report from a corrupt index");
  }

  @Test
  void lockedIndexIs75AndWaitWaits() throws Exception {
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
    Path dir = indexDirOf(data);
    BlockIndex held = BlockIndex.open(dir, new IndexSettings(128 * 1024));
    try {
      CliRunner r = CliRunner.run("scan", "--index", index.toString(), data.toString());
      assertEquals(ExitCode.LOCKED, r.code(), r.toString());
      assertTrue(r.err().contains("in use by another dupex run") && r.err().contains("--wait"), r.err());
      // status is not refused meanwhile: it reads the index as of the holder's last checkpoint
      CliRunner status = CliRunner.run("status", "--json", "--index", index.toString(), data.toString());
      assertEquals(0, status.code(), status.toString());
      assertTrue(status.json().at("/indexes/0/inUse").asBoolean(), status.out());
      assertEquals(3, status.json().at("/indexes/0/files").asLong(), status.out());
      CliRunner text = CliRunner.run("status", "--index", index.toString(), data.toString());
      assertTrue(text.out().contains("by a running dupex"), text.out());
      CompletableFuture<CliRunner> waiting = CompletableFuture.supplyAsync(
          () -> CliRunner.run("scan", "-q", "--wait", "--index", index.toString(), data.toString()));
      Thread.sleep(1500);
      assertTrue(!waiting.isDone(), "still waiting for the lock");
      held.close();
      held = null;
      assertEquals(0, waiting.get(30, TimeUnit.SECONDS).code());
    } finally {
      if (held != null) held.close();
    }
  }

  @Test
  void interruptedRunIs130AndLeavesAUsableIndex() throws Exception {
    CliRunner r = CliRunner.run(() -> true, "scan", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.INTERRUPTED, r.code(), r.toString());
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
  }

  @Test
  void runningOutOfMemoryIsAnInternalErrorNotExit1AndTheIndexStaysUsable() throws Exception {
    CliRunner r = CliRunner.run(() -> {
      throw new OutOfMemoryError("test");
    }, "scan", "--index", index.toString(), data.toString());
    assertEquals(ExitCode.SOFTWARE, r.code(), r.toString());
    assertTrue(r.err().contains("dupex: out of memory") && r.err().contains("DUPEX_HEAP"), r.toString());
    assertEquals(0, CliRunner.run("scan", "-q", "--index", index.toString(), data.toString()).code());
  }

  @Test
  void unitsParse() {
    assertEquals(131072, Units.parseSize("128K"));
    assertEquals(1 << 20, Units.parseSize("1MiB"));
    assertEquals(4096, Units.parseSize("4096"));
    assertEquals(Duration.ofMinutes(90), Units.parseDuration("1h30m"));
    assertEquals(Duration.ofSeconds(45), Units.parseDuration("45"));
    assertEquals(Duration.ofMinutes(30), Units.parseDuration("30min"));
    assertEquals(Duration.ofDays(1), Units.parseDuration("1d"));
    assertEquals(Duration.ofMinutes(150), Units.parseDuration("2h 30m"));
    assertEquals(Duration.ofHours(2), Units.parseDuration("PT2H"));
    assertEquals(3L << 29, Units.parseSize("1.5G"));
    assertEquals(1536, Units.parseSize("1.5k"));
    assertThrows(IllegalArgumentException.class, () -> Units.parseSize("1.5"), "half a byte");
    assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("1w"));
    assertEquals("1.50 KiB", Units.bytes(1536));
  }
}
