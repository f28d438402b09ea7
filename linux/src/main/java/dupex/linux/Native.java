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

  static int errno() {
    return LastError.getLastError(RUNTIME);
  }
}
