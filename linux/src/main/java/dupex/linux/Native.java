package dupex.linux;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/** The loaded libc, its runtime, and helpers for zeroed argument memory and errno. */
final class Native {
  static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  private Native() {}

  /** Zeroed direct memory: reserved fields of kernel structs must be 0. */
  static Pointer allocate(int size) {
    return Memory.allocateDirect(RUNTIME, size, true);
  }

  /**
   * A buffer of one size reused by each thread, for ioctls made once per file or extent: allocating (and zeroing)
   * fresh direct memory for each call costs more than the call, and is returned only when the heap is collected.
   */
  static final class Reusable {
    private final int size;
    private final ThreadLocal<Pointer> local;

    Reusable(int size) {
      this.size = size;
      this.local = ThreadLocal.withInitial(() -> allocate(size));
    }

    /** The thread's buffer, its first {@code zeroed} bytes set to 0 (the rest is what the last call left). */
    Pointer get(int zeroed) {
      Pointer p = local.get();
      p.setMemory(0, Math.min(zeroed, size), (byte) 0);
      return p;
    }
  }

  static int errno() {
    return LastError.getLastError(RUNTIME);
  }
}
