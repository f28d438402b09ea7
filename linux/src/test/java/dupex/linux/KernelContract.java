package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FIEMAP and FIDEDUPERANGE on a real filesystem that can dedupe; each filesystem subclasses it. */
abstract class KernelContract extends RealFsTest {

  Path file(String name) {
    return fs.root().resolve(name);
  }

  // ---- FIEMAP ----

  @Test
  void plainFileIsOneRunOfPlacedExtents() throws Exception {
    Path f = Fixtures.writeRandom(file("plain"), 1, 3 * MiB);
    List<Extent> extents = Fixtures.extents(f);
    assertFalse(extents.isEmpty());
    assertEquals(0, extents.get(0).logical());
    assertEquals(3 * MiB, extents.stream().mapToLong(Extent::length).sum());
    assertTrue(extents.get(extents.size() - 1).last());
    for (Extent e : extents) {
      assertTrue(e.addressable(), e.toString());
      assertFalse(e.shared(), "fresh data is not shared: " + e);
    }
  }

  @Test
  void cachestatTellsWhetherARangeIsInThePageCache() throws Exception {
    Path f = Fixtures.writeRandom(file("cached"), 9, 3 * MiB);
    boolean kernelHasIt = kernelAtLeast(6, 5);
    try (FileHandle h = FileHandle.open(f)) {
      h.adviseDontNeed(0, 0); // written and synced: clean pages, which DONTNEED drops
      assertFalse(h.cached(0, 3 * MiB), "dropped from the cache");
      h.read(java.nio.ByteBuffer.allocateDirect((int) MiB), MiB);
      assertEquals(kernelHasIt, h.cached(MiB, MiB), "the range just read (cachestat since Linux 6.5)");
      assertEquals(kernelHasIt, h.cached(MiB + 4096, 8192), "a part of it");
      assertFalse(h.cached(0, 2 * MiB), "only half of it is cached");
    }
  }

  /** Whether the running kernel is at least major.minor. */
  static boolean kernelAtLeast(int major, int minor) {
    String[] v = System.getProperty("os.version").split("[.-]");
    int ma = Integer.parseInt(v[0]), mi = Integer.parseInt(v[1]);
    return ma > major || (ma == major && mi >= minor);
  }

  @Test
  void holesAreAbsentFromTheMap() throws Exception {
    Path f = file("sparse");
    Fixtures.write(f, 0, Fixtures.randomBytes(2, 64 * 1024));
    Fixtures.write(f, 10 * MiB, Fixtures.randomBytes(3, 64 * 1024));
    List<Extent> extents = Fixtures.extents(f);
    assertEquals(128 * 1024, extents.stream().mapToLong(Extent::length).sum(), extents.toString());
    for (Extent e : extents) assertTrue(e.end() <= 64 * 1024 || e.logical() >= 10 * MiB, "no extent in the hole: " + e);
  }

  @Test
  void fallocatedRangeIsUnwritten() throws Exception {
    Path f = file("prealloc");
    LoopFs.run(List.of("fallocate", "-l", String.valueOf(4 * MiB), f.toString()));
    List<Extent> extents = Fixtures.extents(f);
    assertFalse(extents.isEmpty());
    for (Extent e : extents) {
      assertTrue(e.has(Fiemap.EXTENT_UNWRITTEN), e.toString());
      assertFalse(e.shareable());
    }
  }

  @Test
  void overAThousandExtentsArePagedThrough() throws Exception {
    Path f = file("fragmented");
    int count = 1100;
    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      byte[] block = Fixtures.randomBytes(4, 4096);
      for (int i = 0; i < count; i++) ch.write(java.nio.ByteBuffer.wrap(block), (long) i * 8192);
      ch.force(true);
    }
    List<Extent> extents = Fixtures.extents(f);
    assertTrue(extents.size() > Fiemap.EXTENTS_PER_CALL, "more than one FIEMAP call's worth");
    assertTrue(extents.get(extents.size() - 1).last());
    // XFS may keep speculative preallocation between the blocks as UNWRITTEN extents; the data extents are exact.
    List<Extent> data = extents.stream().filter(e -> !e.has(Fiemap.EXTENT_UNWRITTEN)).toList();
    assertEquals(count, data.size(), "one data extent per written block, holes between");
    for (int i = 0; i < count; i++) assertEquals((long) i * 8192, data.get(i).logical());
  }

  @Test
  void freshDataIsDelallocUntilSynced() throws Exception {
    Path f = file("fresh");
    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(Fixtures.randomBytes(5, MiB)));
    }
    try (FileHandle h = FileHandle.open(f)) {
      List<Extent> unsynced = h.extents(false);
      assertTrue(unsynced.stream().allMatch(e -> e.has(Fiemap.EXTENT_DELALLOC)), "before writeback: " + unsynced);
      List<Extent> synced = h.extents(true);
      assertTrue(synced.stream().noneMatch(e -> e.has(Fiemap.EXTENT_DELALLOC)), "after FIEMAP_FLAG_SYNC: " + synced);
      assertTrue(synced.stream().allMatch(e -> e.physical() != 0), synced.toString());
    }
  }

  // ---- FIDEDUPERANGE ----

  private List<DedupeOutcome> dedupe(Path src, long srcOffset, long length, Path dst, long dstOffset, long round)
      throws Exception {
    try (FileHandle s = FileHandle.open(src); FileHandle d = FileHandle.open(dst)) {
      return s.dedupe(srcOffset, length, List.of(new DedupeTarget(d, dstOffset)), round);
    }
  }

  @Test
  void identicalFilesBecomeSharedAndKeepTheirBytes() throws Exception {
    Path a = Fixtures.writeRandom(file("a"), 10, MiB), b = Fixtures.writeRandom(file("b"), 10, MiB);
    assertEquals(0, Fixtures.sharedBytes(a) + Fixtures.sharedBytes(b), "written twice, not reflinked");
    Map<Path, String> before = Fixtures.checksums(fs.root());
    FileStat statBefore = Linux.lstat(b);
    long freeBefore = fs.freeBytes();

    List<DedupeOutcome> out = dedupe(a, 0, MiB, b, 0, 16 * MiB);

    assertEquals(List.of(new DedupeOutcome.Same(MiB)), out);
    assertEquals(Fixtures.physicalAt(a, 0), Fixtures.physicalAt(b, 0));
    assertEquals(MiB, Fixtures.sharedBytes(a));
    assertEquals(MiB, Fixtures.sharedBytes(b));
    assertEquals(before, Fixtures.checksums(fs.root()));
    FileStat statAfter = Linux.lstat(b);
    assertEquals(statBefore.mtimeNs(), statAfter.mtimeNs(), "dedupe keeps mtime");
    assertEquals(statBefore.ctimeNs(), statAfter.ctimeNs(), "dedupe keeps ctime");
    assertTrue(fs.freeBytes() - freeBefore >= MiB * 9 / 10, "about 1 MiB freed");
  }

  @Test
  void differentContentDiffersAndSharesNothing() throws Exception {
    Path a = Fixtures.writeRandom(file("a"), 11, MiB), b = Fixtures.writeRandom(file("b"), 12, MiB);
    Map<Path, String> before = Fixtures.checksums(fs.root());
    assertEquals(List.of(new DedupeOutcome.Differs(0)), dedupe(a, 0, MiB, b, 0, 16 * MiB));
    assertEquals(0, Fixtures.sharedBytes(a) + Fixtures.sharedBytes(b));
    assertEquals(before, Fixtures.checksums(fs.root()));
  }

  @Test
  void sixtyFourMebibytesInOneCall() throws Exception {
    Path a = Fixtures.writeRandom(file("a"), 13, 64 * MiB), b = Fixtures.writeRandom(file("b"), 13, 64 * MiB);
    Map<Path, String> before = Fixtures.checksums(fs.root());
    assertEquals(List.of(new DedupeOutcome.Same(64 * MiB)), dedupe(a, 0, 64 * MiB, b, 0, 64 * MiB));
    assertEquals(64 * MiB, Fixtures.sharedBytes(b));
    assertEquals(before, Fixtures.checksums(fs.root()));
  }

  @Test
  void rangeUpToAnUnalignedEndOfFile() throws Exception {
    int size = MiB + 1000;
    Path a = Fixtures.write(file("a"), Fixtures.randomBytes(14, size)), b = Fixtures.write(file("b"), Fixtures.randomBytes(14, size));
    Map<Path, String> before = Fixtures.checksums(fs.root());
    assertEquals(List.of(new DedupeOutcome.Same(size)), dedupe(a, 0, size, b, 0, 16 * MiB));
    assertEquals(Fixtures.physicalAt(a, MiB), Fixtures.physicalAt(b, MiB), "the tail block is shared too");
    assertEquals(before, Fixtures.checksums(fs.root()));
  }

  @Test
  void unalignedOffsetIsRefusedWithEinval() throws Exception {
    Path a = Fixtures.writeRandom(file("a"), 15, MiB), b = Fixtures.writeRandom(file("b"), 15, MiB);
    List<DedupeOutcome> out = dedupe(a, 0, 64 * 1024, b, 100, 16 * MiB);
    assertEquals(List.of(new DedupeOutcome.Failed(0, Errno.EINVAL)), out);
    assertEquals(0, Fixtures.sharedBytes(b));
  }

  @Test
  void oneHundredThirtyDestinationsAreSplitIntoCalls() throws Exception {
    int size = 256 * 1024;
    byte[] data = Fixtures.randomBytes(16, size);
    Path src = Fixtures.write(file("src"), data);
    List<Path> copies = new ArrayList<>();
    for (int i = 0; i < 130; i++) copies.add(Fixtures.write(file("copy" + i), data));
    Map<Path, String> before = Fixtures.checksums(fs.root());
    List<FileHandle> handles = new ArrayList<>();
    try (FileHandle s = FileHandle.open(src)) {
      List<DedupeTarget> targets = new ArrayList<>();
      for (Path c : copies) {
        FileHandle h = FileHandle.open(c);
        handles.add(h);
        targets.add(new DedupeTarget(h, 0));
      }
      List<DedupeOutcome> out = s.dedupe(0, size, targets, 16 * MiB);
      assertEquals(130, out.size());
      for (DedupeOutcome o : out) assertEquals(new DedupeOutcome.Same(size), o);
    } finally {
      for (FileHandle h : handles) h.close();
    }
    long physical = Fixtures.physicalAt(src, 0);
    for (Path c : copies) assertEquals(physical, Fixtures.physicalAt(c, 0), c.toString());
    assertEquals(before, Fixtures.checksums(fs.root()));
  }

  @Test
  void destinationOnAnotherFilesystemGivesExdev() throws Exception {
    try (LoopFs other = LoopFs.create(kind(), getClass().getSimpleName() + "-exdev-other")) {
      Path a = Fixtures.writeRandom(file("a"), 17, MiB);
      Path b = Fixtures.writeRandom(other.root().resolve("b"), 17, MiB);
      assertEquals(List.of(new DedupeOutcome.Failed(0, Errno.EXDEV)), dedupe(a, 0, MiB, b, 0, 16 * MiB));
    }
  }

  @Test
  void filesystemUuidAndType() throws Exception {
    try (FileHandle h = FileHandle.openDirectory(fs.root())) {
      assertTrue(h.fsStat().mayDedupe(), h.fsStat().typeName());
      try (Directory d = Directory.open(Fixtures.bytes(fs.root()))) {
        assertTrue(d.canDedupe(), "btrfs, or XFS with reflink=1");
      }
      assertTrue(h.fsUuid().isPresent(), "FS_IOC_GETFSUUID answers on " + kind());
      assertNotEquals(0L, h.fsUuid().get().getMostSignificantBits());
      String blkid = LoopFs.run(List.of("blkid", "-o", "value", "-s", "UUID", fs.image().toString())).strip();
      assertEquals(blkid, h.fsUuid().get().toString(), "the same UUID blkid reports");
    }
  }

  @Test
  void regularFileCheckOnAnOpenDirectory() throws Exception {
    Files.createDirectory(file("d"));
    try (FileHandle h = FileHandle.open(file("d"))) {
      assertFalse(h.stat().isRegularFile());
      assertTrue(h.stat().isDirectory());
    }
  }

  @Test
  void immutableDestinationIsRefusedWithEperm() throws Exception {
    Path a = Fixtures.writeRandom(file("a"), 18, MiB), b = Fixtures.writeRandom(file("b"), 18, MiB);
    LoopFs.run(List.of("chattr", "+i", b.toString()));
    try {
      assertTrue(Linux.lstat(b).immutable());
      DedupeOutcome out = dedupe(a, 0, MiB, b, 0, 16 * MiB).get(0);
      assertInstanceOf(DedupeOutcome.Failed.class, out);
      assertEquals(Errno.EPERM, ((DedupeOutcome.Failed) out).errno());
      assertEquals(0, Fixtures.sharedBytes(b));
    } finally {
      LoopFs.run(List.of("chattr", "-i", b.toString()));
    }
  }
}
