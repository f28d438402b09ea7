package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening below a root never leaves it: no symlink is followed on the way, whatever was swapped in. */
class RootTest {
  @TempDir Path dir;

  @org.junit.jupiter.params.ParameterizedTest(name = "openat2 missing: {0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void aDirectorySwappedForASymlinkLeadsNowhere(boolean withoutOpenat2) throws Exception {
    Directory.noOpenat2 = withoutOpenat2;
    try {
      swapAndReopen();
    } finally {
      Directory.noOpenat2 = false;
    }
  }

  private void swapAndReopen() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path outside = Fixtures.write(dir.resolve("outside/f"), new byte[100]);
    Fixtures.write(root.resolve("sub/f"), new byte[100]);
    Expected outsideFile = Expected.of(Linux.lstat(outside));
    // the scan saw root/sub/f; now sub is a symlink to the outside directory, whose f is the file "expected"
    Files.move(root.resolve("sub"), dir.resolve("moved"));
    Files.createSymbolicLink(root.resolve("sub"), dir.resolve("outside"));
    try (Root r = Fixtures.root(root)) {
      Reopened<FileHandle> got = Root.reopen(List.of(r), List.of(Fixtures.bytes(root.resolve("sub/f"))), outsideFile);
      assertInstanceOf(Reopened.Gone.class, got, got.toString());
      assertEquals("replaced by a symlink", ((Reopened.Gone<?>) got).detail());
      // and the file still there is opened the same way
      Path inside = Fixtures.write(root.resolve("d/e/g"), new byte[10]);
      Reopened<FileHandle> ok = Root.reopen(List.of(r), List.of(Fixtures.bytes(inside)), Expected.of(Linux.lstat(inside)));
      assertInstanceOf(Reopened.Same.class, ok, ok.toString());
      ((Reopened.Same<FileHandle>) ok).file().close();
    }
  }

  @Test
  void aPathOutsideEveryRootIsNeverOpened() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path outside = Fixtures.write(dir.resolve("outside"), new byte[100]);
    try (Root r = Fixtures.root(root)) {
      Reopened<FileHandle> got = Root.reopen(List.of(r), List.of(Fixtures.bytes(outside)), Expected.of(Linux.lstat(outside)));
      assertInstanceOf(Reopened.Outside.class, got);
    }
  }

  @Test
  void aFileRootOpensItselfAndItsDirectoryIsItsBase() throws Exception {
    Path f = Fixtures.write(dir.resolve("one"), new byte[100]);
    try (Root r = Fixtures.root(f)) {
      assertTrue(r.isFile());
      Reopened<FileHandle> got = Root.reopen(List.of(r), List.of(Fixtures.bytes(f)), Expected.of(Linux.lstat(f)));
      assertInstanceOf(Reopened.Same.class, got);
      ((Reopened.Same<FileHandle>) got).file().close();
    }
  }

  @Test
  void lookupTellsGoneFromStillThere() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path f = Fixtures.write(root.resolve("f"), new byte[100]);
    FileStat st = Linux.lstat(f);
    try (Root r = Fixtures.root(root)) {
      assertEquals(Root.Lookup.SAME, r.lookup(Fixtures.bytes(f), st.device(), st.inode()));
      assertEquals(Root.Lookup.GONE, r.lookup(Fixtures.bytes(f), st.device(), st.inode() + 1));
      assertEquals(Root.Lookup.GONE, r.lookup(Fixtures.bytes(root.resolve("nope")), st.device(), st.inode()));
    }
  }

  @Test
  void realPathResolvesSymlinksOfArgumentsByBytes() throws Exception {
    Path target = Files.createDirectories(dir.resolve("t"));
    Files.createSymbolicLink(dir.resolve("link"), target);
    assertEquals(Fixtures.bytes(target.toRealPath()), Linux.realPath(dir.resolve("link").toString().getBytes()));
  }

  @Test
  void namesThatAreNotUtf8AreListedAndOpened() throws Exception {
    byte[] name = {'c', 'a', 'f', (byte) 0xe9};
    Path root = Files.createDirectories(dir.resolve("root"));
    try (Root r = Fixtures.root(root)) {
      BytePath p = r.path().resolve(name);
      Fixtures.copyAs(Fixtures.write(Files.createTempFile("root", ".dat"), new byte[100]), p);
      List<byte[]> names = new java.util.ArrayList<>();
      r.directory().forEachName(names::add);
      assertEquals(1, names.size());
      assertEquals(p, r.path().resolve(names.get(0)));
      FileStat st = r.directory().stat(name);
      Reopened<FileHandle> got = Root.reopen(List.of(r), List.of(p), Expected.of(st));
      assertInstanceOf(Reopened.Same.class, got);
      ((Reopened.Same<FileHandle>) got).file().close();
    }
  }
}
