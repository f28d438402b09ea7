package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libc calls on whatever filesystem holds the temp directory: no root, no dedupe. */
class LocalFileTest {
  @TempDir Path dir;

  @Test
  void statMatchesJavaAttributes() throws Exception {
    Path f = Fixtures.write(dir.resolve("f"), Fixtures.randomBytes(1, 12345));
    Files.setLastModifiedTime(f, FileTime.from(1_700_000_000_123_456_789L, TimeUnit.NANOSECONDS));
    try (FileHandle h = FileHandle.open(f)) {
      FileStat s = h.stat();
      assertTrue(s.isRegularFile());
      assertEquals(12345, s.size());
      assertEquals(Files.getAttribute(f, "unix:ino"), s.inode());
      assertEquals(Files.getAttribute(f, "unix:dev"), s.device());
      assertEquals(1_700_000_000_123_456_789L, s.mtimeNs());
      assertEquals(s, Linux.lstat(f));
    }
  }

  @Test
  void readsIntoTheBufferFromItsPosition() throws Exception {
    byte[] data = Fixtures.randomBytes(2, 100_000);
    Path f = Fixtures.write(dir.resolve("f"), data);
    ByteBuffer buf = ByteBuffer.allocateDirect(70_000);
    buf.position(10);
    try (FileHandle h = FileHandle.open(f)) {
      assertEquals(69_990, h.read(buf, 10_000));
      buf.flip().position(10);
      byte[] first = new byte[69_990];
      buf.get(first);
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 10_000, 79_990), first);
      assertEquals(50_000, h.read(buf.clear(), 50_000), "short at end of file");
    }
    byte[] got = new byte[50_000];
    buf.flip().get(got);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 50_000, 100_000), got);
  }

  @Test
  void symlinksAreNotFollowed() throws Exception {
    Path target = Fixtures.write(dir.resolve("target"), new byte[10]);
    Path link = Files.createSymbolicLink(dir.resolve("link"), target);
    NativeIOException e = assertThrows(NativeIOException.class, () -> FileHandle.open(link));
    assertEquals("ELOOP", e.errnoName());
    assertTrue(Linux.lstat(link).isSymbolicLink());
  }

  @Test
  void aFifoOpensWithoutBlockingAndIsNotRegular() throws Exception {
    Path fifo = dir.resolve("fifo");
    LoopFs.run(java.util.List.of("mkfifo", fifo.toString()));
    FileStat s = Linux.lstat(fifo);
    assertFalse(s.isRegularFile());
    assertEquals("FIFO", s.typeName());
    try (FileHandle h = FileHandle.open(fifo)) {
      assertFalse(h.stat().isRegularFile());
    }
  }

  @Test
  void missingFileGivesEnoent() {
    NativeIOException e = assertThrows(NativeIOException.class, () -> FileHandle.open(dir.resolve("nope")));
    assertEquals("ENOENT", e.errnoName());
    assertTrue(e.getMessage().endsWith("nope: open: No such file or directory (ENOENT)"), e.getMessage());
  }

  @Test
  void tempFilesAreUnnamedAndReadable() throws Exception {
    byte[] data = Fixtures.randomBytes(3, 20_000);
    try (TempFile t = TempFile.create(dir)) {
      ByteBuffer b = ByteBuffer.allocateDirect(data.length);
      b.put(data).flip();
      t.write(b, 4096);
      t.sync();
      ByteBuffer back = ByteBuffer.allocateDirect(data.length);
      assertEquals(data.length, t.handle().read(back, 4096));
      byte[] got = new byte[data.length];
      back.flip().get(got);
      assertArrayEquals(data, got);
      assertEquals(4096 + data.length, t.handle().stat().size());
      try (var files = Files.list(dir)) {
        assertEquals(0, files.count(), "an O_TMPFILE file has no name");
      }
    }
  }

  @Test
  void statfsOfTheTempDirectory() throws Exception {
    FsStat s = Linux.statfs(dir);
    assertTrue(s.totalBytes() > 0 && s.freeBytes() <= s.totalBytes() && s.blockSize() > 0, s.toString());
  }

  @Test
  void aHeldLockIsSeenWithoutTakingIt() throws Exception {
    Path lock = dir.resolve("dupex.lock");
    org.junit.jupiter.api.Assertions.assertFalse(LockFile.isHeld(lock), "no file, no lock");
    try (LockFile held = LockFile.tryLock(lock).orElseThrow()) {
      org.junit.jupiter.api.Assertions.assertTrue(LockFile.isHeld(lock));
      org.junit.jupiter.api.Assertions.assertTrue(LockFile.tryLock(lock).isEmpty(), "and it is still held by its owner");
    }
    org.junit.jupiter.api.Assertions.assertFalse(LockFile.isHeld(lock));
  }
}
