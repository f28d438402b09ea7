package dupex.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.scanner.FileId;
import dupex.scanner.FileScan;
import dupex.scanner.Samples;
import dupex.linux.Extent;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import dupex.linux.BytePath;
import dupex.linux.Fixtures;
import dupex.linux.Root;
import java.nio.file.Files;
import org.junit.jupiter.api.io.TempDir;

class BlockIndexTest {
  static final int BS = 4096;
  @TempDir Path dir;

  static FileScan scan(long inode, String path, long[] hashes, long[] physicals) {
    return scan(new FileId(7, inode), path, hashes, physicals);
  }

  /** A file of 4 KiB blocks, every one of them an anchor (as if each were sampled). */
  static FileScan scan(FileId id, String path, long[] hashes, long[] physicals) {
    return new FileScan(id, List.of(BytePath.of(path)), (long) hashes.length * BS, 1, 2, BS, hashes, physicals,
        everyBlock(hashes, physicals));
  }

  static Samples everyBlock(long[] hashes, long[] physicals) {
    int n = 0;
    for (int i = 1; i < hashes.length; i++) if (hashes[i] != FileScan.NO_DATA) n++;
    int[] blocks = new int[n];
    long[] h = new long[n], p = new long[n];
    for (int i = 1, k = 0; i < hashes.length; i++) {
      if (hashes[i] == FileScan.NO_DATA) continue;
      blocks[k] = i;
      h[k] = hashes[i];
      p[k++] = physicals[i];
    }
    return new Samples(blocks, h, p);
  }

  /** The groups worth sharing (not all on one physical block). */
  private static List<DupeGroup> groups(BlockIndex index) throws IndexException {
    List<DupeGroup> out = new ArrayList<>();
    try (GroupIterator it = index.groups()) {
      for (DupeGroup g; (g = it.next()) != null; ) if (GroupIterator.worthSharing(g.members())) out.add(g);
    }
    return out;
  }

  /** What a kill -9 would leave: the index directory as it is on disk now, while the run still has it open. */
  static Path crashCopy(Path idx, Path to) throws Exception {
    java.nio.file.Files.createDirectories(to);
    try (var files = java.nio.file.Files.list(idx)) {
      for (Path f : files.toList()) java.nio.file.Files.copy(f, to.resolve(f.getFileName()));
    }
    return to;
  }

  @Test
  void aKilledScanKeepsWhatItHashedUpToTheLastCheckpoint() throws Exception {
    Path idx = dir.resolve("idx");
    try (BlockIndex index = BlockIndex.open(idx, new IndexSettings(BS))) {
      long epoch = index.beginRun();
      index.checkpointEvery(Long.MAX_VALUE, 3L * BS * 10); // every 30 blocks hashed
      for (int i = 1; i <= 7; i++) index.put(scan(i, "/r/" + i, new long[] {i, 100 + i, 200 + i, 300 + i, 400 + i, 500 + i, 600 + i, 700 + i, 800 + i, 900 + i},
          new long[10]), null, epoch);
      Path crashed = crashCopy(idx, dir.resolve("crashed"));
      try (BlockIndex after = BlockIndex.open(crashed, new IndexSettings(BS))) {
        long[] kept = {0};
        after.forEachFile(r -> kept[0]++);
        assertEquals(6, kept[0], "files 1-6 were flushed at checkpoints (every 3 files); file 7 is redone");
        assertTrue(after.get(new FileId(7, 6)).isPresent());
        assertEquals(10, after.hashes(after.get(new FileId(7, 6)).orElseThrow()).length, "whole files, with their hashes");
      }
    }
  }

  @Test
  void aCorruptBlockIsAnErrorNotTheEndOfTheGroups() throws Exception {
    Path idx = dir.resolve("idx");
    try (BlockIndex index = BlockIndex.open(idx, new IndexSettings(BS))) {
      long epoch = index.beginRun();
      for (int i = 1; i <= 40; i++) {
        long[] hashes = new long[2000], physicals = new long[2000];
        for (int b = 0; b < hashes.length; b++) {
          hashes[b] = b == 0 ? 42 : (long) i * 1_000_003L * (b + 7) ^ 0x5DEECE66DL * b; // one shared, the rest unique
          physicals[b] = ((long) i << 32) + b;
        }
        index.put(scan(i, "/r/" + i, hashes, physicals), null, epoch);
      }
      assertEquals(1, groups(index).size());
    }
    // A bit flip on disk: 200 bytes in the middle of the largest table (the postings, read only by the group
    // scan), as a failing disk or a stray write would leave them.
    Path largest;
    try (var files = java.nio.file.Files.list(idx)) {
      largest = files.filter(p -> p.toString().endsWith(".sst"))
          .max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
    }
    try (var ch = java.nio.channels.FileChannel.open(largest, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[200]), ch.size() / 2);
    }
    try (BlockIndex index = BlockIndex.open(idx, new IndexSettings(BS))) {
      org.junit.jupiter.api.Assertions.assertThrows(IndexException.Corrupt.class, () -> groups(index),
          "a corrupt block ends the scan with an error, never with fewer groups");
    }
  }

  @Test
  void groupsStreamInHashOrderAndSkipOnePhysicalBlock() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      long epoch = index.beginRun();
      index.put(scan(1, "/r/a", new long[] {30, 10, 20}, new long[] {100, 200, 300}), null, epoch);
      index.put(scan(2, "/r/b", new long[] {30, 10, FileScan.NO_DATA}, new long[] {100, 900, 0}), null, epoch);
      List<DupeGroup> groups = groups(index);
      assertEquals(1, groups.size(), "30 is on one physical block already; 20 is alone; NO_DATA is not posted");
      assertEquals(10, groups.get(0).hash());
      assertEquals(List.of(new Posting(new FileId(7, 1), BS, 200, BS), new Posting(new FileId(7, 2), BS, 900, BS)),
          groups.get(0).members());
    }
  }

  @Test
  void replacingAFileRemovesItsOldPostings() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      long epoch = index.beginRun();
      FileRecord a = index.put(scan(1, "/r/a", new long[] {10, 11}, new long[] {1, 2}), null, epoch);
      index.put(scan(2, "/r/b", new long[] {10, 11}, new long[] {3, 4}), null, epoch);
      assertEquals(2, groups(index).size());
      index.put(scan(1, "/r/a", new long[] {12, 11}, new long[] {1, 2}), a, epoch);
      assertEquals(1, groups(index).size());
      assertEquals(11, groups(index).get(0).hash());
    }
  }

  @Test
  void aDedupeIsRememberedUntilTheFileItWentIntoChangesOrGoes() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      long epoch = index.beginRun();
      FileRecord a = index.put(scan(1, "/r/a", new long[] {10, 11}, new long[] {1, 2}), null, epoch);
      FileRecord b = index.put(scan(2, "/r/b", new long[] {10, 11}, new long[] {3, 4}), null, epoch);
      FileRecord c = index.put(scan(3, "/r/c", new long[] {10, 11}, new long[] {5, 6}), null, epoch);
      index.rememberDeduped(a, 0, b, 0, 2 * BS);
      index.rememberDeduped(a, 0, b, BS, BS);
      index.rememberDeduped(a, 0, c, 0, 2 * BS);
      index.rememberDeduped(b, 0, a, 0, 2 * BS);
      assertTrue(index.dedupedBefore(a, 0, b, 0, 2 * BS));
      assertFalse(index.dedupedBefore(a, 0, b, 0, BS), "another length");
      assertEquals(4, index.rememberedDedupes());

      FileRecord b2 = index.put(scan(2, "/r/b", new long[] {12, 11}, new long[] {3, 4}), b, epoch);
      assertFalse(index.dedupedBefore(a, 0, b2, 0, 2 * BS), "b changed");
      assertEquals(2, index.rememberedDedupes(), "what went into b is forgotten, into a and c kept");
      assertTrue(index.dedupedBefore(a, 0, c, 0, 2 * BS));

      index.forget(c.id());
      assertEquals(1, index.rememberedDedupes(), "c is gone");
      assertTrue(index.dedupedBefore(b, 0, a, 0, 2 * BS), "a's own entry stays: b's record then is what it was checked against");
    }
  }

  @Test
  void touchRewritesPhysicalsWhenTheLayoutMoved() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      long epoch = index.beginRun();
      FileRecord a = index.put(scan(1, "/r/a", new long[] {10}, new long[] {4096}), null, epoch);
      index.put(scan(2, "/r/b", new long[] {10}, new long[] {8192}), null, epoch);
      assertEquals(1, groups(index).size());
      index.touch(a, a.paths(), index.beginRun(), List.of(new Extent(0, 8192, BS, 0)));
      assertEquals(0, groups(index).size(), "both now on physical 2");
    }
  }

  @Test
  void unseenFilesUnderWalkedRootsAreRemovedOnlyWhenGoneFromDisk() throws Exception {
    Path r = Files.createDirectories(dir.resolve("r"));
    Path excluded = Fixtures.write(r.resolve("excluded"), new byte[100]);
    var st = dupex.linux.Linux.lstat(excluded);
    FileId excludedId = new FileId(st.device(), st.inode());
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS)); Root root = Fixtures.root(r)) {
      long e1 = index.beginRun();
      index.put(scan(1, r + "/a", new long[] {10}, new long[] {1}), null, e1);
      index.put(scan(2, r + "/b", new long[] {10}, new long[] {2}), null, e1);
      index.put(scan(3, "/other/c", new long[] {10}, new long[] {3}), null, e1);
      index.put(scan(excludedId, excluded.toString(), new long[] {10}, new long[] {4}), null, e1);
      long e2 = index.beginRun();
      FileRecord b = index.get(new FileId(7, 2)).orElseThrow();
      index.touch(b, b.paths(), e2, List.of(new Extent(0, 2 * BS, BS, 0)));
      assertEquals(1, index.removeUnseen(e2, List.of(root)));
      assertFalse(index.get(new FileId(7, 1)).isPresent(), "gone from disk");
      assertTrue(index.get(new FileId(7, 3)).isPresent(), "not under the walked root");
      assertTrue(index.get(excludedId).isPresent(), "still on disk: a filter skipped it");
      assertEquals(List.of(), groups(index), "only b was seen by the last scan: no group");
    }
  }

  @Test
  void groupsHoldOnlyFilesTheLastScanSaw() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      long e1 = index.beginRun();
      index.put(scan(1, "/other/a", new long[] {10, 20}, new long[] {1, 2}), null, e1);
      index.put(scan(2, "/other/b", new long[] {10, 20}, new long[] {3, 4}), null, e1);
      long e2 = index.beginRun();
      index.put(scan(3, "/r/c", new long[] {10, 30}, new long[] {5, 6}), null, e2);
      index.put(scan(4, "/r/d", new long[] {10, 30}, new long[] {7, 8}), null, e2);
      List<DupeGroup> g = groups(index);
      assertEquals(2, g.size(), "hashes 10 and 30 of c and d; a and b belong to another root's run");
      for (DupeGroup group : g) {
        assertEquals(List.of(3L, 4L), group.members().stream().map(p -> p.file().inode()).toList());
      }
      index.forget(new FileId(7, 4));
      assertEquals(List.of(), groups(index), "d forgotten: c alone");
      assertFalse(index.get(new FileId(7, 4)).isPresent());
    }
  }

  @Test
  void otherSettingsAreRefused() throws Exception {
    BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS)).close();
    IndexException.SettingsMismatch e = assertThrows(IndexException.SettingsMismatch.class,
        () -> BlockIndex.open(dir.resolve("idx"), new IndexSettings(2 * BS)));
    assertTrue(e.getMessage().contains("blockSize=4096") && e.getMessage().contains("rm -rf"), e.getMessage());
  }

  @Test
  void anIndexOfAnotherFormatSaysHowToRebuild() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      index.putMeta("format", "format=4 blockSize=131072 hash=xxh64/seed=block-length"); // as dupex 0.1 wrote it
    }
    for (IndexSettings asked : java.util.Arrays.asList(new IndexSettings(128 * 1024), null)) {
      IndexException.SettingsMismatch e = assertThrows(IndexException.SettingsMismatch.class,
          () -> BlockIndex.open(dir.resolve("idx"), asked));
      assertTrue(e.getMessage().contains("another version of dupex") && e.getMessage().contains("rm -rf " + dir.resolve("idx")),
          e.getMessage());
    }
  }

  @Test
  void anExistingIndexOpensWithItsOwnSettings() throws Exception {
    BlockIndex.open(dir.resolve("idx"), new IndexSettings(2 * BS)).close();
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), null)) {
      assertEquals(2 * BS, index.settings().blockSize());
    }
  }

  @Test
  void aSecondOpenIsLocked() throws Exception {
    try (BlockIndex first = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      assertThrows(IndexException.Locked.class, () -> BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS)));
    }
  }

  @Test
  void garbageIsReportedCorrupt() throws Exception {
    Path idx = dir.resolve("idx");
    BlockIndex.open(idx, new IndexSettings(BS)).close();
    try (var files = Files.list(idx)) {
      for (Path p : files.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith("MANIFEST") || n.equals("CURRENT")) Files.write(p, new byte[] {1, 2, 3, 4, 5});
      }
    }
    IndexException.Corrupt e = assertThrows(IndexException.Corrupt.class, () -> BlockIndex.open(idx, new IndexSettings(BS)));
    assertTrue(e.getMessage().contains("rm -rf " + idx), e.getMessage());
  }

  @Test
  void spillSortsByKeyAndIsDroppedOnClose() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      List<Long> seen = new ArrayList<>();
      try (Spill s = index.openSpill("t")) {
        for (long v : new long[] {5, 1, 9, 3}) s.put(ByteBuffer.allocate(8).putLong(v).array(), new byte[0]);
        s.forEach((k, v) -> seen.add(ByteBuffer.wrap(k).getLong()));
      }
      assertEquals(List.of(1L, 3L, 5L, 9L), seen);
    }
  }

  @Test
  void aSpillAddsEachKeyOnce() throws Exception {
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS)); Spill s = index.openSpill("t")) {
      s.put(new byte[] {1}, new byte[0]); // still in the write batch: add must see it
      assertEquals(List.of(false, true, false, true), List.of(s.add(new byte[] {1}), s.add(new byte[] {2}), s.add(new byte[] {2}), s.add(new byte[] {0})));
      assertEquals(3, s.count());
    }
  }

  @Test
  void directoriesAreCreatedPrivate() throws Exception {
    Path idx = dir.resolve("root/idx");
    BlockIndex.open(idx, new IndexSettings(BS)).close();
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(idx)));
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(idx.getParent())));
  }
}
