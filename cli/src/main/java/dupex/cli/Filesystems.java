package dupex.cli;

import dupex.linux.BytePath;
import dupex.linux.FsStat;
import dupex.linux.Linux;
import dupex.linux.NativeIOException;
import dupex.linux.Root;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Checks the PATH arguments, opens them as roots and groups them by filesystem: each filesystem has its own index. */
final class Filesystems {
  /**
   * One filesystem's roots (open: close the group): its key (UUID, or device number where none is reported), statfs,
   * and whether it can share blocks (btrfs, XFS with reflink).
   */
  record Group(String key, FsStat fsStat, boolean canDedupe, List<Root> roots) implements AutoCloseable {
    List<BytePath> paths() {
      return roots.stream().map(Root::path).toList();
    }

    @Override
    public void close() {
      for (Root r : roots) {
        try {
          r.close();
        } catch (NativeIOException e) {
          // a directory opened read-only: nothing to lose
        }
      }
    }
  }

  private Filesystems() {}

  /** Opens the arguments' roots grouped by filesystem; on failure nothing stays open. */
  static List<Group> group(List<String> args, Arguments arguments) throws CliException {
    Set<BytePath> resolved = new LinkedHashSet<>();
    for (String a : args) resolved.add(resolve(a, arguments.bytes(a)));
    Map<String, Group> groups = new LinkedHashMap<>();
    try {
      for (BytePath path : resolved) {
        if (resolved.stream().anyMatch(o -> !o.equals(path) && path.startsWith(o))) continue; // inside another root
        Root root;
        try {
          root = Root.open(path);
        } catch (NativeIOException e) {
          throw Failures.of(path, e);
        }
        try {
          Optional<UUID> uuid = root.directory().fsUuid();
          FsStat fs = root.directory().fsStat();
          if (fs.isVirtual()) {
            closeQuietly(root);
            throw new CliException(ExitCode.NO_INPUT, path + " is on " + fs.typeName()
                + ", a virtual filesystem the kernel makes up: it holds no file data to share");
          }
          String key = uuid.map(UUID::toString).orElse("dev-" + Long.toHexString(root.directory().stat().device()));
          boolean canDedupe = root.directory().canDedupe();
          groups.computeIfAbsent(key, k -> new Group(k, fs, canDedupe, new ArrayList<>())).roots().add(root);
        } catch (NativeIOException e) {
          closeQuietly(root);
          throw Failures.of(path, e);
        }
      }
    } catch (CliException e) {
      groups.values().forEach(Group::close);
      throw e;
    }
    return List.copyOf(groups.values());
  }

  /** The index key of the filesystem holding a path (tests). */
  static String keyOf(java.nio.file.Path p) throws CliException {
    List<Group> groups = group(List.of(p.toString()), Arguments.NONE);
    groups.forEach(Group::close);
    return groups.get(0).key();
  }

  private static void closeQuietly(Root r) {
    try {
      r.close();
    } catch (NativeIOException e) {
      // read-only
    }
  }

  /** The real path of an argument (a symlink given as an argument is the user's choice, so it is resolved). */
  private static BytePath resolve(String arg, byte[] bytes) throws CliException {
    String shown = BytePath.show(bytes);
    if (bytes.length == 0) throw new CliException(ExitCode.NO_INPUT, "'': No such file or directory");
    try {
      BytePath real = Linux.realPath(bytes);
      var st = Linux.lstat(real);
      if (!st.isDirectory() && !st.isRegularFile()) {
        throw new CliException(ExitCode.NO_INPUT, shown + ": not a directory or regular file (" + st.typeName() + ")");
      }
      return real;
    } catch (NativeIOException e) {
      if (e.errno() == dupex.linux.Errno.ENOENT) throw new CliException(ExitCode.NO_INPUT, shown + ": No such file or directory", e);
      if (e.errno() == dupex.linux.Errno.EACCES) throw new CliException(ExitCode.NO_PERMISSION, shown + ": Permission denied", e);
      throw Failures.of(shown, e);
    }
  }
}
