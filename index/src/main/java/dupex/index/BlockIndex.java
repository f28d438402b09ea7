package dupex.index;

import dupex.scanner.FileId;
import dupex.scanner.FileScan;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jpountz.xxhash.XXHashFactory;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The on-disk index of one filesystem in RocksDB: file records, block postings sorted by hash, and settings.
 * Each file is written in one WriteBatch, so a crash leaves whole files. Memory is bounded by the block cache and
 * write buffers, whatever the number of files.
 */
public final class BlockIndex implements AutoCloseable {
  static final String META = "meta", FILES = "files", HASHES = "hashes", BLOCKS = "blocks";
  /**
   * Bounded caches keep memory flat however large the index grows: memtables of all column families together are
   * charged to the one block cache, so RocksDB holds at most about BLOCK_CACHE_BYTES.
   */
  static final long BLOCK_CACHE_BYTES = 64L << 20, MEMTABLES_BYTES = 32L << 20, WRITE_BUFFER_BYTES = 16L << 20;

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final IndexSettings settings;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final org.rocksdb.WriteBufferManager memtables;
  /**
   * No write-ahead log: every write is a whole file's batch in the memtable, flushed to SST files when a run ends
   * (and when a memtable fills), all column families at once (atomic flush). A crash loses the unflushed part of
   * that run, never half a file: the next run simply redoes it.
   */
  private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
  private final ColumnFamilyHandle meta, files, hashes, blocks;
  private final List<ColumnFamilyHandle> handles;

  private BlockIndex(Path dir, IndexSettings settings, RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions,
                     LRUCache cache, org.rocksdb.WriteBufferManager memtables, List<ColumnFamilyHandle> handles) {
    this.memtables = memtables;
    this.dir = dir;
    this.settings = settings;
    this.db = db;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.cache = cache;
    this.handles = handles;
    this.meta = handles.get(0);
    this.files = handles.get(1);
    this.hashes = handles.get(2);
    this.blocks = handles.get(3);
  }

  /**
   * Opens (creating, mode 0700) the index in {@code dir}; with {@code settings} null, an existing index with
   * the settings it was built with (for status).
   *
   * @throws IndexException.Locked another process has it open
   * @throws IndexException.Corrupt it cannot be read
   * @throws IndexException.SettingsMismatch it was built with other settings
   */
  public static BlockIndex open(Path dir, IndexSettings settings) throws IndexException {
    try {
      if (!Files.isDirectory(dir)) {
        var privateDir = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        if (!Files.isDirectory(dir.getParent())) {
          if (dir.getParent().getParent() != null) Files.createDirectories(dir.getParent().getParent());
          Files.createDirectory(dir.getParent(), privateDir); // the index root: it holds every indexed path
        }
        Files.createDirectory(dir, privateDir);
      }
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IndexException("cannot create index " + dir + ": Permission denied", e);
    } catch (java.io.IOException e) {
      throw new IndexException("cannot create index " + dir + ": " + e.getMessage(), e);
    }
    LRUCache cache = new LRUCache(BLOCK_CACHE_BYTES);
    BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache)
        .setFilterPolicy(new BloomFilter(10)).setBlockSize(16 * 1024);
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().setTableFormatConfig(table)
        .setCompressionType(CompressionType.LZ4_COMPRESSION).setWriteBufferSize(WRITE_BUFFER_BYTES)
        .setMaxWriteBufferNumber(2);
    // Without a WAL, atomic flush keeps a file's record and its postings (two column families) together on disk.
    org.rocksdb.WriteBufferManager memtables = new org.rocksdb.WriteBufferManager(MEMTABLES_BYTES, cache);
    DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true).setAtomicFlush(true)
        .setWriteBufferManager(memtables)
        .setMaxOpenFiles(256).setKeepLogFileNum(2).setMaxBackgroundJobs(2);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (String name : List.of(META, FILES, HASHES, BLOCKS)) descriptors.add(new ColumnFamilyDescriptor(bytes(name), cfOptions));
    // Spill column families a killed run left behind are opened too, then dropped.
    List<String> stale = new ArrayList<>();
    try {
      if (Files.exists(dir.resolve("CURRENT"))) {
        try (org.rocksdb.Options o = new org.rocksdb.Options()) {
          for (byte[] name : RocksDB.listColumnFamilies(o, dir.toString())) {
            String n = new String(name, StandardCharsets.UTF_8);
            if (n.startsWith(Spill.PREFIX)) {
              stale.add(n);
              descriptors.add(new ColumnFamilyDescriptor(name, cfOptions));
            }
          }
        }
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      handles.get(0).close();
      handles.remove(0);
      for (int i = handles.size() - 1; i >= 4; i--) {
        db.dropColumnFamily(handles.get(i));
        handles.remove(i).close();
      }
      byte[] stored = db.get(handles.get(0), bytes("format"));
      IndexSettings effective = settings != null ? settings : stored == null ? null : IndexSettings.parse(new String(stored, StandardCharsets.UTF_8));
      BlockIndex index = new BlockIndex(dir, effective, db, dbOptions, cfOptions, cache, memtables, handles);
      try {
        if (effective == null) throw new IndexException("index " + dir + " has no settings: it was never written", null);
        index.checkSettings(stored == null ? null : new String(stored, StandardCharsets.UTF_8));
      } catch (IndexException e) {
        index.close();
        throw e;
      }
      return index;
    } catch (RocksDBException e) {
      cfOptions.close();
      dbOptions.close();
      memtables.close();
      cache.close();
      throw translate(dir, "open", e);
    }
  }

  static IndexException translate(Path dir, String what, RocksDBException e) {
    String msg = e.getMessage() == null ? "" : e.getMessage();
    Status.Code code = e.getStatus() == null ? null : e.getStatus().getCode();
    if (msg.contains("lock") || msg.contains("LOCK")) {
      return new IndexException.Locked("index " + dir + " is in use by another dupex run", e);
    }
    if (msg.contains("No space left")) return new IndexException.NoSpace("index " + dir + ": disk full (" + msg + ")", e);
    if (code == Status.Code.Corruption || msg.contains("Corruption") || msg.contains("CURRENT")) {
      return new IndexException.Corrupt("index " + dir + " is corrupt (" + msg + "); remove it to rebuild: rm -rf " + dir, e);
    }
    if (msg.contains("Permission denied")) return new IndexException("index " + dir + ": Permission denied", e);
    return new IndexException("index " + dir + ": " + what + ": " + msg, e);
  }

  private IndexException translate(String what, RocksDBException e) {
    return translate(dir, what, e);
  }

  private void checkSettings(String stored) throws IndexException {
    String want = settings.describe();
    if (stored == null) {
      putMeta("format", want);
    } else if (!stored.equals(want)) {
      throw new IndexException.SettingsMismatch("index " + dir + " was built with " + stored + ", not " + want
          + "; use the same --block-size, or remove the index to rebuild it: rm -rf " + dir);
    }
  }

  public Path directory() {
    return dir;
  }

  public IndexSettings settings() {
    return settings;
  }

  public Optional<String> meta(String key) throws IndexException {
    try {
      byte[] v = db.get(meta, bytes(key));
      return v == null ? Optional.empty() : Optional.of(new String(v, StandardCharsets.UTF_8));
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  public void putMeta(String key, String value) throws IndexException {
    try {
      db.put(meta, writeOptions, bytes(key), bytes(value));
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /** Starts a scan: returns its epoch, one more than the last. */
  public long beginRun() throws IndexException {
    long epoch = meta("epoch").map(Long::parseLong).orElse(0L) + 1;
    putMeta("epoch", Long.toString(epoch));
    return epoch;
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

  /** A hash of a block layout: equal layouts mean the postings' physical addresses are current. */
  public static long layoutHash(long[] physicals) {
    ByteBuffer b = ByteBuffer.allocate(physicals.length * 8);
    for (long p : physicals) b.putLong(p);
    return LAYOUT_HASH.hash(b.array(), 0, b.capacity(), 0);
  }

  private static final net.jpountz.xxhash.XXHash64 LAYOUT_HASH = XXHashFactory.fastestInstance().hash64();

  /** A file's block hashes (0 for a block with no data), as last hashed. */
  public long[] hashes(FileRecord rec) throws IndexException {
    try {
      byte[] v = db.get(hashes, Codec.fileKey(rec.id()));
      return v == null ? new long[rec.blockCount()] : Codec.hashes(v);
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
  }

  /** Replaces a file's record, hashes and postings (removing those of {@code old}, if any) in one batch. */
  public FileRecord put(FileScan scan, FileRecord old, long epoch) throws IndexException {
    FileRecord rec = new FileRecord(scan.id(), scan.paths(), scan.size(), scan.mtimeNs(), scan.ctimeNs(), epoch,
        layoutHash(scan.physicals()), scan.blockSize(), scan.hashes().length);
    try (WriteBatch batch = new WriteBatch()) {
      if (old != null) deletePostings(batch, old, hashes(old));
      for (int i = 0; i < scan.hashes().length; i++) {
        long h = scan.hashes()[i];
        if (h != FileScan.NO_DATA) {
          batch.put(blocks, Codec.blockKey(h, scan.id(), i), Codec.blockValue(scan.physicals()[i], scan.blockLength(i), scan.blockSize()));
        }
      }
      byte[] key = Codec.fileKey(rec.id());
      batch.put(files, key, Codec.fileValue(rec));
      batch.put(hashes, key, Codec.hashesValue(scan.hashes()));
      db.write(writeOptions, batch);
      return rec;
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /**
   * Marks an unchanged file seen in this run, with its current paths: a small write. Its postings' physical
   * addresses are rewritten only when its block layout moved (after a dedupe or a defragmentation).
   */
  public FileRecord touch(FileRecord old, List<Path> paths, long epoch, long[] physicals) throws IndexException {
    long layout = layoutHash(physicals);
    FileRecord rec = old.withEpoch(paths, epoch, layout);
    try (WriteBatch batch = new WriteBatch()) {
      if (layout != old.layoutHash()) putPostings(batch, rec, hashes(old), physicals);
      batch.put(files, Codec.fileKey(rec.id()), Codec.fileValue(rec));
      db.write(writeOptions, batch);
      return rec;
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  /** Records new physical addresses of a file's blocks (after a dedupe moved them). */
  public void updatePhysicals(FileRecord rec, long[] physicals) throws IndexException {
    // touch() with the record's own paths and epoch: only the postings (and layout hash) change
    touch(rec, rec.paths(), rec.epoch(), physicals);
  }

  /** Forgets a file's stat so the next scan hashes it again (it changed under a dedupe). */
  public void invalidate(FileId id) throws IndexException {
    Optional<FileRecord> rec = get(id);
    if (rec.isEmpty()) return;
    FileRecord r = rec.get();
    FileRecord stale = new FileRecord(r.id(), r.paths(), r.size(), -1, -1, r.epoch(), r.layoutHash(), r.blockSize(), r.blockCount());
    try {
      db.put(files, writeOptions, Codec.fileKey(r.id()), Codec.fileValue(stale));
    } catch (RocksDBException e) {
      throw translate("write", e);
    }
  }

  private void putPostings(WriteBatch batch, FileRecord rec, long[] hashes, long[] physicals) throws RocksDBException {
    for (int i = 0; i < hashes.length; i++) {
      long h = hashes[i];
      if (h != FileScan.NO_DATA) {
        batch.put(blocks, Codec.blockKey(h, rec.id(), i),
            Codec.blockValue(i < physicals.length ? physicals[i] : 0, rec.blockLength(i), rec.blockSize()));
      }
    }
  }

  private void deletePostings(WriteBatch batch, FileRecord rec, long[] hashes) throws RocksDBException {
    for (int i = 0; i < hashes.length; i++) {
      if (hashes[i] != FileScan.NO_DATA) batch.delete(blocks, Codec.blockKey(hashes[i], rec.id(), i));
    }
  }

  /**
   * After a full walk of {@code roots} in run {@code epoch}: forgets the paths under those roots of files not seen,
   * and files left with no path at all (with their postings).
   *
   * @return files removed
   */
  public long removeUnseen(long epoch, List<Path> roots) throws IndexException {
    long removed = 0;
    try (RocksIterator it = db.newIterator(files)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        FileRecord r = Codec.fileRecord(it.key(), it.value());
        if (r.epoch() >= epoch) continue;
        List<Path> kept = r.paths().stream().filter(p -> roots.stream().noneMatch(p::startsWith)).toList();
        if (kept.size() == r.paths().size()) continue;
        try (WriteBatch batch = new WriteBatch()) {
          if (kept.isEmpty()) {
            deletePostings(batch, r, hashes(r));
            batch.delete(files, it.key());
            batch.delete(hashes, it.key());
            removed++;
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
    return removed;
  }

  /** Streams duplicate groups in hash order without loading the index into memory. Close it. */
  public GroupIterator groups() {
    return new GroupIterator(db.newIterator(blocks), settings.blockSize());
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
    try (RocksIterator it = db.newIterator(hashes)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        for (long h : Codec.hashes(it.value())) if (h != FileScan.NO_DATA) n++;
      }
      it.status();
    } catch (RocksDBException e) {
      throw translate("read", e);
    }
    return n;
  }

  /** A temporary sorted store in this database, dropped when closed (and at the next open if a run was killed). */
  public Spill openSpill(String name) throws IndexException {
    try {
      ColumnFamilyHandle h = db.createColumnFamily(new ColumnFamilyDescriptor(bytes(Spill.PREFIX + name + "-" + System.nanoTime()), cfOptions));
      return new Spill(db, h, writeOptions, dir);
    } catch (RocksDBException e) {
      throw translate("create spill", e);
    }
  }

  /** Approximate size of the index on disk, in bytes. */
  public long diskBytes() {
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Flushes memtables so the index on disk is complete (and measurable). */
  public void flush() throws IndexException {
    try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      throw translate("flush", e);
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException ignored) {
      // closing anyway: what was not flushed is redone by the next run
    }
    for (ColumnFamilyHandle h : handles) h.close();
    db.close();
    writeOptions.close();
    cfOptions.close();
    dbOptions.close();
    memtables.close();
    cache.close();
  }
}
