package dupex.index;

import dupex.scanner.FileId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Streams the blocks column family in hash order and yields each hash found at two or more places of files in
 * the run's scope ({@link #worthSharing} tells whether they are not all one physical block already). Memory is one
 * group; a group larger than {@link #MAX_MEMBERS} is cut there (and counted). When the iteration ends it checks why:
 * a corrupt block ends it too, and must not read as "no more duplicates".
 */
public final class GroupIterator implements AutoCloseable {
  /** A hash present in more places than this (a block of zeros in every file) is planned for the first ones only. */
  public static final int MAX_MEMBERS = 100_000;
  private final IndexDatabase store;
  private final RocksIterator it;
  private long truncatedGroups;

  /** Whether a file belongs to the run: the last scan saw it. */
  interface Scope {
    boolean contains(FileId id) throws IndexException;
  }

  /** Scope answers for recently met files: a file's blocks are met in many groups. */
  private static final int SCOPE_CACHE = 1 << 16;
  private final Scope scope;
  private final Map<FileId, Boolean> inScope = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<FileId, Boolean> e) {
      return size() > SCOPE_CACHE;
    }
  };

  GroupIterator(IndexDatabase store, RocksIterator it, Scope scope) {
    this.store = store;
    this.it = it;
    this.scope = scope;
    it.seekToFirst();
  }

  private boolean inScope(FileId id) throws IndexException {
    Boolean known = inScope.get(id);
    if (known == null) {
      known = scope.contains(id);
      inScope.put(id, known);
    }
    return known;
  }

  /**
   * The next group, or null at the end of the index.
   *
   * @throws IndexException.Corrupt the iteration stopped at a block that cannot be read
   */
  public DupeGroup next() throws IndexException {
    while (it.isValid()) {
      long hash = Codec.blockHash(it.key());
      // Most hashes are found once: the scope (a lookup per file) is asked only about hashes found twice or more.
      Posting first = Codec.posting(it.key(), it.value());
      it.next();
      if (!it.isValid() || Codec.blockHash(it.key()) != hash) continue;
      List<Posting> members = new ArrayList<>(2);
      if (inScope(first.file())) members.add(first);
      boolean truncated = false;
      while (it.isValid() && Codec.blockHash(it.key()) == hash) {
        Posting p = Codec.posting(it.key(), it.value());
        if (!inScope(p.file())) {
          // not this run's: another root's file, or one its filters skipped
        } else if (members.size() < MAX_MEMBERS) {
          members.add(p);
        } else {
          truncated = true;
        }
        it.next();
      }
      if (truncated) truncatedGroups++;
      if (members.size() >= 2) return new DupeGroup(hash, members);
    }
    try {
      it.status();
    } catch (RocksDBException e) {
      throw store.translate("read", e);
    }
    return null;
  }

  /** Two or more places, not all on one known physical block (else shared already: a dedupe, a reflink, a snapshot). */
  public static boolean worthSharing(List<Posting> members) {
    if (members.size() < 2) return false;
    long first = members.get(0).physical();
    if (first == 0) return true;
    for (Posting p : members) if (p.physical() != first) return true;
    return false;
  }

  /** Hashes found in more than {@link #MAX_MEMBERS} places so far: only their first places were yielded. */
  public long truncatedGroups() {
    return truncatedGroups;
  }

  @Override
  public void close() {
    it.close();
  }
}
