package dupex.index;

import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** A temporary column family that sorts what is put in it by key, for planning data larger than memory. */
public final class Spill implements AutoCloseable {
  static final String PREFIX = "spill-";
  private static final int BATCH_OPS = 4096;
  private final IndexDatabase store;
  private final RocksDB db;
  private final ColumnFamilyHandle cf;
  private WriteBatch batch = new WriteBatch();
  private long count;

  Spill(IndexDatabase store, ColumnFamilyHandle cf) {
    this.store = store;
    this.db = store.db;
    this.cf = cf;
  }

  public synchronized void put(byte[] key, byte[] value) throws IndexException {
    try {
      batch.put(cf, key, value);
      if (batch.count() >= BATCH_OPS) flushBatch();
      count++;
    } catch (RocksDBException e) {
      throw store.translate("spill", e);
    }
  }

  private synchronized void flushBatch() throws RocksDBException {
    if (batch.count() == 0) return;
    db.write(store.writeOptions, batch);
    batch.close();
    batch = new WriteBatch();
  }

  public long count() {
    return count;
  }

  /** Visits every entry in key order. */
  public void forEach(BiConsumer<byte[], byte[]> action) throws IndexException {
    try {
      flushBatch();
      try (RocksIterator it = db.newIterator(cf)) {
        for (it.seekToFirst(); it.isValid(); it.next()) action.accept(it.key(), it.value());
        it.status();
      }
    } catch (RocksDBException e) {
      throw store.translate("spill", e);
    }
  }

  /** Opens a cursor at the first entry, in key order. Close it before the spill. */
  public Cursor cursor() throws IndexException {
    return cursor(new byte[0]);
  }

  /** Opens a cursor at the first entry at or after {@code from}, in key order. Close it before the spill. */
  public Cursor cursor(byte[] from) throws IndexException {
    try {
      flushBatch();
    } catch (RocksDBException e) {
      throw store.translate("spill", e);
    }
    RocksIterator it = db.newIterator(cf);
    it.seek(from);
    return new Cursor(store, it);
  }

  /** Whether {@code key} was put. */
  public boolean contains(byte[] key) throws IndexException {
    try {
      flushBatch();
      return db.get(cf, key) != null;
    } catch (RocksDBException e) {
      throw store.translate("spill", e);
    }
  }

  /** Puts {@code key} with an empty value unless it was put before; whether it was not (a set's add). */
  public synchronized boolean add(byte[] key) throws IndexException {
    try {
      flushBatch();
      if (db.get(cf, key) != null) return false;
      db.put(cf, store.writeOptions, key, EMPTY);
      count++;
      return true;
    } catch (RocksDBException e) {
      throw store.translate("spill", e);
    }
  }

  private static final byte[] EMPTY = new byte[0];

  /** Whether some key starts with {@code prefix}. */
  public boolean containsPrefix(byte[] prefix) throws IndexException {
    try {
      flushBatch();
      try (RocksIterator it = db.newIterator(cf)) {
        it.seek(prefix);
        boolean found = it.isValid() && java.util.Arrays.equals(it.key(), 0, prefix.length, prefix, 0, prefix.length);
        it.status();
        return found;
      }
    } catch (RocksDBException e) {
      throw store.translate("spill", e);
    }
  }

  /**
   * A position in a spill: {@link #valid()}, then {@link #key()} and {@link #value()}, then {@link #next()}.
   * At the end it checks why the iteration ended, so a corrupt block is an error, not an early end.
   */
  public static final class Cursor implements AutoCloseable {
    private final IndexDatabase store;
    private final RocksIterator it;

    Cursor(IndexDatabase store, RocksIterator it) {
      this.store = store;
      this.it = it;
    }

    public boolean valid() throws IndexException {
      if (it.isValid()) return true;
      try {
        it.status();
      } catch (RocksDBException e) {
        throw store.translate("spill", e);
      }
      return false;
    }

    public byte[] key() {
      return it.key();
    }

    public byte[] value() {
      return it.value();
    }

    public void next() {
      it.next();
    }

    @Override
    public void close() {
      it.close();
    }
  }

  @Override
  public void close() throws IndexException {
    batch.close();
    try {
      db.dropColumnFamily(cf);
    } catch (RocksDBException e) {
      throw store.translate("drop spill", e);
    } finally {
      cf.close();
    }
  }
}
