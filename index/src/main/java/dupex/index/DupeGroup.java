package dupex.index;

import java.util.List;

/** A block hash found at two or more places that are not all the same physical block, in key order. */
public record DupeGroup(long hash, List<Posting> members) {
  public int length() {
    return members.get(0).length();
  }
}
