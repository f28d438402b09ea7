package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import dupex.linux.RealFsTest;
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
    assertTrue(Math.abs(reported - measured) <= MiB + measured / 50, "reported " + reported + " vs measured " + measured);
    assertTrue(measured >= 24L * MiB * 95 / 100, "at least the whole-file copies are freed: " + measured);
    assertEquals(before, Fixtures.checksums(root));

    Launcher.Result again = Launcher.run("dedupe", "--json", "--index", index.toString(), root.toString());
    assertEquals(0, again.code(), again.toString());
    assertEquals(0, again.json().at("/filesystems/0/dedupe/requests").asLong(), "a second run has nothing to do");
    assertEquals(0, again.json().at("/filesystems/0/scan/bytesRead").asLong());
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
}
