package dupex.dedupe;

import dupex.linux.DedupeOutcome;
import dupex.linux.DedupeTarget;
import dupex.linux.Errno;
import dupex.linux.Expected;
import dupex.linux.Extent;
import dupex.linux.Fiemap;
import dupex.linux.FileStat;
import dupex.linux.FsStat;
import dupex.linux.NativeIOException;
import dupex.linux.Reopened;
import dupex.linux.ScratchFile;
import java.nio.ByteBuffer;
import dupex.linux.BytePath;
import dupex.linux.BtrfsTree;
import dupex.scanner.Subvolumes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An in-memory filesystem behind the Kernel seam: files of bytes on numbered 4 KiB blocks (0: a hole), allocated
 * one extent per write; dedupe compares the bytes and points the destination's blocks at the source's; FIEMAP
 * merges physically consecutive blocks and flags blocks referenced more than once as shared; btrfs items and
 * references are read from the same blocks (one subvolume, {@link #ROOT}). Free space is the blocks no file
 * references, or on btrfs the extents no file references any block of. Errnos can be queued per destination path.
 */
final class FakeKernel implements Kernel {
  static final int BLOCK = 4096;
  static final long DEVICE = 0x803, ROOT = 5;

  final boolean btrfs;
  long capacity = 1L << 30;
  int dedupeCalls;
  final Map<BytePath, Node> byPath = new HashMap<>();
  final Map<BytePath, Deque<Integer>> failures = new HashMap<>();
  private final List<Node> scratches = new ArrayList<>();
  private long nextBlock = 1000, nextInode = 100;
  /** First block of each extent -> its length in blocks. */
  private final Map<Long, Integer> extents = new HashMap<>();

  /** Allocates {@code n} consecutive blocks as one extent; returns the first. */
  private long allocate(int n) {
    long first = nextBlock;
    nextBlock += n + 1; // a gap: two extents are never physically consecutive
    if (n > 0) extents.put(first, n);
    return first;
  }

  /** The first block of the extent holding {@code block}. */
  private long extentOf(long block) {
    long start = block;
    while (!extents.containsKey(start)) start--;
    return start;
  }

  static Subvolumes subvolumes() {
    Subvolumes s = new Subvolumes();
    s.add(ROOT, DEVICE);
    return s;
  }

  FakeKernel(boolean btrfs) {
    this.btrfs = btrfs;
  }

  /** A file's content and where its blocks are. */
  final class Node {
    final long inode = nextInode++;
    byte[] data;
    long[] blocks;
    long mtimeNs = 1, ctimeNs = 1;
    boolean immutable;

    Node(byte[] data) {
      this.data = data;
      this.blocks = new long[(data.length + BLOCK - 1) / BLOCK];
      long first = allocate(blocks.length); // written in one go: one extent
      for (int i = 0; i < blocks.length; i++) blocks[i] = first + i;
    }

    FileStat stat() {
      return new FileStat(0100644, DEVICE, inode, 1, data.length, (long) blocks.length * BLOCK, mtimeNs, ctimeNs,
          immutable ? FileStat.ATTR_IMMUTABLE : 0, BLOCK);
    }
  }

  Node write(BytePath path, byte[] data) {
    Node n = new Node(data);
    byPath.put(path, n);
    return n;
  }

  /** cp --reflink: a new file on the same blocks. */
  Node reflink(BytePath from, BytePath to) {
    Node src = byPath.get(from);
    Node n = new Node(new byte[0]);
    n.data = src.data.clone();
    n.blocks = src.blocks.clone();
    byPath.put(to, n);
    return n;
  }

  void fail(BytePath dest, int... errnos) {
    Deque<Integer> q = failures.computeIfAbsent(dest, p -> new ArrayDeque<>());
    for (int e : errnos) q.add(e);
  }

  long usedBytes() {
    Set<Long> used = new HashSet<>();
    for (Node n : allNodes()) for (long b : n.blocks) if (b != 0) used.add(btrfs ? extentOf(b) : b);
    if (!btrfs) return (long) used.size() * BLOCK;
    return used.stream().mapToLong(e -> (long) extents.get(e) * BLOCK).sum();
  }

  /** A node's btrfs items: runs of consecutive blocks of one extent. */
  List<BtrfsTree.FileExtent> items(Node n) {
    List<BtrfsTree.FileExtent> out = new ArrayList<>();
    long[] b = n.blocks;
    for (int i = 0; i < b.length; ) {
      if (b[i] == 0) {
        i++;
        continue;
      }
      long ext = extentOf(b[i]);
      int j = i + 1;
      while (j < b.length && b[j] == b[j - 1] + 1 && extentOf(b[j]) == ext) j++;
      out.add(new BtrfsTree.FileExtent((long) i * BLOCK, (long) (j - i) * BLOCK, BtrfsTree.FileExtent.REGULAR, 0,
          ext * BLOCK, (long) extents.get(ext) * BLOCK, (b[i] - ext) * BLOCK));
      i = j;
    }
    return out;
  }

  @Override
  public synchronized List<BtrfsTree.FileExtent> items(dupex.linux.OpenFile file) {
    return items(((FakeFile) file).node);
  }

  @Override
  public synchronized List<BtrfsTree.Referrer> referrers(long diskBytenr) {
    List<BtrfsTree.Referrer> out = new ArrayList<>();
    for (Node n : allNodes()) {
      for (BtrfsTree.FileExtent x : items(n)) if (x.diskBytenr() == diskBytenr) out.add(new BtrfsTree.Referrer(ROOT, n.inode, x));
    }
    return out;
  }

  @Override
  public BytePath describe(long root, long inode) {
    return BytePath.of("/inode-" + inode);
  }

  private List<Node> allNodes() {
    List<Node> all = new ArrayList<>(new HashSet<>(byPath.values()));
    all.addAll(scratches);
    return all;
  }

  private int references(long block) {
    int n = 0;
    for (Node node : allNodes()) for (long b : node.blocks) if (b == block) n++;
    return n;
  }

  @Override
  public synchronized Reopened<FakeFile> reopen(List<BytePath> paths, Expected expected) {
    for (BytePath p : paths) {
      Node n = byPath.get(p);
      if (n == null) continue;
      FileStat st = n.stat();
      if (st.inode() != expected.inode()) return new Reopened.Gone<>(p, "replaced by another regular file");
      if (st.size() != expected.size()) return new Reopened.Changed<>(p, "size");
      if (st.mtimeNs() != expected.mtimeNs()) return new Reopened.Changed<>(p, "mtime");
      return new Reopened.Same<>(p, new FakeFile(p.toString(), n), st);
    }
    return new Reopened.Gone<>(paths.get(0), "");
  }

  @Override
  public synchronized ScratchFile scratch(BytePath dir) {
    Node n = new Node(new byte[0]);
    scratches.add(n);
    return new FakeFile(dir + "/(temporary file)", n) {
      @Override
      public void close() {
        scratches.remove(n);
      }
    };
  }

  @Override
  public synchronized FsStat syncedFsStat() {
    long free = capacity - usedBytes();
    return new FsStat(btrfs ? FsStat.BTRFS_MAGIC : FsStat.XFS_MAGIC, BLOCK, capacity, free, free);
  }

  /** An open file of the fake filesystem. */
  class FakeFile implements ScratchFile {
    private final String path;
    final Node node;

    FakeFile(String path, Node node) {
      this.path = path;
      this.node = node;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public FileStat stat() {
      return node.stat();
    }

    @Override
    public FsStat fsStat() {
      return syncedFsStat();
    }

    @Override
    public List<Extent> extents(long start, long length, boolean sync) {
      synchronized (FakeKernel.this) {
        List<Extent> out = new ArrayList<>();
        long[] b = node.blocks;
        for (int i = 0; i < b.length; ) {
          if (b[i] == 0) { // a hole
            i++;
            continue;
          }
          boolean shared = references(b[i]) > 1;
          int j = i + 1;
          while (j < b.length && b[j] == b[j - 1] + 1 && (references(b[j]) > 1) == shared) j++;
          long logical = (long) i * BLOCK, len = Math.min((long) j * BLOCK, node.data.length) - logical;
          if (logical < start + length && logical + len > start) {
            out.add(new Extent(logical, b[i] * BLOCK, len, (shared ? Fiemap.EXTENT_SHARED : 0) | (j == b.length ? Fiemap.EXTENT_LAST : 0)));
          }
          i = j;
        }
        return out;
      }
    }

    @Override
    public int read(ByteBuffer buffer, long offset) {
      synchronized (FakeKernel.this) {
        int n = (int) Math.max(0, Math.min(buffer.remaining(), node.data.length - offset));
        buffer.put(node.data, (int) offset, n);
        return n;
      }
    }

    @Override
    public List<DedupeOutcome> dedupe(long srcOffset, long length, List<DedupeTarget> dests, long roundLength)
        throws NativeIOException {
      synchronized (FakeKernel.this) {
        dedupeCalls++;
        if (srcOffset + length > node.data.length) throw new NativeIOException("FIDEDUPERANGE", path, null, Errno.EINVAL);
        List<DedupeOutcome> out = new ArrayList<>();
        for (DedupeTarget t : dests) {
          FakeFile d = (FakeFile) t.file();
          Deque<Integer> queued = failures.get(BytePath.of(d.path));
          if (queued != null && !queued.isEmpty()) {
            out.add(new DedupeOutcome.Failed(0, queued.poll()));
          } else if (d.node.immutable) {
            out.add(new DedupeOutcome.Failed(0, Errno.EPERM));
          } else if (t.offset() + length > d.node.data.length || !Arrays.equals(node.data, (int) srcOffset,
              (int) (srcOffset + length), d.node.data, (int) t.offset(), (int) (t.offset() + length))) {
            out.add(new DedupeOutcome.Differs(0));
          } else {
            for (long at = 0; at < length; at += BLOCK) d.node.blocks[(int) ((t.offset() + at) / BLOCK)] = node.blocks[(int) ((srcOffset + at) / BLOCK)];
            out.add(new DedupeOutcome.Same(length));
          }
        }
        return out;
      }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) {
      synchronized (FakeKernel.this) {
        int n = buffer.remaining();
        if (offset + n > node.data.length) {
          node.data = Arrays.copyOf(node.data, (int) (offset + n));
          long[] grown = Arrays.copyOf(node.blocks, (node.data.length + BLOCK - 1) / BLOCK);
          node.blocks = grown;
        }
        // Blocks written for the first time (holes) get one new extent; a gap before them stays a hole.
        int lo = (int) (offset / BLOCK), hi = (int) ((offset + n + BLOCK - 1) / BLOCK);
        int fresh = 0;
        for (int i = lo; i < hi; i++) if (node.blocks[i] == 0) fresh++;
        if (fresh > 0) {
          long first = allocate(hi - lo);
          for (int i = lo; i < hi; i++) if (node.blocks[i] == 0) node.blocks[i] = first + (i - lo);
        }
        buffer.get(node.data, (int) offset, n);
      }
    }

    @Override
    public void sync() {}

    @Override
    public void close() {}
  }
}
