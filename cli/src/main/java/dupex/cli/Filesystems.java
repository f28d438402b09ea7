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
          FsStat fs = root.directory().fsStat();
          if (fs.isVirtual()) {
            closeQuietly(root);
            throw new CliException(ExitCode.NO_INPUT, path + " is on " + fs.typeName()
                + ", a virtual filesystem the kernel makes up: it holds no file data to share");
          }
          String key = keyOf(root);
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

  /**
   * Where a path argument that may no longer exist points: the real path of its longest existing prefix, followed
   * by the rest of it, and the index key of that prefix's filesystem.
   */
  record Located(BytePath path, String key) {}

  static Located locate(byte[] arg) throws CliException {
    if (arg.length == 0) throw new CliException(ExitCode.NO_INPUT, "'': No such file or directory");
    byte[] abs = arg;
    if (arg[0] != '/') {
      byte[] cwd = System.getProperty("user.dir").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      abs = new byte[cwd.length + 1 + arg.length];
      System.arraycopy(cwd, 0, abs, 0, cwd.length);
      abs[cwd.length] = '/';
      System.arraycopy(arg, 0, abs, cwd.length + 1, arg.length);
    }
    int len = abs.length;
    while (len > 1 && abs[len - 1] == '/') len--;
    java.util.ArrayDeque<byte[]> rest = new java.util.ArrayDeque<>();
    byte[] at = java.util.Arrays.copyOf(abs, len);
    while (true) {
      try {
        BytePath existing = Linux.realPath(at), real = existing;
        for (byte[] name : rest) {
          if (!BytePath.isName(name)) throw new CliException(ExitCode.USAGE, BytePath.show(arg) + ": give a plain path ('.' and '..' only where it exists)");
          real = real.resolve(name);
        }
        try (Root root = Root.open(existing)) {
          return new Located(real, keyOf(root));
        }
      } catch (NativeIOException e) {
        if (e.errno() != dupex.linux.Errno.ENOENT && e.errno() != dupex.linux.Errno.ENOTDIR) throw Failures.of(BytePath.show(arg), e);
        int slash = lastSlash(at);
        if (slash <= 0) throw new CliException(ExitCode.NO_INPUT, BytePath.show(arg) + ": No such file or directory", e);
        rest.push(java.util.Arrays.copyOfRange(at, slash + 1, at.length));
        at = java.util.Arrays.copyOf(at, slash);
      }
    }
  }

  private static int lastSlash(byte[] b) {
    for (int i = b.length - 1; i >= 0; i--) if (b[i] == '/') return i;
    return -1;
  }

  /** The index key of an opened root's filesystem: its UUID, else its device number. */
  private static String keyOf(Root root) throws NativeIOException {
    Optional<UUID> uuid = root.directory().fsUuid();
    return uuid.map(UUID::toString).orElse("dev-" + Long.toHexString(root.directory().stat().device()));
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
