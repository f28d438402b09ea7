package dupex.index;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.rocksdb.RocksIterator;

/**
 * Streams the blocks column family in hash order and yields each hash found at two or more places that are not
 * all one physical block. Memory is one group; a group larger than {@link #MAX_MEMBERS} is cut there.
 */
public final class GroupIterator implements Iterator<DupeGroup>, AutoCloseable {
  /** A hash present in more places than this (a block of zeros in every file) is planned for the first ones only. */
  public static final int MAX_MEMBERS = 100_000;
  private final RocksIterator it;
  private final int blockSize;
  private DupeGroup next;
  private long truncatedGroups;

  GroupIterator(RocksIterator it, int blockSize) {
    this.it = it;
    this.blockSize = blockSize;
    it.seekToFirst();
  }

  @Override
  public boolean hasNext() {
    while (next == null && it.isValid()) {
      long hash = Codec.blockHash(it.key());
      List<Posting> members = new ArrayList<>(2);
      boolean truncated = false;
      while (it.isValid() && Codec.blockHash(it.key()) == hash) {
        if (members.size() < MAX_MEMBERS) members.add(Codec.posting(it.key(), it.value(), blockSize));
        else truncated = true;
        it.next();
      }
      if (truncated) truncatedGroups++;
      if (worthSharing(members)) next = new DupeGroup(hash, members);
    }
    return next != null;
  }

  /** Two or more places, not all on one known physical block. */
  static boolean worthSharing(List<Posting> members) {
    if (members.size() < 2) return false;
    long first = members.get(0).physical();
    if (first == 0) return true;
    for (Posting p : members) if (p.physical() != first) return true;
    return false;
  }

  @Override
  public DupeGroup next() {
    if (!hasNext()) throw new NoSuchElementException();
    DupeGroup g = next;
    next = null;
    return g;
  }

  public long truncatedGroups() {
    return truncatedGroups;
  }

  @Override
  public void close() {
    it.close();
  }
}
