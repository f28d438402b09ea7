package dupex.index;

import dupex.linux.BytePath;
import dupex.linux.Root;
import dupex.scanner.FileId;
import dupex.linux.Extent;
import dupex.scanner.BlockHasher;
import dupex.scanner.FileScan;
import dupex.scanner.Samples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * One filesystem's index: file records, their block hashes, block postings sorted by hash, and settings. Each
 * file is written in one WriteBatch, so a crash leaves whole files. Memory is bounded by the database's caches,
 * whatever the number of files ({@link IndexDatabase}).
 */
public final class BlockIndex implements AutoCloseable {
  private final IndexDatabase store;
  private final RocksDB db;
  private final IndexSettings settings;
  private final WriteOptions writeOptions;
  private final ColumnFamilyHandle meta, files, hashes, blocks, done;
  /**
   * The files this process's scan saw, found unchanged (their records not rewritten) or hashed (null before a scan
   * began): asking it is one lookup, where a record's epoch would take another.
   */
  private Spill seen;

  private BlockIndex(IndexDatabase store, IndexSettings settings) {
    this.store = store;
    this.db = store.db;
    this.settings = settings;
    this.writeOptions = store.writeOptions;
    this.meta = store.meta;
    this.files = store.files;
    this.hashes = store.hashes;
    this.blocks = store.blocks;
    this.done = store.done;
  }

  /** Loads RocksDB's native library now (the first index opened does otherwise). */
  public static void load() {
    IndexDatabase.load();
  }

  /**
   * Opens (creating, mode 0700) the index in {@code dir}; with {@code settings} null, an existing index with
   * the settings it was built with (for status).
   *
   * @throws IndexException.Locked another run has it open
   * @throws IndexException.Corrupt it cannot be read
   * @throws IndexException.SettingsMismatch it was built with other settings
   * @throws IndexException.Denied this user cannot read or write it
   */
  public static BlockIndex open(Path dir, IndexSettings settings) throws IndexException {
    return open(IndexDatabase.open(dir), dir, settings);
  }

  /**
   * Opens an index to read it while a run may hold it (status): no lock, no writes, the settings it was built
   * with, its state as of the holder's last checkpoint.
   */
  public static BlockIndex openReadOnly(Path dir) throws IndexException {
    return open(IndexDatabase.openReadOnly(dir), dir, null);
  }

  /** Whether a run holds the index now, told without taking its lock. */
  public static boolean inUse(Path dir) throws IndexException {
    return IndexDatabase.inUse(dir);
  }

  private static BlockIndex open(IndexDatabase store, Path dir, IndexSettings settings) throws IndexException {
    try {
      byte[] raw = store.db.get(store.meta, IndexDatabase.bytes("format"));
      String stored = raw == null ? null : new String(raw, StandardCharsets.UTF_8);
      IndexSettings effective = settings != null ? settings : stored == null ? null : IndexSettings.parse(stored);
      if (effective == null) throw new IndexException("index " + dir + " has no settings: it was never written", null);
      BlockIndex index = new BlockIndex(store, effective);
      index.checkSettings(stored);
      return index;
    } catch (RocksDBException e) {
      store.close();
      throw store.translate("open", e);
    } catch (IndexException e) {
      store.close();
      throw e;
    }
  }

  private IndexException translate(String what, RocksDBException e) {
    return store.translate(what, e);
  }

  private void checkSettings(String stored) throws IndexException {
    String want = settings.describe();
    if (stored == null) {
      putMeta("format", want);
    } else if (!stored.equals(want)) {
      IndexSettings built = IndexSettings.parse(stored);
      String hint = built != null && stored.equals(built.describe())
          ? "use the same --block-size (" + built.blockSize() + "), or remove the index to rebuild it: rm -rf " + store.dir
          : "it was built by another version of dupex; remove it to rebuild it (the next run hashes everything again): rm -rf " + store.dir;
      throw new IndexException.SettingsMismatch("index " + store.dir + " was built with " + stored + ", not " + want + "; " + hint);
    }
  }

  public Path directory() {
    return store.dir;
  }

  public IndexSettings settings() {
    return settings;
  }

  public Optional<String> meta(String key) throws IndexException {
    try {
      byte[] v = db.get(meta, IndexDatabase.bytes(key));
      return v == null ? Optional.empty() : Optional.of(new String(v, StandardCharsets.UTF_8));
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  public void putMeta(String key, String value) throws IndexException {
    try {
      db.put(meta, writeOptions, IndexDatabase.bytes(key), IndexDatabase.bytes(value));
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /** Starts a scan: returns its epoch, one more than the last. */
  public long beginRun() throws IndexException {
    long epoch = lastEpoch() + 1;
    putMeta("epoch", Long.toString(epoch));
    runEpoch = epoch;
    synchronized (this) {
      if (seen != null) seen.close();
      seen = openSpill("seen");
    }
    return epoch;
  }

  /** The records of several files at once (null where there is none), in their order: one call into RocksDB. */
  public List<FileRecord> getAll(List<FileId> ids) throws IndexException {
    List<byte[]> keys = new java.util.ArrayList<>(ids.size());
    for (FileId id : ids) keys.add(Codec.fileKey(id));
    try {
      List<byte[]> values = db.multiGetAsList(java.util.Collections.nCopies(keys.size(), files), keys);
      List<FileRecord> out = new java.util.ArrayList<>(ids.size());
      for (int i = 0; i < keys.size(); i++) out.add(values.get(i) == null ? null : Codec.fileRecord(keys.get(i), values.get(i)));
      return out;
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  public Optional<FileRecord> get(FileId id) throws IndexException {
    try {
      byte[] key = Codec.fileKey(id);
      byte[] v = db.get(files, key);
      return v == null ? Optional.empty() : Optional.of(Codec.fileRecord(key, v));
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  /** A file's block hashes (0 for a block with no data), as last hashed. */
  public long[] hashes(FileRecord rec) throws IndexException {
    byte[] v = hashesValue(rec);
    return v == null ? new long[rec.blockCount()] : Codec.hashes(v, rec.blockCount());
  }

  private byte[] hashesValue(FileRecord rec) throws IndexException {
    try {
      return db.get(hashes, Codec.fileKey(rec.id()));
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  /** A file's samples as last hashed (without physical addresses). */
  private Samples samples(FileRecord rec) throws IndexException {
    byte[] v = hashesValue(rec);
    return v == null ? Samples.NONE : Codec.samples(v, rec.blockCount());
  }

  /** Replaces a file's record, hashes and postings (removing those of {@code old}, if any) in one batch. */
  public FileRecord put(FileScan scan, FileRecord old, long epoch) throws IndexException {
    FileRecord rec = new FileRecord(scan.id(), scan.paths(), scan.size(), scan.mtimeNs(), scan.ctimeNs(), epoch,
        FileScan.layoutHash(scan.physicals()), scan.blockSize(), scan.hashes().length, false);
    try (WriteBatch batch = new WriteBatch()) {
      if (old != null) deletePostings(batch, old);
      putPostings(batch, rec, scan.hashes(), scan.physicals(), scan.samples());
      byte[] key = Codec.fileKey(rec.id());
      batch.put(files, key, Codec.fileValue(rec));
      batch.put(hashes, key, Codec.hashesValue(scan.hashes(), scan.samples()));
      if (old != null) deleteDone(batch, key); // its content changed: what was deduped into it is news again
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
    if (epoch == runEpoch) markSeen(rec.id());
    store.written(scan.size());
    return rec;
  }

  /**
   * Marks a file whose stat is unchanged seen by the scan in progress, at the paths it was found at now: nothing is
   * written but a key in a temporary set, unless its paths changed (then its record, with the same epoch). Its
   * recorded block layout is kept as it was: {@link #layoutCurrent} tells, {@link #touch} refreshes it.
   */
  public void markUnchanged(FileRecord old, List<BytePath> paths) throws IndexException {
    if (!paths.equals(old.paths())) {
      try {
        db.put(files, writeOptions, Codec.fileKey(old.id()), Codec.fileValue(old.withEpoch(paths, old.epoch(), old.layoutHash())));
      } catch (RocksDBException e) {
        throw translate("write", e);
      }
    }
    markSeen(old.id());
  }

  private synchronized void markSeen(FileId id) throws IndexException {
    if (seen == null) throw new IllegalStateException("no scan in progress");
    seen.put(Codec.fileKey(id), EMPTY);
  }

  private static final byte[] EMPTY = new byte[0];

  /**
   * The files the scan in progress found unchanged (as {@link #markUnchanged} recorded them), in key order, with
   * their records; those whose layout was read since ({@link #layoutCurrent}), or hashed, are left out.
   */
  public void forEachUnchanged(java.util.function.Consumer<FileRecord> action) throws IndexException {
    Spill s;
    synchronized (this) {
      s = seen;
    }
    if (s == null) return;
    long epoch = lastEpoch();
    try (Spill.Cursor c = s.cursor()) {
      for (; c.valid(); c.next()) {
        FileRecord r = get(Codec.fileId(c.key())).orElse(null);
        if (r != null && r.epoch() != epoch) action.accept(r);
      }
    }
  }

  /** Whether the run in progress read this file's block layout (it hashed it, or refreshed it with {@link #touch}). */
  public boolean layoutCurrent(FileRecord rec) throws IndexException {
    return rec.epoch() == lastEpoch();
  }

  /**
   * Records a file seen in this run with its current paths and extent map: a small write. Its postings'
   * physical addresses are rewritten only when its block layout moved (after a dedupe or a defragmentation).
   */
  public FileRecord touch(FileRecord old, List<BytePath> paths, long epoch, List<Extent> extents) throws IndexException {
    long[] physicals = BlockHasher.physicals(extents, old.size(), old.blockSize());
    long layout = FileScan.layoutHash(physicals);
    FileRecord rec = old.withEpoch(paths, epoch, layout);
    try (WriteBatch batch = new WriteBatch()) {
      if (layout != old.layoutHash()) {
        byte[] v = hashesValue(old); // read once for hashes and samples: the second read was 40% of a refresh
        long[] h = v == null ? new long[old.blockCount()] : Codec.hashes(v, old.blockCount());
        Samples s = v == null ? Samples.NONE : Codec.samples(v, old.blockCount());
        putPostings(batch, rec, h, physicals,
            new Samples(s.blocks(), s.hashes(), BlockHasher.samplePhysicals(extents, old.size(), s.blocks())));
      }
      batch.put(files, Codec.fileKey(rec.id()), Codec.fileValue(rec));
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
    store.written(0);
    return rec;
  }

  /**
   * Records where a file's blocks are now (after a dedupe, a defragmentation), from its extent map: nothing is
   * written if they did not move. Tells whether they had.
   */
  public boolean updatePhysicals(FileRecord rec, List<Extent> extents) throws IndexException {
    if (FileScan.layoutHash(BlockHasher.physicals(extents, rec.size(), rec.blockSize())) == rec.layoutHash()) return false;
    // touch() with the record's own paths: only the postings (and layout hash) change, and the layout is current
    touch(rec, rec.paths(), Math.max(rec.epoch(), lastEpoch()), extents);
    return true;
  }

  /** Forgets a file's stat so the next scan hashes it again (it changed under a dedupe). */
  public void invalidate(FileId id) throws IndexException {
    Optional<FileRecord> rec = get(id);
    if (rec.isEmpty()) return;
    try {
      db.put(files, writeOptions, Codec.fileKey(id), Codec.fileValue(rec.get().asStale()));
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /** Posts a file's anchors: its first block and its samples. */
  private void putPostings(WriteBatch batch, FileRecord rec, long[] hashes, long[] physicals, Samples samples) throws RocksDBException {
    if (hashes.length > 0 && hashes[0] != FileScan.NO_DATA) {
      batch.put(blocks, Codec.blockKey(hashes[0], rec.id(), 0), Codec.blockValue(physicals.length > 0 ? physicals[0] : 0, rec.blockLength(0)));
    }
    for (int i = 0; i < samples.count(); i++) {
      if (samples.blocks()[i] == 0 && rec.blockLength(0) == Samples.BLOCK) continue; // the first block's anchor already
      batch.put(blocks, Codec.blockKey(samples.hashes()[i], rec.id(), samples.offset(i)), Codec.blockValue(samples.physicals()[i], Samples.BLOCK));
    }
  }

  private void deletePostings(WriteBatch batch, FileRecord rec) throws RocksDBException, IndexException {
    byte[] v = hashesValue(rec);
    if (v == null) return;
    long first = Codec.hashes(v, rec.blockCount()).length > 0 ? Codec.hashes(v, rec.blockCount())[0] : FileScan.NO_DATA;
    if (first != FileScan.NO_DATA) batch.delete(blocks, Codec.blockKey(first, rec.id(), 0));
    Samples s = Codec.samples(v, rec.blockCount());
    for (int i = 0; i < s.count(); i++) batch.delete(blocks, Codec.blockKey(s.hashes()[i], rec.id(), s.offset(i)));
  }

  /**
   * After a full walk of {@code roots} in run {@code epoch}: forgets the paths under those roots that no longer name
   * a file that was not seen, and files left with no path at all (with their postings). A path that still names its
   * file (skipped by --exclude or --min-size, in a directory that could not be read) is kept: only what is gone from
   * disk is forgotten.
   *
   * @return files removed
   */
  public long removeUnseen(long epoch, List<Root> roots) throws IndexException {
    Spill s;
    synchronized (this) {
      s = seen;
    }
    if (s == null) return dropPaths((k, v) -> Codec.fileEpoch(v) < epoch, (r, p) -> !stillThere(roots, p, r))[0];
    // Records and seen files are both in key order: one pass over each, side by side.
    try (Spill.Cursor c = s.cursor()) {
      return dropPaths((k, v) -> {
        if (Codec.fileEpoch(v) >= epoch) return false;
        while (c.valid() && java.util.Arrays.compareUnsigned(c.key(), k) < 0) c.next();
        return !(c.valid() && java.util.Arrays.equals(c.key(), k));
      }, (r, p) -> !stillThere(roots, p, r))[0];
    }
  }

  /**
   * Forgets every path at or below {@code prefix}, and the files left with no path (with their postings), whether
   * or not they are still on disk: for a directory that is no longer to be scanned.
   *
   * @return files forgotten, and their bytes
   */
  public long[] forgetUnder(BytePath prefix) throws IndexException {
    return dropPaths((k, v) -> true, (r, p) -> p.startsWith(prefix));
  }

  /**
   * Drops the paths {@code drop} names from the records {@code consider} accepts; a record left with no path is
   * forgotten with its hashes and postings, one batch per file.
   *
   * @return files forgotten, and their bytes
   */
  private long[] dropPaths(Consider consider, java.util.function.BiPredicate<FileRecord, BytePath> drop) throws IndexException {
    long[] out = new long[2];
    try (RocksIterator it = db.newIterator(files)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (!consider.test(it.key(), it.value())) continue;
        FileRecord r = Codec.fileRecord(it.key(), it.value());
        List<BytePath> kept = r.paths().stream().filter(p -> !drop.test(r, p)).toList();
        if (kept.size() == r.paths().size()) continue;
        try (WriteBatch batch = new WriteBatch()) {
          if (kept.isEmpty()) {
            deleteFile(batch, r);
            out[0]++;
            out[1] += r.size();
          } else {
            batch.put(files, it.key(), Codec.fileValue(r.withEpoch(kept, r.epoch(), r.layoutHash())));
          }
          db.write(writeOptions, batch);
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
    return out;
  }

  /** Which records {@link #dropPaths} looks at, told from their key and value, in key order. */
  private interface Consider {
    boolean test(byte[] key, byte[] value) throws IndexException;
  }

  /** Adds to {@code batch} the deletion of a file's record, hashes, postings and what was deduped into it. */
  private void deleteFile(WriteBatch batch, FileRecord r) throws RocksDBException, IndexException {
    byte[] key = Codec.fileKey(r.id());
    deletePostings(batch, r);
    batch.delete(files, key);
    batch.delete(hashes, key);
    deleteDone(batch, key);
  }

  /**
   * Deletes what was deduped into the file with this key, one key at a time. Not by a range deletion: every read of
   * a column family fragments all the range tombstones in its memtable, so a scan of many new files made each
   * {@link #dedupedBefore} cost in proportion to the files written so far (300,000 small files: the sharing
   * thread spent 71% of its time there). The entries hold both files' state and check it; this only keeps the
   * column family from growing.
   */
  private void deleteDone(WriteBatch batch, byte[] fileKey) throws RocksDBException {
    try (org.rocksdb.Slice end = new org.rocksdb.Slice(Codec.after(fileKey));
         org.rocksdb.ReadOptions ro = new org.rocksdb.ReadOptions().setIterateUpperBound(end);
         RocksIterator it = db.newIterator(done, ro)) {
      for (it.seek(fileKey); it.isValid(); it.next()) batch.delete(done, it.key());
      it.status();
    }
  }

  /** A path outside the roots is not this walk's business; one below them stays while it names the same inode. */
  private static boolean stillThere(List<Root> roots, BytePath p, FileRecord r) {
    Root root = Root.holding(roots, p);
    if (root == null) return true;
    return switch (root.lookup(p, r.id().device(), r.id().inode())) {
      case SAME -> true;
      case GONE -> false;
      case UNKNOWN -> true;
    };
  }

  /**
   * Streams duplicate groups in hash order without loading the index into memory, among the files the last scan
   * saw: not files of other roots on this filesystem, nor files this run's filters skipped or that changed under
   * the scan. Close it.
   */
  public GroupIterator groups() throws IndexException {
    long epoch = lastEpoch();
    return new GroupIterator(store, db.newIterator(blocks), id -> seenIn(id, epoch));
  }

  /**
   * Files the last scan saw (so far, while it goes on) whose first block has this hash and length, other than
   * {@code except}, at most {@code max} of them, in key order: where to look for a whole-file copy of a file.
   */
  public List<FileRecord> sameFirstBlock(long hash, int length, FileId except, int max) throws IndexException {
    List<FileRecord> out = new java.util.ArrayList<>(2);
    byte[] prefix = java.nio.ByteBuffer.allocate(8).putLong(hash).array();
    try (org.rocksdb.RocksIterator it = db.newIterator(blocks)) {
      for (it.seek(prefix); it.isValid() && Codec.blockHash(it.key()) == hash && out.size() < max; it.next()) {
        Posting p = Codec.posting(it.key(), it.value());
        if (p.offset() != 0 || p.length() != length || p.file().equals(except)) continue;
        FileRecord rec = get(p.file()).orElse(null);
        if (rec != null && seenByLastScan(rec)) out.add(rec);
      }
      it.status();
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
    return out;
  }

  /** Whether {@code rec} is a file the last scan saw (and found unchanged or hashed): one a run may plan and touch. */
  public boolean seenByLastScan(FileRecord rec) throws IndexException {
    if (rec.stale()) return false;
    long epoch = lastEpoch();
    Spill s = seenSet(epoch);
    return s != null ? s.contains(Codec.fileKey(rec.id())) : rec.epoch() == epoch;
  }

  /** The epoch of the last scan begun (0 for none); this process's own once it began one. */
  public long lastEpoch() throws IndexException {
    long e = runEpoch;
    return e >= 0 ? e : meta("epoch").map(Long::parseLong).orElse(0L);
  }

  /** The epoch of the scan this process began (-1: none), which no other process can change while it holds the lock. */
  private volatile long runEpoch = -1;

  /**
   * Whether a file was seen by the scan of {@code epoch}: this process's scan kept the set of files it saw; of a scan
   * by another process only the files it hashed are known, by their record's epoch.
   */
  private boolean seenIn(FileId id, long epoch) throws IndexException {
    Spill s = seenSet(epoch);
    if (s != null) return s.contains(Codec.fileKey(id));
    try {
      byte[] v = db.get(files, Codec.fileKey(id));
      return v != null && Codec.fileEpoch(v) == epoch;
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  /** The set of files the scan of {@code epoch} saw, if this process ran that scan (else null). */
  private synchronized Spill seenSet(long epoch) {
    return epoch == runEpoch ? seen : null;
  }

  /**
   * Whether the kernel already said SAME for this range with both files as they are now (size, times, layout):
   * calling again would change nothing (compressed or inline data, a tail it does not share).
   */
  public boolean dedupedBefore(FileRecord src, long srcOffset, FileRecord dst, long dstOffset, long length) throws IndexException {
    if (done == null) return false;
    try {
      byte[] v = db.get(done, Codec.doneKey(src.id(), srcOffset, dst.id(), dstOffset, length));
      return v != null && java.util.Arrays.equals(v, Codec.doneValue(src, dst));
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  /**
   * As {@link #dedupedBefore(FileRecord, long, FileRecord, long, long)}, by the files' ids: their records are read
   * only where a dedupe of this range is remembered (rarely: compressed or inline data).
   */
  public boolean dedupedBefore(FileId src, long srcOffset, FileId dst, long dstOffset, long length) throws IndexException {
    if (done == null) return false;
    byte[] v;
    try {
      v = db.get(done, Codec.doneKey(src, srcOffset, dst, dstOffset, length));
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
    if (v == null) return false;
    Optional<FileRecord> s = get(src), d = get(dst);
    return s.isPresent() && d.isPresent() && java.util.Arrays.equals(v, Codec.doneValue(s.get(), d.get()));
  }

  /** How many dedupes are remembered ({@link #rememberDeduped}), for tests. */
  long rememberedDedupes() throws IndexException {
    long n = 0;
    try (RocksIterator it = db.newIterator(done)) {
      for (it.seekToFirst(); it.isValid(); it.next()) n++;
      it.status();
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
    return n;
  }

  /** Records that the kernel said SAME for this range with both files as they are now. */
  public void rememberDeduped(FileRecord src, long srcOffset, FileRecord dst, long dstOffset, long length) throws IndexException {
    try {
      db.put(done, writeOptions, Codec.doneKey(src.id(), srcOffset, dst.id(), dstOffset, length), Codec.doneValue(src, dst));
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /** Forgets a file and its postings (it is gone from disk). */
  public void forget(FileId id) throws IndexException {
    Optional<FileRecord> rec = get(id);
    if (rec.isEmpty()) return;
    try (WriteBatch batch = new WriteBatch()) {
      deleteFile(batch, rec.get());
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /** Every file record in key order; for status and reports. */
  public void forEachFile(java.util.function.Consumer<FileRecord> action) throws IndexException {
    try (RocksIterator it = db.newIterator(files)) {
      for (it.seekToFirst(); it.isValid(); it.next()) action.accept(Codec.fileRecord(it.key(), it.value()));
      it.status();
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  /** Blocks with data over all files (a sequential pass over the hashes). */
  public long hashedBlocks() throws IndexException {
    long n = 0;
    // Both column families have one entry per file under the same key: walk them side by side.
    try (RocksIterator f = db.newIterator(files); RocksIterator it = db.newIterator(hashes)) {
      it.seekToFirst();
      for (f.seekToFirst(); f.isValid(); f.next()) {
        while (it.isValid() && java.util.Arrays.compareUnsigned(it.key(), f.key()) < 0) it.next();
        if (!it.isValid() || !java.util.Arrays.equals(it.key(), f.key())) continue;
        FileRecord r = Codec.fileRecord(f.key(), f.value());
        for (long h : Codec.hashes(it.value(), r.blockCount())) if (h != FileScan.NO_DATA) n++;
      }
      f.status();
      it.status();
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
    return n;
  }

  /** A temporary sorted store in this database, dropped when closed (and at the next open if a run was killed). */
  public Spill openSpill(String name) throws IndexException {
    return new Spill(store, store.createColumnFamily(Spill.PREFIX + name + "-" + System.nanoTime()));
  }

  /** Approximate size of the index on disk, in bytes. */
  public long diskBytes() {
    try (var s = Files.walk(store.dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Checkpoints this often instead of every 30 s or 1 GiB hashed (tests, and the hidden --checkpoint-every). */
  public void checkpointEvery(long nanos, long bytesHashed) {
    store.checkpointEvery(nanos, bytesHashed);
  }

  /** Flushes memtables so the index on disk is complete (and measurable). */
  public void flush() throws IndexException {
    store.flush();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (seen != null) {
        try {
          seen.close();
        } catch (IndexException e) {
          // dropped at the next open
        }
        seen = null;
      }
    }
    store.close();
  }
}
