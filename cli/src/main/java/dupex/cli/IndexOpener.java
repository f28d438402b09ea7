package dupex.cli;

import dupex.index.BlockIndex;
import dupex.index.IndexException;
import dupex.index.IndexSettings;
import java.nio.file.Path;

/** Opens a filesystem's index for a command: with --wait, waits while another run holds it; says why it cannot. */
final class IndexOpener {
  private IndexOpener() {}

  static BlockIndex open(Path dir, IndexSettings settings, boolean wait, Console console, Session session) throws CliException {
    boolean said = false;
    while (true) {
      try {
        return BlockIndex.open(dir, settings);
      } catch (IndexException.Locked e) {
        if (!wait) throw Failures.of(e);
        if (!said) console.info("index " + dir + " is in use; waiting (--wait)");
        said = true;
        if (session.cancelled().getAsBoolean()) throw new CliException(ExitCode.INTERRUPTED, "interrupted while waiting for the index");
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          throw new CliException(ExitCode.INTERRUPTED, "interrupted while waiting for the index");
        }
      } catch (IndexException e) {
        throw Failures.of(e);
      } catch (LinkageError e) { // RocksDB's native library did not load
        throw new CliException(ExitCode.SOFTWARE, "cannot load RocksDB's native library from "
            + System.getProperty("java.io.tmpdir") + " (mounted noexec?); set DUPEX_TMPDIR to an executable directory: " + e.getMessage());
      }
    }
  }
}
