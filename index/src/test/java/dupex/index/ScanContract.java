package dupex.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.Fixtures;
import dupex.linux.Root;
import dupex.linux.Linux;
import dupex.linux.LoopFs;
import dupex.linux.RealFsTest;
import dupex.scanner.FileId;
import dupex.scanner.ScanCounters;
import dupex.scanner.ScanOptions;
import dupex.scanner.SkipReason;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Scanning real trees into the index; each filesystem subclasses it. */
abstract class ScanContract extends RealFsTest {
  static final int BS = ScanOptions.DEFAULT_BLOCK_SIZE;
  @TempDir Path indexDir;




  ScanCounters scan() throws Exception {
    ScanCounters c = new ScanCounters();
    try (BlockIndex index = BlockIndex.open(indexDir.resolve("idx"), new IndexSettings(BS)); Root r = Fixtures.root(root)) {
      assertTrue(new IndexUpdater(index, ScanOptions.defaults(), (p, why, d) -> {}, c).scan(List.of(r), () -> false).complete());
    }
    return c;
  }

  FileRecord record(Path file) throws Exception {
    var st = Linux.lstat(file);
    try (BlockIndex index = BlockIndex.open(indexDir.resolve("idx"), new IndexSettings(BS))) {
      return index.get(new FileId(st.device(), st.inode())).orElse(null);
    }
  }

  long[] hashes(Path file) throws Exception {
    var st = Linux.lstat(file);
    try (BlockIndex index = BlockIndex.open(indexDir.resolve("idx"), new IndexSettings(BS))) {
      return index.hashes(index.get(new FileId(st.device(), st.inode())).orElseThrow());
    }
  }

  long fileCount() throws Exception {
    long[] n = {0};
    try (BlockIndex index = BlockIndex.open(indexDir.resolve("idx"), new IndexSettings(BS))) {
      index.forEachFile(r -> n[0]++);
    }
    return n[0];
  }

  @Test
  void identicalContentWithDifferentLayoutsHashesTheSame() throws Exception {
    byte[] data = Fixtures.randomBytes(1, 4 * MiB + 5000);
    Path a = Fixtures.write(root.resolve("a"), data);
    // b is written backwards in 4 KiB pieces, interleaved with another file, each piece synced: many extents.
    Path b = root.resolve("b"), noise = root.resolve("noise");
    try (FileChannel cb = FileChannel.open(b, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileChannel cn = FileChannel.open(noise, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      for (int off = (data.length - 1) / 4096 * 4096; off >= 0; off -= 4096) {
        cb.write(ByteBuffer.wrap(data, off, Math.min(4096, data.length - off)), off);
        cn.write(ByteBuffer.wrap(Fixtures.randomBytes(off, 4096)));
        cb.force(false);
        cn.force(false);
      }
    }
    assertTrue(Fixtures.extents(b).size() > Fixtures.extents(a).size(), "the layouts differ");
    scan();
    assertArrayEquals(hashes(a), hashes(b));
    assertEquals(FileScanBlocks.count(data.length), hashes(a).length);
  }

  /** Block counts at the default block size. */
  static final class FileScanBlocks {
    static int count(long size) {
      return (int) ((size + BS - 1) / BS);
    }
  }

  @Test
  void holesAreNotRead() throws Exception {
    Path f = root.resolve("sparse");
    Fixtures.write(f, 0, Fixtures.randomBytes(2, MiB));
    Fixtures.write(f, 63L * MiB, Fixtures.randomBytes(3, MiB));
    ScanCounters c = scan();
    assertEquals(2 * MiB, c.bytesRead.get(), "only the two data megabytes are read");
    long[] hashes = hashes(f);
    assertEquals(512, hashes.length);
    assertEquals(0, hashes[100], "a hole block has no hash");
  }

  @Test
  void rescanOfAnUnchangedTreeReadsNothing() throws Exception {
    for (int i = 0; i < 20; i++) Fixtures.writeRandom(root.resolve("d" + (i % 3) + "/f" + i), i, 300_000);
    ScanCounters first = scan();
    assertEquals(20, first.filesHashed.get());
    ScanCounters second = scan();
    assertEquals(0, second.bytesRead.get());
    assertEquals(0, second.filesHashed.get());
    assertEquals(20, second.filesUnchanged.get());
    assertEquals(0, second.layoutsRead.get(), "an unchanged file costs its statx only: not even an open");
    assertEquals(20, fileCount());
  }

  @Test
  void aRenamedDirectoryMovesItsFilesPathsWithoutReadingThem() throws Exception {
    for (int i = 0; i < 3; i++) Fixtures.writeRandom(root.resolve("old/f" + i), i, 300_000);
    scan();
    long[] before = hashes(root.resolve("old/f1"));
    Files.move(root.resolve("old"), root.resolve("new")); // the files' ctimes do not change
    ScanCounters c = scan();
    assertEquals(3, c.filesUnchanged.get());
    assertEquals(0, c.filesRemoved.get() + c.bytesRead.get() + c.layoutsRead.get());
    assertEquals(List.of(Fixtures.bytes(root.resolve("new/f1"))), record(root.resolve("new/f1")).paths());
    assertArrayEquals(before, hashes(root.resolve("new/f1")));
    assertEquals(3, fileCount());
  }

  @Test
  void aFileDeletedWhileOthersAreUnchangedIsForgotten() throws Exception {
    for (int i = 0; i < 5; i++) Fixtures.writeRandom(root.resolve("f" + i), i, 300_000);
    scan();
    Files.delete(root.resolve("f2"));
    ScanCounters c = scan();
    assertEquals(4, c.filesUnchanged.get());
    assertEquals(1, c.filesRemoved.get());
    assertEquals(4, fileCount());
  }

  @Test
  void changesAreFollowed() throws Exception {
    Path modified = Fixtures.writeRandom(root.resolve("modified"), 1, MiB);
    Path appended = Fixtures.writeRandom(root.resolve("appended"), 2, MiB);
    Path truncated = Fixtures.writeRandom(root.resolve("truncated"), 3, MiB);
    Path deleted = Fixtures.writeRandom(root.resolve("deleted"), 4, MiB);
    Path renamed = Fixtures.writeRandom(root.resolve("renamed"), 5, MiB);
    Fixtures.writeRandom(root.resolve("same"), 6, MiB);
    scan();
    long[] modifiedBefore = hashes(modified);
    long[] renamedBefore = hashes(renamed);

    Fixtures.write(modified, 200_000, new byte[] {1, 2, 3});
    Fixtures.write(appended, MiB, Fixtures.randomBytes(7, 300_000));
    try (FileChannel ch = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
      ch.truncate(MiB / 2);
    }
    Files.delete(deleted);
    Path moved = Files.move(renamed, root.resolve("moved"));

    ScanCounters c = scan();
    assertEquals(1, c.filesUnchanged.get(), "only 'same' is unchanged");
    assertEquals(1, c.filesRemoved.get(), "'deleted' is forgotten");
    long[] m = hashes(modified);
    assertEquals(modifiedBefore[0], m[0]);
    assertNotEquals(modifiedBefore[1], m[1], "the block holding offset 200000 changed");
    assertEquals(FileScanBlocks.count(MiB + 300_000), hashes(appended).length);
    assertEquals(FileScanBlocks.count(MiB / 2), hashes(truncated).length);
    FileRecord r = record(moved);
    assertEquals(List.of(Fixtures.bytes(moved)), r.paths());
    assertArrayEquals(renamedBefore, hashes(moved));
    assertEquals(5, fileCount());
  }

  @Test
  void hardLinksAreHashedOnce() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a"), 1, 2 * MiB);
    Files.createLink(root.resolve("b"), a);
    ScanCounters c = scan();
    assertEquals(1, c.filesHashed.get());
    assertEquals(2 * MiB, c.bytesRead.get());
    assertEquals(List.of(Fixtures.bytes(a), Fixtures.bytes(root.resolve("b"))), record(a).paths());
  }

  @Test
  void reflinkedCopyIsHashedWithoutReadingItsData() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a"), 1, 4 * MiB);
    scan();
    LoopFs.run(List.of("cp", "--reflink=always", a.toString(), root.resolve("b").toString()));
    LoopFs.run(List.of("cp", "--reflink=always", a.toString(), root.resolve("c").toString()));
    ScanCounters c = scan();
    assertEquals(0, c.bytesRead.get(), "the copies' blocks are known by physical address");
    assertEquals(8 * MiB, c.bytesReused.get());
    assertEquals(1, c.layoutsRead.get(), "the unchanged original's extent map tells where its blocks are");
    assertArrayEquals(hashes(a), hashes(root.resolve("b")));
  }

  @Test
  void reflinkedCopiesFoundInOneRunAreReadOnce() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a"), 1, 4 * MiB);
    LoopFs.run(List.of("cp", "--reflink=always", a.toString(), root.resolve("b").toString()));
    ScanCounters c = scan();
    assertEquals(4 * MiB, c.bytesRead.get());
    assertEquals(4 * MiB, c.bytesReused.get());
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aFifoDoesNotHangTheWalk() throws Exception {
    Fixtures.writeRandom(root.resolve("a"), 1, MiB);
    LoopFs.run(List.of("mkfifo", root.resolve("fifo").toString()));
    ScanCounters c = scan();
    assertEquals(1, c.filesHashed.get());
    assertEquals(1, c.skipped(SkipReason.SPECIAL_FILE));
  }

  @Test
  void symlinkToADirectoryOutsideTheRootIsNotFollowed() throws Exception {
    Path outside = Files.createDirectory(fs.root().resolve("outside"));
    Fixtures.writeRandom(outside.resolve("x"), 1, MiB);
    Fixtures.writeRandom(root.resolve("a"), 2, MiB);
    Files.createSymbolicLink(root.resolve("link"), outside);
    ScanCounters c = scan();
    assertEquals(1, c.filesSeen.get());
    assertEquals(1, c.skipped(SkipReason.SYMLINK));
    assertFalse(fileCount() > 1);
  }

  @Test
  void fileChangedAfterItsWalkIsHashedAsItIsNow() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a"), 1, MiB);
    scan();
    long[] before = hashes(a);
    Fixtures.write(a, Fixtures.randomBytes(9, MiB));
    scan();
    assertNotEquals(before[0], hashes(a)[0]);
  }
}
