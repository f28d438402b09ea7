package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Filesystems that cannot share blocks give a typed error or outcome, never a stack trace. */
@Tag("fs")
class UnsupportedFsIT {
  static final int MiB = 1 << 20;

  @Test
  void ext4RefusesWithATypedError() throws Exception {
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.EXT4, "UnsupportedFsIT-ext4")) {
      Path a = Fixtures.writeRandom(fs.root().resolve("a"), 1, MiB), b = Fixtures.writeRandom(fs.root().resolve("b"), 1, MiB);
      assertFalse(Linux.statfs(fs.root()).mayDedupe());
      try (Directory d = Directory.open(Fixtures.bytes(fs.root()))) {
        assertFalse(d.canDedupe());
      }
      assertEquals("ext2/3/4", Linux.statfs(fs.root()).typeName());
      try (FileHandle s = FileHandle.open(a); FileHandle d = FileHandle.open(b)) {
        DedupeNotSupportedException e = assertThrows(DedupeNotSupportedException.class,
            () -> s.dedupe(0, MiB, List.of(new DedupeTarget(d, 0)), MiB));
        assertTrue(e.getMessage().contains("this filesystem cannot dedupe"), e.getMessage());
      }
      // FIEMAP still works there, so a dry run can report on ext4.
      assertFalse(Fixtures.extents(a).isEmpty());
    }
  }

  @Test
  void xfsWithoutReflinkRefusesEachDestination() throws Exception {
    try (LoopFs fs = LoopFs.create(LoopFs.Kind.XFS_NOREFLINK, "UnsupportedFsIT-xfs-noreflink")) {
      try (Directory d = Directory.open(Fixtures.bytes(fs.root()))) {
        assertFalse(d.canDedupe(), "XFS_IOC_FSGEOMETRY says reflink=0");
      }
      Path a = Fixtures.writeRandom(fs.root().resolve("a"), 1, MiB), b = Fixtures.writeRandom(fs.root().resolve("b"), 1, MiB);
      try (FileHandle s = FileHandle.open(a); FileHandle d = FileHandle.open(b)) {
        DedupeOutcome out = s.dedupe(0, MiB, List.of(new DedupeTarget(d, 0)), MiB).get(0);
        assertInstanceOf(DedupeOutcome.Failed.class, out);
        assertEquals(Errno.EOPNOTSUPP, ((DedupeOutcome.Failed) out).errno());
      } catch (DedupeNotSupportedException e) {
        // Either form is a clear "cannot dedupe"; which one depends on the kernel version.
      }
    }
  }
}
