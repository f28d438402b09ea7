package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BytePathTest {
  static final byte[] LATIN1 = {'/', 'd', '/', 'c', 'a', 'f', (byte) 0xe9};

  @Test
  void textShowsEveryNameUnambiguouslyOnOneLine() {
    assertEquals("/d/caf\\xe9", BytePath.of(LATIN1).toString());
    assertEquals("/a/two\\nlines\\ttab", BytePath.of("/a/two\nlines\ttab").toString());
    assertEquals("/a/back\\\\slash", BytePath.of("/a/back\\slash").toString());
    assertEquals("/Übersicht/日本", BytePath.of("/Übersicht/日本").toString());
    assertEquals("/x\\xed\\xa0\\x80", BytePath.of(new byte[] {'/', 'x', (byte) 0xed, (byte) 0xa0, (byte) 0x80}).toString(), "a UTF-16 surrogate encoded in UTF-8 is not UTF-8");
    assertEquals("/x\\xc0\\xaf", BytePath.of(new byte[] {'/', 'x', (byte) 0xc0, (byte) 0xaf}).toString(), "overlong");
  }

  @Test
  void jsonTextIsLossless() {
    for (BytePath p : List.of(BytePath.of(LATIN1), BytePath.of("/a/two\nlines"), BytePath.of("/Übersicht/日本 😀"),
        BytePath.of(new byte[] {'/', (byte) 0xff, (byte) 0xfe, 'x', (byte) 0xe2, (byte) 0x82}))) {
      assertEquals(p, BytePath.fromJsonString(p.toJsonString()));
    }
    assertEquals("/d/caf\udce9", BytePath.of(LATIN1).toJsonString(), "surrogateescape, as Python's os.fsdecode");
    assertEquals("/Übersicht", BytePath.of("/Übersicht").toJsonString());
  }

  @Test
  void componentsAndPrefixes() {
    BytePath root = BytePath.of("/srv/data");
    BytePath f = root.resolve("a/b".split("/")[0].getBytes(StandardCharsets.UTF_8)).resolve(new byte[] {'b'});
    assertEquals(BytePath.of("/srv/data/a/b"), f);
    assertTrue(f.startsWith(root));
    assertTrue(f.startsWith(BytePath.ROOT));
    assertFalse(BytePath.of("/srv/database").startsWith(root), "a prefix of the text is not a parent");
    assertArrayEquals("a/b".getBytes(StandardCharsets.UTF_8), f.relativeTo(root));
    assertArrayEquals("srv/data/a/b".getBytes(StandardCharsets.UTF_8), f.relativeTo(BytePath.ROOT));
    assertEquals(2, f.namesBelow(root).size());
    assertEquals(BytePath.of("/srv"), root.parent());
    assertEquals(BytePath.ROOT, BytePath.of("/srv").parent());
    assertNull(BytePath.ROOT.parent());
    assertEquals(BytePath.of("/x"), BytePath.ROOT.resolve(new byte[] {'x'}));
  }

  @Test
  void onlyNormalizedAbsolutePathsAndPlainNames() {
    for (String bad : List.of("", "a", "/a/", "/a//b", "/a/./b", "/a/../b", "/..")) {
      assertThrows(IllegalArgumentException.class, () -> BytePath.of(bad), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> BytePath.of(new byte[] {'/', 'a', 0}));
    assertThrows(IllegalArgumentException.class, () -> BytePath.ROOT.resolve("..".getBytes(StandardCharsets.UTF_8)));
    assertThrows(IllegalArgumentException.class, () -> BytePath.ROOT.resolve("a/b".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void orderIsByUnsignedBytes() {
    assertTrue(BytePath.of("/a/z").compareTo(BytePath.of(LATIN1)) < 0);
    assertTrue(BytePath.of("/d/caf").compareTo(BytePath.of(LATIN1)) < 0);
  }
}
