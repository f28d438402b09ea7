package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexUpdater;
import dupex.scanner.FileId;
import dupex.scanner.FileScan;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Shares whole-file copies while the scan goes on: each file just hashed that the scan already saw an equal file
 * for (same size, same block hashes) is deduped onto it at once, on a thread of its own, while its pages are still
 * in the page cache and the readers go on reading. Only a copy whose extents nothing else references is taken as
 * the destination, so that sharing it frees all of it; anything else (parts of files, reflinked copies, snapshot
 * members, sparse files) is left to the plan, which sees what was shared here as already shared.
 *
 * <p>Copies are found in the order the readers finish them, so two copies could each take the other, or a file shared
 * onto could later be shared onto another, leaving chains for the plan to merge. A file shared onto (a source) is
 * therefore never shared itself, and a copy goes to the source its twins already went to: the sharing thread
 * remembers the last {@link #REMEMBERED} copies and sources (beyond them a chain costs the plan one more call).
 */
final class WholeFileSharer implements IndexUpdater.HashedListener {
  /** Files waiting for the sharing thread; beyond this the plan takes them (the readers never wait). */
  static final int QUEUE = 256;
  /** Files with an equal first block looked at for each file hashed. */
  static final int CANDIDATES = 8;
  /**
   * Smaller copies wait for the plan, whose jobs share them on every core. Sharing a file costs about the same
   * whatever its size (index lookups, opens, an extent map, a call), and the one sharing thread takes a core from
   * the readers, which over many small files are busy hashing, not waiting on the disk: 300,000 files of 1-9 KiB
   * (XFS, 2 cores, three runs each) took 27.2-29.1 s sharing copies during the scan, 23.6-26.7 s leaving them all
   * to the plan. Over large files the readers wait on the disk and the thread uses what they leave.
   */
  static final long MIN_SIZE = 1 << 20;

  private final BlockIndex index;
  private final RangeDeduper deduper;
  private final BooleanSupplier stop;
  private final ThreadPoolExecutor thread;
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  /** Files shared during this scan, each with its source; and sources. The sharing thread's alone. */
  static final int REMEMBERED = 1 << 16;
  private final java.util.Map<FileId, FileId> sharedOnto = lru();
  private final java.util.Map<FileId, Boolean> sources = lru();

  private static <V> java.util.Map<FileId, V> lru() {
    return new java.util.LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(java.util.Map.Entry<FileId, V> e) {
        return size() > REMEMBERED;
      }
    };
  }

  WholeFileSharer(BlockIndex index, RangeDeduper deduper, BooleanSupplier stop) {
    this.index = index;
    this.deduper = deduper;
    this.stop = stop;
    this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "dupex-share");
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.DiscardPolicy());
  }

  /** A file the readers just hashed: queued if it may be a whole-file copy worth sharing. */
  @Override
  public void hashed(FileRecord rec, FileScan scan) {
    if (!candidate(scan) || failure.get() != null) return;
    long first = scan.hashes()[0]; // the rest is read back from the index if a twin is found: the queue stays small
    thread.execute(() -> share(rec, first));
  }

  /** At least {@link #MIN_SIZE}, every block holds data (no hole, no preallocation), no extent referenced elsewhere. */
  static boolean candidate(FileScan scan) {
    if (scan.size() < MIN_SIZE || scan.hashes().length == 0) return false;
    for (long h : scan.hashes()) if (h == FileScan.NO_DATA) return false;
    for (long p : scan.physicals()) if ((p & FileScan.SHARED_EXTENT) != 0) return false;
    return true;
  }

  private void share(FileRecord copy, long firstHash) {
    if (failure.get() != null || stop.getAsBoolean() || sources.containsKey(copy.id())) return;
    try {
      FileRecord source = null;
      long[] hashes = null;
      for (FileRecord twin : index.sameFirstBlock(firstHash, copy.blockLength(0), copy.id(), CANDIDATES)) {
        if (twin.size() != copy.size() || twin.blockSize() != copy.blockSize()) continue;
        if (hashes == null) hashes = index.hashes(copy);
        FileId root = sharedOnto.getOrDefault(twin.id(), twin.id());
        if (root.equals(copy.id())) continue;
        boolean isSource = sources.containsKey(root);
        if (source != null && !isSource) continue; // a twin found first is as good, unless this one is a source already
        FileRecord rec = root.equals(twin.id()) ? twin : index.get(root).orElse(null);
        if (rec == null || !Arrays.equals(index.hashes(rec), hashes)) continue;
        source = rec;
        if (isSource) break;
      }
      if (source == null) return;
      sources.put(source.id(), Boolean.TRUE);
      sharedOnto.put(copy.id(), source.id());
      deduper.shareWholeFile(source, copy, stop);
    } catch (IOException | RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  /**
   * After the scan: shares what is still queued (none of it once the run is stopping), then records where the
   * shared files' blocks are now, for the plan.
   *
   * @throws IOException what a sharing failed with (the filesystem cannot dedupe, the index cannot be written)
   */
  void finish() throws IOException {
    thread.shutdown();
    try {
      while (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
        // a call in progress ends within its round
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
    Exception e = failure.get();
    if (e instanceof IOException io) throw io;
    if (e != null) throw (RuntimeException) e;
    deduper.settle();
  }
}
