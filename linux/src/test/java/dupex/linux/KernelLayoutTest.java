package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelLayoutTest {
  @Test
  void requestNumbersMatchTheUapiHeaders() {
    assertEquals(0xC0189436L, Ioctl.FIDEDUPERANGE);
    assertEquals(0xC020660BL, Ioctl.FS_IOC_FIEMAP);
    assertEquals(0x80111500L, Ioctl.FS_IOC_GETFSUUID);
    assertEquals(0x8400941FL, Ioctl.BTRFS_IOC_FS_INFO);
    assertEquals(0x80705864L, Ioctl.XFS_IOC_FSGEOMETRY_V1);
    assertEquals(0xC0709411L, BtrfsTree.TREE_SEARCH_V2);
    assertEquals(0xC038943BL, BtrfsTree.LOGICAL_INO_V2);
    assertEquals(0xD0009412L, BtrfsTree.INO_LOOKUP);
  }

  @Test
  void structSizesMatchTheUapiHeaders() {
    assertEquals(24, FileDedupeRange.HEADER_SIZE);
    assertEquals(32, FileDedupeRange.INFO_SIZE);
    assertEquals(32, Fiemap.HEADER_SIZE);
    assertEquals(56, Fiemap.EXTENT_SIZE);
    assertEquals(256, Statx.SIZE);
    assertEquals(104, BtrfsTree.SEARCH_KEY_SIZE);
    assertEquals(BtrfsTree.SEARCH_KEY_SIZE + 8, BtrfsTree.SEARCH_HEADER_SIZE, "key, then u64 buf_size");
    assertEquals(32, BtrfsTree.SH_SIZE);
    assertEquals(53, BtrfsTree.FE_SIZE, "struct btrfs_file_extent_item is packed");
    assertEquals(56, BtrfsTree.LI_ARGS_SIZE);
    assertEquals(16, BtrfsTree.INO_LOOKUP_NAME, "u64 treeid, u64 objectid, then the name");
    assertEquals(144, BtrfsTree.ROOT_BACKREF_KEY);
    assertEquals(18, BtrfsTree.RR_NAME, "struct btrfs_root_ref is packed: u64 dirid, u64 sequence, u16 name_len");
    assertTrue(FileDedupeRange.HEADER_SIZE + FileDedupeRange.INFO_SIZE * FileDedupeRange.MAX_DESTS_PER_CALL <= 4096,
        "the dedupe argument must fit in a page");
  }

  @Test
  void deviceNumbersEncodeLikeGlibcMakedev() {
    assertEquals(0x0803L, Statx.makedev(8, 3));
    assertEquals(0x100000000L * 0 + (259L << 8) + 1, Statx.makedev(259, 1));
  }

  @Test
  void errnoNamesAndMessages() {
    assertEquals("EOPNOTSUPP", Errno.name(95));
    assertEquals("errno 999", Errno.name(999));
    assertEquals("Invalid argument (EINVAL)", Errno.describe(Errno.EINVAL));
  }

  @Test
  void exceptionMessageNamesCallPathsAndErrno() {
    NativeIOException e = new NativeIOException("FIDEDUPERANGE", "/data/a.img", "/data/b.img", Errno.EOPNOTSUPP);
    assertEquals("/data/a.img -> /data/b.img: FIDEDUPERANGE: Operation not supported (EOPNOTSUPP)", e.getMessage());
    assertEquals("EOPNOTSUPP", e.errnoName());
  }
}
