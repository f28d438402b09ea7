package dupex.linux;

import jnr.ffi.Platform;

/** open(2) flags whose values differ between architectures (asm-generic vs x86). */
final class OpenFlags {
  static final int O_RDONLY = 0, O_NONBLOCK = 04000, O_CLOEXEC = 02000000;
  static final int O_NOFOLLOW, O_DIRECTORY;

  static {
    Platform.CPU cpu = Platform.getNativePlatform().getCPU();
    boolean arm = cpu == Platform.CPU.AARCH64 || cpu == Platform.CPU.ARM;
    O_NOFOLLOW = arm ? 0100000 : 0400000;
    O_DIRECTORY = arm ? 040000 : 0200000;
  }

  private OpenFlags() {}
}
