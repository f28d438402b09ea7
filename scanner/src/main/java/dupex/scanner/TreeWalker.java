package dupex.scanner;

import dupex.linux.BytePath;
import dupex.linux.Directory;
import dupex.linux.FileStat;
import dupex.linux.NativeIOException;
import dupex.linux.Root;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Walks roots to the regular files on each root's filesystem (btrfs subvolumes included), in byte order of names,
 * by directory descriptors: each directory is listed by bytes and its entries stat'ed and opened relative to it
 * ({@link Directory}), so any name the kernel accepts is found whatever the locale, and a directory swapped for a
 * symlink mid-walk is not entered. Never opens a file: FIFOs, sockets and devices are seen by their type and
 * skipped. Large directories are stat'ed in parallel; the order of what it emits does not depend on it. A file
 * with several hard links is emitted once, with all its paths, when its last link is found (or at the end).
 */
public final class TreeWalker implements AutoCloseable {
  /** Directories with fewer entries are stat'ed by the walking thread alone. */
  static final int PARALLEL_STAT_MIN = 64;
  private final ScanListener listener;
  private final ScanCounters counters;
  private final List<Glob> nameExcludes = new ArrayList<>();
  private final List<Glob> pathExcludes = new ArrayList<>();
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
    for (String glob : options.excludes()) (glob.contains("/") ? pathExcludes : nameExcludes).add(Glob.compile(glob));
  }

  /**
   * Walks one root (a directory or a regular file). Files smaller than {@code minSize} bytes are skipped.
   *
   * @throws NativeIOException the root itself cannot be stat'ed
   */
  public void walk(Root root, long minSize, Consumer<FileEntry> sink) throws NativeIOException {
    Map<FileId, Pending> links = new LinkedHashMap<>();
    Directory top = root.directory();
    if (root.isFile()) {
      FileStat st = top.stat(root.path().fileName());
      if (top.fsStat().isBtrfs() && st.device() == top.stat().device()) noteSubvolume(top, st.device());
      visit(root.path(), st, st.device(), minSize, links, sink);
    } else {
      long device = top.stat().device();
      if (top.fsStat().isBtrfs()) noteSubvolume(top, device);
      walkDirectory(root, top, device, minSize, links, sink);
    }
    for (Pending p : links.values()) sink.accept(p.entry());
  }

  private record Pending(FileStat stat, List<BytePath> paths) {
    FileEntry entry() {
      return new FileEntry(new FileId(stat.device(), stat.inode()), stat, paths);
    }
  }

  private void walkDirectory(Root root, Directory dir, long device, long minSize, Map<FileId, Pending> links,
                             Consumer<FileEntry> sink) {
    List<Directory.Entry> entries;
    try {
      entries = new ArrayList<>(dir.entries());
    } catch (NativeIOException e) {
      skip(dir.path(), new Skip(SkipReason.UNREADABLE, "directory: " + e.getReason()));
      return;
    }
    entries.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
    entries.removeIf(e -> {
      if (!excluded(root, dir.path(), e.name())) return false;
      skip(dir.path().resolve(e.name()), new Skip(SkipReason.EXCLUDED, ""));
      return true;
    });
    Lstat[] stats = stat(dir, entries);
    for (int i = 0; i < entries.size(); i++) {
      BytePath child = dir.path().resolve(entries.get(i).name());
      if (stats[i].error() != null) {
        skip(child, Skip.of(stats[i].error()));
        continue;
      }
      FileStat st = stats[i].stat();
      if (st.isDirectory()) {
        enter(root, dir, entries.get(i).name(), st, device, minSize, links, sink);
      } else {
        visit(child, st, device, minSize, links, sink);
      }
    }
  }

  /** Opens a subdirectory through its parent (never following a symlink) and walks it if it is on this filesystem. */
  private void enter(Root root, Directory parent, byte[] name, FileStat st, long device, long minSize,
                     Map<FileId, Pending> links, Consumer<FileEntry> sink) {
    BytePath path = parent.path().resolve(name);
    try (Directory child = parent.openDirectory(name)) {
      FileStat now = child.stat();
      if (now.device() != st.device() || now.inode() != st.inode()) {
        skip(path, new Skip(SkipReason.VANISHED, "replaced by another directory during the walk"));
        return;
      }
      if (st.device() != device && !sameFilesystem(parent, child)) {
        skip(path, new Skip(SkipReason.OTHER_FILESYSTEM, "mount point, not entered"));
        return;
      }
      if (st.device() != device) noteSubvolume(child, st.device()); // a btrfs subvolume or snapshot
      walkDirectory(root, child, st.device(), minSize, links, sink);
    } catch (NativeIOException e) {
      skip(path, e.errno() == dupex.linux.Errno.EACCES ? new Skip(SkipReason.UNREADABLE, "directory: " + e.getReason()) : Skip.of(e));
    }
  }

  private void noteSubvolume(Directory dir, long device) {
    try {
      counters.subvolumes.add(dir.btrfsSubvolume(), device);
    } catch (NativeIOException e) {
      // not btrfs after all; its files simply cannot be named from an extent's references
    }
  }

  /** What lstat said of one directory entry: its stat, or why there is none. */
  private record Lstat(FileStat stat, NativeIOException error) {
    static Lstat of(Directory dir, byte[] name) {
      try {
        return new Lstat(dir.stat(name), null);
      } catch (NativeIOException e) {
        return new Lstat(null, e);
      }
    }
  }

  /**
   * statx of a directory's entries, in their order. A large directory is stat'ed by several threads, since on a
   * cold cache each stat waits for its inode to be read.
   */
  private Lstat[] stat(Directory dir, List<Directory.Entry> entries) {
    Lstat[] out = new Lstat[entries.size()];
    if (pool == null || entries.size() < PARALLEL_STAT_MIN) {
      for (int i = 0; i < out.length; i++) out[i] = Lstat.of(dir, entries.get(i).name());
      return out;
    }
    int chunk = Math.max(16, entries.size() / (parallelism * 4));
    List<Future<?>> parts = new ArrayList<>();
    for (int from = 0; from < out.length; from += chunk) {
      int lo = from, hi = Math.min(out.length, from + chunk);
      parts.add(pool.submit(() -> {
        for (int i = lo; i < hi; i++) out[i] = Lstat.of(dir, entries.get(i).name());
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

  private void visit(BytePath path, FileStat st, long device, long minSize, Map<FileId, Pending> links,
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
  private static boolean sameFilesystem(Directory parent, Directory child) {
    try {
      Optional<UUID> a = parent.fsUuid(), b = child.fsUuid();
      return a.isPresent() && a.equals(b) && parent.fsStat().type() == child.fsStat().type();
    } catch (NativeIOException e) {
      return false;
    }
  }

  /** Matches --exclude globs: without a '/', against the name; with one, against the path below the root or the whole path. */
  private boolean excluded(Root root, BytePath dir, byte[] name) {
    if (!nameExcludes.isEmpty()) {
      String text = new String(name, StandardCharsets.UTF_8);
      for (Glob g : nameExcludes) {
        if (g.matches(text)) return matched(g);
      }
    }
    if (!pathExcludes.isEmpty()) {
      BytePath path = dir.resolve(name);
      String abs = new String(path.bytes(), StandardCharsets.UTF_8);
      String rel = new String(path.relativeTo(root.path()), StandardCharsets.UTF_8);
      for (Glob g : pathExcludes) {
        if (g.matches(rel) || g.matches(abs)) return matched(g);
      }
    }
    return false;
  }

  private boolean matched(Glob g) {
    counters.excludesMatched.add(g.source());
    return true;
  }

  private void skip(BytePath path, Skip skip) {
    counters.skip(skip.reason());
    listener.skipped(path, skip.reason(), skip.detail());
  }
}
