package dupex.scanner;

import dupex.linux.FileHandle;
import dupex.linux.FileStat;
import dupex.linux.Linux;
import dupex.linux.NativeIOException;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Walks roots to the regular files on each root's filesystem (btrfs subvolumes included), in sorted order, never following symlinks and never
 * opening anything: FIFOs, sockets and devices are seen by statx and skipped. Large directories are stat'ed in
 * parallel; the order of what it emits does not depend on it. A file with several hard links is
 * emitted once, with all its paths, when its last link is found (or at the end of the walk).
 */
public final class TreeWalker implements AutoCloseable {
  /** Directories with fewer entries are stat'ed by the walking thread alone. */
  static final int PARALLEL_STAT_MIN = 64;
  private final ScanListener listener;
  private final ScanCounters counters;
  private final List<PathMatcher> nameExcludes = new ArrayList<>();
  private final List<PathMatcher> pathExcludes = new ArrayList<>();
  private final ExecutorService pool;
  private final int parallelism;

  /** A walker that stats large directories with {@code options.threads()} threads; close it when done. */
  public TreeWalker(ScanOptions options, ScanListener listener, ScanCounters counters) {
    this.parallelism = options.threads();
    this.pool = parallelism > 1 ? Executors.newFixedThreadPool(parallelism, r -> {
      Thread t = new Thread(r, "dupex-stat");
      t.setDaemon(true);
      return t;
    }) : null;
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
      skip(dir, new Skip(SkipReason.UNREADABLE, "directory: Permission denied (EACCES)"));
      return;
    } catch (NoSuchFileException e) {
      skip(dir, new Skip(SkipReason.VANISHED, "directory"));
      return;
    } catch (IOException e) {
      skip(dir, new Skip(SkipReason.UNREADABLE, "directory: " + e.getMessage()));
      return;
    }
    Collections.sort(children);
    children.removeIf(child -> {
      if (!excluded(root, child)) return false;
      skip(child, new Skip(SkipReason.EXCLUDED, ""));
      return true;
    });
    Lstat[] stats = stat(children);
    for (int i = 0; i < children.size(); i++) {
      Path child = children.get(i);
      if (stats[i].error() != null) {
        skip(child, Skip.of(stats[i].error()));
        continue;
      }
      FileStat st = stats[i].stat();
      if (st.isDirectory()) {
        if (st.device() == device || sameFilesystem(dir, child)) walkDirectory(root, child, st.device(), minSize, links, sink);
        else skip(child, new Skip(SkipReason.OTHER_FILESYSTEM, "mount point, not entered"));
      } else {
        visit(root, child, st, device, minSize, links, sink);
      }
    }
  }

  /** What lstat said of one directory entry: its stat, or why there is none. */
  private record Lstat(FileStat stat, NativeIOException error) {
    static Lstat of(Path p) {
      try {
        return new Lstat(Linux.lstat(p), null);
      } catch (NativeIOException e) {
        return new Lstat(null, e);
      }
    }
  }

  /**
   * statx of a directory's entries, in their order. A large directory is stat'ed by several threads, since on a
   * cold cache each stat waits for its inode to be read.
   */
  private Lstat[] stat(List<Path> paths) {
    Lstat[] out = new Lstat[paths.size()];
    if (pool == null || paths.size() < PARALLEL_STAT_MIN) {
      for (int i = 0; i < out.length; i++) out[i] = Lstat.of(paths.get(i));
      return out;
    }
    int chunk = Math.max(16, paths.size() / (parallelism * 4));
    List<Future<?>> parts = new ArrayList<>();
    for (int from = 0; from < out.length; from += chunk) {
      int lo = from, hi = Math.min(out.length, from + chunk);
      parts.add(pool.submit(() -> {
        for (int i = lo; i < hi; i++) out[i] = Lstat.of(paths.get(i));
      }));
    }
    for (Future<?> f : parts) {
      try {
        f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("stat worker failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted");
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (pool != null) pool.shutdownNow();
  }

  private void visit(Path root, Path path, FileStat st, long device, long minSize, Map<FileId, Pending> links,
                     Consumer<FileEntry> sink) {
    if (st.isSymbolicLink()) {
      skip(path, new Skip(SkipReason.SYMLINK, ""));
      return;
    }
    if (!st.isRegularFile()) {
      skip(path, new Skip(SkipReason.SPECIAL_FILE, st.typeName()));
      return;
    }
    if (st.device() != device) {
      skip(path, new Skip(SkipReason.OTHER_FILESYSTEM, ""));
      return;
    }
    if (st.size() < Math.max(1, minSize)) {
      skip(path, new Skip(SkipReason.TOO_SMALL, st.size() + " bytes"));
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

  private void skip(Path path, Skip skip) {
    counters.skip(skip.reason());
    listener.skipped(path, skip.reason(), skip.detail());
  }

}
