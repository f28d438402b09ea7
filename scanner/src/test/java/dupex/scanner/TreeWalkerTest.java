package dupex.scanner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.BytePath;
import dupex.linux.Fixtures;
import dupex.linux.Root;
import dupex.linux.LoopFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeWalkerTest {
  @TempDir Path dir;

  private List<FileEntry> walk(ScanOptions options, ScanCounters counters, long minSize) throws Exception {
    List<FileEntry> out = new ArrayList<>();
    try (Root root = Fixtures.root(dir)) {
      new TreeWalker(options, ScanListener.NONE, counters).walk(root, minSize, out::add);
    }
    return out;
  }

  @Test
  void regularFilesInSortedOrderWithoutSpecialFilesOrSymlinks() throws Exception {
    Fixtures.write(dir.resolve("b/2"), new byte[100]);
    Fixtures.write(dir.resolve("b/1"), new byte[100]);
    Fixtures.write(dir.resolve("a"), new byte[100]);
    Path outside = Files.createTempDirectory("walker-outside");
    Fixtures.write(outside.resolve("x"), new byte[100]);
    Files.createSymbolicLink(dir.resolve("link-dir"), outside);
    Files.createSymbolicLink(dir.resolve("link-file"), dir.resolve("a"));
    LoopFs.run(List.of("mkfifo", dir.resolve("fifo").toString()));
    ScanCounters c = new ScanCounters();
    List<FileEntry> files = walk(ScanOptions.defaults(), c, 1);
    assertEquals(List.of(dir.resolve("a"), dir.resolve("b/1"), dir.resolve("b/2")), files.stream().map(f -> Path.of(f.path().toString())).toList());
    assertEquals(2, c.skipped(SkipReason.SYMLINK));
    assertEquals(1, c.skipped(SkipReason.SPECIAL_FILE));
  }

  @Test
  void hardLinksAreOneFileWithAllPaths() throws Exception {
    Path a = Fixtures.write(dir.resolve("a"), new byte[100]);
    Files.createLink(dir.resolve("z"), a);
    Files.createLink(dir.resolve("m"), a);
    ScanCounters c = new ScanCounters();
    List<FileEntry> files = walk(ScanOptions.defaults(), c, 1);
    assertEquals(1, files.size());
    assertEquals(List.of(dir.resolve("a"), dir.resolve("m"), dir.resolve("z")), files.get(0).paths().stream().map(BytePath::toString).map(Path::of).toList());
    assertEquals(1, c.filesSeen.get());
    assertEquals(100, c.bytesSeen.get());
  }

  @Test
  void excludesMatchNamesAndRelativePaths() throws Exception {
    Fixtures.write(dir.resolve("keep/a.dat"), new byte[100]);
    Fixtures.write(dir.resolve("keep/a.tmp"), new byte[100]);
    Fixtures.write(dir.resolve("cache/b.dat"), new byte[100]);
    Fixtures.write(dir.resolve("deep/cache/c.dat"), new byte[100]);
    ScanOptions o = new ScanOptions(ScanOptions.DEFAULT_BLOCK_SIZE, 0, List.of("*.tmp", "cache"), 1);
    assertEquals(List.of(dir.resolve("keep/a.dat")), walk(o, new ScanCounters(), 1).stream().map(f -> Path.of(f.path().toString())).toList());
    ScanOptions rel = new ScanOptions(ScanOptions.DEFAULT_BLOCK_SIZE, 0, List.of("deep/cache"), 1);
    assertEquals(3, walk(rel, new ScanCounters(), 1).size());
  }

  @Test
  void aLargeDirectoryIsStatedInParallelAndEmittedInOrder() throws Exception {
    List<Path> expected = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      Path p = dir.resolve(String.format("big/f%04d", i));
      Fixtures.write(p, new byte[10 + i]);
      expected.add(p);
    }
    Files.createSymbolicLink(dir.resolve("big/zz-link"), expected.get(0));
    ScanCounters c = new ScanCounters();
    List<FileEntry> files = walk(ScanOptions.defaults(), c, 1);
    assertEquals(expected, files.stream().map(f -> Path.of(f.path().toString())).toList());
    assertEquals(1, c.skipped(SkipReason.SYMLINK));
    assertEquals(500, c.filesSeen.get());
  }

  @Test
  void smallFilesAreSkipped() throws Exception {
    Fixtures.write(dir.resolve("small"), new byte[100]);
    Fixtures.write(dir.resolve("big"), new byte[5000]);
    Fixtures.write(dir.resolve("empty"), new byte[0]);
    ScanCounters c = new ScanCounters();
    assertEquals(1, walk(ScanOptions.defaults(), c, 4096).size());
    assertEquals(2, c.skipped(SkipReason.TOO_SMALL));
  }

  @Test
  void unreadableDirectoryIsReportedAndTheWalkGoesOn() throws Exception {
    Fixtures.write(dir.resolve("a/x"), new byte[100]);
    Fixtures.write(dir.resolve("b/y"), new byte[100]);
    Files.setPosixFilePermissions(dir.resolve("a"), java.util.Set.of());
    try {
      ScanCounters c = new ScanCounters();
      List<BytePath> skipped = new ArrayList<>();
      List<FileEntry> files = new ArrayList<>();
      try (Root root = Fixtures.root(dir)) {
        new TreeWalker(ScanOptions.defaults(), (p, r, d) -> skipped.add(p), c).walk(root, 1, files::add);
      }
      if ("root".equals(System.getProperty("user.name"))) {
        assertEquals(2, files.size(), "root reads it anyway");
      } else {
        assertEquals(List.of(dir.resolve("b/y")), files.stream().map(f -> Path.of(f.path().toString())).toList());
        assertEquals(1, c.skipped(SkipReason.UNREADABLE));
      }
    } finally {
      Files.setPosixFilePermissions(dir.resolve("a"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void namesAreBytesWhateverTheLocale() throws Exception {
    byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};          // "café" in Latin-1: not UTF-8
    byte[] newline = "two\nlines".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] utf8 = "Übersicht – 日本".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    BytePath base = Fixtures.bytes(dir);
    Path content = Fixtures.write(Files.createTempFile("walker", ".dat"), new byte[100]);
    for (byte[] name : List.of(latin1, newline, utf8)) Fixtures.copyAs(content, base.resolve(name));
    List<FileEntry> files = walk(ScanOptions.defaults(), new ScanCounters(), 1);
    List<BytePath> expected = new ArrayList<>(List.of(base.resolve(latin1), base.resolve(newline), base.resolve(utf8)));
    java.util.Collections.sort(expected);
    assertEquals(expected, files.stream().map(FileEntry::path).toList());
    assertEquals(base + "/caf\\xe9", expected.get(0).toString());
    assertEquals(base + "/two\\nlines", expected.get(1).toString());
  }

  @Test
  void excludesMatchNamesThatAreNotUtf8() throws Exception {
    Fixtures.copyAs(Fixtures.write(Files.createTempFile("walker", ".dat"), new byte[100]),
        Fixtures.bytes(dir).resolve(new byte[] {'c', 'a', 'f', (byte) 0xe9, '.', 't', 'm', 'p'}));
    Fixtures.write(dir.resolve("keep"), new byte[100]);
    ScanOptions o = new ScanOptions(ScanOptions.DEFAULT_BLOCK_SIZE, 0, List.of("caf?.tmp"), 1);
    assertEquals(List.of(dir.resolve("keep")), walk(o, new ScanCounters(), 1).stream().map(f -> Path.of(f.path().toString())).toList());
  }

  /** Files below {@code d} in walk order: each directory's entries in byte order, subdirectories walked where met. */
  private static void sorted(Path d, List<Path> out) throws java.io.IOException {
    List<Path> entries;
    try (var s = Files.list(d)) {
      entries = s.sorted(java.util.Comparator.comparing(p -> p.getFileName().toString())).toList();
    }
    for (Path p : entries) {
      if (Files.isDirectory(p)) sorted(p, out);
      else out.add(p);
    }
  }

  @Test
  void aDeepTreeIsEmittedInWalkOrderWhateverTheThreads() throws Exception {
    // "a" sorts before "a-b" and "a.c", and is walked whole before them, though "a/..." sorts after "a-b" as a string
    for (String top : List.of("a", "a-b", "a.c", "b")) {
      for (int i = 0; i < 9; i++) {
        for (int j = 0; j < i % 4; j++) Fixtures.write(dir.resolve(top + "/d" + i + "/e" + j + "/f"), new byte[10]);
        for (int j = 0; j < i; j++) Fixtures.write(dir.resolve(top + "/d" + i + "/g" + j), new byte[10]);
      }
    }
    for (int i = 0; i < 3 * ReadAhead.CHUNK + 5; i++) Fixtures.write(dir.resolve(String.format("a-b/big/f%04d", i)), new byte[10]);
    List<Path> expected = new ArrayList<>();
    sorted(dir, expected);
    for (int threads : new int[] {1, 2, 4, 16}) {
      ScanOptions o = new ScanOptions(ScanOptions.DEFAULT_BLOCK_SIZE, 0, List.of(), threads);
      assertEquals(expected, walk(o, new ScanCounters(), 1).stream().map(f -> Path.of(f.path().toString())).toList(), threads + " threads");
    }
  }

  @Test
  void aHugeDirectoryHoldsTheStatsOfAFewPartsAheadOfTheWalkOnly() throws Exception {
    int n = 3 * ReadAhead.WINDOW * ReadAhead.CHUNK + 7;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = String.format("f%05d", i);
      if (i % 1000 == 3) Files.createDirectory(dir.resolve(name)); // subdirectories in later parts too
      else Files.write(dir.resolve(name), new byte[0]);
      names.add(name);
    }
    for (int threads : new int[] {1, 4}) {
      try (Root root = Fixtures.root(dir); ReadAhead ahead = new ReadAhead(threads, (d, name) -> false)) {
        ReadAhead.Listing l = ahead.take(ahead.adopt(root.directory(), root.directory().stat().device(), new int[0], false));
        assertEquals(n, l.names.size());
        int most = 0;
        for (int i = 0; i < n; i++) {
          ReadAhead.Lstat st = ahead.stat(l, i);
          assertEquals(names.get(i), new String(l.names.get(i), java.nio.charset.StandardCharsets.UTF_8));
          assertEquals(i % 1000 == 3, st.stat().isDirectory(), names.get(i));
          if (st.stat().isDirectory()) ahead.release(ahead.take(l.child(i)));
          if (i % ReadAhead.CHUNK == ReadAhead.CHUNK - 1) Thread.sleep(1); // the threads may run ahead meanwhile
          most = Math.max(most, l.partsHeld());
        }
        assertTrue(most <= ReadAhead.WINDOW + 1, threads + " threads: " + most + " parts held at once");
        ahead.release(l);
      }
    }
  }

  @Test
  void aWalkThatFailsLeavesNoDirectoryOpenAndNoThreadRunning() throws Exception {
    for (int i = 0; i < 40; i++) {
      for (int j = 0; j < 20; j++) Fixtures.write(dir.resolve("d" + i + "/e" + j + "/f"), new byte[10]);
    }
    long fds = openDescriptors();
    int[] seen = {0};
    try (Root root = Fixtures.root(dir)) {
      org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CancellationException.class, () ->
          new TreeWalker(ScanOptions.defaults(), ScanListener.NONE, new ScanCounters()).walk(root, 1, f -> {
            if (++seen[0] == 100) throw new java.util.concurrent.CancellationException("stop");
          }));
    }
    assertEquals(fds, openDescriptors(), "descriptors open after the walk failed");
    assertEquals(0, Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("dupex-list") && t.isAlive()).count());
  }

  @Test
  void anErrorOnAReadingThreadReachesTheWalkInsteadOfHangingIt() throws Exception {
    Fixtures.write(dir.resolve("a/b/x"), new byte[10]);
    ReadAhead.Filter failing = (d, name) -> {
      if (name[0] == 'x') throw new OutOfMemoryError("test");
      return false;
    };
    try (Root root = Fixtures.root(dir); ReadAhead ahead = new ReadAhead(2, failing)) {
      ReadAhead.Listing a = ahead.take(ahead.take(ahead.adopt(root.directory(), root.directory().stat().device(), new int[0], false)).child(0));
      org.junit.jupiter.api.Assertions.assertThrows(OutOfMemoryError.class, () ->
          org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> ahead.take(a.child(0))));
    }
  }

  private static long openDescriptors() throws java.io.IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  @Test
  void optionsAreValidated() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new ScanOptions(3000, 0, List.of(), 1));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new ScanOptions(2048, 0, List.of(), 1));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new ScanOptions(4096, 0, List.of(), 0));
  }
}
