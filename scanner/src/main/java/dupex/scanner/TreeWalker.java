package dupex.scanner;

import dupex.linux.FileHandle;
import dupex.linux.FileStat;
import dupex.linux.Linux;
import dupex.linux.NativeIOException;
import dupex.linux.Errno;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Walks roots to the regular files on each root's filesystem (btrfs subvolumes included), in sorted order, never following symlinks and never
 * opening anything: FIFOs, sockets and devices are seen by statx and skipped. A file with several hard links is
 * emitted once, with all its paths, when its last link is found (or at the end of the walk).
 */
public final class TreeWalker {
  private final ScanOptions options;
  private final ScanListener listener;
  private final ScanCounters counters;
  private final List<PathMatcher> nameExcludes = new ArrayList<>();
  private final List<PathMatcher> pathExcludes = new ArrayList<>();

  public TreeWalker(ScanOptions options, ScanListener listener, ScanCounters counters) {
    this.options = options;
    this.listener = listener;
    this.counters = counters;
    for (String glob : options.excludes()) {
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      (glob.contains("/") ? pathExcludes : nameExcludes).add(m);
    }
  }

  /**
   * Walks one root (a directory or a regular file). Files smaller than {@code minSize} bytes are skipped.
   *
   * @throws NativeIOException the root itself cannot be stat'ed
   */
  public void walk(Path root, long minSize, Consumer<FileEntry> sink) throws NativeIOException {
    FileStat rootStat = Linux.lstat(root);
    Map<FileId, Pending> links = new LinkedHashMap<>();
    if (rootStat.isDirectory()) {
      walkDirectory(root, root, rootStat.device(), minSize, links, sink);
    } else {
      visit(root, root, rootStat, rootStat.device(), minSize, links, sink);
    }
    for (Pending p : links.values()) sink.accept(p.entry());
  }

  private record Pending(FileStat stat, List<Path> paths) {
    FileEntry entry() {
      return new FileEntry(new FileId(stat.device(), stat.inode()), stat, paths);
    }
  }

  private void walkDirectory(Path root, Path dir, long device, long minSize, Map<FileId, Pending> links,
                             Consumer<FileEntry> sink) {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) children.add(p);
    } catch (AccessDeniedException e) {
      skip(dir, SkipReason.UNREADABLE, "directory: Permission denied (EACCES)");
      return;
    } catch (NoSuchFileException e) {
      skip(dir, SkipReason.VANISHED, "directory");
      return;
    } catch (IOException e) {
      skip(dir, SkipReason.UNREADABLE, "directory: " + e.getMessage());
      return;
    }
    Collections.sort(children);
    for (Path child : children) {
      FileStat st;
      try {
        st = Linux.lstat(child);
      } catch (NativeIOException e) {
        if (e.errno() == Errno.ENOENT) skip(child, SkipReason.VANISHED, "");
        else skip(child, SkipReason.UNREADABLE, e.getReason());
        continue;
      }
      if (excluded(root, child)) {
        skip(child, SkipReason.EXCLUDED, "");
        continue;
      }
      if (st.isDirectory()) {
        if (st.device() == device || sameFilesystem(dir, child)) walkDirectory(root, child, st.device(), minSize, links, sink);
        else skip(child, SkipReason.OTHER_FILESYSTEM, "mount point, not entered");
      } else {
        visit(root, child, st, device, minSize, links, sink);
      }
    }
  }

  private void visit(Path root, Path path, FileStat st, long device, long minSize, Map<FileId, Pending> links,
                     Consumer<FileEntry> sink) {
    if (st.isSymbolicLink()) {
      skip(path, SkipReason.SYMLINK, "");
      return;
    }
    if (!st.isRegularFile()) {
      skip(path, SkipReason.SPECIAL_FILE, st.typeName());
      return;
    }
    if (st.device() != device) {
      skip(path, SkipReason.OTHER_FILESYSTEM, "");
      return;
    }
    if (st.size() < Math.max(1, minSize)) {
      skip(path, SkipReason.TOO_SMALL, st.size() + " bytes");
      return;
    }
    counters.filesSeen.incrementAndGet();
    if (st.nlink() <= 1) {
      counters.bytesSeen.addAndGet(st.size());
      sink.accept(new FileEntry(new FileId(st.device(), st.inode()), st, List.of(path)));
      return;
    }
    FileId id = new FileId(st.device(), st.inode());
    Pending p = links.get(id);
    if (p == null) {
      counters.bytesSeen.addAndGet(st.size());
      p = new Pending(st, new ArrayList<>());
      links.put(id, p);
    } else {
      counters.filesSeen.decrementAndGet(); // one inode, counted once
    }
    p.paths().add(path);
    if (p.paths().size() >= st.nlink()) {
      links.remove(id);
      sink.accept(p.entry());
    }
  }

  /**
   * A directory on another device can still be the same filesystem: a btrfs subvolume or snapshot has a device
   * number of its own. Same filesystem UUID means same filesystem (and dedupe across it works).
   */
  private static boolean sameFilesystem(Path parent, Path child) {
    try (FileHandle p = FileHandle.openDirectory(parent); FileHandle c = FileHandle.openDirectory(child)) {
      Optional<UUID> a = p.fsUuid(), b = c.fsUuid();
      return a.isPresent() && a.equals(b) && p.fsStat().type() == c.fsStat().type();
    } catch (NativeIOException e) {
      return false;
    }
  }

  private boolean excluded(Path root, Path path) {
    Path name = path.getFileName();
    for (PathMatcher m : nameExcludes) if (name != null && m.matches(name)) return true;
    if (!pathExcludes.isEmpty()) {
      Path rel = root.relativize(path);
      for (PathMatcher m : pathExcludes) if (m.matches(rel) || m.matches(path)) return true;
    }
    return false;
  }

  private void skip(Path path, SkipReason reason, String detail) {
    counters.skip(reason);
    listener.skipped(path, reason, detail);
  }

}
