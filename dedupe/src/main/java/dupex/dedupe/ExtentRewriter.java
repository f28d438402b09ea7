package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.IndexException;
import dupex.index.Spill;
import dupex.linux.BtrfsTree;
import dupex.linux.DedupeOutcome;
import dupex.linux.DedupeTarget;
import dupex.linux.Errno;
import dupex.linux.NativeIOException;
import dupex.linux.ScratchFile;
import dupex.linux.BytePath;
import dupex.scanner.FileId;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * btrfs frees an extent only when nothing references any part of it. After a dedupe, an old extent of a
 * destination can still be referenced: by the parts of the file no duplicate covered, by a reflinked copy, by a
 * snapshot. For each extent the run moved references out of, this reads every reference left and, when all are
 * ranges of files the run scanned and the policy finds it worth it ({@link SharedExtent#fate}), copies the bytes
 * still referenced once into an unnamed file (O_TMPFILE, in the first file's directory: kill -9 leaves nothing
 * behind) and shares every referencing range with the copy through FIDEDUPERANGE, which compares every byte. No
 * file's content changes, and the old extent loses its last reference.
 */
final class ExtentRewriter implements AutoCloseable {
  /** Keep this much free space beyond the copies themselves. */
  static final long SPACE_MARGIN = 64L << 20;
  static final long BLOCK = SharedExtent.BLOCK;

  /** An extent this run moved references out of, and the destination that held it (named in messages). */
  private record Candidate(ExtentReferences.DiskExtent extent, FileId dest) {}

  private final RewritePolicy policy;
  private final Kernel kernel;
  private final ExtentReferences references;
  private final DedupeListener listener;
  /**
   * Spilled, so that memory stays the same however many files the run dedupes (held in maps, 30,000 destinations
   * were 11 MiB of heap): each destination's freeable extent items as they were before its first dedupe,
   * file(16) end(8) -> logical(8) diskBytenr(8) diskLength(8) compressed(1), with file(16) 0 marking a file read;
   * and the candidates, diskBytenr(8) -> diskLength(8) compressed(1) dest(16).
   */
  private final Spill before, candidates;
  private boolean unprivileged;

  ExtentRewriter(RewritePolicy policy, Kernel kernel, ExtentReferences references, DedupeListener listener, BlockIndex index)
      throws IndexException {
    this.policy = policy;
    this.kernel = kernel;
    this.references = references;
    this.listener = listener;
    this.before = index.openSpill("rewrite-before");
    Spill c = null;
    try {
      c = index.openSpill("rewrite-candidates");
    } finally {
      if (c == null) before.close();
    }
    this.candidates = c;
  }

  /** Notes the extents under [offset, offset + length) of a destination, before it is deduped there. */
  void remember(ScannedFiles.Open file, long offset, long length) throws IOException {
    byte[] f = PlanKeys.file(file.id());
    if (!before.contains(key(f, 0))) {
      List<BtrfsTree.FileExtent> items;
      try {
        items = kernel.items(file.file());
      } catch (NativeIOException e) {
        if (e.errno() != Errno.EPERM) throw e;
        unprivileged = true;
        items = List.of();
      }
      for (BtrfsTree.FileExtent x : items) {
        if (!ExtentReferences.DiskExtent.freeable(x)) continue;
        before.put(key(f, x.end()), ByteBuffer.allocate(25).putLong(x.logical()).putLong(x.diskBytenr())
            .putLong(x.diskLength()).put((byte) (x.compression() != 0 ? 1 : 0)).array());
      }
      before.put(key(f, 0), new byte[0]);
    }
    long end = offset + length;
    try (Spill.Cursor c = before.cursor(key(f, offset + 1))) { // the first item ending after offset, in file order
      for (; c.valid() && java.util.Arrays.equals(c.key(), 0, 16, f, 0, 16); c.next()) {
        ByteBuffer v = ByteBuffer.wrap(c.value());
        long logical = v.getLong(), bytenr = v.getLong(), diskLength = v.getLong();
        if (logical >= end) break;
        candidates.put(ByteBuffer.allocate(8).putLong(bytenr).array(),
            ByteBuffer.allocate(25).putLong(diskLength).put(v.get()).put(f).array());
      }
    }
  }

  private static byte[] key(byte[] file, long end) {
    return ByteBuffer.allocate(24).put(file).putLong(end).array();
  }

  private static Candidate candidate(byte[] key, byte[] value) {
    ByteBuffer v = ByteBuffer.wrap(value);
    long diskLength = v.getLong();
    boolean compressed = v.get() != 0;
    byte[] dest = new byte[16];
    v.get(dest);
    return new Candidate(new ExtentReferences.DiskExtent(ByteBuffer.wrap(key).getLong(), diskLength, compressed),
        PlanKeys.destFile(dest));
  }

  @Override
  public void close() throws IndexException {
    try {
      before.close();
    } finally {
      candidates.close();
    }
  }

  /**
   * Frees the extents this run moved references out of, where every reference left can move to a copy; each file
   * is reopened and checked first, and copied through {@code buffer} (asked for at the first copy). Stops between
   * extents when {@code cancelled}.
   *
   * @return files whose layout changed
   */
  List<FileId> rewriteAll(ScannedFiles files, java.util.function.Supplier<ByteBuffer> buffer, long roundLength, DedupeCounters counters,
                          java.util.function.BooleanSupplier cancelled) throws IOException {
    if (unprivileged) {
      listener.warning("extents left partly referenced were not rewritten: reading btrfs extent references needs "
          + "CAP_SYS_ADMIN (run dupex as root)");
      return List.of();
    }
    Set<FileId> changed = new TreeSet<>();
    // The dedupe's new references reach the extent tree when its transaction commits: read them after that.
    if (candidates.count() > 0) kernel.syncedFsStat();
    try (Spill.Cursor cursor = candidates.cursor()) {
      for (; cursor.valid(); cursor.next()) {
        Candidate c = candidate(cursor.key(), cursor.value());
        if (cancelled.getAsBoolean()) break; // SIGINT/SIGTERM: between extents, every file as it was or fully remapped
        SharedExtent e = references.of(c.extent());
        SharedExtent.Fate fate = e.fate(policy);
        if (fate instanceof SharedExtent.Pinned p) {
          counters.extentsPinned++;
          counters.bytesPinned += e.diskLength();
          var rec = files.record(c.dest());
          if (rec != null) {
            files.report(rec, SkipReason.PINNED, "a " + e.diskLength() + "-byte extent it used stays: "
                + references.describe(p.by()) + " (path from the filesystem's top-level subvolume) references it too");
          }
        } else if (fate instanceof SharedExtent.Rewrite r) {
          rewrite(e, r, files, buffer.get(), roundLength, counters, changed);
        }
      }
    }
    return new ArrayList<>(changed);
  }

  private void rewrite(SharedExtent e, SharedExtent.Rewrite r, ScannedFiles files, ByteBuffer buffer, long roundLength,
                       DedupeCounters counters, Set<FileId> changed) throws IOException {
    Map<FileId, ScannedFiles.Open> open = new LinkedHashMap<>();
    try {
      for (SharedExtent.Use u : e.uses()) {
        if (open.containsKey(u.file())) continue;
        ScannedFiles.Open o = files.open(u.file(), true);
        if (o == null) return; // reported; its reference keeps the extent
        open.put(u.file(), o);
      }
      ScannedFiles.Open first = open.values().iterator().next();
      if (first.file().fsStat().availableBytes() < r.copied() + SPACE_MARGIN) {
        counters.rewritesSkippedNoSpace++;
        files.report(first.record(), SkipReason.NO_SPACE, r.copied() + " bytes of copy needed to free a "
            + e.diskLength() + "-byte extent; it stays allocated");
        return;
      }
      Result result = copyAndShare(e, r, open, buffer, roundLength, changed);
      switch (result.outcome()) {
        case DONE -> {
          counters.extentsRewritten++;
          counters.bytesRewritten += r.copied();
        }
        case NO_SPACE -> {
          counters.rewritesSkippedNoSpace++;
          files.report(first.record(), SkipReason.NO_SPACE, "the disk filled while copying the rest of an extent; it stays allocated");
        }
        case DIFFERS -> files.changed(open.get(result.file()).record(), "changed while its extent was being rewritten; left as it is");
        case FAILED -> {
          counters.rangesFailed++;
          files.report(open.get(result.file()).record(), SkipReason.REFUSED,
              "the kernel refused to share the copy of an extent's rest: " + result.why());
        }
      }
    } catch (NativeIOException x) {
      counters.rangesFailed++;
      files.report(open.values().iterator().next().record(), SkipReason.REFUSED,
          "cannot copy the rest of a shared extent: " + x.getReason());
    } finally {
      for (ScannedFiles.Open o : open.values()) o.close();
    }
  }

  enum Outcome { DONE, DIFFERS, NO_SPACE, FAILED }

  /** What became of one rewrite, and the file it stopped at. */
  record Result(Outcome outcome, FileId file, String why) {
    static final Result DONE = new Result(Outcome.DONE, null, null);
  }

  /**
   * Copies the live spans into a scratch file in {@code dir}, at their own offsets into the extent, then shares
   * every use with the copy. A use that ends at its file's end in the middle of a block takes that last block
   * from a scratch file that ends there too (the kernel shares a partial block only between two file ends).
   */
  private Result copyAndShare(SharedExtent e, SharedExtent.Rewrite r, Map<FileId, ScannedFiles.Open> open,
                              ByteBuffer buffer, long roundLength, Set<FileId> changed) throws NativeIOException {
    Map<Long, ScratchFile> tails = new HashMap<>();
    BytePath[] dir = {null};
    try (ScratchFile tmp = scratch(open, dir)) {
      for (long[] span : r.live()) {
        for (long pos = span[0]; pos < span[1]; ) {
          SharedExtent.Use from = null;
          long avail = 0;
          for (SharedExtent.Use u : e.uses()) {
            if (pos < u.extentOffset() || pos >= u.extentOffset() + u.length()) continue;
            long size = open.get(u.file()).record().size();
            long a = Math.min(u.extentOffset() + u.length(), u.extentOffset() + size - u.logical()) - pos;
            if (a > avail) {
              avail = a;
              from = u;
            }
          }
          if (from == null) { // beyond the end of every file that uses it: nobody reads it
            pos += BLOCK;
            continue;
          }
          long n = Math.min(avail, span[1] - pos);
          if (!copy(open.get(from.file()), from.logical() + (pos - from.extentOffset()), n, tmp, pos, buffer)) {
            return new Result(Outcome.DIFFERS, from.file(), null);
          }
          pos += (n + BLOCK - 1) / BLOCK * BLOCK;
        }
      }
      tmp.sync();
      for (SharedExtent.Use u : e.uses()) {
        ScannedFiles.Open o = open.get(u.file());
        long len = Math.min(u.length(), o.record().size() - u.logical());
        if (len <= 0) continue;
        long aligned = len / BLOCK * BLOCK;
        if (aligned > 0) {
          Result res = share(tmp, u.extentOffset(), aligned, o, u.logical(), roundLength, changed);
          if (res != Result.DONE) return res;
        }
        if (len > aligned) {
          long key = u.extentOffset() + aligned;
          ScratchFile tail = tails.get(key);
          if (tail == null) {
            tail = kernel.scratch(dir[0]);
            tails.put(key, tail);
            if (!copy(o, u.logical() + aligned, len - aligned, tail, 0, buffer)) return new Result(Outcome.DIFFERS, u.file(), null);
            tail.sync();
          }
          Result res = share(tail, 0, len - aligned, o, u.logical() + aligned, roundLength, changed);
          if (res != Result.DONE) return res;
        }
      }
      return Result.DONE;
    } catch (NativeIOException x) {
      if (x.errno() == Errno.ENOSPC || x.errno() == Errno.EDQUOT) return new Result(Outcome.NO_SPACE, null, null);
      throw x;
    } finally {
      for (ScratchFile t : tails.values()) t.close();
    }
  }

  /**
   * A scratch file in the directory of one of the files (the first that takes one: a read-only snapshot's
   * directory refuses it with EROFS); {@code dir[0]} is set to that directory.
   */
  private ScratchFile scratch(Map<FileId, ScannedFiles.Open> open, BytePath[] dir) throws NativeIOException {
    NativeIOException refused = null;
    Set<BytePath> tried = new java.util.HashSet<>();
    for (ScannedFiles.Open o : open.values()) {
      BytePath d = o.record().path().parent();
      if (!tried.add(d)) continue;
      try {
        ScratchFile s = kernel.scratch(d);
        dir[0] = d;
        return s;
      } catch (NativeIOException x) {
        if (x.errno() != Errno.EROFS && x.errno() != Errno.EACCES) throw x;
        refused = x;
      }
    }
    throw refused;
  }

  /** Copies n bytes of a file into a scratch file; false when the file is shorter than it was (it changed). */
  private static boolean copy(ScannedFiles.Open from, long offset, long n, ScratchFile to, long at, ByteBuffer buffer)
      throws NativeIOException {
    for (long done = 0; done < n; ) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), n - done));
      int got = from.file().read(buffer, offset + done);
      if (got <= 0) return false;
      buffer.flip();
      to.write(buffer, at + done);
      done += got;
    }
    return true;
  }

  private Result share(ScratchFile src, long srcOffset, long length, ScannedFiles.Open dest, long destOffset,
                       long roundLength, Set<FileId> changed) throws NativeIOException {
    DedupeOutcome out = src.dedupe(srcOffset, length, List.of(new DedupeTarget(dest.file(), destOffset)), roundLength).get(0);
    if (out.bytes() > 0) {
      changed.add(dest.id());
      listener.changed(new DedupeListener.Change("rewrite", dest.record().path(), destOffset, out.bytes(), null, 0));
    }
    if (out instanceof DedupeOutcome.Differs) return new Result(Outcome.DIFFERS, dest.id(), null);
    if (out instanceof DedupeOutcome.Failed f) return new Result(Outcome.FAILED, dest.id(), Errno.describe(f.errno()));
    return Result.DONE;
  }
}
