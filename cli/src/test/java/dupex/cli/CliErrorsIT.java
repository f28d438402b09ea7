package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.index.BlockIndex;
import dupex.index.IndexSettings;
import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input through the launcher: each a clear one-line message and its exit code, and nothing touched. */
@Tag("fs")
class CliErrorsIT {
  @TempDir Path index;

  @Test
  void ext4CannotDedupeButCanBeReported() throws Exception {
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.EXT4, "CliErrorsIT-ext4")) {
      Fixtures.writeRandom(fs.root().resolve("a"), 1, 1 << 20);
      Fixtures.writeRandom(fs.root().resolve("b"), 1, 1 << 20);
      Launcher.Result r = Launcher.run("dedupe", "--index", index.toString(), fs.root().toString());
      assertEquals(ExitCode.UNAVAILABLE, r.code(), r.toString());
      assertEquals("dupex: " + fs.root() + " is on ext2/3/4, which cannot dedupe: btrfs, or XFS made with reflink=1, can"
          + " ('dupex report' works on any filesystem)\n", r.err());
      Launcher.Result report = Launcher.run("report", "--json", "--index", index.toString(), fs.root().toString());
      assertEquals(0, report.code(), report.toString());
      assertEquals(1 << 20, report.json().at("/filesystems/0/plan/duplicateBytes").asLong());
    }
  }

  /** The JSON summary's list of changes waits in a temporary file: where none can be made, the run does not start. */
  @Test
  void aDedupeWithJsonWhoseTemporaryDirectoryCannotBeWrittenFailsBeforeItStarts() throws Exception {
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.XFS, "CliErrorsIT-tmpdir")) {
      Path a = Fixtures.writeRandom(fs.root().resolve("a"), 2, 1 << 20);
      Path b = Fixtures.writeRandom(fs.root().resolve("b"), 2, 1 << 20);
      Path missing = index.resolve("no-such-dir");
      Launcher.Result r = Launcher.finish(Launcher.start(List.of("env", "DUPEX_TMPDIR=" + missing), "dedupe", "--json",
          "--index", index.toString(), fs.root().toString()));
      assertEquals(ExitCode.IO_ERROR, r.code(), r.toString());
      assertTrue(r.err().startsWith("dupex: cannot make a temporary file for the JSON summary's list of changes in " + missing
          + " (set DUPEX_TMPDIR)"), r.err());
      assertEquals(0, Fixtures.sharedBytes(a) + Fixtures.sharedBytes(b), "nothing was deduped");
    }
  }

  @Test
  void tmpfsCannotDedupe() throws Exception {
    LoopFs.requireAvailable(LoopFs.Kind.EXT4);
    Path mnt = Files.createTempDirectory("CliErrorsIT-tmpfs");
    LoopFs.run(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mnt.toString()));
    try {
      Fixtures.writeRandom(mnt.resolve("a"), 1, 1 << 20);
      Fixtures.writeRandom(mnt.resolve("b"), 1, 1 << 20);
      Launcher.Result r = Launcher.run("dedupe", "--index", index.toString(), mnt.toString());
      assertEquals(ExitCode.UNAVAILABLE, r.code(), r.toString());
      assertTrue(r.err().contains("is on tmpfs, which cannot dedupe"), r.err());
      // tmpfs has no FIEMAP: a report reads the files and finds the copy all the same
      Launcher.Result report = Launcher.run("report", "--json", "--index", index.toString(), mnt.toString());
      assertEquals(0, report.code(), report.toString());
      assertEquals("", report.err());
      assertEquals(1 << 20, report.json().at("/filesystems/0/plan/duplicateBytes").asLong(), report.out());
    } finally {
      LoopFs.run(List.of("umount", mnt.toString()));
      Files.delete(mnt);
    }
  }

  @Test
  void xfsWithoutReflinkIs69() throws Exception {
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.XFS_NOREFLINK, "CliErrorsIT-xfs-noreflink")) {
      Fixtures.writeRandom(fs.root().resolve("a"), 1, 1 << 20);
      Fixtures.writeRandom(fs.root().resolve("b"), 1, 1 << 20);
      var before = Fixtures.checksums(fs.root());
      Launcher.Result r = Launcher.run("dedupe", "--index", index.toString(), fs.root().toString());
      assertEquals(ExitCode.UNAVAILABLE, r.code(), r.toString());
      assertEquals("dupex: " + fs.root() + " is on xfs without reflink, which cannot dedupe: btrfs, or XFS made with"
          + " reflink=1, can ('dupex report' works on any filesystem)\n", r.err());
      try (var made = Files.list(index)) {
        assertEquals(List.of(), made.toList(), "refused before anything was read or indexed");
      }
      assertEquals(before, Fixtures.checksums(fs.root()));
    }
  }

  /** Several filesystems, one of which fails: the others still run, and --json describes every one. */
  @Test
  void oneFilesystemFailingDoesNotHideTheOthers() throws Exception {
    try (LoopFs bad = LoopFs.create(LoopFs.Kind.XFS_NOREFLINK, "CliErrorsIT-multi-noreflink");
         LoopFs good = LoopFs.create(LoopFs.Kind.BTRFS, "CliErrorsIT-multi-btrfs")) {
      for (LoopFs fs : List.of(bad, good)) {
        Fixtures.writeRandom(fs.root().resolve("a"), 1, 1 << 20);
        Fixtures.writeRandom(fs.root().resolve("b"), 1, 1 << 20);
      }
      Launcher.Result r = Launcher.run("dedupe", "--json", "--index", index.toString(), bad.root().toString(), good.root().toString());
      assertEquals(ExitCode.UNAVAILABLE, r.code(), r.toString());
      assertEquals(1, r.err().lines().count(), r.err());
      var fss = r.json().get("filesystems");
      assertEquals(2, fss.size(), r.out());
      assertEquals(ExitCode.UNAVAILABLE, fss.get(0).at("/failure/exitCode").asInt(), r.out());
      assertTrue(fss.get(0).at("/failure/message").asText().contains("cannot dedupe"), r.out());
      assertEquals(1 << 20, fss.get(1).at("/dedupe/bytesDeduped").asLong(), r.out());
      assertEquals(ExitCode.UNAVAILABLE, r.json().get("exitCode").asInt());
      assertEquals(1 << 20, Fixtures.sharedBytes(good.root().resolve("b")), "the good filesystem was deduped");

      Launcher.Result text = Launcher.run("dedupe", "--index", index.toString(), bad.root().toString(), good.root().toString());
      assertEquals(ExitCode.UNAVAILABLE, text.code(), text.toString());
      assertEquals(1, text.out().lines().count(), "the good filesystem's summary line: " + text.out());
    }
  }

  @Test
  void aFullDiskUnderTheIndexIs74AndTouchesNoFile() throws Exception {
    LoopFs.requireAvailable(LoopFs.Kind.EXT4);
    Path small = Files.createTempDirectory("CliErrorsIT-fullindex");
    LoopFs.run(List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString()));
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.BTRFS, "CliErrorsIT-fullindex")) {
      for (int i = 0; i < 400; i++) Fixtures.writeRandom(fs.root().resolve("d/f" + i), i, 256 * 1024 + i);
      var before = Fixtures.checksums(fs.root());
      Fixtures.write(small.resolve("filler"), new byte[2 * 1024 * 1024 - 64 * 1024]);
      Launcher.Result r = Launcher.run("dedupe", "--index", small.toString(), fs.root().toString());
      assertEquals(ExitCode.IO_ERROR, r.code(), r.toString());
      assertTrue(r.err().contains("disk full") || r.err().contains("No space left"), r.err());
      assertEquals(before, Fixtures.checksums(fs.root()));
    } finally {
      LoopFs.run(List.of("umount", small.toString()));
      Files.delete(small);
    }
  }

  @Test
  void noPermissionIs77() throws Exception {
    LoopFs.requireAvailable(LoopFs.Kind.EXT4); // needs root to switch to an unprivileged user
    Path secret = Files.createTempDirectory("CliErrorsIT-secret");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rwx------"));
    Path userIndex = Files.createTempDirectory("CliErrorsIT-index");
    Files.setPosixFilePermissions(userIndex, PosixFilePermissions.fromString("rwxrwxrwx"));
    try {
      Process p = Launcher.start(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
          "report", "--index", userIndex.toString(), secret.resolve("sub").toString());
      Launcher.Result r = Launcher.finish(p);
      assertEquals(ExitCode.NO_PERMISSION, r.code(), r.toString());
      assertEquals("dupex: " + secret.resolve("sub") + ": Permission denied\n", r.err());
    } finally {
      Files.delete(secret);
      Files.delete(userIndex);
    }
  }

  @Test
  void sigtermIs130AndTheIndexStaysUsable() throws Exception {
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.BTRFS, "CliErrorsIT-sigterm")) {
      Fixtures.writeRandom(fs.root().resolve("a"), 1, 1 << 20);
      String key = Filesystems.keyOf(fs.root());
      try (BlockIndex held = BlockIndex.open(IndexLocation.forFilesystem(index, key), new IndexSettings(128 * 1024))) {
        Process p = Launcher.start(List.of(), "dedupe", "-v", "--wait", "--index", index.toString(), fs.root().toString());
        // Wait until it says it is waiting for the index: its signal handlers are installed by then.
        var stderr = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream()));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = stderr.readLine()) != null; ) {
          seen.append(line).append('\n');
          if (line.contains("waiting (--wait)")) break;
        }
        assertTrue(seen.toString().contains("waiting (--wait)"), seen.toString());
        // Process.destroy() would close our end of its output: send SIGTERM with kill(1) instead.
        LoopFs.run(List.of("kill", "-TERM", Long.toString(p.pid())));
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        Launcher.Result r = Launcher.finish(p);
        String err = seen + r.err();
        assertEquals(ExitCode.INTERRUPTED, r.code(), r + err);
        assertTrue(err.contains("SIGTERM"), err);
      }
      assertEquals(0, Launcher.run("dedupe", "-q", "--index", index.toString(), fs.root().toString()).code());
    }
  }
}
