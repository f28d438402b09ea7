package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.index.Spill;
import dupex.linux.DedupeNotSupportedException;
import dupex.linux.DedupeOutcome;
import dupex.linux.DedupeTarget;
import dupex.linux.Errno;
import dupex.linux.NativeIOException;
import dupex.linux.OpenFile;
import dupex.linux.Reopened;
import dupex.scanner.BlockHasher;
import dupex.scanner.FileId;
import dupex.scanner.SkipReason;
import dupex.scanner.Subvolumes;
import java.io.IOException;
import java.nio.ByteBuffer;
import dupex.linux.Root;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Carries out a run's sharing through FIDEDUPERANGE: whole-file copies handed over during the scan
 * ({@link WholeFileSharer}), then the plan; one pass, whose totals cover both. Every file is reopened and checked to
 * be the one scanned before it is touched ({@link ScannedFiles}); ranges already on the same physical blocks are
 * skipped without a call; each round's ranges not in the page cache are read into it just before the call, since
 * the kernel's compare reads without readahead. The kernel compares the bytes: a file that changed gives DIFFERS
 * and is left as it is.
 */
public final class RangeDeduper {
  private final BlockIndex index;
  private final DedupeOptions options;
  private final DedupeListener listener;
  private final Kernel kernel;
  private final DedupeCounters counters = new DedupeCounters();
  private final ScannedFiles files;
  /** Guards the counters and progress: jobs run on several threads ({@link JobScheduler}). */
  private final Object lock = new Object();
  /** The files whose extents changed since the last layout refresh (spilled: one per destination); null until begun. */
  private Spill touched;
  /** The btrfs rewrites' buffer (they run on one thread, after the jobs); allocated at the first. */
  private ByteBuffer prefetch;
  /** Each job thread's buffer for reading ranges into the page cache before a call. */
  private final ThreadLocal<ByteBuffer> warmBuffer =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect((1 << 20) + 4096).alignedSlice(4096));
  private final int threads;
  private ExtentRewriter rewriter;
  /** Ranges the kernel said SAME for in this run (spilled: bounded memory); null until the first change. */
  private Spill sameRanges;
  private dupex.linux.FsStat fsBefore;
  /** Time spent sharing: during the scan, the dedupe phase, the btrfs rewrites. */
  private long busyNanos;

  private final Subvolumes subvolumes;

  /**
   * A deduper that opens files only below {@code roots} (open; the caller closes them); {@code subvolumes} are those
   * the scan walked (on btrfs: how to name the files that reference an extent).
   */
  public RangeDeduper(BlockIndex index, DedupeOptions options, DedupeListener listener, List<Root> roots, Subvolumes subvolumes) {
    this(index, options, listener, Kernel.linux(roots), subvolumes);
  }

  RangeDeduper(BlockIndex index, DedupeOptions options, DedupeListener listener, Kernel kernel, Subvolumes subvolumes) {
    this(index, options, listener, kernel, subvolumes, JobScheduler.defaultThreads());
  }

  RangeDeduper(BlockIndex index, DedupeOptions options, DedupeListener listener, Kernel kernel, Subvolumes subvolumes, int threads) {
    this.index = index;
    this.options = options;
    this.listener = DedupeListener.serialized(listener);
    this.threads = threads;
    this.kernel = kernel;
    this.subvolumes = subvolumes;
    this.files = new ScannedFiles(index, kernel, this.listener, counters);
  }

  /**
   * Runs the plan, largest jobs first, until done, the deadline, or {@code cancelled}; then {@link #finish}es.
   *
   * @throws DedupeNotSupportedException the filesystem cannot dedupe
   */
  public DedupeTotals run(DedupePlan plan, BooleanSupplier cancelled) throws IOException {
    long total = plan.totals().duplicateBytes();
    long[] done = {0};
    boolean finished = false;
    try {
      begin();
      long phase = System.nanoTime();
      try (JobScheduler jobs = new JobScheduler(threads)) {
        boolean[] stopped = {false};
        try {
          plan.forEachJob(job -> {
            if (stopping(cancelled)) {
              stopped[0] = true;
              return false;
            }
            java.util.Set<FileId> dests = new java.util.HashSet<>();
            for (DedupeJob.Dest d : job.dests()) dests.add(d.file());
            try {
              return jobs.submit(job.src(), dests, () -> {
                if (stopping(cancelled)) return;
                runJob(job, cancelled);
                synchronized (lock) {
                  done[0] += job.bytes();
                  listener.progress(done[0], total);
                }
              });
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              stopped[0] = true;
              return false;
            }
          });
        } catch (IOException | RuntimeException e) {
          // Reading the plan failed: the jobs started end first; what they threw is kept beside this failure.
          try {
            jobs.finish(true);
          } catch (IOException | RuntimeException x) {
            e.addSuppressed(x);
          }
          throw e;
        }
        jobs.finish(stopped[0] || stopping(cancelled));
      }
      busyNanos += System.nanoTime() - phase;
      finished = true;
    } finally {
      if (!finished) closeQuietly();
    }
    return finish(cancelled);
  }

  /** Whether no new job starts: cancelled, or past the deadline (which the totals then say). */
  private boolean stopping(BooleanSupplier cancelled) {
    if (cancelled.getAsBoolean()) return true;
    if (!options.deadline().passed()) return false;
    synchronized (lock) {
      counters.stoppedByDeadline = true;
    }
    return true;
  }

  /**
   * Shares the whole of {@code copy} with {@code original}, which the scan found equal (same size, same block
   * hashes), while the scan goes on: the pages of the file just read are still cached. One thread at a time; call
   * {@link #settle} before a plan is made, so that it finds them shared.
   */
  void shareWholeFile(FileRecord original, FileRecord copy, BooleanSupplier cancelled) throws IOException {
    if (options.deadline().passed()) return;
    begin();
    long t = System.nanoTime(), before;
    synchronized (lock) {
      before = counters.bytesDeduped;
    }
    runJob(new DedupeJob(original.id(), 0, copy.size(), List.of(new DedupeJob.Dest(copy.id(), 0))), cancelled);
    busyNanos += System.nanoTime() - t;
    synchronized (lock) {
      if (counters.bytesDeduped > before) counters.filesDedupedDuringScan++;
      counters.bytesDedupedDuringScan += counters.bytesDeduped - before;
    }
  }

  /** Records where the blocks of the files changed so far are now, so a plan made next sees them shared. */
  void settle() throws IOException {
    refreshLayouts();
    if (touched != null) {
      touched.close();
      touched = index.openSpill("touched");
    }
  }

  /** Whether the pass has begun: a share was tried, so {@link #finish} has what to report. */
  boolean begun() {
    return sameRanges != null;
  }

  /** The rewrites' read buffer, made at the first (8 MiB, zeroed: resident once made). */
  private ByteBuffer prefetch() {
    if (prefetch == null) prefetch = ByteBuffer.allocateDirect((8 << 20) + 4096).alignedSlice(4096);
    return prefetch;
  }

  /** Measures free space before the first change, and opens what the calls record. */
  private void begin() throws IOException {
    if (sameRanges != null) return;
    fsBefore = kernel.syncedFsStat();
    sameRanges = index.openSpill("same");
    touched = index.openSpill("touched");
    if (options.rewrites().enabled() && fsBefore.isBtrfs()) {
      rewriter = new ExtentRewriter(options.rewrites(), kernel, new ExtentReferences(index, kernel, subvolumes), listener, index);
    }
  }

  /**
   * Ends the pass: on btrfs frees the extents it left partly referenced ({@link ExtentRewriter}); records the new
   * block layout of every file it changed and the ranges the kernel said SAME for, and measures the space freed on
   * the roots' filesystem since the first change.
   */
  DedupeTotals finish(BooleanSupplier cancelled) throws IOException {
    begin();
    try {
      // Even past the deadline: the copies are what makes this run's partial dedupes free space.
      if (rewriter != null && !cancelled.getAsBoolean()) {
        long t = System.nanoTime();
        for (FileId id : rewriter.rewriteAll(files, this::prefetch, options.roundLength(), counters, cancelled)) touch(id);
        busyNanos += System.nanoTime() - t;
      }
    } finally {
      try {
        refreshLayouts();
        rememberSameRanges();
      } finally {
        try {
          sameRanges.close();
        } finally {
          try {
            touched.close();
          } finally {
            if (rewriter != null) rewriter.close();
          }
        }
      }
    }
    // Measured once the filesystem has settled, so what is reported is what statfs then shows (XFS frees late).
    return counters.totals(busyNanos, kernel.settledFsStat().freeBytes() - fsBefore.freeBytes());
  }

  /** After a failure: records what changed, drops the spill; the failure is what is reported. */
  private void closeQuietly() {
    if (sameRanges == null) return;
    try {
      refreshLayouts();
    } catch (IOException e) {
      // the failure being thrown says more
    } finally {
      try {
        sameRanges.close();
        touched.close();
        if (rewriter != null) rewriter.close();
      } catch (IndexException e) {
        // likewise
      }
    }
  }

  /** One job; several run at once on different files ({@link JobScheduler}). */
  private void runJob(DedupeJob job, BooleanSupplier cancelled) throws IOException {
    synchronized (lock) {
      counters.jobs++;
    }
    ScannedFiles.Open src = files.open(job.src(), false);
    long srcOffset = job.srcOffset();
    List<DedupeJob.Dest> copies = job.dests();
    // A source that vanished or changed must not cost the copies their dedupe: the first copy that opens takes its place.
    for (int k = 0; src == null && k < copies.size(); k++) {
      src = files.open(copies.get(k).file(), false);
      if (src != null) {
        srcOffset = copies.get(k).offset();
        copies = copies.subList(k + 1, copies.size());
      }
    }
    if (src == null) return;
    List<ScannedFiles.Open> dests = new ArrayList<>();
    List<Long> offsets = new ArrayList<>();
    try {
      for (DedupeJob.Dest d : copies) {
        FileRecord dr = index.get(d.file()).orElse(null);
        if (dr != null && index.dedupedBefore(src.record(), srcOffset, dr, d.offset(), job.length())) {
          // The kernel said SAME for exactly this before, and neither file changed: a call would change nothing.
          alreadyShared(job.length());
          continue;
        }
        ScannedFiles.Open o = files.open(dr, true);
        if (o == null) continue;
        if (sameBlocks(src.file(), srcOffset, o.file(), d.offset(), job.length())) {
          alreadyShared(job.length());
          o.close();
          continue;
        }
        // Even a whole-file copy's extents can stay referenced (a reflinked copy, a snapshot): all are remembered.
        if (rewriter != null) {
          synchronized (rewriter) {
            rewriter.remember(o, d.offset(), job.length());
          }
        }
        dests.add(o);
        offsets.add(d.offset());
      }
      long round = options.roundLength();
      for (long off = 0; off < job.length() && !dests.isEmpty(); off += round) {
        if (cancelled.getAsBoolean() || options.deadline().passed()) return;
        long len = Math.min(round, job.length() - off);
        List<DedupeTarget> targets = new ArrayList<>(dests.size());
        for (int i = 0; i < dests.size(); i++) targets.add(new DedupeTarget(dests.get(i).file(), offsets.get(i) + off));
        warm(src.file(), srcOffset + off, len);
        for (DedupeTarget t : targets) warm(t.file(), t.offset(), len);
        List<DedupeOutcome> outcomes = dedupeRound(src.file(), srcOffset + off, len, targets);
        for (int i = outcomes.size() - 1; i >= 0; i--) {
          ScannedFiles.Open d = dests.get(i);
          if (!settled(outcomes.get(i), d.record(), src.record(), offsets.get(i) + off, srcOffset + off)) continue;
          d.close();
          dests.remove(i);
          offsets.remove(i);
        }
      }
      // SAME over the whole range, yet FIEMAP cannot show the sharing (compressed or inline data): remembered once
      // the layouts are refreshed, so the next run does not ask again. Where FIEMAP shows it, the plan skips it.
      for (int i = 0; i < dests.size(); i++) {
        if (sameBlocks(src.file(), srcOffset, dests.get(i).file(), offsets.get(i), job.length())) continue;
        sameRanges.put(PlanKeys.range(new DupeRange(src.id(), srcOffset, dests.get(i).id(), offsets.get(i), job.length())), new byte[0]);
      }
    } finally {
      for (ScannedFiles.Open d : dests) d.close();
      src.close();
    }
  }

  private void alreadyShared(long bytes) {
    synchronized (lock) {
      counters.bytesAlreadyShared += bytes;
    }
  }

  /** Counts one destination's outcome; true when the destination is done with (it differed or was refused). */
  private boolean settled(DedupeOutcome out, FileRecord dest, FileRecord src, long destOffset, long srcOffset) throws IOException {
    synchronized (lock) {
      counters.bytesDeduped += out.bytes();
      if (out.bytes() > 0) {
        touch(dest.id());
        touch(src.id()); // its extents are shared now: its recorded layout says so too
      }
      if (out instanceof DedupeOutcome.Differs) counters.rangesDiffered++;
    }
    if (out.bytes() > 0) {
      listener.changed(new DedupeListener.Change("dedupe", dest.path(), destOffset, out.bytes(), src.path(), srcOffset));
    }
    if (out instanceof DedupeOutcome.Same) return false;
    if (out instanceof DedupeOutcome.Differs) {
      files.changed(dest, "bytes differ from " + src.path() + " at offset " + destOffset
          + "; left as it is, it will be hashed again");
    } else if (out instanceof DedupeOutcome.Failed f) {
      // XFS without reflink refuses each destination this way: the filesystem cannot dedupe at all.
      if (f.errno() == Errno.EOPNOTSUPP) throw new DedupeNotSupportedException(src.path().toString(), f.errno());
      synchronized (lock) {
        counters.rangesFailed++;
        counters.failuresByErrno.merge(f.errnoName(), 1L, Long::sum);
      }
      files.report(dest, SkipReason.REFUSED, "FIDEDUPERANGE: " + Errno.describe(f.errno()));
    }
    return true;
  }

  /** One round; retries while a btrfs send holds the files (EAGAIN), then gives up on those destinations. */
  private List<DedupeOutcome> dedupeRound(OpenFile src, long srcOffset, long len, List<DedupeTarget> targets) throws IOException {
    for (int attempt = 0; ; attempt++) {
      synchronized (lock) {
        counters.requests++;
      }
      List<DedupeOutcome> out = src.dedupe(srcOffset, len, targets, len);
      boolean busy = out.stream().anyMatch(o -> o instanceof DedupeOutcome.Failed f && f.errno() == Errno.EAGAIN);
      if (!busy || attempt >= options.busyRetries()) return out;
      try {
        Thread.sleep(options.busyBackoff().toMillis() << attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return out;
      }
    }
  }

  /**
   * Reads a range so the kernel's byte compare finds it in the page cache, unless it is there already (the scan
   * or an earlier round read it): copying cached pages costs a third of a warm compare.
   */
  private void warm(OpenFile f, long offset, long length) throws NativeIOException {
    if (f.cached(offset, length)) return;
    ByteBuffer buf = warmBuffer.get();
    for (long done = 0; done < length; ) {
      buf.clear().limit((int) Math.min(buf.capacity(), length - done));
      int n = f.read(buf, offset + done);
      if (n <= 0) return;
      done += n;
    }
  }

  /** Whether both ranges already map to the same physical bytes (then a call would only re-compare them). */
  static boolean sameBlocks(OpenFile a, long aOffset, OpenFile b, long bOffset, long length) throws NativeIOException {
    return SameBlocks.all(a.extents(aOffset, length, false), aOffset, b.extents(bOffset, length, false), bOffset, length);
  }

  /**
   * Records each range the kernel said SAME for, with both files as they now are: on compressed or inline data a
   * SAME leaves no trace FIEMAP can show, and without this every later run would ask again.
   */
  private void rememberSameRanges() throws IndexException {
    IndexException[] failed = {null};
    sameRanges.forEach((key, value) -> {
      if (failed[0] != null) return;
      DupeRange r = PlanKeys.range(key);
      try {
        FileRecord s = index.get(r.src()).orElse(null), d = index.get(r.dst()).orElse(null);
        if (s != null && d != null && !s.stale() && !d.stale()) index.rememberDeduped(s, r.srcOffset(), d, r.dstOffset(), r.length());
      } catch (IndexException e) {
        failed[0] = e;
      }
    });
    if (failed[0] != null) throw failed[0];
  }

  /** Notes a file whose extents changed (or are shared onto now) for the next layout refresh. */
  private void touch(FileId id) throws IndexException {
    touched.put(PlanKeys.file(id), new byte[0]);
  }

  /**
   * Records where the blocks of every file changed or shared onto are now, so the next run sees them shared, plans
   * nothing, and finds no layout moved behind its back. A few files at once: each is an open, a statx and an extent
   * map (300,000 small files, XFS: 3 s on one thread).
   */
  private void refreshLayouts() throws IOException {
    if (touched == null) return;
    try (dupex.index.TaskPool pool = new dupex.index.TaskPool(REFRESH_THREADS); Spill.Cursor c = touched.cursor()) {
      for (; c.valid() && pool.ok(); c.next()) {
        FileId id = PlanKeys.destFile(c.key());
        pool.submit(() -> refreshLayout(id));
      }
      pool.finish();
    }
  }

  private static final int REFRESH_THREADS = 4;

  private void refreshLayout(FileId id) throws IndexException {
    FileRecord rec = index.get(id).orElse(null);
    if (rec == null || rec.stale()) return;
    // A file that changed or went is left for the next scan to find out.
    if (!(kernel.reopen(rec.paths(), rec.expected()) instanceof Reopened.Same<? extends OpenFile> same)) return;
    try (OpenFile f = same.file()) {
      index.updatePhysicals(rec, f.extents(true));
    } catch (NativeIOException e) {
      // unreadable now: likewise
    }
  }
}
