package dupex.scanner;

import java.nio.file.Path;

/** Hears what the scan skipped; the CLI prints it (failures always, the rest with -v). */
public interface ScanListener {
  ScanListener NONE = (path, reason, detail) -> {};

  void skipped(Path path, SkipReason reason, String detail);
}
