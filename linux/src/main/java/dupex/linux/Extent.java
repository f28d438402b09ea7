package dupex.linux;

/** One FIEMAP extent: logical and physical byte offsets, length in bytes, and fe_flags. */
public record Extent(long logical, long physical, long length, int flags) {
  public Extent {
    if (logical < 0 || length <= 0) throw new IllegalArgumentException("bad extent @" + logical + "+" + length);
  }

  public long end() {
    return logical + length;
  }

  public boolean has(int flag) {
    return (flags & flag) != 0;
  }

  public boolean shared() {
    return has(Fiemap.EXTENT_SHARED);
  }

  public boolean last() {
    return has(Fiemap.EXTENT_LAST);
  }

  /** Data that sits in its own place on disk and can be shared: not preallocated, inline, or not yet placed. */
  public boolean shareable() {
    return !has(Fiemap.EXTENT_UNWRITTEN | Fiemap.EXTENT_DATA_INLINE | Fiemap.EXTENT_DELALLOC
        | Fiemap.EXTENT_UNKNOWN | Fiemap.EXTENT_NOT_ALIGNED | Fiemap.EXTENT_DATA_TAIL);
  }

  /** Whether physical + (offset - logical) names the bytes at that offset (not compressed or encrypted). */
  public boolean addressable() {
    return shareable() && !has(Fiemap.EXTENT_ENCODED) && physical != 0;
  }
}
