package dupex.cli;

import dupex.index.BlockIndex;
import dupex.linux.Linux;

/**
 * Prepares what a command will need, on a thread of its own, while the main thread parses the command line and
 * runs: libc's bindings (JNR-FFI generates them, 130-190 ms on the project's test machine), RocksDB's library
 * (about 25 ms) and the JSON mapper with its serializers for the summary that every run stores (about 100 ms),
 * against about 100 ms of parsing that needs none of them. Each is made once, by whichever thread asks first, the
 * other waiting for it. A library that failed to load here fails again where the command first uses it, where
 * Java 17 says only "Could not initialize class"; {@link #failure} keeps what happened here for the error message.
 */
final class WarmUp {
  private static volatile Throwable failure;

  private WarmUp() {}

  /** Starts preparing; the thread is returned for tests. */
  static Thread start() {
    Thread t = new Thread(() -> {
      try {
        Linux.load();
        BlockIndex.load();
        Json.MAPPER.canSerialize(WorkCommand.Summary.class);
        Json.MAPPER.canSerialize(FsRun.class);
      } catch (Throwable e) { // reported by the command that needs what failed
        failure = e;
      }
    }, "dupex-load");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** What loading failed with on the warm-up thread, or null. */
  static Throwable failure() {
    return failure;
  }
}
