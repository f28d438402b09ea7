package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.linux.DedupeNotSupportedException;
import dupex.linux.DedupeOutcome;
import dupex.linux.DedupeTarget;
import dupex.linux.Errno;
import dupex.linux.Extent;
import dupex.linux.FileHandle;
import dupex.linux.FileStat;
import dupex.linux.NativeIOException;
import dupex.scanner.BlockHasher;
import dupex.scanner.FileId;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * Carries out a plan through FIDEDUPERANGE. Before touching a file it checks that it is the file that was scanned
 * (device, inode, size, mtime, ctime); ranges already on the same physical blocks are skipped without a call; each
 * round's ranges are read into the page cache just before the call, since the kernel's compare reads without
 * readahead. The kernel compares the bytes: a file that changed gives DIFFERS and is left as it is.
 */
public final class RangeDeduper {
  private final BlockIndex index;
  private final DedupeOptions options;
  private final DedupeListener listener;
  private final DedupeCounters counters = new DedupeCounters();
  private final Set<FileId> skippedFiles = new HashSet<>();
  private final Set<FileId> touched = new TreeSet<>();
  private final ByteBuffer prefetch = ByteBuffer.allocateDirect((8 << 20) + 4096).alignedSlice(4096);
  private long deadline = Long.MAX_VALUE;
  private ExtentRewriter rewriter;

  public RangeDeduper(BlockIndex index, DedupeOptions options, DedupeListener listener) {
    this.index = index;
    this.options = options;
    this.listener = listener;
  }

  /** An open file checked against its index record. */
  private record Opened(FileRecord record, FileHandle handle) implements AutoCloseable {
    @Override
    public void close() throws NativeIOException {
      handle.close();
    }
  }

  /**
   * Runs the plan, largest jobs first, until done, the deadline, or {@code cancelled}; then records the new block
   * layout of every file it changed, and measures the space freed on the filesystem holding {@code root}.
   *
   * @throws DedupeNotSupportedException the filesystem cannot dedupe
   */
  public DedupeCounters run(DedupePlan plan, Path root, BooleanSupplier cancelled) throws IOException {
    long start = System.nanoTime();
    if (options.maxRuntime() != null) deadline = start + options.maxRuntime().toNanos();
    long freeBefore = freeBytes(root);
    try (FileHandle h = FileHandle.openDirectory(root)) {
      if (options.rewrites() && h.fsStat().isBtrfs()) rewriter = new ExtentRewriter(options.rewriteThreshold());
    }
    long total = plan.totals().dupeBytes();
    long[] done = {0};
    try {
      plan.forEachJob(job -> {
        if (cancelled.getAsBoolean()) {
          counters.cancelled = true;
          return false;
        }
        if (System.nanoTime() > deadline) {
          counters.stoppedByDeadline = true;
          return false;
        }
        runJob(job, cancelled);
        done[0] += job.bytes();
        listener.progress(done[0], total);
        return true;
      });
      // Even past the deadline: the copies are what makes this run's partial dedupes free space.
      if (rewriter != null && !cancelled.getAsBoolean()) rewriteExtents();
    } finally {
      refreshLayouts();
      counters.bytesFreed = freeBytes(root) - freeBefore;
    }
    return counters;
  }

  private long freeBytes(Path root) throws NativeIOException {
    try (FileHandle h = FileHandle.openDirectory(root)) {
      h.syncFilesystem();
      return h.fsStat().freeBytes();
    }
  }

  private void runJob(DedupeJob job, BooleanSupplier cancelled) throws IOException {
    counters.jobs++;
    Opened src = open(job.src(), false);
    if (src == null) return;
    List<Opened> dests = new ArrayList<>();
    List<Long> offsets = new ArrayList<>();
    try {
      for (DedupeJob.Dest d : job.dests()) {
        Opened o = open(d.file(), true);
        if (o == null) continue;
        if (sameBlocks(src.handle(), job.srcOffset(), o.handle(), d.offset(), job.length())) {
          counters.bytesAlreadyShared += job.length();
          o.close();
          continue;
        }
        // A whole-file copy leaves no remainder; only partly deduped files need their old extents remembered.
        boolean whole = d.offset() == 0 && job.length() == o.record().size();
        if (rewriter != null && !whole && !rewriter.remembers(o.record().id())) rewriter.remember(o.record().id(), o.handle().extents(false));
        dests.add(o);
        offsets.add(d.offset());
      }
      long round = options.roundLength();
      for (long off = 0; off < job.length() && !dests.isEmpty(); off += round) {
        if (cancelled.getAsBoolean() || System.nanoTime() > deadline) return;
        long len = Math.min(round, job.length() - off);
        List<DedupeTarget> targets = new ArrayList<>(dests.size());
        for (int i = 0; i < dests.size(); i++) targets.add(new DedupeTarget(dests.get(i).handle(), offsets.get(i) + off));
        warm(src.handle(), job.srcOffset() + off, len);
        for (DedupeTarget t : targets) warm(t.file(), t.offset(), len);
        List<DedupeOutcome> outcomes = dedupeRound(src, job.srcOffset() + off, len, targets);
        for (int i = outcomes.size() - 1; i >= 0; i--) {
          Opened d = dests.get(i);
          DedupeOutcome out = outcomes.get(i);
          counters.bytesDeduped += out.bytes();
          if (out instanceof DedupeOutcome.Same) {
            touched.add(d.record().id());
            continue;
          }
          if (out.bytes() > 0) touched.add(d.record().id());
          if (out instanceof DedupeOutcome.Differs) {
            counters.rangesDiffered++;
            index.invalidate(d.record().id());
            report(d.record(), SkipReason.CHANGED, "bytes differ from " + src.record().path() + " at offset "
                + (offsets.get(i) + off) + "; left as it is, it will be hashed again");
          } else if (out instanceof DedupeOutcome.Failed f) {
            // XFS without reflink refuses each destination this way: the filesystem cannot dedupe at all.
            if (f.errno() == Errno.EOPNOTSUPP) throw new DedupeNotSupportedException(src.record().path().toString(), f.errno());
            counters.rangesFailed++;
            counters.failuresByErrno.merge(f.errnoName(), 1L, Long::sum);
            report(d.record(), SkipReason.REFUSED, "FIDEDUPERANGE: " + Errno.describe(f.errno()));
          }
          d.close();
          dests.remove(i);
          offsets.remove(i);
        }
      }
    } finally {
      for (Opened d : dests) d.close();
      src.close();
    }
  }

  /** One round; retries while a btrfs send holds the files (EAGAIN), then gives up on those destinations. */
  private List<DedupeOutcome> dedupeRound(Opened src, long srcOffset, long len, List<DedupeTarget> targets) throws IOException {
    for (int attempt = 0; ; attempt++) {
      counters.requests++;
      List<DedupeOutcome> out = src.handle().dedupe(srcOffset, len, targets, len);
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

  /** Reads a range so the kernel's byte compare finds it in the page cache. */
  private void warm(FileHandle h, long offset, long length) throws NativeIOException {
    for (long done = 0; done < length; ) {
      prefetch.clear().limit((int) Math.min(prefetch.capacity(), length - done));
      int n = h.read(prefetch, offset + done);
      if (n <= 0) return;
      done += n;
    }
  }

  /** Whether both ranges already map to the same physical bytes (then a call would only re-compare them). */
  static boolean sameBlocks(FileHandle a, long aOffset, FileHandle b, long bOffset, long length) throws NativeIOException {
    List<Extent> ea = a.extents(aOffset, length, false), eb = b.extents(bOffset, length, false);
    for (long pos = 0; pos < length; ) {
      Extent x = find(ea, aOffset + pos), y = find(eb, bOffset + pos);
      if (x == null || y == null || !x.addressable() || !y.addressable()) return false;
      long px = x.physical() + (aOffset + pos - x.logical()), py = y.physical() + (bOffset + pos - y.logical());
      if (px != py) return false;
      pos += Math.min(x.end() - (aOffset + pos), y.end() - (bOffset + pos));
    }
    return true;
  }

  private static Extent find(List<Extent> extents, long offset) {
    for (Extent e : extents) if (offset >= e.logical() && offset < e.end()) return e;
    return null;
  }

  /** Opens a file by its index record and checks it is still the one scanned; null (reported once) if not. */
  private Opened open(FileId id, boolean destination) throws IOException {
    if (skippedFiles.contains(id)) return null;
    FileRecord rec = index.get(id).orElse(null);
    if (rec == null) return null;
    NativeIOException firstError = null;
    for (Path path : rec.paths()) {
      FileHandle h;
      try {
        h = FileHandle.open(path);
      } catch (NativeIOException e) {
        if (firstError == null) firstError = e;
        continue;
      }
      try {
        FileStat st = h.stat();
        if (!st.isRegularFile() || st.device() != id.device() || st.inode() != id.inode()) {
          h.close();
          continue; // this path now names another file; try the file's other links
        }
        String change = st.size() != rec.size() ? "size" : st.mtimeNs() != rec.mtimeNs() ? "mtime"
            : st.ctimeNs() != rec.ctimeNs() ? "ctime" : null;
        if (change != null) {
          h.close();
          index.invalidate(id);
          return skip(rec, SkipReason.CHANGED, change + " changed since the scan; it will be hashed again");
        }
        if (destination && st.immutable()) {
          h.close();
          return skip(rec, SkipReason.IMMUTABLE, "immutable or append-only (chattr +i/+a)");
        }
        return new Opened(rec, h);
      } catch (NativeIOException e) {
        h.close();
        if (firstError == null) firstError = e;
      }
    }
    if (firstError != null && firstError.errno() != Errno.ENOENT) {
      return skip(rec, SkipReason.UNREADABLE, firstError.getReason());
    }
    return skip(rec, SkipReason.VANISHED, "");
  }

  private Opened skip(FileRecord rec, SkipReason reason, String detail) {
    skippedFiles.add(rec.id());
    if (reason.failure()) counters.filesSkipped++;
    listener.skipped(rec.path(), reason, detail);
    return null;
  }

  private void report(FileRecord rec, SkipReason reason, String detail) {
    listener.skipped(rec.path(), reason, detail);
  }

  /** btrfs: frees the extents this run left mostly shared, by moving their remainders into new extents. */
  private void rewriteExtents() throws IOException {
    for (var entry : rewriter.remembered().entrySet()) {
      FileId id = entry.getKey();
      if (skippedFiles.contains(id)) continue;
      Opened file = open(id, true);
      if (file == null) continue;
      try {
        List<ExtentRewriter.Rewrite> rewrites = ExtentRewriter.plan(entry.getValue(), file.handle().extents(false),
            file.record().size(), options.rewriteThreshold());
        Path dir = file.record().path().getParent();
        for (ExtentRewriter.Rewrite r : rewrites) {
          long[] rewritten = {0};
          ExtentRewriter.Result result;
          try {
            result = ExtentRewriter.rewrite(file.handle(), dir, r, prefetch, options.roundLength(), rewritten);
          } catch (NativeIOException e) {
            report(file.record(), SkipReason.REFUSED, "cannot copy the rest of a shared extent: " + e.getReason());
            break;
          }
          counters.bytesRewritten += rewritten[0];
          if (result == ExtentRewriter.Result.DONE) {
            counters.extentsRewritten++;
            touched.add(id);
            continue;
          }
          if (result == ExtentRewriter.Result.NO_SPACE) {
            counters.rewritesSkippedNoSpace++;
            report(file.record(), SkipReason.NO_SPACE, r.remaining() + " bytes of copy needed to free a "
                + r.old().length() + "-byte extent; it stays allocated");
            continue;
          }
          if (result == ExtentRewriter.Result.DIFFERS) {
            index.invalidate(id);
            report(file.record(), SkipReason.CHANGED, "changed while its extent was being rewritten; left as it is");
          } else {
            report(file.record(), SkipReason.REFUSED, "the kernel refused to share the copy of an extent's rest");
          }
          break;
        }
      } finally {
        file.close();
      }
    }
  }

  /** Records where the blocks of every changed file are now, so the next run sees them shared and plans nothing. */
  private void refreshLayouts() throws IndexException {
    for (FileId id : touched) {
      FileRecord rec = index.get(id).orElse(null);
      if (rec == null || rec.mtimeNs() < 0) continue;
      for (Path path : rec.paths()) {
        try (FileHandle h = FileHandle.open(path)) {
          FileStat st = h.stat();
          if (st.inode() != id.inode() || st.device() != id.device()) continue;
          index.updatePhysicals(rec, BlockHasher.physicals(h.extents(true), rec.size(), rec.blockSize()));
          break;
        } catch (NativeIOException e) {
          // gone or unreadable now: the next scan finds out
        }
      }
    }
  }
}
