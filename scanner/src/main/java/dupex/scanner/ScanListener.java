package dupex.scanner;

import dupex.linux.BytePath;

/** Hears what the scan skipped; the CLI prints it (failures always, the rest with -v). */
public interface ScanListener {
  ScanListener NONE = (path, reason, detail) -> {};

  void skipped(BytePath path, SkipReason reason, String detail);
}
