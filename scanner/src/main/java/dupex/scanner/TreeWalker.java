package dupex.scanner;

import dupex.linux.BytePath;
import dupex.linux.Directory;
import dupex.linux.FileStat;
import dupex.linux.NativeIOException;
import dupex.linux.Root;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Walks roots to the regular files on each root's filesystem (btrfs subvolumes included), in byte order of names,
 * by directory descriptors: each directory is listed by bytes and its entries stat'ed and opened relative to it
 * ({@link Directory}), so any name the kernel accepts is found whatever the locale, and a directory swapped for a
 * symlink mid-walk is not entered. Never opens a file: FIFOs, sockets and devices are seen by their type and
 * skipped. Directories are read ahead of the walk by several threads ({@link ReadAhead}); the order of what it emits
 * does not depend on it. A file
 * with several hard links is emitted once, with all its paths, when its last link is found (or at the end).
 */
public final class TreeWalker {
  private final ScanListener listener;
  private final ScanCounters counters;
  private final List<Glob> nameExcludes = new ArrayList<>();
  private final List<Glob> pathExcludes = new ArrayList<>();
  private final int parallelism;

  /** A walker that reads directories ahead of itself with {@code options.threads()} threads. */
  public TreeWalker(ScanOptions options, ScanListener listener, ScanCounters counters) {
    this.parallelism = options.threads();
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
      try (ReadAhead ahead = new ReadAhead(parallelism, (dir, name) -> excluded(root, dir.path(), name))) {
        ReadAhead.Listing listing = ahead.take(ahead.adopt(top, device, new int[0], false));
        walkDirectory(root, ahead, listing, device, minSize, links, sink);
        ahead.release(listing);
      }
    }
    for (Pending p : links.values()) sink.accept(p.entry());
  }

  private record Pending(FileStat stat, List<BytePath> paths) {
    FileEntry entry() {
      return new FileEntry(new FileId(stat.device(), stat.inode()), stat, paths);
    }
  }

  /** Walks a listing the read-ahead made: reports what it skipped, emits its files and enters its subdirectories. */
  private void walkDirectory(Root root, ReadAhead ahead, ReadAhead.Listing listing, long device, long minSize,
                             Map<FileId, Pending> links, Consumer<FileEntry> sink) {
    Directory dir = listing.dir;
    if (listing.listError != null) {
      skip(dir.path(), new Skip(SkipReason.UNREADABLE, "directory: " + listing.listError.getReason()));
      return;
    }
    for (int i = 0; i < listing.excluded.size(); i++) skip(dir.path().resolve(listing.excluded.get(i)), new Skip(SkipReason.EXCLUDED, ""));
    for (int i = 0; i < listing.names.size(); i++) {
      byte[] name = listing.names.get(i);
      BytePath child = dir.path().resolve(name);
      ReadAhead.Lstat stat = ahead.stat(listing, i);
      if (stat.error() != null) {
        skip(child, Skip.of(stat.error()));
        continue;
      }
      FileStat st = stat.stat();
      if (st.isDirectory()) {
        enter(root, ahead, listing, i, name, child, st, device, minSize, links, sink);
      } else {
        visit(child, st, device, minSize, links, sink);
      }
    }
  }

  /**
   * Enters the subdirectory at entry {@code i} of {@code parent} ({@code name}, at {@code path}) if it is still the
   * directory the parent's stat saw and on this filesystem: on the same device it was opened (never following a
   * symlink) and read ahead; on another (a mount point, or a btrfs subvolume) it is opened here and read only if
   * the filesystem is the same.
   * Its descriptor is closed when the walk below it is done, or by the read-ahead if the walk fails.
   */
  private void enter(Root root, ReadAhead ahead, ReadAhead.Listing parent, int i, byte[] name, BytePath path, FileStat st,
                     long device, long minSize, Map<FileId, Pending> links, Consumer<FileEntry> sink) {
    ReadAhead.Listing child = parent.child(i);
    Skip skip = null;
    try {
      if (st.device() != device) {
        Directory opened = parent.dir.openDirectory(name);
        child = ahead.adopt(opened, st.device(), parent.childKey(i), true);
        skip = crossing(parent.dir, opened, st);
      }
      if (skip == null) {
        ahead.take(child);
        if (child.openError != null) throw child.openError;
        if (child.replaced) skip = REPLACED;
      }
    } catch (NativeIOException e) {
      skip = e.errno() == dupex.linux.Errno.EACCES ? new Skip(SkipReason.UNREADABLE, "directory: " + e.getReason()) : Skip.of(e);
    }
    if (skip != null) {
      skip(path, skip);
    } else {
      walkDirectory(root, ahead, child, st.device(), minSize, links, sink);
    }
    // not in a finally: if the walk below failed, threads may still be opening directories below this one
    if (child != null) ahead.release(child);
  }

  private static final Skip REPLACED = new Skip(SkipReason.VANISHED, "replaced by another directory during the walk");

  /** Why a directory on another device than its parent's is not entered, or null: it is a btrfs subvolume (noted). */
  private Skip crossing(Directory parent, Directory child, FileStat st) throws NativeIOException {
    FileStat now = child.stat();
    if (now.device() != st.device() || now.inode() != st.inode()) return REPLACED;
    if (!sameFilesystem(parent, child)) return new Skip(SkipReason.OTHER_FILESYSTEM, "mount point, not entered");
    noteSubvolume(child, st.device()); // a btrfs subvolume or snapshot
    return null;
  }

  private void noteSubvolume(Directory dir, long device) {
    try {
      counters.subvolumes.add(dir.btrfsSubvolume(), device);
    } catch (NativeIOException e) {
      // not btrfs after all; its files simply cannot be named from an extent's references
    }
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
