package dupex.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes a file whole or not at all: a temporary file in its directory, renamed over it; a reader sees one or the other. */
final class AtomicFile {
  private AtomicFile() {}

  /** Writes {@code text} to {@code file} with {@code permissions} ("rw-r--r--"); {@code what} names it in the error. */
  static void write(Path file, String text, String permissions, String what) throws CliException {
    Path target = file.toAbsolutePath();
    try {
      Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
      try {
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(permissions));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new CliException(ExitCode.IO_ERROR, "cannot write " + what + " " + file + ": " + e.getMessage(), e);
    }
  }
}
