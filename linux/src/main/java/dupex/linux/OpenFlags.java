package dupex.linux;

import jnr.ffi.Platform;

/** open(2) flags whose values differ between architectures (asm-generic vs x86). */
final class OpenFlags {
  static final int O_RDONLY = 0, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
  static final int O_RDWR = 2, O_CREAT = 0100, O_PATH = 010000000;
  static final int O_NOFOLLOW, O_DIRECTORY;
  /** O_TMPFILE is __O_TMPFILE | O_DIRECTORY; __O_TMPFILE is 020000000 on both. */
  static final int O_TMPFILE;

  static {
    Platform.CPU cpu = Platform.getNativePlatform().getCPU();
    boolean arm = cpu == Platform.CPU.AARCH64 || cpu == Platform.CPU.ARM;
    O_NOFOLLOW = arm ? 0100000 : 0400000;
    O_DIRECTORY = arm ? 040000 : 0200000;
    O_TMPFILE = 020000000 | O_DIRECTORY;
  }

  private OpenFlags() {}
}
