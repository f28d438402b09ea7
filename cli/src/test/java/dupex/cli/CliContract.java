package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dupex.linux.BytePath;
import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import dupex.linux.RealFsTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built launcher end to end on a real filesystem, as an admin or a cron job runs it. */
abstract class CliContract extends RealFsTest {
  @TempDir Path index;




  @Test
  void dedupeFreesWhatItsSummarySaysAndChangesNoFile() throws Exception {
    for (int i = 0; i < 3; i++) Fixtures.writeRandom(root.resolve("backup" + i + "/photos.tar"), 1, 12 * MiB);
    Path a = Fixtures.writeRandom(root.resolve("vm/a.img"), 2, 32 * MiB);
    byte[] edited = Files.readAllBytes(a);
    System.arraycopy(Fixtures.randomBytes(3, 4 * MiB), 0, edited, 16 * MiB, 4 * MiB);
    Fixtures.write(root.resolve("vm/b.img"), edited);
    Fixtures.writeRandom(root.resolve("unique"), 4, 5 * MiB);
    Map<Path, String> before = Fixtures.checksums(root);
    long freeBefore = fs.freeBytes();

    Launcher.Result r = Launcher.run("dedupe", "--json", "--index", index.toString(), root.toString());

    assertEquals(0, r.code(), r.toString());
    assertEquals("", r.err());
    long measured = fs.freeBytes() - freeBefore;
    JsonNode d = r.json().at("/filesystems/0/dedupe");
    assertEquals(24 * MiB + 28 * MiB, d.get("bytesDeduped").asLong());
    long reported = d.get("bytesFreed").asLong();
    assertTrue(Math.abs(reported - measured) <= measured / 100, "within 1%: reported " + reported + " vs measured " + measured);
    assertTrue(measured >= 24L * MiB * 95 / 100, "at least the whole-file copies are freed: " + measured);
    assertEquals(before, Fixtures.checksums(root));

    Launcher.Result again = Launcher.run("dedupe", "--json", "--index", index.toString(), root.toString());
    assertEquals(0, again.code(), again.toString());
    assertEquals(0, again.json().at("/filesystems/0/dedupe/requests").asLong(), "a second run has nothing to do");
    assertEquals(0, again.json().at("/filesystems/0/scan/bytesRead").asLong());
  }

  /** What a run touched: every changed range in the JSON summary and, as it happens, in the --log file. */
  @Test
  void theAuditTrailListsEveryRangeTheKernelChanged() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("vm/a.img"), 30, 16 * MiB);
    byte[] edited = Files.readAllBytes(a);
    System.arraycopy(Fixtures.randomBytes(31, 2 * MiB), 0, edited, 6 * MiB, 2 * MiB);
    Path b = Fixtures.write(root.resolve("vm/b.img"), edited);
    Fixtures.writeRandom(root.resolve("x/one"), 32, 3 * MiB);
    Path two = Fixtures.writeRandom(root.resolve("x/two"), 32, 3 * MiB);
    Path log = root.getParent().resolve("audit.jsonl");
    Map<Path, String> before = Fixtures.checksums(root);
    Launcher.Result r = Launcher.run("dedupe", "--json", "--log", log.toString(), "--index", index.toString(), root.toString());
    assertEquals(0, r.code(), r.toString());
    JsonNode fs = r.json().at("/filesystems/0");
    long deduped = fs.at("/dedupe/bytesDeduped").asLong();
    assertEquals(14L * MiB + 3 * MiB, deduped);
    long inChanges = 0;
    java.util.Set<String> touched = new java.util.TreeSet<>();
    for (JsonNode c : fs.get("changes")) {
      if (c.get("action").asText().equals("dedupe")) {
        inChanges += c.get("length").asLong();
        assertTrue(c.hasNonNull("source"), c.toString());
      }
      touched.add(c.get("path").asText());
    }
    assertEquals(deduped, inChanges, "every deduped byte is in the trail");
    assertTrue(touched.contains(two.toString()) || touched.contains(root.resolve("x/one").toString()), touched.toString());
    assertTrue(touched.contains(b.toString()) || touched.contains(a.toString()), touched.toString());
    List<String> lines = Files.readAllLines(log);
    long inLog = 0;
    for (String line : lines) {
      JsonNode l = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      if (l.get("action").asText().equals("dedupe")) inLog += l.get("length").asLong();
      assertTrue(l.hasNonNull("time") && l.hasNonNull("filesystem") && l.hasNonNull("path"), line);
    }
    assertEquals(deduped, inLog, "and in the log");
    assertEquals(before, Fixtures.checksums(root));
    Launcher.Result again = Launcher.run("dedupe", "--json", "--log", log.toString(), "--index", index.toString(), root.toString());
    assertEquals(0, again.json().at("/filesystems/0/changes").size(), "nothing changed the second time");
    assertEquals(lines, Files.readAllLines(log), "and nothing was appended");
  }

  @Test
  void cronRunPrintsOneSummaryLineAndASecondInstanceExits75() throws Exception {
    Fixtures.writeRandom(root.resolve("x"), 5, 8 * MiB);
    Fixtures.writeRandom(root.resolve("y"), 5, 8 * MiB);
    Launcher.Result r = Launcher.run("dedupe", "--index", index.toString(), root.toString());
    assertEquals(0, r.code(), r.toString());
    assertEquals(1, r.out().lines().count(), r.out());
    assertTrue(r.out().startsWith(root + " (") && r.out().contains("deduped 8.00 MiB"), r.out());
    assertEquals("", r.err());

    // A second instance while another run holds the index exits 75 at once, with one line on stderr.
    String key = Filesystems.keyOf(root);
    try (var held = dupex.index.BlockIndex.open(IndexLocation.forFilesystem(index, key), new dupex.index.IndexSettings(128 * 1024))) {
      Launcher.Result second = Launcher.run("dedupe", "-q", "--index", index.toString(), root.toString());
      assertEquals(ExitCode.LOCKED, second.code(), second.toString());
      assertEquals("", second.out());
      assertEquals(1, second.err().lines().count(), second.err());
      assertTrue(second.err().contains("in use by another dupex run"), second.err());
    }
  }

  /**
   * Cron runs dupex with an almost empty environment (no LANG, or one naming a locale that is not installed):
   * names that are not ASCII, not UTF-8 or hold a newline are scanned, deduped and reported all the same, text
   * escaped on one line, JSON lossless; a non-ASCII root given as an argument is found too.
   */
  @Test
  void cronsEmptyEnvironmentScansAndDedupesEveryNameTheKernelAccepts() throws Exception {
    BytePath dir = Fixtures.bytes(root).resolve("Fotos – 2024".getBytes(StandardCharsets.UTF_8));
    byte[][] names = {"Übersicht.jpg".getBytes(StandardCharsets.UTF_8), {'c', 'a', 'f', (byte) 0xe9, '.', 'j', 'p', 'g'},
        "two\nlines.jpg".getBytes(StandardCharsets.UTF_8)};
    Path content = Fixtures.writeRandom(Files.createTempFile("cron", ".dat"), 7, 4 * MiB);
    try {
      for (byte[] n : names) Fixtures.copyAs(content, dir.resolve(n));
    } finally {
      Files.delete(content);
    }
    String before = Fixtures.treeChecksums(root);
    List<List<String>> environments = new java.util.ArrayList<>(List.of(
        List.of("env", "-i", "PATH=/usr/bin:/bin"),
        List.of("env", "-i", "PATH=/usr/bin:/bin", "LANG=de_DE.UTF-8")));  // a locale that is not installed
    Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    if (Files.isExecutable(jdk25)) environments.add(List.of("env", "-i", "PATH=/usr/bin:/bin", "JAVA=" + jdk25));

    for (List<String> env : environments) {
      Launcher.Result report = Launcher.finish(Launcher.start(env, "report", "--json", "--index", index.toString(), root.toString()));
      assertEquals(0, report.code(), env + "\n" + report);
      assertEquals("", report.err(), env.toString());
      JsonNode fsJson = report.json().at("/filesystems/0");
      assertEquals(3, fsJson.at("/scan/filesSeen").asLong(), env + " " + fsJson);
      assertEquals(8 * MiB, fsJson.at("/plan/duplicateBytes").asLong(), env + " " + fsJson);
      java.util.Set<BytePath> reported = new java.util.TreeSet<>();
      JsonNode largest = fsJson.get("largest").get(0);
      reported.add(BytePath.fromJsonString(largest.at("/source/path").asText()));
      for (JsonNode d : largest.get("destinations")) reported.add(BytePath.fromJsonString(d.get("path").asText()));
      java.util.Set<BytePath> expected = new java.util.TreeSet<>();
      for (byte[] n : names) expected.add(dir.resolve(n));
      assertEquals(expected, reported, "JSON gives every name back byte for byte");
    }

    Launcher.Result text = Launcher.finish(Launcher.start(environments.get(0), "report", "--index", index.toString(), root.toString()));
    assertEquals(0, text.code(), text.toString());
    assertTrue(text.out().contains("Fotos – 2024/two\\nlines.jpg"), "a newline in a name is escaped: " + text.out());
    assertTrue(text.out().contains("Fotos – 2024/caf\\xe9.jpg"), "a byte that is not UTF-8 is escaped: " + text.out());
    assertTrue(text.out().contains("Fotos – 2024/Übersicht.jpg"), "UTF-8 is printed as UTF-8: " + text.out());

    // The non-ASCII directory as the argument, passed as bytes by the kernel and decoded by nobody.
    long freeBefore = fs.freeBytes();
    Launcher.Result dedupe = Launcher.finish(Launcher.start(environments.get(environments.size() - 1),
        "dedupe", "--json", "--index", index.toString(), root + "/Fotos – 2024"));
    assertEquals(0, dedupe.code(), dedupe.toString());
    assertEquals("", dedupe.err());
    assertEquals(BytePath.fromJsonString(dedupe.json().at("/filesystems/0/roots/0").asText()), dir);
    assertEquals(8 * MiB, dedupe.json().at("/filesystems/0/dedupe/bytesDeduped").asLong(), dedupe.toString());
    long freed = fs.freeBytes() - freeBefore;
    assertTrue(freed >= 8 * MiB * 95 / 100, "two of three copies freed: " + freed);
    assertEquals(before, Fixtures.treeChecksums(root), "no file's content changed");
  }

  /**
   * kill -9 at 90% of a first scan: the next run reads only what came after the last checkpoint (here every 32 MiB
   * hashed), not the whole tree again; and the killed run left nothing in its temporary directory.
   */
  @Test
  void aFirstScanKilledAt90PercentIsNotReadAgain() throws Exception {
    int files = 64; // 512 MiB: the last tenth takes long enough to be caught on a busy machine
    long size = 8 * MiB, total = files * size;
    for (int i = 0; i < files; i++) Fixtures.writeRandom(root.resolve(String.format("t/f%02d", i)), 100 + i, size);
    LoopFs.run(List.of("sh", "-c", "sync && echo 3 > /proc/sys/vm/drop_caches"));
    Path tmp = Files.createTempDirectory("dupex-tmpdir");
    Process p = Launcher.start(List.of("env", "DUPEX_TMPDIR=" + tmp), "scan", "-v", "--progress", "never", "--threads", "2", "--checkpoint-every", "32M",
        "--index", index.toString(), root.toString());
    java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
    for (String line; (line = err.readLine()) != null && !line.contains("scanning"); ) {
      // start-up: wait for the scan to begin
    }
    long base = readBytes(p.pid()), at = 0;
    while (p.isAlive() && (at = readBytes(p.pid()) - base) < total * 9 / 10) Thread.sleep(1);
    assertTrue(p.isAlive(), "the scan ended before it could be killed (read " + at + " of " + total + ")");
    p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no close, no flush
    assertEquals(137, p.exitValue());
    try (var left = Files.list(tmp)) {
      assertEquals(List.of(), left.toList(), "a killed run leaves nothing in its temporary directory (no native library unpacked)");
    }
    Files.delete(tmp);

    Launcher.Result next = Launcher.run("scan", "--json", "--index", index.toString(), root.toString());
    assertEquals(0, next.code(), next.toString());
    long reread = next.json().at("/filesystems/0/scan/bytesRead").asLong();
    long bound = total - at + 32 * MiB + 2 * size + 8 * MiB; // what came after the last checkpoint, plus the files in flight
    assertTrue(reread <= bound, "killed after reading " + at + " of " + total + "; the next run read " + reread + " (bound " + bound + ")");
    assertEquals(files, next.json().at("/filesystems/0/scan/filesSeen").asLong());
  }

  /** The README's `dedupe FILE...`: files as roots, deduped with each other. */
  @Test
  void dedupeOfFilesGivenByName() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a.iso"), 120, 6 * MiB), b = Fixtures.writeRandom(root.resolve("b.iso"), 120, 6 * MiB);
    Fixtures.writeRandom(root.resolve("c.iso"), 120, 6 * MiB); // not named: left alone
    Launcher.Result r = Launcher.run("dedupe", "--json", "--index", index.toString(), a.toString(), b.toString());
    assertEquals(0, r.code(), r.toString());
    assertEquals(6L * MiB, r.json().at("/filesystems/0/dedupe/bytesDeduped").asLong(), r.out());
    assertEquals(0, Fixtures.sharedBytes(root.resolve("c.iso")));
    assertEquals(6L * MiB, Fixtures.sharedBytes(a));
  }

  /** rchar of a process: the bytes its read calls returned. */
  private static long readBytes(long pid) throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
      if (line.startsWith("rchar:")) return Long.parseLong(line.substring(6).trim());
    }
    throw new AssertionError("no rchar in /proc/" + pid + "/io");
  }
}
