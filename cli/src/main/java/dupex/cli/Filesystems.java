package dupex.cli;

import dupex.linux.FileHandle;
import dupex.linux.FileStat;
import dupex.linux.FsStat;
import dupex.linux.Linux;
import dupex.linux.NativeIOException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Checks the PATH arguments and groups them by filesystem: each filesystem is scanned with its own index. */
final class Filesystems {
  /** One filesystem's roots: its key (UUID, or device number where none is reported), statfs, and the roots. */
  record Group(String key, FsStat fsStat, List<Path> roots) {}

  private Filesystems() {}

  static List<Group> group(List<Path> paths) throws CliException {
    Map<String, Group> groups = new LinkedHashMap<>();
    java.util.Set<Path> resolved = new java.util.LinkedHashSet<>();
    for (Path p : paths) resolved.add(resolve(p));
    for (Path root : resolved) {
      if (resolved.stream().anyMatch(o -> !o.equals(root) && root.startsWith(o))) continue; // inside another root
      try {
        FileStat st = Linux.lstat(root);
        Optional<UUID> uuid;
        FsStat fs;
        try (FileHandle h = st.isDirectory() ? FileHandle.openDirectory(root) : FileHandle.open(root)) {
          uuid = h.fsUuid();
          fs = h.fsStat();
        }
        String key = uuid.map(UUID::toString).orElse("dev-" + Long.toHexString(st.device()));
        groups.computeIfAbsent(key, k -> new Group(k, fs, new ArrayList<>())).roots().add(root);
      } catch (NativeIOException e) {
        throw Failures.of(root, e);
      }
    }
    return List.copyOf(groups.values());
  }

  /** An absolute, real path (a symlink given as an argument is the user's choice, so it is resolved). */
  private static Path resolve(Path p) throws CliException {
    try {
      Path real = p.toAbsolutePath().toRealPath();
      FileStat st = Linux.lstat(real);
      if (!st.isDirectory() && !st.isRegularFile()) {
        throw new CliException(ExitCode.NO_INPUT, p + ": not a directory or regular file (" + st.typeName() + ")");
      }
      return real;
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CliException(ExitCode.NO_INPUT, p + ": No such file or directory");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new CliException(ExitCode.NO_PERMISSION, p + ": Permission denied");
    } catch (NativeIOException e) {
      throw Failures.of(p, e);
    } catch (IOException e) {
      throw new CliException(ExitCode.NO_INPUT, p + ": " + e.getMessage());
    }
  }
}
