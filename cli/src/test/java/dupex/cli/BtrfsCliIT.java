package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
