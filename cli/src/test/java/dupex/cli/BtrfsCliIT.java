package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BtrfsCliIT extends CliContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.BTRFS;
  }

  private List<Path> listing() throws Exception {
    try (Stream<Path> s = Files.walk(fs.root())) {
      return s.sorted().toList();
    }
  }

  /**
   * A VM image whose extent a read-only snapshot outside the given path also uses: the report counts it as pinned,
   * not as freeable, and dedupe -v names the snapshot's file that keeps it.
   */
  @Test
  void anExtentASnapshotOutsideThePathKeepsIsReportedAsPinnedAndNamed() throws Exception {
    Path template = Fixtures.writeRandom(root.resolve("template.img"), 60, 16 * MiB);
    for (String clone : List.of("clone1.img", "clone2.img")) {
      LoopFs.run(List.of("cp", "--reflink=always", template.toString(), root.resolve(clone).toString()));
    }
    byte[] bytes = Files.readAllBytes(template);
    System.arraycopy(Fixtures.randomBytes(61, 128 * 1024), 0, bytes, 4 * MiB, 128 * 1024);
    Path vol = root.resolve("vol");
    LoopFs.run(List.of("btrfs", "subvolume", "create", vol.toString()));
    Fixtures.write(vol.resolve("b.img"), bytes);
    Files.createDirectories(fs.root().resolve("snaps"));
    LoopFs.run(List.of("btrfs", "subvolume", "snapshot", "-r", vol.toString(), fs.root().resolve("snaps/2026-11-01").toString()));
    Map<Path, String> sums = Fixtures.checksums(fs.root());

    Launcher.Result report = Launcher.run("report", "--json", "--index", index.toString(), root.toString());
    assertEquals(0, report.code(), report.toString());
    assertEquals(16L * MiB, report.json().at("/filesystems/0/plan/pinnedBytes").asLong(), report.out());
    assertTrue(report.json().at("/filesystems/0/plan/estimatedFreedBytes").asLong() < MiB, report.out());
    Launcher.Result text = Launcher.run("report", "--index", index.toString(), root.toString());
    assertTrue(text.out().contains("pinned") && text.out().contains("16.0 MiB"), text.out());

    Launcher.Result dedupe = Launcher.run("dedupe", "-v", "--index", index.toString(), root.toString());
    assertEquals(0, dedupe.code(), dedupe.toString());
    assertTrue(dedupe.err().contains("skip " + vol.resolve("b.img") + ": extent kept by a file outside the run")
        && dedupe.err().contains("/snaps/2026-11-01/b.img"), dedupe.err());
    assertTrue(dedupe.out().contains("stays pinned by files outside the run"), dedupe.out());
    assertEquals(sums, Fixtures.checksums(fs.root()));
  }

  @Test
  void killedRunLeavesNoTemporaryFileAndTheNextRunFinishes() throws Exception {
    for (int i = 0; i < 6; i++) {
      Path a = Fixtures.writeRandom(root.resolve("img" + i + "/a.img"), 100 + i, 24 * MiB);
      byte[] b = Files.readAllBytes(a);
      System.arraycopy(Fixtures.randomBytes(200 + i, MiB), 0, b, 10 * MiB, MiB);
      Fixtures.write(root.resolve("img" + i + "/b.img"), b);
    }
    Map<Path, String> sums = Fixtures.checksums(root);
    List<Path> files = listing();
    Process p = Launcher.start(List.of(), "dedupe", "-q", "--index", index.toString(), root.toString());
    // Kill -9 the moment it holds a temporary copy open (an O_TMPFILE shows as "... (deleted)" in /proc).
    boolean caught = false;
    while (p.isAlive() && !caught) {
      try (Stream<Path> fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
        caught = fds.anyMatch(fd -> {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith(root.toString()) && target.endsWith("(deleted)");
          } catch (java.io.IOException e) {
            return false;
          }
        });
      } catch (java.io.IOException e) {
        break; // it ended
      }
    }
    p.destroyForcibly(); // SIGKILL
    p.waitFor(30, TimeUnit.SECONDS);
    System.out.println("killed while holding a temporary copy: " + caught);
    assertEquals(files, listing(), "temporary copies are unnamed (O_TMPFILE): nothing is left behind");
    assertEquals(sums, Fixtures.checksums(root));
    Launcher.Result next = Launcher.run("dedupe", "--json", "--index", index.toString(), root.toString());
    assertEquals(0, next.code(), next.toString());
    assertEquals(files, listing());
    assertEquals(sums, Fixtures.checksums(root));
  }
}
