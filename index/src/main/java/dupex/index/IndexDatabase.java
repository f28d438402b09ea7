package dupex.index;

import dupex.linux.Errno;
import dupex.linux.LockFile;
import dupex.linux.NativeIOException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB database behind one filesystem's index: created mode 0700, locked against other dupex runs, its
 * column families opened with bounded memory (spills a killed run left behind are dropped), and every native
 * object closed with it.
 */
final class IndexDatabase implements AutoCloseable {
  static final String META = "meta", FILES = "files", HASHES = "hashes", BLOCKS = "blocks", DONE = "done";
  /** Held while a run has the index open; another run finds it locked. */
  static final String LOCK_FILE = "dupex.lock";
  /**
   * Bounded caches keep memory flat however large the index grows: memtables of all column families together are
   * charged to the one block cache, so RocksDB holds at most about BLOCK_CACHE_BYTES. 32 MiB by default; the
   * launcher's DUPEX_INDEX_CACHE (MiB, at least 16) sets it through the system property {@code dupex.indexCacheMiB}.
   * A rescan of 300,000 unchanged files ran as fast with 16 MiB as with 64 (its index is 18 MB); planning many
   * duplicates reads postings and records at random, where a larger cache helps: a report over those files took
   * 25% longer with 16 MiB, within the noise with 32 (3.9-5.0 s against 3.5-4.5 s), for 12 MiB less resident.
   */
  static final long BLOCK_CACHE_BYTES = Math.max(16, Long.getLong("dupex.indexCacheMiB", 32)) << 20;
  static final long MEMTABLES_BYTES = BLOCK_CACHE_BYTES / 2, WRITE_BUFFER_BYTES = Math.min(16L << 20, BLOCK_CACHE_BYTES / 4);

  static {
    RocksDB.loadLibrary();
  }

  /** Nothing but this class's initializer: RocksDB's library loaded. */
  static void load() {}

  final Path dir;
  final RocksDB db;
  final ColumnFamilyHandle meta, files, hashes, blocks;
  /** Null in a read-only open of an index made before it existed. */
  final ColumnFamilyHandle done;
  /**
   * No write-ahead log: every write is a whole file's batch in the memtable, flushed to SST files when a run ends
   * (and when a memtable fills), all column families at once (atomic flush), so a crash never separates a record
   * from its postings. A crash loses the unflushed part of that run, never half a file: the next run redoes it.
   */
  final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
  final ColumnFamilyOptions cfOptions;
  /** For column families that are only ever iterated (postings, spills): no Bloom filter, which only serves gets. */
  final ColumnFamilyOptions scanOptions;
  /**
   * Writes skip the WAL, so only flushed data survives a kill -9 or a crash: a long scan flushes at least this
   * often, or after this much data was hashed, and a killed run loses at most that much work.
   */
  static final long CHECKPOINT_NANOS = 30_000_000_000L, CHECKPOINT_BYTES = 1L << 30;
  private long checkpointNanos = CHECKPOINT_NANOS, checkpointBytes = CHECKPOINT_BYTES;
  private long lastCheckpoint = System.nanoTime(), hashedSinceCheckpoint;
  private final List<ColumnFamilyHandle> handles;
  private final List<AutoCloseable> natives;
  private final LockFile lock;

  private IndexDatabase(Path dir, RocksDB db, List<ColumnFamilyHandle> handles, ColumnFamilyOptions cfOptions, ColumnFamilyOptions scanOptions,
                        List<AutoCloseable> natives, LockFile lock) {
    this.dir = dir;
    this.db = db;
    this.handles = handles;
    this.cfOptions = cfOptions;
    this.scanOptions = scanOptions;
    this.natives = natives;
    this.lock = lock;
    this.meta = handles.get(0);
    this.files = handles.get(1);
    this.hashes = handles.get(2);
    this.blocks = handles.get(3);
    this.done = handles.size() > 4 ? handles.get(4) : null;
  }

  static IndexDatabase open(Path dir) throws IndexException {
    createPrivate(dir);
    return open(dir, lock(dir));
  }

  /**
   * Opens an index read-only, without its lock, while a run may hold it (for status): RocksDB's read-only mode
   * reads the state of the last flush. Nothing is written, flushed or dropped.
   */
  static IndexDatabase openReadOnly(Path dir) throws IndexException {
    return open(dir, null);
  }

  /** Whether a run holds the index now (its lock, seen without taking it). */
  static boolean inUse(Path dir) throws IndexException {
    try {
      return LockFile.isHeld(dir.resolve(LOCK_FILE));
    } catch (NativeIOException e) {
      throw new IndexException("index " + dir + ": cannot tell whether it is in use: " + e.getMessage(), e);
    }
  }

  /** Opens for writing under {@code lock}, or read-only when it is null. */
  private static IndexDatabase open(Path dir, LockFile lock) throws IndexException {
    boolean readOnly = lock == null;
    LRUCache cache = new LRUCache(BLOCK_CACHE_BYTES);
    BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache)
        .setFilterPolicy(new BloomFilter(10)).setBlockSize(16 * 1024);
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().setTableFormatConfig(table)
        .setCompressionType(CompressionType.LZ4_COMPRESSION).setWriteBufferSize(WRITE_BUFFER_BYTES)
        .setMaxWriteBufferNumber(2);
    BlockBasedTableConfig scanTable = new BlockBasedTableConfig().setBlockCache(cache).setBlockSize(16 * 1024);
    ColumnFamilyOptions scanOptions = new ColumnFamilyOptions().setTableFormatConfig(scanTable)
        .setCompressionType(CompressionType.LZ4_COMPRESSION).setWriteBufferSize(WRITE_BUFFER_BYTES)
        .setMaxWriteBufferNumber(2);
    WriteBufferManager memtables = new WriteBufferManager(MEMTABLES_BYTES, cache);
    DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true).setAtomicFlush(true)
        .setWriteBufferManager(memtables).setMaxOpenFiles(256).setKeepLogFileNum(2).setMaxBackgroundJobs(2)
        // RocksDB's info log repeats every column family's options at each open (about 130 KiB): warnings only
        .setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
    List<AutoCloseable> natives = List.of(cfOptions, scanOptions, dbOptions, memtables, cache);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (String name : List.of(META, FILES, HASHES)) descriptors.add(new ColumnFamilyDescriptor(bytes(name), cfOptions));
    descriptors.add(new ColumnFamilyDescriptor(bytes(BLOCKS), scanOptions));
    try {
      if (!readOnly || hasColumnFamily(dir, DONE)) descriptors.add(new ColumnFamilyDescriptor(bytes(DONE), cfOptions));
      // Spill column families a killed run left behind are opened too, then dropped.
      if (!readOnly && Files.exists(dir.resolve("CURRENT"))) {
        try (Options o = new Options()) {
          for (byte[] name : RocksDB.listColumnFamilies(o, dir.toString())) {
            if (new String(name, StandardCharsets.UTF_8).startsWith(Spill.PREFIX)) descriptors.add(new ColumnFamilyDescriptor(name, scanOptions));
          }
        }
      }
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      RocksDB db = readOnly ? RocksDB.openReadOnly(dbOptions, dir.toString(), descriptors, handles)
          : RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      handles.remove(0).close();
      for (int i = handles.size() - 1; i >= 5; i--) {
        db.dropColumnFamily(handles.get(i));
        handles.remove(i).close();
      }
      return new IndexDatabase(dir, db, handles, cfOptions, scanOptions, natives, lock);
    } catch (RocksDBException e) {
      closeAll(natives);
      if (lock != null) release(lock);
      throw IndexErrors.translate(dir, "open", e);
    }
  }

  private static boolean hasColumnFamily(Path dir, String name) throws RocksDBException {
    try (Options o = new Options()) {
      for (byte[] n : RocksDB.listColumnFamilies(o, dir.toString())) if (name.equals(new String(n, StandardCharsets.UTF_8))) return true;
    }
    return false;
  }

  /** The index directory and (if new) the index root above it, mode 0700: they hold every indexed path. */
  private static void createPrivate(Path dir) throws IndexException {
    try {
      if (Files.isDirectory(dir)) return;
      var privateDir = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
      if (!Files.isDirectory(dir.getParent())) {
        if (dir.getParent().getParent() != null) Files.createDirectories(dir.getParent().getParent());
        Files.createDirectory(dir.getParent(), privateDir);
      }
      Files.createDirectory(dir, privateDir);
    } catch (AccessDeniedException e) {
      throw new IndexException.Denied("cannot create index " + dir + ": Permission denied", e);
    } catch (IOException e) {
      throw new IndexException("cannot create index " + dir + ": " + e.getMessage(), e);
    }
  }

  private static LockFile lock(Path dir) throws IndexException {
    try {
      return LockFile.tryLock(dir.resolve(LOCK_FILE))
          .orElseThrow(() -> new IndexException.Locked("index " + dir + " is in use by another dupex run", null));
    } catch (NativeIOException e) {
      if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) throw new IndexException.Denied("index " + dir + ": Permission denied", e);
      throw new IndexException("index " + dir + ": cannot lock it: " + e.getMessage(), e);
    }
  }

  private static void release(LockFile lock) {
    try {
      lock.close();
    } catch (NativeIOException e) {
      // the lock goes with the descriptor
    }
  }

  private static void closeAll(List<AutoCloseable> natives) {
    for (AutoCloseable c : natives) {
      try {
        c.close();
      } catch (Exception e) {
        // native handles: nothing to report at close
      }
    }
  }

  IndexException translate(String what, RocksDBException e) {
    return IndexErrors.translate(dir, what, e);
  }

  /** A new temporary column family. */
  ColumnFamilyHandle createColumnFamily(String name) throws IndexException {
    try {
      return db.createColumnFamily(new ColumnFamilyDescriptor(bytes(name), scanOptions));
    } catch (RocksDBException e) {
      throw translate("create " + name, e);
    }
  }

  /** After a file's batch: flushes when a checkpoint is due, so the files written so far survive a crash. */
  void written(long bytesHashed) throws IndexException {
    if (lock == null) throw new IllegalStateException("read-only index");
    synchronized (this) {
      hashedSinceCheckpoint += bytesHashed;
      long now = System.nanoTime();
      if (hashedSinceCheckpoint < checkpointBytes && now - lastCheckpoint < checkpointNanos) return;
      hashedSinceCheckpoint = 0;
      lastCheckpoint = now;
    }
    flush();
  }

  /** Tests: checkpoint this often instead. */
  synchronized void checkpointEvery(long nanos, long bytesHashed) {
    checkpointNanos = nanos;
    checkpointBytes = bytesHashed;
  }

  /** Writes the memtables of every column family to disk, together. */
  void flush() throws IndexException {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
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
    try {
      if (lock != null) flush();
    } catch (IndexException ignored) {
      // closing anyway: what was not flushed is redone by the next run
    }
    for (ColumnFamilyHandle h : handles) h.close();
    db.close();
    writeOptions.close();
    closeAll(natives);
    if (lock != null) release(lock);
  }
}
