package dupex.linux;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * What btrfs itself records about a file's data, beyond FIEMAP (which merges physically contiguous items and hides
 * where a disk extent starts and how much of it a file uses): the file's EXTENT_DATA items
 * (BTRFS_IOC_TREE_SEARCH_V2), every reference to a disk extent (BTRFS_IOC_LOGICAL_INO_V2), and the subvolume a
 * file lives in (BTRFS_IOC_INO_LOOKUP), and the names of inodes and subvolumes for messages. All but asking
 * which subvolume holds an open file need CAP_SYS_ADMIN.
 */
public final class BtrfsTree {
  /** BTRFS_IOC_TREE_SEARCH_V2 = _IOWR(0x94, 17, struct btrfs_ioctl_search_args_v2) = 0xC0709411. */
  static final long TREE_SEARCH_V2 = Ioctl.iowr(0x94, 17, 112);
  /** BTRFS_IOC_LOGICAL_INO_V2 = _IOWR(0x94, 59, struct btrfs_ioctl_logical_ino_args) = 0xC038943B. */
  static final long LOGICAL_INO_V2 = Ioctl.iowr(0x94, 59, 56);
  /** BTRFS_IOC_INO_LOOKUP = _IOWR(0x94, 18, struct btrfs_ioctl_ino_lookup_args) = 0xD0009412. */
  static final long INO_LOOKUP = Ioctl.iowr(0x94, 18, 4096);

  // struct btrfs_ioctl_search_key (104 bytes), all in except nr_items (in/out)
  static final int SK_TREE_ID = 0, SK_MIN_OBJECTID = 8, SK_MAX_OBJECTID = 16, SK_MIN_OFFSET = 24, SK_MAX_OFFSET = 32,
      SK_MIN_TRANSID = 40, SK_MAX_TRANSID = 48, SK_MIN_TYPE = 56, SK_MAX_TYPE = 60, SK_NR_ITEMS = 64;
  /** struct btrfs_ioctl_search_args_v2: the key (104), u64 buf_size (in/out), then the buffer. */
  static final int SEARCH_KEY_SIZE = 104, SEARCH_BUF_SIZE = 104, SEARCH_HEADER_SIZE = 112;
  /** struct btrfs_ioctl_search_header (32 bytes, out): u64 transid, objectid, offset; u32 type, len. */
  static final int SH_SIZE = 32, SH_OBJECTID = 8, SH_OFFSET = 16, SH_TYPE = 24, SH_LEN = 28;
  static final int EXTENT_DATA_KEY = 108;
  /** struct btrfs_file_extent_item (packed, little-endian): generation, ram_bytes, compression, encryption,
   * other_encoding, type, then for regular and prealloc items disk_bytenr, disk_num_bytes, offset, num_bytes. */
  static final int FE_RAM_BYTES = 8, FE_COMPRESSION = 16, FE_TYPE = 20, FE_DISK_BYTENR = 21, FE_DISK_NUM_BYTES = 29,
      FE_OFFSET = 37, FE_NUM_BYTES = 45, FE_SIZE = 53;
  /** Search buffer: the kernel caps it at 16 MiB; 64 KiB holds about 750 extent items. */
  static final int SEARCH_BUFFER = 64 * 1024;

  // struct btrfs_ioctl_logical_ino_args (56 bytes): u64 logical (in), size (in), reserved[3], flags (in), inodes (in: pointer)
  static final int LI_LOGICAL = 0, LI_SIZE = 8, LI_FLAGS = 40, LI_INODES = 48, LI_ARGS_SIZE = 56;
  static final long LOGICAL_INO_ARGS_IGNORE_OFFSET = 1;
  /** struct btrfs_data_container (out): u32 bytes_left, bytes_missing, elem_cnt, elem_missed; u64 val[]. */
  static final int DC_BYTES_MISSING = 4, DC_ELEM_CNT = 8, DC_VAL = 16;
  /** LOGICAL_INO_V2 takes up to 16 MiB for the answer. */
  static final int MAX_CONTAINER = 16 << 20;
  static final long FIRST_FREE_OBJECTID = 256, ROOT_TREE_OBJECTID = 1, FS_TREE_OBJECTID = 5;
  /** struct btrfs_ioctl_ino_lookup_args: u64 treeid, objectid, then char name[4080]. */
  static final int INO_LOOKUP_NAME = 16;
  static final int ROOT_BACKREF_KEY = 144;
  /** struct btrfs_root_ref (packed): u64 dirid, sequence; u16 name_len; then the name. */
  static final int RR_DIRID = 0, RR_NAME_LEN = 16, RR_NAME = 18;

  private static final Native.Reusable SEARCH = new Native.Reusable(SEARCH_HEADER_SIZE + SEARCH_BUFFER);
  private static final Native.Reusable CONTAINER = new Native.Reusable(64 * 1024);
  private static final Native.Reusable LOGICAL_INO_ARGS = new Native.Reusable(LI_ARGS_SIZE);

  private BtrfsTree() {}

  /** One EXTENT_DATA item of a file. */
  public record FileExtent(long logical, long length, int type, int compression, long diskBytenr, long diskLength,
                           long offset) {
    public static final int INLINE = 0, REGULAR = 1, PREALLOC = 2;

    /** A hole recorded as an item (disk_bytenr 0, without the no-holes feature). */
    public boolean hole() {
      return type != INLINE && diskBytenr == 0;
    }

    public long end() {
      return logical + length;
    }
  }

  /** A reference to a disk extent: which inode in which subvolume (root) uses it, at which file offset. */
  public record Reference(long root, long inode, long fileOffset) {}

  /** An EXTENT_DATA item that references a disk extent, and the file it belongs to: inode {@code inode} of subvolume {@code root}. */
  public record Referrer(long root, long inode, FileExtent item) {}

  /** The file's EXTENT_DATA items in file order (searched in the file's own subvolume: tree_id 0). */
  public static List<FileExtent> extents(FileHandle file) throws NativeIOException {
    List<FileExtent> out = new ArrayList<>();
    search(file, 0, file.stat().inode(), 0, -1L, out);
    return out;
  }

  /**
   * Adds to {@code out} the EXTENT_DATA items of inode {@code inode} in tree {@code tree} (0: the one {@code any}
   * is in) whose file offsets lie in [minOffset, maxOffset].
   */
  private static void search(FileHandle any, long tree, long inode, long minOffset, long maxOffset, List<FileExtent> out)
      throws NativeIOException {
    Pointer args = SEARCH.get(SEARCH_HEADER_SIZE);
    while (true) {
      args.putLong(SK_TREE_ID, tree);
      args.putLong(SK_MIN_OBJECTID, inode);
      args.putLong(SK_MAX_OBJECTID, inode);
      args.putLong(SK_MIN_OFFSET, minOffset);
      args.putLong(SK_MAX_OFFSET, maxOffset);
      args.putLong(SK_MIN_TRANSID, 0);
      args.putLong(SK_MAX_TRANSID, -1L);
      args.putInt(SK_MIN_TYPE, EXTENT_DATA_KEY);
      args.putInt(SK_MAX_TYPE, EXTENT_DATA_KEY);
      args.putInt(SK_NR_ITEMS, Integer.MAX_VALUE);
      args.putLong(SEARCH_BUF_SIZE, SEARCH_BUFFER);
      if (Native.LIBC.ioctl(any.fd(), TREE_SEARCH_V2, args) < 0) {
        throw new NativeIOException("BTRFS_IOC_TREE_SEARCH_V2", any.path(), null, Native.errno());
      }
      int items = args.getInt(SK_NR_ITEMS);
      if (items == 0) return;
      long at = SEARCH_HEADER_SIZE, last = minOffset;
      for (int i = 0; i < items; i++) {
        int type = args.getInt(at + SH_TYPE), len = args.getInt(at + SH_LEN);
        long objectid = args.getLong(at + SH_OBJECTID), offset = args.getLong(at + SH_OFFSET);
        long item = at + SH_SIZE;
        if (type == EXTENT_DATA_KEY && objectid == inode && Long.compareUnsigned(offset, maxOffset) <= 0) {
          out.add(decode(args, item, len, offset));
        }
        last = offset;
        at = item + len;
      }
      if (Long.compareUnsigned(last, maxOffset) >= 0) return;
      minOffset = last + 1;
    }
  }

  /**
   * Every EXTENT_DATA item, in any subvolume, that references the disk extent starting at {@code diskBytenr}
   * (LOGICAL_INO_V2, then each item read by its key); empty when the extent is gone. {@code any} is any open file
   * or directory on the filesystem.
   */
  public static List<Referrer> referrers(FileHandle any, long diskBytenr) throws NativeIOException {
    List<Reference> refs;
    try {
      refs = references(any, diskBytenr);
    } catch (NativeIOException e) {
      if (e.errno() == Errno.ENOENT) return List.of(); // no extent item there any more: freed
      throw e;
    }
    List<Referrer> out = new ArrayList<>(refs.size());
    List<FileExtent> items = new ArrayList<>(1);
    for (Reference r : refs) {
      items.clear();
      try {
        search(any, r.root(), r.inode(), r.fileOffset(), r.fileOffset(), items);
      } catch (NativeIOException e) {
        if (e.errno() == Errno.ENOENT) continue; // the subvolume is being deleted
        throw e;
      }
      // A snapshot sharing the leaf lists the same item once per root; a changed file may no longer hold it.
      for (FileExtent x : items) if (x.diskBytenr() == diskBytenr && x.type() != FileExtent.INLINE) out.add(new Referrer(r.root(), r.inode(), x));
    }
    return out;
  }

  private static FileExtent decode(Pointer p, long item, int len, long logical) {
    int type = p.getByte(item + FE_TYPE) & 0xff;
    int compression = p.getByte(item + FE_COMPRESSION) & 0xff;
    if (type == FileExtent.INLINE || len < FE_SIZE) {
      return new FileExtent(logical, p.getLong(item + FE_RAM_BYTES), FileExtent.INLINE, compression, 0, 0, 0);
    }
    return new FileExtent(logical, p.getLong(item + FE_NUM_BYTES), type, compression, p.getLong(item + FE_DISK_BYTENR),
        p.getLong(item + FE_DISK_NUM_BYTES), p.getLong(item + FE_OFFSET));
  }

  /**
   * Every reference to the disk extent starting at {@code diskBytenr}, in any subvolume (LOGICAL_INO_V2 with
   * IGNORE_OFFSET: references to any part of it). {@code any} is any open file or directory on the filesystem.
   */
  public static List<Reference> references(FileHandle any, long diskBytenr) throws NativeIOException {
    int size = 64 * 1024;
    while (true) {
      Pointer container = size == 64 * 1024 ? CONTAINER.get(DC_VAL) : Native.allocate(size);
      Pointer args = LOGICAL_INO_ARGS.get(LI_ARGS_SIZE);
      args.putLong(LI_LOGICAL, diskBytenr);
      args.putLong(LI_SIZE, size);
      args.putLong(LI_FLAGS, LOGICAL_INO_ARGS_IGNORE_OFFSET);
      args.putLong(LI_INODES, container.address());
      if (Native.LIBC.ioctl(any.fd(), LOGICAL_INO_V2, args) < 0) {
        throw new NativeIOException("BTRFS_IOC_LOGICAL_INO_V2", any.path(), null, Native.errno());
      }
      long missing = container.getInt(DC_BYTES_MISSING) & 0xffffffffL;
      if (missing > 0 && size < MAX_CONTAINER) {
        size = (int) Math.min(MAX_CONTAINER, Math.max(2L * size, size + missing));
        continue;
      }
      int count = container.getInt(DC_ELEM_CNT);
      List<Reference> refs = new ArrayList<>(count / 3);
      for (int i = 0; i + 2 < count; i += 3) {
        long inode = container.getLong(DC_VAL + 8L * i), offset = container.getLong(DC_VAL + 8L * (i + 1));
        long root = container.getLong(DC_VAL + 8L * (i + 2));
        refs.add(new Reference(root, inode, offset));
      }
      return refs;
    }
  }

  /**
   * The path of inode {@code inode} inside subvolume {@code root}, relative to that subvolume (INO_LOOKUP with a
   * tree id; the first of a hard-linked file's names).
   */
  public static byte[] inodePath(FileHandle any, long root, long inode) throws NativeIOException {
    Pointer args = Native.allocate(4096);
    args.putLong(0, root);
    args.putLong(8, inode);
    if (Native.LIBC.ioctl(any.fd(), INO_LOOKUP, args) < 0) {
      throw new NativeIOException("BTRFS_IOC_INO_LOOKUP", any.path(), null, Native.errno());
    }
    byte[] name = nulTerminated(args, INO_LOOKUP_NAME, 4096 - INO_LOOKUP_NAME);
    int n = name.length;
    while (n > 0 && name[n - 1] == '/') n--; // the kernel ends it with a '/'
    return java.util.Arrays.copyOf(name, n);
  }

  /**
   * Where subvolume {@code root} sits, as a path from the filesystem's top-level subvolume (its ROOT_BACKREF items,
   * walked up to the top); empty for the top-level subvolume itself.
   */
  public static byte[] subvolumePath(FileHandle any, long root) throws NativeIOException {
    java.io.ByteArrayOutputStream path = new java.io.ByteArrayOutputStream();
    java.util.ArrayDeque<byte[]> parts = new java.util.ArrayDeque<>();
    Pointer args = Native.allocate(SEARCH_HEADER_SIZE + 4096);
    for (long id = root, hops = 0; id != FS_TREE_OBJECTID && hops < 4096; hops++) {
      args.putLong(SK_TREE_ID, ROOT_TREE_OBJECTID);
      args.putLong(SK_MIN_OBJECTID, id);
      args.putLong(SK_MAX_OBJECTID, id);
      args.putLong(SK_MIN_OFFSET, 0);
      args.putLong(SK_MAX_OFFSET, -1L);
      args.putLong(SK_MIN_TRANSID, 0);
      args.putLong(SK_MAX_TRANSID, -1L);
      args.putInt(SK_MIN_TYPE, ROOT_BACKREF_KEY);
      args.putInt(SK_MAX_TYPE, ROOT_BACKREF_KEY);
      args.putInt(SK_NR_ITEMS, 1);
      args.putLong(SEARCH_BUF_SIZE, 4096);
      if (Native.LIBC.ioctl(any.fd(), TREE_SEARCH_V2, args) < 0) {
        throw new NativeIOException("BTRFS_IOC_TREE_SEARCH_V2", any.path(), null, Native.errno());
      }
      if (args.getInt(SK_NR_ITEMS) == 0) break; // deleted, or not reachable from the top
      long at = SEARCH_HEADER_SIZE;
      long parent = args.getLong(at + SH_OFFSET);
      long item = at + SH_SIZE;
      long dirid = args.getLong(item + RR_DIRID);
      int nameLen = args.getShort(item + RR_NAME_LEN) & 0xffff;
      byte[] name = new byte[nameLen];
      args.get(item + RR_NAME, name, 0, nameLen);
      parts.push(name);
      byte[] dir = dirid == FIRST_FREE_OBJECTID ? new byte[0] : inodePath(any, parent, dirid);
      if (dir.length > 0) parts.push(dir);
      id = parent;
    }
    for (byte[] p : parts) {
      if (path.size() > 0) path.write('/');
      path.writeBytes(p);
    }
    return path.toByteArray();
  }

  private static byte[] nulTerminated(Pointer p, long offset, int max) {
    byte[] b = new byte[max];
    p.get(offset, b, 0, max);
    int n = 0;
    while (n < max && b[n] != 0) n++;
    return java.util.Arrays.copyOf(b, n);
  }

  /** The id of the subvolume (its tree) holding an open file or directory. */
  public static long subvolume(FileHandle file) throws NativeIOException {
    Pointer args = Native.allocate(4096);
    args.putLong(0, 0);
    args.putLong(8, FIRST_FREE_OBJECTID);
    if (Native.LIBC.ioctl(file.fd(), INO_LOOKUP, args) < 0) {
      throw new NativeIOException("BTRFS_IOC_INO_LOOKUP", file.path(), null, Native.errno());
    }
    return args.getLong(0);
  }
}
