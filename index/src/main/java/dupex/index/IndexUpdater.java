package dupex.index;

import dupex.linux.Expected;
import dupex.linux.FileStat;
import dupex.linux.Extent;
import dupex.linux.FileHandle;
import dupex.linux.NativeIOException;
import dupex.linux.Reopened;
import dupex.linux.Root;
import dupex.scanner.BlockHasher;
import dupex.scanner.FileEntry;
import dupex.scanner.FileScan;
import dupex.scanner.PhysicalHashCache;
import dupex.scanner.ScanCounters;
import dupex.scanner.ScanListener;
import dupex.scanner.ScanOptions;
import dupex.scanner.ScanTotals;
import dupex.scanner.Skip;
import dupex.scanner.SkipReason;
import dupex.scanner.TreeWalker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Brings the index up to date with a set of roots: walks them, keeps the hashes of files whose inode, size, mtime
 * and ctime are unchanged (without opening them: the walk's statx is all they cost), hashes the rest on a pool of
 * readers, and forgets files that are gone. Files with shared extents not yet known by physical address are hashed
 * last, after the extent maps of the unchanged files were read to learn the physical addresses they hold, so
 * reflinked copies and snapshot members usually cost a FIEMAP call instead of a read.
 */
public final class IndexUpdater {
  /** 1 Mi physical addresses (32 MiB) cover 128 GiB of shared data at the default block size. */
  static final int CACHE_ENTRIES = 1 << 20;

  private final BlockIndex index;
  private final ScanOptions options;
  private final ScanListener listener;
  private final ScanCounters counters;
  private final PhysicalHashCache cache = new PhysicalHashCache(CACHE_ENTRIES);
  /** One hasher (and its 8 MiB read buffer) per reader, shared by every pass: direct memory stays threads x 8 MiB. */
  private final java.util.concurrent.BlockingQueue<BlockHasher> hashers;
  private final AtomicReference<IndexException> failure = new AtomicReference<>();
  private final List<Pending> deferred = Collections.synchronizedList(new ArrayList<>());

  private record Pending(FileEntry entry, FileRecord old) {}

  /** The roots of the scan in progress: files are opened only below them. */
  private List<Root> roots = List.of();

  /** Hears each file as soon as its hashes are in the index, on the reader's thread: it must not wait. */
  public interface HashedListener {
    HashedListener NONE = (rec, scan) -> {};

    void hashed(FileRecord rec, FileScan scan);
  }

  private HashedListener hashed = HashedListener.NONE;

  /** Tells {@code listener} of each file hashed from now on. */
  public IndexUpdater onHashed(HashedListener listener) {
    this.hashed = listener;
    return this;
  }

  public IndexUpdater(BlockIndex index, ScanOptions options, ScanListener listener, ScanCounters counters) {
    if (options.blockSize() != index.settings().blockSize()) throw new IllegalArgumentException("block size differs from the index's");
    this.index = index;
    this.options = options;
    this.listener = listener;
    this.counters = counters;
    this.hashers = new ArrayBlockingQueue<>(options.threads() + 1);
    for (int i = 0; i <= options.threads(); i++) hashers.add(new BlockHasher(options.blockSize(), cache, counters));
  }

  /**
   * Scans the roots (absolute, normalized, on this index's filesystem) into the index.
   *
   * @return what the scan did; not {@code complete} when cancelled
   * @throws NativeIOException a root cannot be stat'ed
   */
  public ScanTotals scan(List<Root> roots, BooleanSupplier cancelled) throws IndexException, NativeIOException {
    this.roots = List.copyOf(roots);
    long start = System.nanoTime();
    long epoch = index.beginRun();
    boolean complete = true;
    ThreadPoolExecutor pool = newPool();
    TreeWalker walker = new TreeWalker(options, listener, counters);
    try {
      for (Root root : roots) {
        long minSize = options.minSize() > 0 ? options.minSize() : root.directory().fsStat().blockSize();
        walker.walk(root, minSize, entry -> {
          if (cancelled.getAsBoolean() || failure.get() != null) throw new CancellationException();
          visit(entry, epoch, pool);
        });
        handOver(epoch, pool);
      }
    } catch (CancellationException e) {
      complete = false;
    } finally {
      BoundedPool.drain(pool);
    }
    // Files whose shared extents were not known by physical address when first met (new reflinked copies, a new
    // snapshot): the unchanged files' blocks may be where they point, so read those files' extent maps first.
    if (complete && !deferred.isEmpty() && failure.get() == null) {
      ThreadPoolExecutor layouts = newPool();
      try {
        index.forEachUnchanged(rec -> {
          if (cancelled.getAsBoolean() || failure.get() != null) throw new CancellationException();
          layouts.execute(() -> refresh(rec, epoch));
        });
      } catch (CancellationException e) {
        complete = false;
      } finally {
        BoundedPool.drain(layouts);
      }
    }
    // Then those files. A file whose unknown extents another reader has claimed waits for the last pass, which
    // finds them known.
    for (Pass pass : new Pass[] {Pass.CLAIM, Pass.LAST}) {
      List<Pending> files = new ArrayList<>(deferred);
      deferred.clear();
      ThreadPoolExecutor pool2 = pass == Pass.LAST ? newPool(1) : newPool();
      try {
        for (Pending p : files) {
          if (cancelled.getAsBoolean() || failure.get() != null) {
            complete = false;
            break;
          }
          pool2.execute(() -> hashFile(p, epoch, pass));
        }
      } finally {
        BoundedPool.drain(pool2);
      }
    }
    if (failure.get() != null) throw failure.get();
    if (complete) counters.filesRemoved.addAndGet(index.removeUnseen(epoch, roots));
    return counters.totals(complete, start);
  }

  /** When a file with shared extents of unknown content is hashed. */
  private enum Pass {
    /** The walk: defer it. */
    WALK,
    /** After the walk: hash it unless another reader claimed one of its extents; then defer it again. */
    CLAIM,
    /** Last, one at a time: hash it (most of its blocks are known by now). */
    LAST
  }

  private final java.util.Set<Long> claimed = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A bounded queue and caller-runs: the walk never runs far ahead of the readers. */
  private ThreadPoolExecutor newPool() {
    return newPool(options.threads());
  }

  private ThreadPoolExecutor newPool(int threads) {
    return BoundedPool.of(threads, threads * 4);
  }

  /** Files smaller than this go to the readers in batches: handing each over alone cost more than looking it up. */
  static final long BATCHED_BELOW = 1 << 20;
  static final int BATCH = 64;
  /** The walking thread's batch of small files not yet handed over. */
  private List<FileEntry> batch = new ArrayList<>(BATCH);

  /** The walk only lists and stats; looking the file up in the index, and reading it if needed, is the readers' work. */
  private void visit(FileEntry entry, long epoch, ThreadPoolExecutor pool) {
    if (entry.size() >= BATCHED_BELOW) {
      hand(List.of(entry), epoch, pool);
      return;
    }
    batch.add(entry);
    if (batch.size() >= BATCH) handOver(epoch, pool);
  }

  /** Hands the walking thread's batch of small files to a reader. */
  private void handOver(long epoch, ThreadPoolExecutor pool) {
    if (batch.isEmpty()) return;
    hand(batch, epoch, pool);
    batch = new ArrayList<>(BATCH);
  }

  /** A reader looks these files up in the index, with one read, and hashes those that changed. */
  private void hand(List<FileEntry> files, long epoch, ThreadPoolExecutor pool) {
    pool.execute(() -> {
      if (failure.get() != null) return;
      List<FileRecord> olds;
      try {
        olds = index.getAll(files.stream().map(FileEntry::id).toList());
      } catch (IndexException e) {
        failure.compareAndSet(null, e);
        return;
      }
      for (int i = 0; i < files.size(); i++) lookUp(files.get(i), olds.get(i), epoch);
    });
  }

  /** Keeps a file whose stat is what the index holds; hashes any other. */
  private void lookUp(FileEntry entry, FileRecord old, long epoch) {
    if (failure.get() != null) return;
    try {
      FileStat st = entry.stat();
      if (old != null && !old.stale() && old.size() == st.size() && old.mtimeNs() == st.mtimeNs() && old.ctimeNs() == st.ctimeNs()) {
        index.markUnchanged(old, entry.paths());
        counters.filesUnchanged.incrementAndGet();
      } else {
        hashFile(new Pending(entry, old), epoch, Pass.WALK);
      }
    } catch (IndexException e) {
      failure.compareAndSet(null, e);
    }
  }

  /**
   * Reads an unchanged file's extent map: its postings follow its blocks if they moved, and the hashes of its blocks
   * in shared extents are remembered by physical address (other files may reference them).
   */
  private void refresh(FileRecord old, long epoch) {
    if (failure.get() != null) return;
    Reopened<FileHandle> r = Root.reopen(roots, old.paths(), old.expected());
    if (!(r instanceof Reopened.Same<FileHandle> o)) return; // it changed or vanished since the walk: the next run sees it
    try (FileHandle h = o.file()) {
      List<Extent> extents = h.extents(true);
      counters.layoutsRead.incrementAndGet();
      if (extents.stream().anyMatch(Extent::shared)) {
        long[] physicals = BlockHasher.physicals(extents, old.size(), old.blockSize());
        long[] hashes = index.hashes(old);
        for (int i = 0; i < physicals.length && i < hashes.length; i++) {
          if (old.blockLength(i) == old.blockSize()) cache.put(FileScan.address(physicals[i]), hashes[i]);
        }
      }
      index.touch(old, old.paths(), epoch, extents);
    } catch (NativeIOException e) {
      // unreadable now: its hashes stay, and the files pointing into it are read instead
    } catch (IndexException e) {
      failure.compareAndSet(null, e);
    }
  }

  private void hashFile(Pending p, long epoch, Pass pass) {
    if (failure.get() != null) return;
    FileEntry entry = p.entry();
    if (!(open(entry) instanceof Reopened.Same<FileHandle> o)) return;
    try (FileHandle h = o.file()) {
      List<Extent> extents = h.extents(true);
      if (pass != Pass.LAST) {
        List<Long> unknown = unknownSharedExtents(extents, o.stat().size());
        if (!unknown.isEmpty() && (pass == Pass.WALK || !claim(unknown))) {
          deferred.add(p);
          return;
        }
      }
      BlockHasher hasher = hashers.take();
      FileScan scan;
      try {
        scan = hasher.hash(entry, h, o.stat(), extents);
      } finally {
        hashers.add(hasher);
      }
      hashed.hashed(index.put(scan, p.old(), epoch), scan);
    } catch (NativeIOException e) {
      skip(entry, Skip.of(e));
    } catch (BlockHasher.ChangedException e) {
      skip(entry, new Skip(SkipReason.BUSY, e.getMessage() + "; it will be hashed on the next run"));
    } catch (IndexException e) {
      failure.compareAndSet(null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Physical starts of the shared extents holding a full block whose hash is not known yet. */
  private List<Long> unknownSharedExtents(List<Extent> extents, long size) {
    int bs = options.blockSize();
    List<Long> unknown = new ArrayList<>();
    for (Extent e : extents) {
      if (!e.shared() || !e.addressable()) continue;
      long first = (e.logical() + bs - 1) / bs * bs;
      for (long off = first; off + bs <= Math.min(e.end(), size); off += bs) {
        if (cache.get(e.physical() + (off - e.logical())) == FileScan.NO_DATA) {
          unknown.add(e.physical());
          break;
        }
      }
    }
    return unknown;
  }

  /** Claims extents for this reader; false if another reader claimed one of them first. */
  private boolean claim(List<Long> extents) {
    synchronized (claimed) {
      for (Long e : extents) if (claimed.contains(e)) return false;
      claimed.addAll(extents);
      return true;
    }
  }

  /** Opens the file the walk found, checking it is still what the walk saw; reports it if not. */
  private Reopened<FileHandle> open(FileEntry entry) {
    Reopened<FileHandle> r = Root.reopen(roots, entry.paths(), Expected.of(entry.stat()));
    if (r instanceof Reopened.Changed<FileHandle>) {
      skip(entry, new Skip(SkipReason.BUSY, "changed during the scan; it will be hashed on the next run"));
    } else if (!(r instanceof Reopened.Same)) {
      skip(entry, Skip.of(r));
    }
    return r;
  }

  private void skip(FileEntry entry, Skip skip) {
    counters.skip(skip.reason());
    listener.skipped(entry.path(), skip.reason(), skip.detail());
  }
}
