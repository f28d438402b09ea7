package dupex.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Where indexes live: {@code --index DIR} if given, else /var/lib/dupex for root, else $XDG_STATE_HOME/dupex or
 * ~/.local/state/dupex; one database per filesystem below it, named by the filesystem's UUID.
 */
final class IndexLocation {
  private IndexLocation() {}

  static Path root(Path option, Map<String, String> env) {
    if (option != null) return option.toAbsolutePath().normalize();
    if (isRoot()) return Paths.get("/var/lib/dupex");
    String state = env.get("XDG_STATE_HOME");
    if (state != null && !state.isBlank() && Paths.get(state).isAbsolute()) return Paths.get(state, "dupex");
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return Paths.get(home, ".local", "state", "dupex");
  }

  static Path forFilesystem(Path root, String filesystemKey) {
    return root.resolve(filesystemKey);
  }

  /** The effective uid is the owner of /proc/self. */
  static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Paths.get("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
