package dupex.linux;

import jnr.ffi.Pointer;

/** struct file_dedupe_range and struct file_dedupe_range_info (include/uapi/linux/fs.h). */
final class FileDedupeRange {
  /** u64 src_offset (in); u64 src_length (in); u16 dest_count (in); u16 reserved1; u32 reserved2; info[]. */
  static final int HEADER_SIZE = 24;
  static final int SRC_OFFSET = 0, SRC_LENGTH = 8, DEST_COUNT = 16;
  /** s64 dest_fd (in); u64 dest_offset (in); u64 bytes_deduped (out); s32 status (out); u32 reserved. */
  static final int INFO_SIZE = 32;
  static final int DEST_FD = 0, DEST_OFFSET = 8, BYTES_DEDUPED = 16, STATUS = 24;
  static final int STATUS_SAME = 0, STATUS_DIFFERS = 1;
  /** The ioctl argument must fit in one page: 24 + 32 * n <= 4096 gives 127; keep headroom. */
  static final int MAX_DESTS_PER_CALL = 120;

  private FileDedupeRange() {}

  static Pointer allocate(int destCount) {
    return Native.allocate(HEADER_SIZE + INFO_SIZE * destCount);
  }

  static int info(int index) {
    return HEADER_SIZE + INFO_SIZE * index;
  }
}
